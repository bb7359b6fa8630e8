"""One simulated browser tab speaking Streamlit's own WebSocket protocol.

What a returning browser does, and what this does in the same order:

1. GET the page's URL (index.html) and GET /_stcore/health, which sets the
   `_streamlit_xsrf` cookie (Streamlit sets it there, not on index.html).
   Every cookie a response sets is kept and sent on all later requests and
   the WebSocket handshake, as a browser does; behind nginx that includes the
   route cookie `dashboard_route` of the first response, so all of a tab's
   requests reach the same app process (deploy/nginx/dashboard.conf).
2. Open ws://HOST/_stcore/stream with the subprotocols
   `streamlit, <xsrf cookie value>` (Streamlit repurposes the second entry as
   the XSRF token), an Origin header of the same host, and the cookies
   (`_streamlit_xsrf`, the app's session cookie, any route cookie). Streamlit
   keeps the cookies of this upgrade request for `st.context.cookies`, where
   the app reads its session cookie on the first run (components/auth.py).
3. Send BackMsg.rerun_script with a ClientState like the frontend's first one:
   page_name = the URL path (how st.navigation resolves a deep link),
   page_script_hash = "", the query string, the context info (timezone,
   locale, url) and no widget states.
4. Read ForwardMsgs until script_finished: a returning browser is signed in
   on this first run, with no component and no second run.
5. Every later rerun sends the page_script_hash the server named in its
   Navigation message (page_name empty), as the frontend does after the first
   run, and the hashes of the cacheable ForwardMsgs it holds
   (`cached_message_hashes`), so the server sends `ref_hash` references for
   unchanged charts exactly as it would to a browser. The cache forgets entries
   older than `max_cached_message_age` runs (from NewSession.config), as the
   frontend's ForwardMsgCache does.

A run counts as failed when it does not finish successfully, shows an
exception element or an error alert, shows the sign-in form, lands on another
page than asked for, or lacks the page's title.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.typing import Origin, Subprotocol

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED_OK = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
ALERT_ERROR = 1
SIGN_IN_MARKERS = ("Benutzername", "Passwort", "Anmelden")
CONTENT = ("vega_lite_chart", "dataframe", "table")


async def http_get(base: str, path: str, cookies: dict[str, str]) -> tuple[int, dict[str, str]]:
    """A plain HTTP/1.1 GET; returns the status and the cookies it sets (name -> value)."""
    parts = urlsplit(base)
    tls = parts.scheme == "https"
    context = None
    if tls:  # loopback only: a self-signed certificate is fine
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(
        parts.hostname, parts.port or (443 if tls else 80), ssl=context
    )
    try:
        head = [
            f"GET {parts.path.rstrip('/')}{path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Connection: close",
            "Accept: text/html,*/*",
            "User-Agent: bench-load/1",
        ]
        if cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    header, _, _ = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    set_cookies = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            pair = value.strip().split(";")[0]
            k, _, v = pair.partition("=")
            set_cookies[k.strip()] = v.strip()
    return status, set_cookies


@dataclass
class RunResult:
    ok: bool
    latency: float
    reason: str = ""
    bytes_in: int = 0
    messages: int = 0
    content: int = 0  # charts and tables shown (sent, or referenced by hash)


@dataclass
class PageCheck:
    """What a successful run of a page shows."""

    url_path: str  # "" = the default page
    title: str
    need_nav: bool = True  # the app's pages; the floor has no st.navigation
    min_content: int = 0  # charts and tables (sent, or referenced by hash)
    query: str = ""  # the URL's query string (a projector link's token)


@dataclass
class _RunState:
    started: bool = False
    finished: int | None = None
    titles: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exception: str = ""
    sign_in: bool = False
    nav_page: str | None = None
    content: int = 0
    bytes_in: int = 0
    messages: int = 0


class BrowserSession:
    """One browser tab on one page of one server."""

    def __init__(
        self,
        base: str,
        check: PageCheck,
        cookies: dict[str, str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.base = base.rstrip("/")
        self.check = check
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.ws = None
        self.page_hash = ""  # known after the first run's Navigation message
        self.url_to_hash: dict[str, str] = {}
        self.hash_to_url: dict[str, str] = {}
        self.cache: dict[str, int] = {}  # ForwardMsg hash -> run count last used
        self.run_count = 0
        self.max_age = 2
        self.last_content = 0  # charts and tables of the last finished run

    # -- connection ---------------------------------------------------------
    async def open(self) -> RunResult:
        """Load the page like a returning browser: HTTP, WebSocket, first run."""
        path = "/" + self.check.url_path
        status, set_cookies = await http_get(self.base, path, self.cookies)
        self._keep(set_cookies)  # e.g. nginx's route cookie: the next requests go the same way
        if status != 200:
            return RunResult(False, 0.0, f"GET {path}: {status}")
        _, set_cookies = await http_get(self.base, "/_stcore/health", self.cookies)
        self._keep(set_cookies)
        xsrf = self.cookies.get(XSRF_COOKIE, "")
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        protocols = [Subprotocol("streamlit")] + ([Subprotocol(xsrf)] if xsrf else [])
        context = None
        if scheme == "wss":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self.ws = await connect(
            f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream",
            ssl=context,
            origin=Origin(f"{parts.scheme}://{parts.netloc}"),
            subprotocols=protocols,
            additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
            max_size=None,
            ping_interval=None,  # the server pings; the client answers (as a browser)
            open_timeout=self.timeout,
            close_timeout=2,
        )
        return await self.run(first=True)

    def _keep(self, set_cookies: dict[str, str]) -> None:
        """Keep the cookies a response sets, as a browser does, for all later requests."""
        self.cookies.update(set_cookies)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    # -- runs ----------------------------------------------------------------
    async def switch(self, check: PageCheck) -> RunResult:
        """Click another page in the sidebar (the frontend sends its script hash)."""
        target = self.url_to_hash.get(check.url_path)
        if target is None:
            return RunResult(False, 0.0, f"no page {check.url_path!r} in the navigation")
        self.check = check
        self.page_hash = target
        return await self.run()

    def _client_state(self, first: bool) -> ClientState:
        cs = ClientState()
        if first or not self.page_hash:
            cs.page_name = self.check.url_path
        else:
            cs.page_script_hash = self.page_hash
        cs.query_string = self.check.query
        cs.cached_message_hashes.extend(self.cache.keys())
        ci = cs.context_info
        ci.timezone = "Europe/Berlin"
        ci.timezone_offset = -60
        ci.locale = "de-DE"
        ci.url = f"{self.base}/{self.check.url_path}"
        ci.is_embedded = False
        ci.color_scheme = "light"
        return cs

    async def run(self, first: bool = False) -> RunResult:
        """Send one rerun_script and read until its script_finished."""
        msg = BackMsg()
        msg.rerun_script.CopyFrom(self._client_state(first))
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        state = _RunState()
        try:
            async with asyncio.timeout(self.timeout):
                while state.finished is None:
                    data = await self.ws.recv()
                    self._handle(data, state)
        except TimeoutError:
            return RunResult(
                False,
                time.perf_counter() - start,
                "timeout",
                state.bytes_in,
                state.messages,
                state.content,
            )
        latency = time.perf_counter() - start
        self.last_content = state.content
        self._age_cache()
        reason = self._verdict(state)
        return RunResult(not reason, latency, reason, state.bytes_in, state.messages, state.content)

    def _handle(self, data: bytes, state: _RunState) -> None:
        fm = ForwardMsg.FromString(data)
        state.bytes_in += len(data)
        state.messages += 1
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            state.started = True
            if fm.new_session.config.max_cached_message_age:
                self.max_age = fm.new_session.config.max_cached_message_age
            return
        if not state.started:
            return  # left over from an earlier run
        if fm.metadata.cacheable and fm.hash:
            self.cache[fm.hash] = self.run_count
        if kind == "ref_hash":
            state.content += 1
            if fm.ref_hash in self.cache:
                self.cache[fm.ref_hash] = self.run_count
            else:
                state.errors.append(f"cache miss {fm.ref_hash}")
            return
        if kind == "delta":
            if fm.delta.WhichOneof("type") != "new_element":
                return
            el = fm.delta.new_element
            which = el.WhichOneof("type")
            if which in CONTENT:
                state.content += 1
            elif which == "heading":
                state.titles.append(el.heading.body)
            elif which == "alert" and el.alert.format == ALERT_ERROR:
                state.errors.append(el.alert.body[:120])
            elif which == "exception":
                state.exception = f"{el.exception.type}: {el.exception.message}"[:160]
            elif which in ("text_input", "button"):
                label = getattr(el, which).label
                if label in SIGN_IN_MARKERS:
                    state.sign_in = True
        elif kind == "navigation":
            nav = fm.navigation
            for p in nav.app_pages:
                self.url_to_hash[p.url_pathname] = p.page_script_hash
                self.hash_to_url[p.page_script_hash] = p.url_pathname
            self.page_hash = nav.page_script_hash
            state.nav_page = self.hash_to_url.get(nav.page_script_hash, "?")
            if any(p.page_name == "Anmeldung" for p in nav.app_pages):
                state.sign_in = True
        elif kind == "page_not_found":
            state.errors.append(f"page not found: {fm.page_not_found.page_name}")
        elif kind == "script_finished":
            state.finished = fm.script_finished

    def _age_cache(self) -> None:
        self.run_count += 1
        self.cache = {h: n for h, n in self.cache.items() if self.run_count - n <= self.max_age}

    def _verdict(self, state: _RunState) -> str:
        if state.finished != FINISHED_OK:
            return f"script_finished={state.finished}"
        if state.exception:
            return "exception: " + state.exception
        if state.sign_in:
            return "sign-in form"
        if state.errors:
            return "error: " + state.errors[0]
        if self.check.need_nav:
            want = self.check.url_path
            if state.nav_page is None:
                return "no navigation"
            if state.nav_page != want:
                return f"landed on {state.nav_page!r}"
        if self.check.title and self.check.title not in state.titles:
            return f"title {self.check.title!r} missing"
        if state.content < self.check.min_content:
            return f"{state.content} charts/tables, expected {self.check.min_content}"
        return ""
