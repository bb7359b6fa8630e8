"""The server: `streamlit run serve.py` serves app.py, plus `GET /healthz`.

On a shared database the process refuses to start while a setting is missing
or still a demo value (see db/deployment.py); the reasons go to stderr as one
German line each and the exit code is 1.
"""

from __future__ import annotations

import datetime as dt
import sys
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from streamlit import config as st_config

from components.german_shell import GermanShell
from db import logs, sessions
from db.config import ConfigError, database_url
from db.deployment import health, shared_setup_problems
from db.engine import make_engine, session_scope

logs.configure()
try:
    _URL = database_url()
    _HEALTH_ENGINE = make_engine(_URL)
    _secret = st_config.get_option("server.cookieSecret")
    _problems = shared_setup_problems(
        _HEALTH_ENGINE, _URL, _secret if st_config.is_manually_set("server.cookieSecret") else None
    )
except ConfigError as exc:
    _problems = [str(exc)]
if _problems:
    for problem in _problems:
        print(f"Fehler: {problem}", file=sys.stderr)
    logs.event("startup_refused", problems=len(_problems))
    raise SystemExit(1)


async def healthz(_request: Request) -> JSONResponse:
    """For the proxy's and the container's checks: 200 when the database is usable, else 503."""
    state = await run_in_threadpool(health, _HEALTH_ENGINE)
    return JSONResponse(state.as_dict(), status_code=200 if state.ok else 503)


def _same_origin(request: Request) -> bool:
    """A browser's POST from our own page (fetch sends Origin); refuse other sites'."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _redeem(ticket: str) -> str | None:
    with session_scope(_HEALTH_ENGINE) as session:
        return sessions.redeem_ticket(session, ticket, dt.datetime.now(dt.UTC))


async def session_cookie(request: Request) -> Response:
    """Trade the one-time ticket of a fresh sign-in for the HttpOnly session cookie
    (components/session_cookie.js posts it; db/sessions.py explains why)."""
    ticket = (await request.body())[:200].decode("ascii", "replace").strip()
    if not _same_origin(request) or not ticket:
        return Response(status_code=403)
    token = await run_in_threadpool(_redeem, ticket)
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=int(sessions.limits().absolute.total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


async def forget_session_cookie(request: Request) -> Response:
    """Delete the session cookie (after a sign-out; the session itself has ended)."""
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204)
    response.delete_cookie(
        sessions.COOKIE_NAME,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


def _script_error(exc: BaseException) -> bool:
    """Log an unexpected error by its kind and show a German message instead of a traceback."""
    logs.error("script_error", exc)
    st.error(
        "Es ist ein unerwarteter Fehler aufgetreten. Bitte laden Sie die Seite neu; "
        "bleibt der Fehler, informieren Sie bitte die Administration."
    )
    return True


app = st.App(
    "app.py",
    routes=[
        Route("/healthz", healthz),
        Route("/_sitzung", session_cookie, methods=["POST"]),
        Route("/_sitzung/ende", forget_session_cookie, methods=["POST"]),
    ],
    middleware=[Middleware(GermanShell)],
    on_script_error=_script_error,
)
