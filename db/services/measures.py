"""Measures and their progress history (editors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Measure, MeasureStatus, Meeting, Need, ProgressUpdate, ThematicArea
from db.permissions import Actor
from db.services.core import apply, check_version, ensure_unique, load, touch, write_service
from db.validation import MeasureInput, ProgressInput, check


def _rules(session: Session, data: MeasureInput, own_id: int | None) -> None:
    load(session, ThematicArea, data.area_id, "Der Themenbereich")
    load(session, MeasureStatus, data.status_id, "Der Status")
    if data.proposed_at_meeting_id is not None:
        load(session, Meeting, data.proposed_at_meeting_id, "Der Termin")
    if data.need_id is not None:
        load(session, Need, data.need_id, "Der Handlungsbedarf")
    ensure_unique(session, Measure.title, data.title, own_id, "Titel", area_id=data.area_id)


def _history_entry(measure: Measure, actor: Actor, day: dt.date, note: str) -> ProgressUpdate:
    return ProgressUpdate(
        measure_id=measure.id,
        date=day,
        progress=measure.progress,
        status_id=measure.status_id,
        note=note,
        author=actor.username,
    )


@write_service("editor")
def create_measure(session: Session, actor: Actor, data: dict[str, Any]) -> int:
    """Create a measure; its first progress update records the starting state."""
    payload = check(MeasureInput, data)
    _rules(session, payload, None)
    measure = Measure(**payload.model_dump())
    session.add(measure)
    session.flush()
    session.add(_history_entry(measure, actor, dt.date.today(), "Maßnahme angelegt."))
    return measure.id


@write_service("editor")
def update_measure(
    session: Session, actor: Actor, measure_id: int, data: dict[str, Any], expected_version: int
) -> None:
    """Edit a measure; a changed status or progress also enters its history."""
    payload = check(MeasureInput, data)
    measure = load(session, Measure, measure_id, "Die Maßnahme")
    check_version(session, measure, expected_version, "Die Maßnahme")
    _rules(session, payload, measure_id)
    moved = (measure.status_id, measure.progress) != (payload.status_id, payload.progress)
    apply(measure, payload)
    if moved:
        session.add(_history_entry(measure, actor, dt.date.today(), "Im Stammblatt geändert."))


@write_service("editor")
def archive_measure(
    session: Session, actor: Actor, measure_id: int, expected_version: int, archived: bool = True
) -> None:
    """Archive (or restore) a measure: it leaves every list and figure, its history stays."""
    measure = load(session, Measure, measure_id, "Die Maßnahme")
    check_version(session, measure, expected_version, "Die Maßnahme")
    measure.archived = archived


@write_service("editor")
def add_progress_update(
    session: Session, actor: Actor, measure_id: int, data: dict[str, Any], expected_version: int
) -> int:
    """Post a progress update; the newest one by date is the measure's current state."""
    payload = check(ProgressInput, data)
    measure = load(session, Measure, measure_id, "Die Maßnahme")
    check_version(session, measure, expected_version, "Die Maßnahme")
    load(session, MeasureStatus, payload.status_id, "Der Status")
    latest = session.scalar(
        select(ProgressUpdate.date)
        .where(ProgressUpdate.measure_id == measure_id)
        .order_by(ProgressUpdate.date.desc())
        .limit(1)
    )
    update = ProgressUpdate(measure_id=measure_id, author=actor.username, **payload.model_dump())
    session.add(update)
    if latest is None or payload.date >= latest:
        if not apply(measure, {"status_id": payload.status_id, "progress": payload.progress}):
            touch(measure)
    else:
        touch(measure)
    session.flush()
    return update.id
