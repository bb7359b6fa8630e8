"""Account management (admin only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from db import accounts, logs, sessions
from db.errors import NotFound, ValidationError
from db.models import User
from db.permissions import Actor, check_role
from db.services.core import load, write_service


@write_service("admin")
def create_account(
    session: Session, actor: Actor, username: str, display_name: str, role: str, password: str
) -> int:
    """Create an account; returns its id."""
    return accounts.create_user(session, username, display_name, role, password).id


@write_service("admin")
def change_role(session: Session, actor: Actor, user_id: int, role: str) -> None:
    check_role(role)
    user = load(session, User, user_id, "Das Konto")
    if user.username == actor.username and role != "admin":
        raise ValidationError("Rolle", "Sie können sich die Administration nicht selbst entziehen.")
    user.role = role


@write_service("admin")
def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    user = load(session, User, user_id, "Das Konto")
    if user.username == actor.username and not active:
        raise ValidationError("Aktiv", "Sie können Ihr eigenes Konto nicht deaktivieren.")
    user.active = active
    if not active:
        _end_sessions(session, actor, user, "deactivated")


@write_service("admin")
def set_email(session: Session, actor: Actor, user_id: int, email: str) -> None:
    """The account's e-mail address: a sign-in through the identity provider with
    this (verified) address is this account (db.sso)."""
    user = load(session, User, user_id, "Das Konto")
    user.email = accounts.check_email(session, email, user.id)


@write_service("admin")
def reset_password(session: Session, actor: Actor, user_id: int, password: str) -> None:
    """A new password set by an admin; every session of the account ends."""
    user = accounts.set_password(
        session, load(session, User, user_id, "Das Konto").username, password
    )
    _end_sessions(session, actor, user, "password_reset")


@write_service("viewer")
def change_own_password(session: Session, actor: Actor, current: str, password: str) -> None:
    """The signed-in user's new password; every session of the account ends (the
    page starts a new one for the browser in use)."""
    user = accounts.get_user(session, actor.username)
    if user is None or not accounts.check_password(current, user.password_hash):
        raise ValidationError("Bisheriges Passwort", "ist nicht richtig.")
    if current == password:
        raise ValidationError("Neues Passwort", "muss sich vom bisherigen unterscheiden.")
    accounts.set_password(session, user.username, password)
    _end_sessions(session, actor, user, "password_changed")


@write_service("viewer")
def sign_out_everywhere(session: Session, actor: Actor) -> int:
    """End every session of the signed-in user, this one included."""
    user = accounts.get_user(session, actor.username)
    return _end_sessions(session, actor, user, "signed_out_everywhere") if user else 0


@write_service("admin")
def end_session(session: Session, actor: Actor, session_id: int) -> None:
    """An admin ends one session of any account."""
    username = sessions.session_owner(session, session_id)
    if username is None:
        raise NotFound("Diese Anmeldung gibt es nicht (mehr).")
    if sessions.end(session, session_id, "ended_by_admin", dt.datetime.now(dt.UTC)):
        logs.event("session_ended", user=username, reason="ended_by_admin", by=actor.username)


def _end_sessions(session: Session, actor: Actor, user: User, reason: str) -> int:
    ended = sessions.end_all(session, user.id, reason, dt.datetime.now(dt.UTC))
    if ended:
        logs.event(
            "session_ended", user=user.username, reason=reason, by=actor.username, count=ended
        )
    return ended
