"""Cached reads for the pages.

Every read is cached by (database URL, data version, query, arguments). The
data version is read once per script run (components/run_context.py, one
small query together with the sign-in session), so a change made by any
session or any server process shows on the next rerun, and a warm rerun with
unchanged data issues no other SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from components import database, run_context
from db.config import database_url

Query = Callable[..., Any]
T = TypeVar("T")


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _read(url: str, version: int, name: str, _query: Query, args: tuple) -> Any:
    with Session(database.engine_for(url)) as session:
        return _query(session, *args)


def read(query: Query, *args: Any) -> Any:
    """Result of `query(session, *args)` (a db/ read function), cached per data version.

    Callers must not mutate what comes back: it is shared between sessions.
    """
    name = f"{query.__module__}.{query.__qualname__}"
    return _read(database_url(), run_context.version(), name, query, args)


@st.cache_resource(max_entries=512, show_spinner=False)
def _derived(url: str, version: int, key: str, args: tuple, _build: Callable[..., Any]) -> Any:
    return _build(*args)


def derived(key: str, build: Callable[..., T], *args: Any) -> T:
    """`build(*args)`, computed once per process and data version and shared by all
    sessions: for what a page makes from cached reads (chart specifications).

    KEY names what is built (unique per page element); ARGS are everything else it
    depends on (filter values). Callers must not mutate what comes back.
    """
    return _derived(database_url(), run_context.version(), key, args, build)


def forget_cached() -> None:
    """Drop every cached read and derived view in this process (after an erasure,
    so no copy of erased personal data stays in memory)."""
    _read.clear()
    _derived.clear()


def read_fresh(query: Query, *args: Any) -> Any:
    """Like `read`, uncached: for admin views that must show the state of this moment."""
    with Session(database.engine()) as session:
        return query(session, *args)
