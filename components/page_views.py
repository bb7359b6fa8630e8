"""What the dashboard pages show besides their charts, as each page builds it once
per data version (data.derived) and every rerun draws it. The types live here,
not in the page scripts: a page script runs on every rerun, and with it each
class statement and the dataclass machinery (about 1 ms a class)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from db.briefing_figures import KeyFigure


@dataclass(frozen=True)
class Overview:
    """What the page shows besides its charts, made once per data version and day."""

    stand: str
    figures: tuple[KeyFigure, ...]
    days: tuple[dt.date, ...]
    has_measures: bool
    change: str | None  # the caption under the progress chart
    upcoming: tuple[tuple[str, str], ...]  # (title line, when and where)


@dataclass(frozen=True)
class Measures:
    """What the page shows besides its charts, made once per data version and day
    (data.derived): a rerun only draws it."""

    days: tuple[dt.date, ...]
    last_day: dt.date | None
    has_measures: bool
    change_note: str | None
    since: pd.DataFrame | None
    moved: pd.DataFrame | None
    overdue: pd.DataFrame | None
    stale: pd.DataFrame | None
    areas: tuple[str, ...]  # the filter choices of the table of all measures
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class CalendarListing:
    """The meetings of one choice of filters as the page shows them, made once per
    data version, day and choice (data.derived): a rerun only draws it."""

    meetings: pd.DataFrame  # the rows of dashboard_data.meetings that pass the filters
    next_meeting: tuple[str, str] | None  # title, when and where
    coming: pd.DataFrame | None
    past: pd.DataFrame | None
    months: tuple[tuple[int, int], ...]
    month: int  # index of the month shown first
    labels: dict[int, str]  # the meetings, newest first, for the detail's choice
    focus: int  # the meeting the detail shows first


@dataclass(frozen=True)
class MeetingDetail:
    """One meeting's tab "Termin im Detail"."""

    title: str
    text: str
    notes: str | None
    planned: bool
    attendance: pd.DataFrame | None
    proposed: pd.DataFrame | None
    people: pd.DataFrame | None
