"""Accounts: bcrypt hashes only, never a plain password in the database or a log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import bcrypt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.errors import ValidationError
from db.models import ROLES, DataVersion, User

MIN_PASSWORD_LENGTH = 10
ROLE_LABELS = {
    "viewer": "Leitung (nur lesen)",
    "editor": "Geschäftsstelle (bearbeiten)",
    "admin": "Administration",
}


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "Passwort", f"muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
        )


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(
    session: Session, username: str, display_name: str, role: str, password: str
) -> User:
    """Create an active account; the caller commits."""
    username = username.strip().lower()
    if not username:
        raise ValidationError("Benutzername", "darf nicht leer sein.")
    if role not in ROLES:
        raise ValidationError("Rolle", f"muss eine von {', '.join(ROLES)} sein.")
    if get_user(session, username) is not None:
        raise ValidationError("Benutzername", f"„{username}“ ist bereits vergeben.")
    _check_password_rules(password)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Replace a user's password and lift any lock; the caller commits."""
    user = get_user(session, username)
    if user is None:
        raise ValidationError("Benutzername", f"„{username}“ gibt es nicht.")
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    return user


# --- sign-in --------------------------------------------------------------------------------

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class RunContext:
    """What every script run needs to know, read in one statement."""

    data_version: int
    role: str | None
    active: bool
    display_name: str | None


def run_context(session: Session, username: str | None) -> RunContext:
    """The data version and, for USERNAME, the current role and active flag."""
    row = session.execute(
        select(DataVersion.value, User.role, User.active, User.display_name)
        .select_from(DataVersion)
        .outerjoin(User, User.username == (username or ""))
        .where(DataVersion.id == 1)
    ).one_or_none()
    if row is None:
        return RunContext(0, None, False, None)
    return RunContext(row.value, row.role, bool(row.active), row.display_name)


def is_locked(user: User, now: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def sign_in_credentials(session: Session, now: dt.datetime) -> dict[str, Any]:
    """The credentials dict streamlit-authenticator expects, built from the database.

    Only active accounts are listed; a locked account shows the maximum of
    failed attempts so that the form refuses it even with the right password.
    """
    users = {}
    for user in session.scalars(select(User).where(User.active.is_(True))):
        users[user.username] = {
            "name": user.display_name,
            "email": user.email or "",
            "password": user.password_hash,
            "roles": [user.role],
            "failed_login_attempts": LOCK_AFTER_FAILURES
            if is_locked(user, now)
            else user.failed_logins,
        }
    return {"usernames": users}


def record_failed_sign_in(session: Session, username: str, now: dt.datetime) -> bool:
    """Count a failed sign-in; lock the account after five in a row. True if now locked."""
    user = get_user(session, username)
    if user is None:
        return False
    failures = user.failed_logins + 1
    locked_until = None
    if failures >= LOCK_AFTER_FAILURES:
        failures, locked_until = 0, now + dt.timedelta(minutes=LOCK_MINUTES)
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=failures, locked_until=locked_until)
        .execution_options(synchronize_session=False)
    )
    return locked_until is not None


def record_sign_in(session: Session, username: str) -> None:
    """A successful sign-in clears the failure count and any expired lock."""
    session.execute(
        update(User)
        .where(User.username == username)
        .values(failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )


def locked_until(session: Session, username: str) -> dt.datetime | None:
    user = get_user(session, username)
    return user.locked_until if user is not None else None
