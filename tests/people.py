"""A member with a distinctive name who leaves traces everywhere: a rename and
contact details in the audit trail, two working groups, attendance recorded
through the service, a deputy, and free texts that name her. Built through the
write services, as the office would, on top of the demo data."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import openpyxl
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from db import services
from db.engine import session_scope
from db.models import (
    Attendance,
    Base,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Organisation,
    ThematicArea,
)
from db.permissions import Actor
from tests.conftest import TODAY

EDITOR = Actor("geschaeftsstelle", "editor")
FIRST = "Zoë-Marlene"
LAST = "Quandtmeyer-Oßwald"
EARLIER_LAST = "Oßwald"  # her name before the rename: only in the audit trail and a note
EMAIL = "zoe.quandtmeyer@beirat.example.org"
FUNCTION = "Sprecherin des Beirats für Teilhabe"
# Every value anonymising must erase, and parts of them.
TRACES = [FIRST, LAST, EARLIER_LAST, "Quandtmeyer", EMAIL, "zoe.quandtmeyer", FUNCTION]

DEPUTY_FIRST, DEPUTY_LAST = "Henrike", "Vertretungsmann"
DEPUTY_EMAIL, DEPUTY_FUNCTION = "h.vertretung@beirat.example.org", "Stellvertretende Sprecherin"


@dataclass(frozen=True)
class Person:
    member_id: int
    deputy_id: int
    measure_id: int
    plenary_id: int
    group_meeting_id: int
    cancelled_id: int


def _member_payload(member: Member | None = None, **values: Any) -> dict[str, Any]:
    base = {
        "first_name": member.first_name if member else None,
        "last_name": member.last_name if member else None,
        "function": member.function if member else None,
        "email": member.email if member else None,
        "organisation_id": member.organisation_id if member else None,
        "sector_id": member.sector_id if member else None,
        "active_from": member.active_from if member else dt.date(2024, 9, 23),
        "active_to": member.active_to if member else None,
        "deputy_for_id": member.deputy_for_id if member else None,
        "area_ids": (),
    }
    return {**base, **values}


def _add_to_checklist(engine: Engine, meeting_id: int, row: dict[str, Any]) -> None:
    """Record ROW on the meeting's checklist through the service (the whole list is saved)."""
    with Session(engine) as s:
        meeting = s.get(Meeting, meeting_id)
        rows = [
            {"member_id": a.member_id, "status": a.status, "deputy_attended": a.deputy_attended}
            for a in s.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id))
        ]
        version = meeting.version
    with session_scope(engine) as s:
        services.record_attendance(s, EDITOR, meeting_id, [*rows, row], version)


def make_person(engine: Engine) -> Person:
    """Build the member and her traces (the engine must hold the demo data)."""
    with Session(engine) as s:
        org = s.scalars(select(Organisation).order_by(Organisation.id)).first()
        areas = s.scalars(select(ThematicArea.id).order_by(ThematicArea.sort_order)).all()
        plenary = s.scalars(
            select(Meeting)
            .where(Meeting.kind == "plenary", Meeting.status == "held")
            .order_by(Meeting.starts_at.desc())
        ).first()
        group_meeting = s.scalars(
            select(Meeting)
            .where(Meeting.area_id == areas[0], Meeting.status == "held")
            .order_by(Meeting.starts_at.desc())
        ).first()
        planned = s.scalars(
            select(Meeting).where(Meeting.status == "planned").order_by(Meeting.starts_at)
        ).first()
        planned_ids = (planned.id, planned.version)
        status_id = s.scalar(select(MeasureStatus.id).where(MeasureStatus.name == "geplant"))
        org_ids = (org.id, org.sector_id)
    with session_scope(engine) as s:
        member_id = services.create_member(
            s,
            EDITOR,
            _member_payload(
                first_name=FIRST,
                last_name=EARLIER_LAST,
                function=FUNCTION,
                organisation_id=org_ids[0],
                sector_id=org_ids[1],
                area_ids=(areas[0],),
            ),
        )
    with Session(engine) as s:
        member = s.get(Member, member_id)
        renamed = _member_payload(member, last_name=LAST, email=EMAIL, area_ids=tuple(areas[:2]))
        version = member.version
    with session_scope(engine) as s:
        services.update_member(s, EDITOR, member_id, renamed, version)
        deputy_id = services.create_member(
            s,
            EDITOR,
            _member_payload(
                first_name=DEPUTY_FIRST,
                last_name=DEPUTY_LAST,
                function=DEPUTY_FUNCTION,
                email=DEPUTY_EMAIL,
                organisation_id=org_ids[0],
                sector_id=org_ids[1],
                deputy_for_id=member_id,
            ),
        )
    _add_to_checklist(
        engine, plenary.id, {"member_id": member_id, "status": "excused", "deputy_attended": True}
    )
    _add_to_checklist(engine, group_meeting.id, {"member_id": member_id, "status": "present"})
    with session_scope(engine) as s:
        measure_id = services.create_measure(
            s,
            EDITOR,
            {
                "title": "Patenschaften für neu berufene Mitglieder",
                "area_id": areas[0],
                "responsible": f"{FIRST} {LAST} (Beirat)",
                "status_id": status_id,
                "progress": 10,
            },
        )
    with Session(engine) as s:
        measure_version = s.get(Measure, measure_id).version
    with session_scope(engine) as s:
        services.add_progress_update(
            s,
            EDITOR,
            measure_id,
            {
                "date": TODAY,
                "progress": 20,
                "status_id": status_id,
                "note": f"Rückmeldung von {LAST}, {FIRST} ({EMAIL}); "
                f"früher {FIRST} {EARLIER_LAST}.",
            },
            measure_version,
        )
        services.cancel_meeting(
            s, EDITOR, planned_ids[0], planned_ids[1], f"{FIRST.upper()} {LAST} ist verhindert"
        )
    return Person(member_id, deputy_id, measure_id, plenary.id, group_meeting.id, planned_ids[0])


def found(text_: str, needles: list[str]) -> list[str]:
    """The NEEDLES that occur in TEXT_ (case-insensitively)."""
    low = text_.casefold()
    return [n for n in needles if n.casefold() in low]


def _plain(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def database_traces(engine: Engine, needles: list[str]) -> list[str]:
    """Every table.column where one of NEEDLES occurs: the values as the models read
    them, and the raw stored text (JSON may be stored with \\u escapes)."""
    escaped = [json.dumps(n)[1:-1] for n in needles]
    hits = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for column, value in row._mapping.items():
                    for needle in found(_plain(value), needles):
                        hits.append(f"{table.name}.{column}: {needle}")
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                for column, value in row._mapping.items():
                    for needle in found(_plain(value), escaped):
                        hits.append(f"{table.name}.{column} (raw): {needle}")
    return hits


def workbook_text(data: bytes) -> dict[str, str]:
    """Every cell of an .xlsx file as text, per sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for row in sheet.iter_rows(values_only=True)
        )
        for sheet in book.worksheets
    }
