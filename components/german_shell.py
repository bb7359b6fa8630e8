"""The page Streamlit serves, made German: `<html lang="de">`, components/german_ui.js
and the sign-in cookie's hand-over (components/session_cookie.js).

Streamlit 1.67 writes `<html lang="en">` into its index.html and has no setting
for the language of its own controls (README, "Sprache der Bedienelemente").
This ASGI middleware changes only HTML responses, the page shell, and serves
the script; the websocket, the static files and the app's data pass through
untouched.

The script is served as a file of its own (`SCRIPT_PATH`) and the shell loads
it with `<script src>`, so that the proxy's Content-Security-Policy can forbid
inline scripts (deploy/nginx/dashboard-proxy.conf). For the same reason the
shell's one inline script of Streamlit's (`window.prerenderReady = false`, a
flag for prerendering services that the app sets itself once it is drawn) is
left out.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config as st_config

# The shell's scripts, served as one file: the German controls, and the sign-in
# cookie's hand-over (components/session_cookie.js, see components/auth.py).
SCRIPT = b"\n".join(
    (Path(__file__).with_name(name)).read_bytes() for name in ("german_ui.js", "session_cookie.js")
)
# Under the app's root (Streamlit's server.baseUrlPath); the shell names it
# relative to the page, "./_shell/shell.js", like Streamlit's own
# "./static/js/..." files, so that it resolves on every page (/, /teilnahme)
# and under a base path alike.
SCRIPT_PATH = "_shell/shell.js"
SCRIPT_ETAG = '"' + hashlib.sha256(SCRIPT).hexdigest()[:32] + '"'
NOSCRIPT = "<p>Bitte aktivieren Sie JavaScript, um das Dashboard zu nutzen.</p>"
# Streamlit leaves 6rem above every page's title; at 1366x768 that pushes a page's
# main control below the fold. Static CSS of the shell, no data.
STYLE = (
    "[data-testid='stAppViewContainer'] [data-testid='stMainBlockContainer']{padding-top:3.5rem}"
)
# Streamlit's only inline script in its index.html.
PRERENDER_SCRIPT = re.compile(r"\s*<script>\s*window\.prerenderReady = false;?\s*</script>")


def germanise(html: str) -> str:
    """Streamlit's index.html with lang="de", the script first in <head>, German noscript."""
    html = html.replace('<html lang="en">', '<html lang="de">', 1)
    html = PRERENDER_SCRIPT.sub("", html, count=1)
    html = html.replace(
        "<head>",
        f'<head>\n    <script src="./{SCRIPT_PATH}"></script>\n    <style>{STYLE}</style>',
        1,
    )
    start, end = html.find("<noscript>"), html.find("</noscript>")
    if 0 <= start < end:
        html = html[: start + len("<noscript>")] + NOSCRIPT + html[end:]
    return html


def script_path() -> str:
    """Where the script is served: under Streamlit's base URL path, if one is set."""
    base = str(st_config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/{SCRIPT_PATH}" if base else f"/{SCRIPT_PATH}"


def script_response(scope: Scope) -> Response:
    """The shell's scripts as read at start; revalidated by its ETag on every load."""
    headers = {"Cache-Control": "no-cache", "ETag": SCRIPT_ETAG}
    if Headers(scope=scope).get("if-none-match") == SCRIPT_ETAG:
        return Response(status_code=304, headers=headers)
    body = b"" if scope["method"] == "HEAD" else SCRIPT
    response = Response(body, media_type="application/javascript", headers=headers)
    response.headers["content-length"] = str(len(SCRIPT))
    return response


class GermanShell:
    """Serve the script at `script_path()`; rewrite `text/html` responses with `germanise`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD") and scope["path"] == script_path():
            await script_response(scope)(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_german(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message["headers"]))
                html = headers.get("content-type", "").startswith("text/html")
                encoding = headers.get("content-encoding", "")
                if message["status"] != 200 or not html or encoding not in ("", "gzip"):
                    start = None
                    await send(message)
                    return
                start = message
                return
            if message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                headers = MutableHeaders(raw=list(start["headers"]))
                raw = b"".join(body)
                # Streamlit gzips the shell it serves for a page's own address
                # (/teilnahme), not the one for /; the German one goes out plain.
                if headers.get("content-encoding") == "gzip":
                    raw = gzip.decompress(raw)
                    del headers["content-encoding"]
                text = germanise(raw.decode("utf-8")).encode("utf-8")
                headers["content-length"] = str(len(text))
                await send({**start, "headers": headers.raw})
                await send({"type": "http.response.body", "body": text})
                return
            await send(message)

        await self.app(scope, receive, send_german)
