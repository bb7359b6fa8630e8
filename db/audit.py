"""The audit trail: every ORM insert, update and delete is recorded with who,
when, which record, and old and new values, in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from db.admin_data import audit_entries
from db.models import (
    AuditEntry,
    DataVersion,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Need,
    Organisation,
    Presentation,
    PresentationSlide,
    ProgressUpdate,
    Sector,
    SignInThrottle,
    ThematicArea,
    User,
    UserSession,
)

ACTOR_KEY = "actor"
HIDDEN = {"password_hash", "token_hash"}
# Bookkeeping, not records anyone edits: the presentation's slide on screen changes
# at every click, its snapshot holds images (db.projection logs both instead).
SKIPPED = (
    AuditEntry,
    DataVersion,
    SignInThrottle,
    UserSession,
    Presentation,
    PresentationSlide,
)


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


def record_inserts(session: Session, model: type, rows: Sequence[Mapping[str, Any]]) -> None:
    """Audit ROWS that a bulk statement inserted into MODEL's table, in one statement.

    A bulk insert (`insert(Model)` with a list of rows) adds no ORM objects, so
    no flush sees it; this writes what the flush listener writes for an added
    object: one "insert" entry per row with its record id and every column
    (ROWS hold the stored values by attribute name, ids and defaults included),
    hidden fields masked, the session's actor, one timestamp.
    """
    if not rows:
        return
    mapper = inspect(model)
    keys = [attr.key for attr in mapper.column_attrs]
    primary = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
    actor = session.info.get(ACTOR_KEY)
    username = actor.username if actor is not None else "system"
    now = dt.datetime.now(dt.UTC)
    table = model.__table__.name
    session.connection().execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "username": username,
                "action": "insert",
                "table_name": table,
                "record_id": "/".join(str(row[key]) for key in primary),
                "old_values": None,
                "new_values": _masked({key: _plain(row.get(key)) for key in keys}),
            }
            for row in rows
        ],
    )


# --------------------------------------------------------------------------- reading

# Columns that hold the id of another record: the trail shows that record's name.
REFERENCES: dict[str, type] = {
    "organisation_id": Organisation,
    "sector_id": Sector,
    "area_id": ThematicArea,
    "status_id": MeasureStatus,
    "member_id": Member,
    "deputy_for_id": Member,
    "meeting_id": Meeting,
    "proposed_at_meeting_id": Meeting,
    "measure_id": Measure,
    "need_id": Need,
}
TECHNICAL = {"id", "version"}


def _names(session: Session, model: type, ids: set[int]) -> dict[int, str]:
    """Display names (data, not labels) of the records of MODEL with IDS."""
    if not ids:
        return {}
    if model is Member:
        rows = session.execute(
            select(Member.id, Member.first_name, Member.last_name).where(Member.id.in_(ids))
        )
        return {i: f"{first} {last}" for i, first, last in rows}
    column = {Meeting: Meeting.title, Measure: Measure.title, Need: Need.title}.get(model)
    column = column if column is not None else model.name
    return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _titles(session: Session, entries: pd.DataFrame) -> dict[tuple[str, str], tuple[str, Any]]:
    """(table, record id) -> (the record's current name, its day if it has one)."""
    wanted: dict[str, set[int]] = {}
    for table, record_id in zip(entries["table_name"], entries["record_id"], strict=True):
        for part in str(record_id).split("/"):
            if (number := _int(part)) is not None:
                wanted.setdefault(table, set()).add(number)
    out: dict[tuple[str, str], tuple[str, Any]] = {}
    simple = {
        "members": Member, "organisations": Organisation, "sectors": Sector,
        "thematic_areas": ThematicArea, "measure_statuses": MeasureStatus,
        "measures": Measure, "needs": Need,
    }  # fmt: skip
    for table, model in simple.items():
        for i, name in _names(session, model, wanted.get(table, set())).items():
            out[(table, str(i))] = (name, None)
    if ids := wanted.get("meetings"):
        rows = session.execute(
            select(Meeting.id, Meeting.title, Meeting.starts_at).where(Meeting.id.in_(ids))
        )
        out.update({("meetings", str(i)): (title, start) for i, title, start in rows})
    if ids := wanted.get("progress_updates"):
        rows = session.execute(
            select(ProgressUpdate.id, Measure.title, ProgressUpdate.date)
            .join(Measure, Measure.id == ProgressUpdate.measure_id)
            .where(ProgressUpdate.id.in_(ids))
        )
        out.update({("progress_updates", str(i)): (title, day) for i, title, day in rows})
    if ids := wanted.get("users"):
        rows = session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(ids))
        )
        out.update({("users", str(i)): (f"{name} ({user})", None) for i, name, user in rows})
    pairs = [
        (table, str(record_id), [_int(p) for p in str(record_id).split("/")])
        for table, record_id in zip(entries["table_name"], entries["record_id"], strict=True)
        if table in ("attendance", "working_group_memberships")
    ]
    pairs = [(table, record_id, ids) for table, record_id, ids in pairs if len(ids) == 2]
    if pairs:
        attendance = [ids for table, _, ids in pairs if table == "attendance"]
        groups = [ids for table, _, ids in pairs if table != "attendance"]
        members = _names(
            session, Member, ({i[1] for i in attendance} | {i[0] for i in groups}) - {None}
        )
        meetings = _names(session, Meeting, {i[0] for i in attendance} - {None})
        areas = _names(session, ThematicArea, {i[1] for i in groups} - {None})
        for table, record_id, (first, second) in pairs:
            if table == "attendance":
                name = f"{members.get(second, '?')}: {meetings.get(first, '?')}"
            else:
                name = f"{members.get(first, '?')}: {areas.get(second, '?')}"
            out[(table, record_id)] = (name, None)
    return out


def _title_from_values(table: str, values: dict[str, Any]) -> str | None:
    """A deleted record's name, from the values the trail kept."""
    if table == "members" and values.get("last_name"):
        return f"{values.get('first_name') or ''} {values['last_name']}".strip()
    for key in ("title", "name", "display_name"):
        if values.get(key):
            return str(values[key])
    return None


def audit_changes(
    session: Session,
    username: str | None = None,
    table_name: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The newest LIMIT audit entries matching the filters, one row per changed field."""
    return changes(session, audit_entries(session, username, table_name, since, until, limit))


def record_changes(
    session: Session, table_name: str, record_id: int, limit: int = 100
) -> pd.DataFrame:
    """`audit_changes` of one record (TABLE_NAME, RECORD_ID): one row per changed field."""
    entries = audit_entries(session, None, table_name, None, None, limit, str(record_id))
    return changes(session, entries)


def changes(session: Session, entries: pd.DataFrame) -> pd.DataFrame:
    """One row per changed field of the audit ENTRIES (as from dashboard_data.audit_entries).

    Columns: id (of the entry), at, username, action, table_name, record_id, record_title,
    record_day, field, old, new. Values stay codes and stored values (dates
    as ISO text), except ids of other records, which become their names;
    the page turns them into German text. Ids and versions are left out, and
    so are empty fields of a created or deleted record.
    """
    columns = [
        "id", "at", "username", "action", "table_name", "record_id", "record_title", "record_day",
        "field", "old", "new",
    ]  # fmt: skip
    if entries.empty:
        return pd.DataFrame(columns=columns, dtype=object)
    titles = _titles(session, entries)
    refs: dict[type, set[int]] = {}
    for old, new in zip(entries["old"], entries["new"], strict=True):
        for values in (old or {}, new or {}):
            for key, value in values.items():
                if key in REFERENCES and (number := _int(value)) is not None:
                    refs.setdefault(REFERENCES[key], set()).add(number)
    names = {model: _names(session, model, ids) for model, ids in refs.items()}
    rows = []
    for entry in entries.itertuples(index=False):
        old, new = entry.old or {}, entry.new or {}
        title, day = titles.get((entry.table_name, str(entry.record_id)), (None, None))
        title = title or _title_from_values(entry.table_name, old or new)
        for key in [k for k in {**old, **new} if k not in TECHNICAL]:
            before, after = old.get(key), new.get(key)
            if entry.action != "update" and before is None and after is None:
                continue
            if key in REFERENCES:
                lookup = names.get(REFERENCES[key], {})
                before = lookup.get(_int(before), before)
                after = lookup.get(_int(after), after)
            rows.append(
                (entry.id, entry.at, entry.username, entry.action, entry.table_name, entry.record_id,
                 title, day, key, before, after)
            )  # fmt: skip
        if not old and not new:
            rows.append(
                (entry.id, entry.at, entry.username, entry.action, entry.table_name, entry.record_id,
                 title, day, None, None, None)
            )  # fmt: skip
    # object columns: a missing value stays None, and whole numbers stay ints
    return pd.DataFrame(rows, columns=columns, dtype=object)
