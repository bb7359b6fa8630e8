"""The page shell Streamlit serves is German: lang="de", the German-controls
script, served as a file of its own (the proxy's CSP admits no inline script)."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import threading
from pathlib import Path

import streamlit
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from streamlit import config as st_config

from components import german_shell
from components.german_shell import SCRIPT_PATH, GermanShell

INDEX = Path(streamlit.__file__).parent / "static" / "index.html"
SCRIPT = Path(__file__).parents[1] / "components" / "german_ui.js"


class Reply:
    def __init__(self, messages: list[dict]) -> None:
        self.status_code = messages[0]["status"]
        self.headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
        self.content = b"".join(m.get("body", b"") for m in messages[1:])
        self.text = self.content.decode("utf-8")


def _gzipped_index(_request) -> Response:
    """As Streamlit answers a page's own address (/teilnahme): its shell, gzipped."""
    body = gzip.compress(INDEX.read_bytes())
    return Response(body, media_type="text/html", headers={"content-encoding": "gzip"})


def _get(path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """PATH from a small Starlette app behind GermanShell, as the ASGI server would ask."""
    routes = [
        Route("/", lambda _r: FileResponse(INDEX)),
        Route("/teilnahme", _gzipped_index),
        Route("/healthz", lambda _r: JSONResponse({"lang": "en"})),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(GermanShell)])
    raw_headers = [(b"host", b"test")] + [
        (k.lower().encode(), v.encode()) for k, v in (headers or {}).items()
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": raw_headers, "server": ("test", 80), "client": ("test", 1),
    }  # fmt: skip
    messages: list[dict] = []

    async def run() -> None:
        done = asyncio.Event()
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await app(scope, receive, send)

    # In a thread of its own: Playwright's loop may already run in this one (same worker).
    worker = threading.Thread(target=asyncio.run, args=(run(),))
    worker.start()
    worker.join(timeout=30)
    return Reply(messages)


def _assert_german_shell(response: Reply) -> None:
    html = response.text
    assert response.status_code == 200
    assert '<html lang="de">' in html and 'lang="en"' not in html
    assert int(response.headers["content-length"]) == len(response.content)
    # the script comes before Streamlit's own module, so its language applies from the start;
    # relative to the page like Streamlit's own ./static/ files (a base URL path, /teilnahme)
    assert html.index(f'<script src="./{SCRIPT_PATH}"></script>') < html.index('type="module"')
    # no inline script is left (the proxy's Content-Security-Policy would refuse it)
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert "You need to enable JavaScript" not in html


def test_streamlits_page_shell_is_served_as_german():
    shell = INDEX.read_text(encoding="utf-8")
    assert '<html lang="en">' in shell, "Streamlit changed its shell"
    assert "window.prerenderReady = false" in shell, "Streamlit changed its inline script"
    _assert_german_shell(_get("/"))


def test_the_gzipped_shell_of_a_pages_own_address_is_german_too():
    response = _get("/teilnahme", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers
    _assert_german_shell(response)


def test_the_script_is_served_at_its_own_path():
    response = _get(f"/{SCRIPT_PATH}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript"
    assert response.content == german_shell.SCRIPT and SCRIPT.read_bytes() in response.content
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["cache-control"] == "no-cache"
    # revalidated by its ETag: unchanged, it is not sent again
    again = _get(f"/{SCRIPT_PATH}", headers={"if-none-match": response.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    head = _get(f"/{SCRIPT_PATH}", method="HEAD")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == response.headers["content-length"]


def test_the_script_path_follows_streamlits_base_url_path():
    before = st_config.get_option("server.baseUrlPath")
    st_config.set_option("server.baseUrlPath", "/dashboard/")
    try:
        assert _get(f"/dashboard/{SCRIPT_PATH}").content == german_shell.SCRIPT
        assert _get(f"/{SCRIPT_PATH}").status_code == 404
    finally:
        st_config.set_option("server.baseUrlPath", before)


def test_other_responses_pass_unchanged():
    assert json.loads(_get("/healthz").content) == {"lang": "en"}


def test_the_script_knows_the_english_texts_the_browser_suite_forbids():
    script = SCRIPT.read_text()
    for text in ("Choose an option", "No results", "Drag and drop a file here", "Press Enter"):
        assert f'"{text}' in script, text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
