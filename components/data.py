"""Engine and cached reads for the pages.

Every read is cached by (database URL, data version, query, arguments). The
data version is read once per script run in `app.py` (one small query), so a
change made by any session or any server process shows on the next rerun,
and a warm rerun with unchanged data issues no other SQL.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import queries
from db.config import database_url
from db.engine import make_engine
from db.versioning import data_version

VERSION_KEY = "_data_version"


@st.cache_resource(max_entries=4, show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The engine of the configured database, shared by all sessions."""
    return _engine(database_url())


def refresh_version() -> int:
    """Read the data version once for this run (called by app.py)."""
    with engine().connect() as connection:
        version = data_version(connection)
    st.session_state[VERSION_KEY] = version
    return version


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _read(url: str, version: int, name: str, args: tuple) -> Any:
    with Session(_engine(url)) as session:
        return getattr(queries, name)(session, *args)


def read(name: str, *args: Any) -> Any:
    """Result of `db.queries.<name>(session, *args)`, cached per data version.

    Callers must not mutate what comes back: it is shared between sessions.
    """
    version = st.session_state.get(VERSION_KEY)
    if version is None:
        version = refresh_version()
    return _read(database_url(), version, name, args)


DB_DOWN = (
    "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen "
    "Minuten erneut; bleibt der Fehler, informieren Sie bitte die Administration."
)


def ensure_reachable() -> bool:
    """Read the data version; on failure show a plain German message instead."""
    try:
        refresh_version()
    except DBAPIError:
        st.error(DB_DOWN, icon=":material/cloud_off:")
        return False
    return True
