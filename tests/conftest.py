"""Test databases: every data-layer test runs on a SQLite file and on the
PostgreSQL server at 127.0.0.1:5432 (database `test`), each test on an empty,
migrated schema of its own."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from db.accounts import hash_password
from db.demo import DEMO_USERS, load_demo
from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.models import Base, User

PG_SERVER = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
TODAY = dt.date.today()


def _pg_reachable() -> str | None:
    engine = make_engine(PG_SERVER)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except OperationalError as exc:
        return str(exc.orig).splitlines()[0]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A migrated schema of its own on the test PostgreSQL, for this worker."""
    reason = _pg_reachable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_SERVER} is unreachable in CI: {reason}")
        pytest.skip(f"PostgreSQL not reachable ({reason})")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_SERVER)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    """A migrated SQLite file that each test copies (migrating once is enough)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


def _reset_pg(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(
            text(
                "INSERT INTO data_version (id, value, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """URL of an empty, migrated database, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_schema_url")
    _reset_pg(url)
    return url


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_engine(engine) -> Engine:
    """The engine, with the demo data loaded for today."""
    with session_scope(engine) as session:
        load_demo(session, today=TODAY)
    return engine


@pytest.fixture(scope="session")
def demo_hashes() -> dict[str, str]:
    """bcrypt hashes of the demo passwords, computed once (bcrypt is slow on purpose)."""
    return {username: hash_password(password) for username, _, _, password in DEMO_USERS}


@pytest.fixture
def demo_accounts(engine, demo_hashes) -> dict[str, int]:
    """The three demo accounts in the test database; returns their ids."""
    with session_scope(engine) as session:
        users = [
            User(username=u, display_name=name, role=role, password_hash=demo_hashes[u])
            for u, name, role, _ in DEMO_USERS
        ]
        session.add_all(users)
        session.flush()
        return {user.username: user.id for user in users}


@pytest.fixture
def app_env(db_url, monkeypatch, demo_accounts) -> Iterator[str]:
    """Point the app at the test database (with the demo accounts), empty caches."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", "test-cookie-key-" + "x" * 32)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield db_url
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def playwright():
    """One Playwright per test process: the sync API cannot run twice in one thread,
    and tests/e2e and tests/deploy each launch their own Chromium from it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance
