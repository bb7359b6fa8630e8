"""The page Streamlit serves, made German: `<html lang="de">` and components/german_ui.js.

Streamlit 1.67 writes `<html lang="en">` into its index.html and has no setting
for the language of its own controls (README, "Sprache der Bedienelemente").
This ASGI middleware changes only HTML responses, the page shell; the
websocket, the static files and the app's data pass through untouched.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCRIPT = (Path(__file__).with_name("german_ui.js")).read_text(encoding="utf-8")
NOSCRIPT = "<p>Bitte aktivieren Sie JavaScript, um das Dashboard zu nutzen.</p>"
# Streamlit leaves 6rem above every page's title; at 1366x768 that pushes a page's
# main control below the fold. Static CSS of the shell, no data.
STYLE = (
    "[data-testid='stAppViewContainer'] [data-testid='stMainBlockContainer']{padding-top:3.5rem}"
)


def germanise(html: str) -> str:
    """Streamlit's index.html with lang="de", the script first in <head>, German noscript."""
    html = html.replace('<html lang="en">', '<html lang="de">', 1)
    html = html.replace(
        "<head>", f"<head>\n    <script>{SCRIPT}</script>\n    <style>{STYLE}</style>", 1
    )
    start, end = html.find("<noscript>"), html.find("</noscript>")
    if 0 <= start < end:
        html = html[: start + len("<noscript>")] + NOSCRIPT + html[end:]
    return html


class GermanShell:
    """Rewrite `text/html` responses with `germanise`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_german(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message["headers"]))
                html = headers.get("content-type", "").startswith("text/html")
                if message["status"] != 200 or not html or headers.get("content-encoding"):
                    start = None
                    await send(message)
                    return
                start = message
                return
            if message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                text = germanise(b"".join(body).decode("utf-8")).encode("utf-8")
                headers = MutableHeaders(raw=list(start["headers"]))
                headers["content-length"] = str(len(text))
                await send({**start, "headers": headers.raw})
                await send({"type": "http.response.body", "body": text})
                return
            await send(message)

        await self.app(scope, receive, send_german)
