"""The data of the presentation deck: everything its slides show, read at one
moment, as plain DataFrames (the deck keeps them frozen until refreshed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from db import dashboard_data, participation, progress


def sittings(session: Session, today: dt.date) -> pd.DataFrame:
    """Plenary sittings the deck can be about: held ones, newest first (id, title, starts_at)."""
    return dashboard_data.held_plenaries(session, today)[["id", "title", "starts_at"]]


def deck_data(session: Session, today: dt.date, sitting_id: int | None) -> dict[str, Any]:
    """Everything the slides need, for the deck about SITTING_ID (a plenary sitting)."""
    plenaries = dashboard_data.held_plenaries(session, today)
    sitting = plenaries[plenaries["id"] == sitting_id]
    sitting_day = sitting.iloc[0]["starts_at"].date() if len(sitting) else None
    earlier = plenaries[plenaries["starts_at"].map(lambda t: t.date()) < (sitting_day or today)]
    since = sitting_day if sitting_day and sitting_day < today else None
    baseline = since or (earlier.iloc[0]["starts_at"].date() if len(earlier) else None)
    days = [today] + ([baseline] if baseline else [])
    attendance = participation.attendance_by_sector(session)
    at_sitting = attendance[attendance["meeting_id"] == sitting_id]
    measures = progress.measures_table(session, today)
    overdue = measures[measures["overdue"]].sort_values("due_date")
    return {
        "today": today,
        "sitting_title": sitting.iloc[0]["title"] if len(sitting) else None,
        "sitting_day": sitting_day,
        "baseline_day": baseline,
        "members": participation.seats_per_sector(session, today),
        "representation": participation.representation(at_sitting) if len(at_sitting) else None,
        "progress": progress.area_progress(session, days),
        "statuses": progress.statuses(session),
        "status_counts": progress.status_counts(session),
        "overdue": overdue[["title", "area", "status", "due_date"]].reset_index(drop=True),
        "next_meetings": dashboard_data.next_meetings(session, today, 6),
    }
