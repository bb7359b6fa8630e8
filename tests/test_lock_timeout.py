"""No write waits without end on the shared database: the app's engine bounds
how long a statement waits for another transaction's lock (PostgreSQL), and
the user then reads the German message with the form's input kept."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from components import data
from db import services
from db.engine import make_engine, session_scope
from db.models import Organisation, Sector
from db.permissions import Actor
from tests.conftest import _reset_pg

EDITOR = Actor("geschaeftsstelle", "editor")


@pytest.fixture
def pg_url(pg_schema_url):
    """The test PostgreSQL schema, emptied, with one sector."""
    _reset_pg(pg_schema_url)
    engine = make_engine(pg_schema_url)
    with session_scope(engine) as s:
        s.add(Sector(name="Politik", sort_order=1))
    engine.dispose()
    return pg_schema_url


def test_the_app_engine_carries_the_limits(pg_url):
    engine = make_engine(pg_url, lock_timeout_ms=1234, statement_timeout_ms=5678)
    with engine.connect() as connection:
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "1234ms"
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "5678ms"
    engine.dispose()
    plain = make_engine(pg_url)
    with plain.connect() as connection:  # the CLI's backup and restore: no limit
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "0"
    plain.dispose()


def test_a_write_behind_a_held_lock_gives_up_instead_of_waiting(pg_url):
    holder = make_engine(pg_url)
    bounded = make_engine(pg_url, lock_timeout_ms=300)
    with session_scope(holder) as s:
        sector = s.execute(text("SELECT id FROM sectors ORDER BY id LIMIT 1")).scalar()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.connect() as connection, connection.begin():
            connection.execute(text("SELECT value FROM data_version WHERE id = 1 FOR UPDATE"))
            locked.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        with pytest.raises(DBAPIError) as refused, session_scope(bounded, EDITOR) as s:
            services.create_organisation(s, EDITOR, {"name": "Neu e. V.", "sector_id": sector})
        assert "lock" in str(refused.value).lower()
        with session_scope(holder) as s:  # nothing of it was saved
            assert s.scalar(select(func.count()).select_from(Organisation)) == 0
    finally:
        release.set()
        thread.join(30)
        holder.dispose()
        bounded.dispose()
    assert data.LOCK_TIMEOUT_MS > 0
