"""Checks for running as a shared deployment: start-up refusal and health.

No Streamlit here: `serve.py` and the CLI (`python -m db.cli check`) call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import accounts
from db.config import ConfigError, cookie_key, is_embedded
from db.demo import DEMO_USERS
from db.migrate import current_revision, head_revision
from db.models import User

PLACEHOLDER = "change-me"


def shared_setup_problems(engine: Engine, url: str, cookie_secret: str | None) -> list[str]:
    """Why this process must not serve the shared database at URL (empty: fine).

    COOKIE_SECRET is Streamlit's `server.cookieSecret` when it was set explicitly,
    else None (Streamlit signs its own cookies with it; every replica needs the
    same one). The embedded SQLite demo needs none of this.
    """
    if is_embedded(url):
        return []
    problems = []
    try:
        key = cookie_key(url)
        if PLACEHOLDER in key.lower():
            problems.append("DASHBOARD_COOKIE_KEY ist noch der Platzhalter aus der Vorlage.")
    except ConfigError as exc:
        problems.append(str(exc))
    if cookie_secret and PLACEHOLDER in cookie_secret.lower():
        problems.append(
            "STREAMLIT_SERVER_COOKIE_SECRET (server.cookieSecret) ist noch der Platzhalter "
            "aus der Vorlage."
        )
    if not cookie_secret:
        problems.append(
            "STREAMLIT_SERVER_COOKIE_SECRET (server.cookieSecret) fehlt: es muss auf allen "
            "App-Servern derselbe geheime Wert sein."
        )
    try:
        problems += _schema_problems(engine) or _demo_password_problems(engine)
    except DBAPIError:
        problems.append("Die Datenbank ist nicht erreichbar (DATABASE_URL prüfen).")
    return problems


def _schema_problems(engine: Engine) -> list[str]:
    current, head = current_revision(engine), head_revision()
    if current != head:
        return [
            f"Die Datenbank hat den Migrationsstand {current or 'leer'}, erwartet ist {head}: "
            "vor dem Start einmal `python -m db.cli migrate` ausführen."
        ]
    return []


def _demo_password_problems(engine: Engine) -> list[str]:
    demo = {username: password for username, _, _, password in DEMO_USERS}
    with Session(engine) as session:
        users = session.execute(
            select(User.username, User.password_hash).where(
                User.username.in_(demo), User.active.is_(True)
            )
        ).all()
    return [
        f"Das Konto „{user.username}“ hat noch das Demo-Passwort: bitte mit "
        f"`python -m db.cli reset-password {user.username}` ändern oder deaktivieren."
        for user in users
        if accounts.check_password(demo[user.username], user.password_hash)
    ]


@lru_cache(maxsize=1)
def _head() -> str | None:
    return head_revision()


@dataclass(frozen=True)
class Health:
    ok: bool
    database: str
    schema: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "status": "ok" if self.ok else "error",
            "database": self.database,
            "schema": self.schema,
        }


def health(engine: Engine) -> Health:
    """Whether the database answers and carries the schema this code expects."""
    try:
        current = current_revision(engine)
    except DBAPIError:
        return Health(False, "unreachable", None)
    if current != _head():
        return Health(False, "outdated", current)
    return Health(True, "ok", current)
