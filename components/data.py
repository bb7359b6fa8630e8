"""Engine and cached reads for the pages.

Every read is cached by (database URL, data version, query, arguments). The
data version is read once per script run, together with the signed-in user's
role (one small query), so a change made by any session or any server process
shows on the next rerun, and a warm rerun with unchanged data issues no other
SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import logs, sessions
from db.config import database_url, setting
from db.engine import make_engine, session_scope
from db.errors import DatabaseUnavailable
from db.permissions import Actor

VERSION_KEY = "_data_version"
DB_AWAY_KEPT = (
    "Die Datenbank ist gerade nicht erreichbar. Sie sehen den zuletzt geladenen Stand; "
    "gespeichert werden kann erst wieder, wenn sie erreichbar ist. Ihre Eingaben bleiben "
    "erhalten."
)
DB_DOWN = (
    "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen "
    "Minuten erneut; bleibt der Fehler, informieren Sie bitte die Administration."
)


# On PostgreSQL a write waits at most this long for another transaction's lock and
# a statement runs at most this long; then the user reads DatabaseUnavailable's
# German message and the form keeps the input (README, "Editing").
LOCK_TIMEOUT_MS = int(setting("DASHBOARD_LOCK_TIMEOUT_MS", "5000") or 5000)
STATEMENT_TIMEOUT_MS = int(setting("DASHBOARD_STATEMENT_TIMEOUT_MS", "30000") or 30000)


@st.cache_resource(max_entries=4, show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(
        url, lock_timeout_ms=LOCK_TIMEOUT_MS, statement_timeout_ms=STATEMENT_TIMEOUT_MS
    )


def engine() -> Engine:
    """The engine of the configured database, shared by all sessions."""
    return _engine(database_url())


def start_run(
    *, session_id: int | None = None, token_hash: str | None = None
) -> sessions.RunContext:
    """Read the data version and the sign-in session with its user for this run
    (one statement; components.auth decides what it means)."""
    with Session(engine()) as session:
        context = sessions.run_context(session, session_id=session_id, token_hash=token_hash)
    st.session_state[VERSION_KEY] = context.data_version
    return context


Query = Callable[..., Any]
T = TypeVar("T")


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _read(url: str, version: int, name: str, _query: Query, args: tuple) -> Any:
    with Session(_engine(url)) as session:
        return _query(session, *args)


def read(query: Query, *args: Any) -> Any:
    """Result of `query(session, *args)` (a db/ read function), cached per data version.

    Callers must not mutate what comes back: it is shared between sessions.
    """
    version = st.session_state.get(VERSION_KEY)
    if version is None:
        version = start_run().data_version
    name = f"{query.__module__}.{query.__qualname__}"
    return _read(database_url(), version, name, query, args)


@st.cache_resource(max_entries=512, show_spinner=False)
def _derived(url: str, version: int, key: str, args: tuple, _build: Callable[..., Any]) -> Any:
    return _build(*args)


def derived(key: str, build: Callable[..., T], *args: Any) -> T:
    """`build(*args)`, computed once per process and data version and shared by all
    sessions: for what a page makes from cached reads (chart specifications).

    KEY names what is built (unique per page element); ARGS are everything else it
    depends on (filter values). Callers must not mutate what comes back.
    """
    version = st.session_state.get(VERSION_KEY)
    if version is None:
        version = start_run().data_version
    return _derived(database_url(), version, key, args, build)


def forget_cached() -> None:
    """Drop every cached read and derived view in this process (after an erasure,
    so no copy of erased personal data stays in memory)."""
    _read.clear()
    _derived.clear()


def read_fresh(query: Query, *args: Any) -> Any:
    """Like `read`, uncached: for admin views that must show the state of this moment."""
    with Session(engine()) as session:
        return query(session, *args)


def write(actor: Actor, service: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a write service in one transaction as ACTOR (commits or rolls back).

    A database that is down or locked becomes DatabaseUnavailable: the page
    shows it and the form keeps its input.
    """
    try:
        with session_scope(engine(), actor) as session:
            return service(session, actor, *args, **kwargs)
    except DBAPIError as exc:
        logs.error("database_unavailable", exc, user=actor.username)
        raise DatabaseUnavailable() from exc
