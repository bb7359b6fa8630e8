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

from db import fields, form_data
from db.list_files import MEASURE_COLUMNS, MEMBER_COLUMNS
from db.models import (
    Measure,
    MeasureStatus,
    ThematicArea,
    WorkingGroupMembership,
)


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
    stmt = (
        select(
            Measure.id,
            Measure.title,
            Measure.description,
            ThematicArea.name,
            MeasureStatus.name,
            Measure.progress,
            Measure.responsible,
            Measure.start_date,
            Measure.due_date,
            Measure.proposed_at_meeting_id,
            Measure.version,
        )
        .join(ThematicArea, ThematicArea.id == Measure.area_id)
        .join(MeasureStatus, MeasureStatus.id == Measure.status_id)
        .where(Measure.archived.is_(False))
        .order_by(ThematicArea.sort_order, ThematicArea.name, Measure.title, Measure.id)
    )
    return _frame(session.execute(stmt), MEASURE_COLUMNS)


def export(session: Session, kind: str) -> pd.DataFrame:
    """The export of KIND ("members" or "measures")."""
    return {"members": export_members, "measures": export_measures}[kind](session)
