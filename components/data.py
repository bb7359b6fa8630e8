"""Cached reads for the pages, and what pages derive from them.

Every read is cached by (database URL, data version, query, arguments). The
data version is read once per script run (components/run_context.py, one
small query together with the sign-in session), so a change made by any
session or any server process shows on the next rerun, and a warm rerun with
unchanged data issues no other SQL. Reads and derived values are kept as they
are, shared by all sessions of the process (never copied per run): a warm
rerun fetches them by a dict lookup and does no DataFrame work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from components import database, run_context
from db.config import database_url

Query = Callable[..., Any]
T = TypeVar("T")


def _load(url: str, query: Query, args: tuple) -> Any:
    with Session(database.engine_for(url)) as session:
        return query(session, *args)


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _read(url: str, version: int, name: str, _query: Query, args: tuple) -> Any:
    # Only for arguments that cannot be a dict key (see read); a copy per call.
    return _load(url, _query, args)


def read(query: Query, *args: Any) -> Any:
    """Result of `query(session, *args)` (a db/ read function), cached per data version.

    Callers must not mutate what comes back: it is shared between sessions.
    """
    name = f"{query.__module__}.{query.__qualname__}"
    url, version = database_url(), run_context.version()
    key = ("read", url, version, name, _frozen(args))
    try:
        hash(key)
    except TypeError:
        return _read(url, version, name, query, args)
    return _derived_store().get(key, lambda: _load(url, query, args))


def _frozen(value: Any) -> Any:
    """VALUE with its lists (and tuples) as tuples, so that it can be a dict key."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


CACHE_ENTRIES = 1024  # reads and derived values together


class _Derived:
    """Reads and what pages build from them, per process: a bounded LRU map from
    (database URL, data version, what, arguments) to the value.

    A plain dict, not st.cache_resource: a hit costs a dict lookup, where
    Streamlit's cache hashes every argument and inspects the function's signature
    (0.1-0.3 ms a call), which a warm rerun of a dashboard page, meant to cost
    little more than drawing, would pay for every chart and table.
    """

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self.values: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, build: Callable[[], T]) -> T:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = build()  # outside the lock: two sessions may build it once each
        with self.lock:
            self.values[key] = value
            while len(self.values) > self.entries:
                self.values.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False)
def _derived_store() -> _Derived:
    # Held by st.cache_resource so that st.cache_resource.clear() (tests, erasure)
    # empties it with Streamlit's caches.
    return _Derived(CACHE_ENTRIES)


def derived(key: str, build: Callable[..., T], *args: Any) -> T:
    """`build(*args)`, computed once per process and data version and shared by all
    sessions: for what a page makes from cached reads (chart specifications, display
    tables, the page's whole view), so that a warm rerun only draws.

    KEY names what is built (unique per page element); ARGS are everything else it
    depends on (filter values; hashable). Callers must not mutate what comes back.
    """
    store = _derived_store()
    return store.get((database_url(), run_context.version(), key, args), lambda: build(*args))


def forget_cached() -> None:
    """Drop every cached read and derived view in this process (after an erasure,
    so no copy of erased personal data stays in memory)."""
    _read.clear()
    _derived_store.clear()


def read_fresh(query: Query, *args: Any) -> Any:
    """Like `read`, uncached: for admin views that must show the state of this moment."""
    with Session(database.engine()) as session:
        return query(session, *args)
