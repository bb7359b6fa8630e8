"""Meetings and attendance (editors)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import InvalidInput, ValidationError
from db.models import BERLIN, Attendance, Meeting, Member, ThematicArea
from db.permissions import Actor
from db.services.core import apply, check_version, load, touch, write_service
from db.validation import AttendanceInput, CancelInput, MeetingInput, check


@lru_cache(maxsize=8)
def _hesse(year: int) -> holidays.HolidayBase:
    return holidays.Germany(subdiv="HE", years=year, language="de")


def meeting_warnings(starts_at: dt.datetime) -> list[str]:
    """Warnings, not refusals: a meeting on a weekend or a public holiday in Hesse."""
    day = starts_at.astimezone(BERLIN).date()
    warnings = []
    if day.weekday() >= 5:
        warnings.append(
            f"Der {day:%d.%m.%Y} ist ein {'Samstag' if day.weekday() == 5 else 'Sonntag'}."
        )
    name = _hesse(day.year).get(day)
    if name:
        warnings.append(f"Der {day:%d.%m.%Y} ist in Hessen ein Feiertag ({name}).")
    return warnings


def _rules(session: Session, data: MeetingInput) -> None:
    if data.area_id is not None:
        load(session, ThematicArea, data.area_id, "Der Themenbereich")


@write_service("editor")
def create_meeting(session: Session, actor: Actor, data: dict[str, Any]) -> int:
    payload = check(MeetingInput, data)
    _rules(session, payload)
    meeting = Meeting(**payload.model_dump())
    session.add(meeting)
    session.flush()
    return meeting.id


@write_service("editor")
def update_meeting(
    session: Session, actor: Actor, meeting_id: int, data: dict[str, Any], expected_version: int
) -> None:
    payload = check(MeetingInput, data)
    meeting = load(session, Meeting, meeting_id, "Der Termin")
    check_version(session, meeting, expected_version, "Der Termin")
    _rules(session, payload)
    apply(meeting, payload)


@write_service("editor")
def cancel_meeting(
    session: Session, actor: Actor, meeting_id: int, expected_version: int, reason: str = ""
) -> None:
    reason = check(CancelInput, {"reason": reason}).reason
    meeting = load(session, Meeting, meeting_id, "Der Termin")
    check_version(session, meeting, expected_version, "Der Termin")
    meeting.status = "cancelled"
    if reason:
        meeting.notes = "\n".join(filter(None, [meeting.notes, f"Abgesagt: {reason}"]))


@write_service("editor")
def record_attendance(
    session: Session,
    actor: Actor,
    meeting_id: int,
    rows: list[dict[str, Any]],
    expected_version: int,
) -> None:
    """Save the whole attendance checklist of a meeting at once.

    A meeting whose start has passed is marked as held; attendance for a
    future or cancelled meeting is refused.
    """
    meeting = load(session, Meeting, meeting_id, "Der Termin")
    check_version(session, meeting, expected_version, "Der Termin")
    if meeting.status == "cancelled":
        raise ValidationError("Anwesenheit", "für einen abgesagten Termin nicht möglich.")
    if meeting.starts_at > dt.datetime.now(BERLIN):
        raise ValidationError("Anwesenheit", "kann erst ab Beginn des Termins erfasst werden.")
    errors, entries = [], []
    for number, row in enumerate(rows, start=1):
        try:
            entries.append(check(AttendanceInput, row))
        except InvalidInput as exc:
            errors += [f"Zeile {number}: {m}" for m in exc.messages]
    if errors:
        raise InvalidInput(errors)
    known = set(
        session.scalars(select(Member.id).where(Member.id.in_([e.member_id for e in entries])))
    )
    missing = [e.member_id for e in entries if e.member_id not in known]
    if missing:
        raise ValidationError("Mitglied", "unbekannt (inzwischen gelöscht?).")
    current = {
        a.member_id: a
        for a in session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id))
    }
    wanted = {e.member_id: e for e in entries}
    for member_id, attendance in current.items():
        if member_id not in wanted:
            session.delete(attendance)
    for member_id, entry in wanted.items():
        if member_id in current:
            apply(current[member_id], entry, skip=("member_id",))
        else:
            session.add(Attendance(meeting_id=meeting_id, **entry.model_dump()))
    if meeting.status == "planned":
        meeting.status = "held"
    else:
        touch(meeting)
