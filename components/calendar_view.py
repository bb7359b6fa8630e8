"""The month view of the calendar: a week-by-weekday grid as a DataFrame."""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember"]  # fmt: skip


def month_grid(meetings: pd.DataFrame, year: int, month: int) -> pd.DataFrame:
    """One row per week, one column per weekday; a cell holds the day and the
    titles of that day's meetings (cancelled ones marked)."""
    by_day: dict[dt.date, list[str]] = {}
    starts = meetings["starts_at"].dt
    in_month = meetings[(starts.year == year) & (starts.month == month)]
    for row in in_month.itertuples():
        day = row.starts_at.date()
        if (day.year, day.month) == (year, month):
            mark = " (abgesagt)" if row.status == "cancelled" else ""
            by_day.setdefault(day, []).append(f"{row.starts_at:%H:%M} {row.title}{mark}")
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append("")
                continue
            cells.append("\n".join([f"{day.day}.", *by_day.get(day, [])]))
        weeks.append(cells)
    return pd.DataFrame(weeks, columns=WEEKDAYS)


def months(meetings: pd.DataFrame) -> list[tuple[int, int]]:
    """The (year, month) pairs that have meetings, in order."""
    starts = meetings["starts_at"].dt
    pairs = pd.DataFrame({"year": starts.year, "month": starts.month}).drop_duplicates()
    return sorted(zip(pairs["year"].tolist(), pairs["month"].tolist(), strict=True))


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"
