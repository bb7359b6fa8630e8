"""The audit trail: every ORM insert, update and delete is recorded with who,
when, which record, and old and new values, in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from db.models import AuditEntry, DataVersion

ACTOR_KEY = "actor"
HIDDEN = {"password_hash"}
SKIPPED = (AuditEntry, DataVersion)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _values(obj: Any, which: str) -> dict[str, Any]:
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if which == "old":
            value = history.deleted[0] if history.deleted else (history.unchanged or [None])[0]
        else:
            value = history.added[0] if history.added else (history.unchanged or [None])[0]
        out[key] = _plain(value)
    return out


def _masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: ("***" if k in HIDDEN else v) for k, v in values.items()}


def _record_id(obj: Any) -> str:
    identity = inspect(obj).identity
    if identity is None:
        identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in identity)


@event.listens_for(Session, "before_flush")
def _capture(session: Session, _context, _instances) -> None:
    """Collect old values before the flush changes them."""
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if isinstance(obj, SKIPPED) or not session.is_modified(obj, include_collections=False):
            continue
        old, new = _values(obj, "old"), _values(obj, "new")
        changed = {k for k in new if old.get(k) != new.get(k) and k != "version"}
        if changed:
            pending.append(
                ("update", obj, {k: old[k] for k in changed}, {k: new[k] for k in changed})
            )
    for obj in session.deleted:
        if not isinstance(obj, SKIPPED):
            pending.append(("delete", obj, _values(obj, "old"), None))
    for obj in session.new:
        if not isinstance(obj, SKIPPED):
            pending.append(("insert", obj, None, None))


@event.listens_for(Session, "after_flush")
def _write(session: Session, _context) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = session.info.get(ACTOR_KEY)
    username = actor.username if actor is not None else "system"
    now = dt.datetime.now(dt.UTC)
    rows = []
    for action, obj, old, new in pending:
        if action == "insert":
            new = _values(obj, "new")
        rows.append(
            {
                "at": now,
                "username": username,
                "action": action,
                "table_name": obj.__table__.name,
                "record_id": _record_id(obj),
                "old_values": _masked(old),
                "new_values": _masked(new),
            }
        )
    session.connection().execute(insert(AuditEntry), rows)
