"""No write waits without end on the shared database: the app's engine bounds
how long a statement waits for another transaction's lock (PostgreSQL), and
the user then reads the German message with the form's input kept."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from components import database
from db import services
from db.engine import make_engine, session_scope
from db.errors import DatabaseUnavailable
from db.models import Organisation, Sector
from db.permissions import Actor
from db.versioning import data_version
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
            # the sector the new organisation refers to (its foreign key check waits)
            connection.execute(
                text("SELECT id FROM sectors WHERE id = :id FOR UPDATE"), {"id": sector}
            )
            locked.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        with pytest.raises(DatabaseUnavailable) as refused, session_scope(bounded, EDITOR) as s:
            services.create_organisation(s, EDITOR, {"name": "Neu e. V.", "sector_id": sector})
        assert isinstance(refused.value.__cause__, DBAPIError)
        assert "lock timeout" in str(refused.value.__cause__).lower()
        with session_scope(holder) as s:  # nothing of it was saved
            assert s.scalar(select(func.count()).select_from(Organisation)) == 0
    finally:
        release.set()
        thread.join(30)
        holder.dispose()
        bounded.dispose()
    assert database.LOCK_TIMEOUT_MS > 0


def test_a_long_write_does_not_hold_up_an_unrelated_one(pg_url):
    """The data version is bumped after each commit, not inside the write: an
    import still running holds no row another editor's save needs."""
    bounded = make_engine(pg_url, lock_timeout_ms=300)
    with session_scope(bounded) as s:
        sector = s.execute(text("SELECT id FROM sectors ORDER BY id LIMIT 1")).scalar()
        before = data_version(s)
    written, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with session_scope(bounded, EDITOR) as s:
            services.create_organisation(s, EDITOR, {"name": "Lang e. V.", "sector_id": sector})
            written.set()
            release.wait(30)  # the import is still running

    thread = threading.Thread(target=long_write)
    thread.start()
    try:
        assert written.wait(10)
        with session_scope(bounded, EDITOR) as s:  # would raise after 300 ms of waiting
            services.create_organisation(s, EDITOR, {"name": "Kurz e. V.", "sector_id": sector})
        with session_scope(bounded) as s:
            assert data_version(s) == before + 1
    finally:
        release.set()
        thread.join(30)
    with session_scope(bounded) as s:
        assert data_version(s) == before + 2
        names = s.scalars(select(Organisation.name).order_by(Organisation.name)).all()
    assert names == ["Kurz e. V.", "Lang e. V."]
    bounded.dispose()
