"""The write-service mechanism: role check, audit actor, data version, and
the translation of database refusals into German domain errors."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from db import logs
from db.errors import Conflict, DatabaseUnavailable, InvalidInput, NotFound, ValidationError
from db.models import AuditEntry, Base
from db.permissions import Actor, require
from db.versioning import bump_after_commit

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T", bound=Base)

# Every write service, by name, with the role it needs (tests call each one as a viewer).
WRITE_SERVICES: dict[str, tuple[Callable[..., Any], str]] = {}

INTEGRITY = (
    "Die Datenbank hat die Änderung abgelehnt (z. B. ein doppelter Name oder ein "
    "inzwischen gelöschter Bezug). Es wurde nichts gespeichert."
)


def write_service(role: str) -> Callable[[F], F]:
    """Register FN as a write service that only ROLE (or higher) may call.

    The wrapper checks the role before anything else, records the actor for
    the audit trail, flushes (so the database's own checks run here), bumps
    the data version, and turns refusals into German domain errors.
    """

    def decorate(fn: F) -> F:
        params = list(inspect.signature(fn).parameters)
        assert params[:2] == ["session", "actor"], fn.__name__

        @functools.wraps(fn)
        def wrapper(session: Session, actor: Actor, *args: Any, **kwargs: Any) -> Any:
            require(actor, role)
            session.info["actor"] = actor
            try:
                result = fn(session, actor, *args, **kwargs)
                session.flush()
            except IntegrityError as exc:
                raise InvalidInput([INTEGRITY]) from exc
            except StaleDataError as exc:
                logs.event("write_conflict", user=actor.username, service=fn.__name__)
                raise Conflict("Der Datensatz", None, None, {}) from exc
            except DBAPIError as exc:
                logs.error("database_unavailable", exc, user=actor.username, service=fn.__name__)
                raise DatabaseUnavailable() from exc
            except Conflict:
                logs.event("write_conflict", user=actor.username, service=fn.__name__)
                raise
            bump_after_commit(session)  # after the commit: see db.versioning
            session.info.setdefault(_COMMITTED_LOG, []).append((actor.username, fn.__name__))
            return result

        WRITE_SERVICES[fn.__name__] = (wrapper, role)
        return wrapper  # type: ignore[return-value]

    return decorate


_COMMITTED_LOG = "writes_to_log"


@event.listens_for(Session, "after_commit")
def _log_committed_writes(session: Session) -> None:
    for username, service in session.info.pop(_COMMITTED_LOG, []):
        logs.event("write", user=username, service=service)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session: Session) -> None:
    session.info.pop(_COMMITTED_LOG, None)


def load(session: Session, model: type[T], record_id: int | None, what: str) -> T:
    obj = session.get(model, record_id) if record_id is not None else None
    if obj is None:
        raise NotFound(f"{what} gibt es nicht (mehr).")
    return obj


def plain(obj: Base) -> dict[str, Any]:
    """Column values of OBJ as plain values (for conflict messages)."""
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}


def check_version(session: Session, obj: Base, expected: int | None, what: str) -> None:
    """Refuse with Conflict when OBJ was saved by someone else since it was loaded."""
    if expected is None or obj.version == expected:
        return
    record_id = "/".join(str(v) for v in obj.__mapper__.primary_key_from_instance(obj))
    last = session.execute(
        select(AuditEntry.username, AuditEntry.at)
        .where(AuditEntry.table_name == obj.__table__.name, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    raise Conflict(what, last.username if last else None, last.at if last else None, plain(obj))


def apply(obj: Base, values: BaseModel | dict[str, Any], skip: tuple[str, ...] = ()) -> bool:
    """Set the changed attributes of OBJ; True when anything changed."""
    data = values.model_dump() if isinstance(values, BaseModel) else values
    changed = False
    for key, value in data.items():
        if key in skip or not hasattr(type(obj), key):
            continue
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def touch(obj: Base) -> None:
    """Bump OBJ's version although no column of its own changed (children did)."""
    pk = {c.key for c in obj.__mapper__.primary_key}
    key = next(a.key for a in obj.__mapper__.column_attrs if a.key not in pk | {"version"})
    flag_modified(obj, key)


def ensure_unique(
    session: Session, column: Any, value: str, own_id: int | None, field: str, **scope: Any
) -> None:
    """Refuse a name that another row (in the same SCOPE) already has, case-insensitively."""
    model = column.class_
    stmt = select(model.id).where(func.lower(column) == value.lower())
    for key, scoped in scope.items():
        stmt = stmt.where(getattr(model, key) == scoped)
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise ValidationError(field, f"„{value}“ gibt es schon.")


def today() -> dt.date:
    return dt.date.today()
