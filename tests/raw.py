"""Figures computed the slow, obvious way from the raw rows, to check the
aggregating queries against."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Measure, MeasureStatus, ProgressUpdate, ThematicArea


def area_progress(s: Session, area_name: str, day: dt.date) -> tuple[float | None, int, int]:
    """Mean known progress of the area's active measures on DAY, known and unknown counts."""
    known, unknown = [], 0
    area = s.scalar(select(ThematicArea).where(ThematicArea.name == area_name))
    for measure in s.scalars(select(Measure).where(Measure.area_id == area.id)):
        updates = s.scalars(
            select(ProgressUpdate).where(
                ProgressUpdate.measure_id == measure.id, ProgressUpdate.date <= day
            )
        ).all()
        if not updates or measure.archived:
            continue
        latest = max(updates, key=lambda u: (u.date, u.id))
        if s.get(MeasureStatus, latest.status_id).is_discontinued:
            continue
        if latest.progress is None:
            unknown += 1
        else:
            known.append(latest.progress)
    return (sum(known) / len(known) if known else None), len(known), unknown
