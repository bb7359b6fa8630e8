"""Export of the member and measure lists in the columns the import reads.

A list can be exported, edited in a spreadsheet and imported back
(`db.list_import`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import fields, form_data, responses
from db.list_files import MEASURE_COLUMNS, MEMBER_COLUMNS, RESPONSE_COLUMNS
from db.models import (
    Measure,
    MeasureStatus,
    ThematicArea,
    WorkingGroupMembership,
)
from db.validation import EARLIEST
from db.vocabulary import RESPONSE_LABELS


def _frame(rows: Iterable[Sequence[Any]], columns: list[str]) -> pd.DataFrame:
    """A DataFrame of plain Python values (object columns: ints stay ints, None stays None)."""
    return pd.DataFrame([list(r) for r in rows], columns=columns, dtype=object)


def _group_names(session: Session) -> dict[int, list[str]]:
    """Short names of each member's working groups, in the areas' order."""
    stmt = (
        select(WorkingGroupMembership.member_id, ThematicArea.short_name)
        .join(ThematicArea, ThematicArea.id == WorkingGroupMembership.area_id)
        .order_by(ThematicArea.sort_order, ThematicArea.short_name)
    )
    groups: dict[int, list[str]] = {}
    for member_id, short_name in session.execute(stmt):
        groups.setdefault(member_id, []).append(short_name)
    return groups


def plain(value: Any) -> Any:
    """A value of a `db.form_data` frame as the database has it: NaN is None, and a
    nullable id or number that pandas made a float (3.0) is an int again."""
    if isinstance(value, tuple):
        return value
    if pd.isna(value):
        return None
    return int(value) if isinstance(value, float) else value


def _cell(declared: fields.Field, record: dict[str, Any], groups: dict[int, list[str]]) -> Any:
    """The list cell of a DECLARED field of a member RECORD (from `form_data.members`)."""
    match declared.kind:
        case "organisation":
            return record["organisation"]
        case "sector":
            return record["sector"]
        case "areas":
            return ", ".join(groups.get(record["id"], [])) or None
        case "choice":
            return declared.word(plain(record[declared.name]))
    return plain(record[declared.name])


def export_members(session: Session) -> pd.DataFrame:
    """All members (deputies too) in the import's columns, by last and first name."""
    groups = _group_names(session)
    rows = [
        (
            plain(record["id"]),
            *(_cell(f, record, groups) for f in fields.MEMBER),
            plain(record["version"]),
        )
        for record in form_data.members(session).to_dict("records")
    ]
    return _frame(rows, MEMBER_COLUMNS)


def export_measures(session: Session) -> pd.DataFrame:
    """All measures that are not archived, in the import's columns, by area and title.

    Fortschritt None means unknown (not 0 %).
    """
    named = {"area": ThematicArea.name, "status": MeasureStatus.name}
    columns = (named.get(f.kind, getattr(Measure, f.name)) for f in fields.MEASURE.listed)
    stmt = (
        select(Measure.id, *columns, Measure.version)
        .join(ThematicArea, ThematicArea.id == Measure.area_id)
        .join(MeasureStatus, MeasureStatus.id == Measure.status_id)
        .where(Measure.archived.is_(False))
        .order_by(ThematicArea.sort_order, ThematicArea.name, Measure.title, Measure.id)
    )
    return _frame(session.execute(stmt), MEASURE_COLUMNS)


def export_responses(session: Session, meeting_id: int | None = None) -> pd.DataFrame:
    """The answers to MEETING_ID (default: to every planned meeting), one row per
    invited member, in the import's columns; "keine Rückmeldung" where none came."""
    meetings = responses.meetings_with_answers(session, EARLIEST)
    if meeting_id is None:
        meetings = meetings[meetings["status"] == "planned"]
    else:
        meetings = meetings[meetings["id"] == meeting_id]
    rows = []
    for meeting in meetings.itertuples():
        sheet = responses.response_sheet(session, meeting.id)
        label = f"{meeting.title} ({meeting.starts_at:%d.%m.%Y})"
        rows += [
            (
                meeting.id, label, r.member_id, r.first_name, r.last_name, r.organisation,
                r.email, RESPONSE_LABELS[r.answer], r.deputy, r.received_on, plain(r.version),
            )
            for r in sheet.itertuples()
        ]  # fmt: skip
    return _frame(rows, RESPONSE_COLUMNS)


EXPORTS = {"members": export_members, "measures": export_measures, "responses": export_responses}


def export(session: Session, kind: str) -> pd.DataFrame:
    """The export of KIND (a key of EXPORTS)."""
    return EXPORTS[kind](session)
