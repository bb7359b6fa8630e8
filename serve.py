"""The server: `streamlit run serve.py` serves app.py, plus `GET /healthz`.

On a shared database the process refuses to start while a setting is missing
or still a demo value (see db/deployment.py); the reasons go to stderr as one
German line each and the exit code is 1.
"""

from __future__ import annotations

import sys

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from streamlit import config as st_config

from components.german_shell import GermanShell
from db import logs
from db.config import ConfigError, database_url
from db.deployment import health, shared_setup_problems
from db.engine import make_engine

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
    routes=[Route("/healthz", healthz)],
    middleware=[Middleware(GermanShell)],
    on_script_error=_script_error,
)
