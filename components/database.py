"""The app's database: one engine per process, shared by all sessions, and the
one way a page writes (`write`: a write service in one transaction).

Reads go through components/data.py (cached); what a run knows about its user
and the data version is components/run_context.py.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from db import logs
from db.config import database_url, setting
from db.engine import make_engine, session_scope
from db.errors import DatabaseUnavailable
from db.permissions import Actor

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
def engine_for(url: str) -> Engine:
    return make_engine(
        url, lock_timeout_ms=LOCK_TIMEOUT_MS, statement_timeout_ms=STATEMENT_TIMEOUT_MS
    )


def engine() -> Engine:
    """The engine of the configured database, shared by all sessions."""
    return engine_for(database_url())


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
