"""The floor's DataFrames, read once per process (outside the timed reruns)."""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from db import participation, progress, queries
from db.engine import make_engine

PAGE = os.environ.get("BENCH_PAGE", "overview")


@cache
def frames() -> dict[str, Any]:
    today = dt.date.today()
    with Session(make_engine(os.environ["DATABASE_URL"])) as s:
        attendance = participation.attendance_by_sector(s)
        area = progress.area_progress(s, [today])
        return {
            "members": queries.members_per_sector(s, today),
            "now": area,
            "composition": participation.composition(s, today),
            "attendance": attendance,
            "recent": participation.latest_meetings(attendance, 40),
            "sector_totals": participation.sector_totals(attendance),
            "status_counts": progress.status_counts(s),
            "statuses": progress.status_names(s),
            "series": progress.progress_series(s, today),
            "plenaries": queries.held_plenaries(s, today),
            "measures": progress.measures_table(s, today),
            "meetings": queries.meetings(s),
        }
