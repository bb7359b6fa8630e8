"""The month view of the calendar: a week-by-weekday grid as a DataFrame."""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
ROW_HEIGHT = 96  # px per week: the day and up to three meetings
HEADER_HEIGHT = 38  # px of the weekday header row (st.dataframe's default row)
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


def grid_height(grid: pd.DataFrame) -> int:
    """Height in px that shows every week of GRID (4 to 6 rows) without scrolling.

    st.dataframe's automatic height assumes its default row height, so rows
    taller than that (ROW_HEIGHT) would leave the last week out of sight.
    """
    return HEADER_HEIGHT + len(grid) * ROW_HEIGHT + 3  # 3: the frame's borders


def focus(meetings: pd.DataFrame, today: dt.date) -> object:
    """Id of the meeting to open first: the next one not cancelled (from TODAY
    on), or, with none coming, the latest held one; else the latest of all.
    MEETINGS is sorted by start."""
    days = meetings["starts_at"].map(lambda t: t.date())
    coming = meetings[(days >= today) & (meetings["status"] != "cancelled")]
    if len(coming):
        return coming.iloc[0]["id"]
    held = meetings[meetings["status"] == "held"]
    return (held if len(held) else meetings).iloc[-1]["id"]
