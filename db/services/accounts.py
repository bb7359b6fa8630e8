"""Account management (admin only)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import accounts
from db.errors import ValidationError
from db.models import ROLES, User
from db.permissions import Actor
from db.services.core import load, write_service


@write_service("admin")
def create_account(
    session: Session, actor: Actor, username: str, display_name: str, role: str, password: str
) -> int:
    """Create an account; returns its id."""
    return accounts.create_user(session, username, display_name, role, password).id


@write_service("admin")
def change_role(session: Session, actor: Actor, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise ValidationError("Rolle", f"muss eine von {', '.join(ROLES)} sein.")
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


@write_service("admin")
def reset_password(session: Session, actor: Actor, user_id: int, password: str) -> None:
    accounts.set_password(session, load(session, User, user_id, "Das Konto").username, password)
