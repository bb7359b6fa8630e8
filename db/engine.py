"""Engine and session factory for SQLite (embedded) and PostgreSQL (shared)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db import audit  # noqa: F401  (registers the audit-trail listeners on every Session)
from db.permissions import Actor

SQLITE_BUSY_TIMEOUT_MS = 5000


def make_engine(
    url: str,
    lock_timeout_ms: int | None = None,
    statement_timeout_ms: int | None = None,
    **kwargs,
) -> Engine:
    """An engine for URL: SQLite gets foreign keys, WAL and a busy timeout;
    PostgreSQL gets a checked, bounded pool and, when given, a bound on how long
    a statement waits for a lock and runs (the app's engine: no user waits without
    end behind another transaction; the CLI's backup and restore have none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 5)
    kwargs.setdefault("pool_timeout", 10)
    # a server that does not answer (network gone) fails in seconds, not minutes
    kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 5)
    engine = create_engine(parsed, **kwargs)
    limits = {"lock_timeout": lock_timeout_ms, "statement_timeout": statement_timeout_ms}
    limits = {name: ms for name, ms in limits.items() if ms}
    if limits:

        def _limit(dbapi_connection, _record) -> None:
            # SET on connect, not `options` in the URL: the URL may carry options of its own.
            with dbapi_connection.cursor() as cursor:
                for name, ms in limits.items():
                    cursor.execute(f"SET {name} = {int(ms)}")
            dbapi_connection.commit()

        event.listen(engine, "connect", _limit)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine, actor: Actor | None = None) -> Iterator[Session]:
    """A session in one transaction: commits on success, rolls back on any error.

    ACTOR is recorded in the audit trail of every change made in it.
    """
    with (
        Session(engine, expire_on_commit=False, info={"actor": actor}) as session,
        session.begin(),
    ):
        yield session
