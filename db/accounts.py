"""Accounts: bcrypt hashes only, never a plain password in the database or a log."""

from __future__ import annotations

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.errors import ValidationError
from db.models import User
from db.permissions import check_role

MIN_PASSWORD_LENGTH = 10
# The stored hash of an account that signs in only through the identity provider
# (created at its first sign-in there): no password matches it.
NO_PASSWORD = "!sso"


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def has_password(password_hash: str) -> bool:
    return password_hash != NO_PASSWORD


def check_password(password: str, password_hash: str) -> bool:
    if not has_password(password_hash):
        return False
    return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "Passwort", f"muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
        )


def check_email(session: Session, email: str, user_id: int | None = None) -> str | None:
    """EMAIL as stored (lower case; None when empty); one address belongs to one account."""
    email = email.strip().lower()
    if not email:
        return None
    if len(email) > 200 or "@" not in email or any(c.isspace() for c in email):
        raise ValidationError("E-Mail", "ist keine gültige E-Mail-Adresse.")
    other = session.scalar(
        select(User.username).where(func.lower(User.email) == email, User.id != (user_id or 0))
    )
    if other is not None:
        raise ValidationError("E-Mail", f"gehört bereits zum Konto „{other}“.")
    return email


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(
    session: Session, username: str, display_name: str, role: str, password: str
) -> User:
    """Create an active account; the caller commits."""
    username = username.strip().lower()
    if not username:
        raise ValidationError("Benutzername", "darf nicht leer sein.")
    if len(username) > 60:
        raise ValidationError("Benutzername", "darf höchstens 60 Zeichen lang sein.")
    if len(display_name.strip()) > 120:
        raise ValidationError("Name", "darf höchstens 120 Zeichen lang sein.")
    check_role(role)
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
    """Replace a user's password; the caller commits and ends the user's sessions
    (db.sessions.end_all)."""
    user = get_user(session, username)
    if user is None:
        raise ValidationError("Benutzername", f"„{username}“ gibt es nicht.")
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    return user
