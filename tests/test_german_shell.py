"""The page shell Streamlit serves is German: lang="de", the German-controls script."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import streamlit
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from components.german_shell import GermanShell

INDEX = Path(streamlit.__file__).parent / "static" / "index.html"


class Response:
    def __init__(self, messages: list[dict]) -> None:
        self.status_code = messages[0]["status"]
        self.headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
        self.content = b"".join(m.get("body", b"") for m in messages[1:])
        self.text = self.content.decode("utf-8")


def _get(path: str) -> Response:
    """GET PATH from a small Starlette app behind GermanShell, as the ASGI server would."""
    routes = [
        Route("/", lambda _r: FileResponse(INDEX)),
        Route("/healthz", lambda _r: JSONResponse({"lang": "en"})),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(GermanShell)])
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"test")], "server": ("test", 80),
        "client": ("test", 1),
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
    return Response(messages)


def test_streamlits_page_shell_is_served_as_german():
    assert '<html lang="en">' in INDEX.read_text(encoding="utf-8"), "Streamlit changed its shell"
    response = _get("/")
    html = response.text
    assert response.status_code == 200
    assert '<html lang="de">' in html and 'lang="en"' not in html
    assert int(response.headers["content-length"]) == len(response.content)
    # the script comes before Streamlit's own module, so its language applies from the start
    assert html.index("Navigator.prototype") < html.index('type="module"')
    assert "You need to enable JavaScript" not in html


def test_other_responses_pass_unchanged():
    assert json.loads(_get("/healthz").content) == {"lang": "en"}


def test_the_script_knows_the_english_texts_the_browser_suite_forbids():
    script = (Path(__file__).parents[1] / "components" / "german_ui.js").read_text()
    for text in ("Choose an option", "No results", "Drag and drop a file here", "Press Enter"):
        assert f'"{text}' in script, text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
