"""What one script run knows: the data version its reads are keyed by, and the
signed-in actor. Read once at the start of every run (`start`: one query,
together with the sign-in session); pages ask `version()` and `actor()`.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from components import database
from db import sessions
from db.permissions import Actor

VERSION_KEY = "_data_version"
ACTOR_KEY = "actor"


def start(*, session_id: int | None = None, token_hash: str | None = None) -> sessions.RunContext:
    """Read the data version and the sign-in session with its user for this run
    (one statement; components.auth decides what it means)."""
    with Session(database.engine()) as session:
        context = sessions.run_context(session, session_id=session_id, token_hash=token_hash)
    st.session_state[VERSION_KEY] = context.data_version
    return context


def version() -> int:
    """The data version of this run (read now if the run has none yet)."""
    found = st.session_state.get(VERSION_KEY)
    return start().data_version if found is None else found


def set_actor(actor: Actor | None) -> None:
    st.session_state[ACTOR_KEY] = actor


def actor() -> Actor | None:
    """The signed-in actor of this run, as the frame found it (None: nobody)."""
    return st.session_state.get(ACTOR_KEY)
