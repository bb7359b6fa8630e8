"""The benchmarks' databases: the app's demo data at a scale (with the demo
accounts), SQLite files in bench/ (git-ignored) built once or afresh, the
sign-in sessions whose tokens a returning browser's cookie carries, and
SQLite files left without their -wal and -shm."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from db import accounts, demo, sessions
from db.engine import make_engine, session_scope
from db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
# demo accounts (demo.DEMO_USERS) the benchmarks act as
VIEWER, EDITOR = "leitung", "geschaeftsstelle"


def fill(engine: Engine, scale: int = 1, users: bool = True) -> None:
    """Migrate an empty database, then load the demo data at SCALE and, if USERS,
    the demo accounts (as `db.cli demo --scale` and `db.cli setup` do)."""
    upgrade(engine)
    with session_scope(engine) as session:
        demo.load_demo(session, today=dt.date.today(), scale=scale)
        if users:
            for username, name, role, password in demo.DEMO_USERS:
                accounts.create_user(session, username, name, role, password)


def at_scale(scale: int, path: Path | None = None, afresh: bool = False) -> str:
    """The URL of a SQLite file (default bench/scale-SCALE.db) with demo data at
    SCALE and the demo accounts: built when missing (or always, if AFRESH), else
    kept and given the migrations it lacks."""
    path = path or ROOT / "bench" / f"scale-{scale}.db"
    if afresh:
        remove_sqlite(path)
    url = f"sqlite:///{path}"
    fresh = not path.exists()
    if fresh:
        print(f"building {path.name} …", flush=True)
    engine = make_engine(url)
    try:
        if fresh:
            fill(engine, scale)
        else:
            upgrade(engine)  # a database kept from an older version gets the new migrations
    finally:
        engine.dispose()
    return url


def remove_sqlite(path: Path) -> None:
    """PATH and its -wal and -shm files, if there are any."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)


def checkpoint(path: Path) -> None:
    """Fold the WAL back in, so no -wal/-shm stay behind (.gitignore has *.db)."""
    if path.exists():
        with contextlib.suppress(sqlite3.Error):
            sqlite3.connect(path).close()  # the last connection to close removes both


def sign_in_tokens(database_url: str, usernames: list[str], agent: str) -> dict[str, str]:
    """A sign-in session per account in the app's database (db.sessions), named
    AGENT: the token its cookie (sessions.COOKIE_NAME) carries, by username."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as s:
            now = dt.datetime.now(dt.UTC)
            return {name: sessions.start_with_token(s, name, agent, now) for name in usernames}
    finally:
        engine.dispose()
