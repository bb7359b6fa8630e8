"""Write side: every change goes through a service that checks the acting
user's role, validates, writes (audited, see db.audit) and bumps the data
version. Services take a session (the caller commits) and plain values, and
raise domain errors with German messages."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from db import accounts
from db.errors import ValidationError
from db.models import ROLES, User
from db.permissions import Actor, require
from db.versioning import bump_data_version

F = TypeVar("F", bound=Callable[..., Any])

# Every write service, by name, with the role it needs (tests call each one as a viewer).
WRITE_SERVICES: dict[str, tuple[Callable[..., Any], str]] = {}


def write_service(role: str) -> Callable[[F], F]:
    """Register FN as a write service that only ROLE (or higher) may call."""

    def decorate(fn: F) -> F:
        params = list(inspect.signature(fn).parameters)
        assert params[:2] == ["session", "actor"], fn.__name__

        @functools.wraps(fn)
        def wrapper(session: Session, actor: Actor, *args: Any, **kwargs: Any) -> Any:
            require(actor, role)
            session.info["actor"] = actor
            result = fn(session, actor, *args, **kwargs)
            session.flush()
            bump_data_version(session)
            return result

        WRITE_SERVICES[fn.__name__] = (wrapper, role)
        return wrapper  # type: ignore[return-value]

    return decorate


# --- accounts (admin) -------------------------------------------------------------------


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError("Konto", "existiert nicht (mehr).")
    return user


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
    user = _user(session, user_id)
    if user.username == actor.username and role != "admin":
        raise ValidationError("Rolle", "Sie können sich die Administration nicht selbst entziehen.")
    user.role = role


@write_service("admin")
def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    user = _user(session, user_id)
    if user.username == actor.username and not active:
        raise ValidationError("Aktiv", "Sie können Ihr eigenes Konto nicht deaktivieren.")
    user.active = active


@write_service("admin")
def reset_password(session: Session, actor: Actor, user_id: int, password: str) -> None:
    accounts.set_password(session, _user(session, user_id).username, password)
