"""The floor's content, made once per process (outside the timed reruns).

For one page (BENCH_PAGE) the charts and tables the page shows in its default
state (every tab, filters untouched, the first entry of each selectbox), in the
page's order: each chart as the Vega-Lite spec the app sends (built by
components.ui._spec, the app's own function), each table as the DataFrame the
page passes to st.dataframe, shaped as the page shapes it. Only what a browser
receives as charts and tables: no titles, metrics, widgets or downloads.

Read from DATABASE_URL once per process, or, with BENCH_FLOOR_FILE set, from a
pickle that `save` wrote (bench/first_page.py): then the floor process never
opens a database.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from components import calendar_view, charts, deck_slides, fmt, responses_view, tables
from components.ui import _spec
from db import dashboard_data, participation, progress, responses
from db import deck_data as deck_db
from db.config import response_threshold
from db.engine import make_engine
from db.models import BERLIN

PAGE = os.environ.get("BENCH_PAGE", "overview")
FLOOR_FILE = os.environ.get("BENCH_FLOOR_FILE")  # a pickle from save(): no database
HEATMAP_MEETINGS = 40  # as pages/participation.py


@dataclass(frozen=True)
class Item:
    """One chart (a Vega-Lite spec) or one table (a DataFrame) and its st.* options."""

    kind: str  # "chart" / "table"
    value: Any
    options: dict[str, Any] = field(default_factory=dict)


def _chart(figure, **options: Any) -> Item:
    return Item("chart", _spec(lambda: figure), options)


def _table(df: pd.DataFrame, **options: Any) -> Item:
    return Item("table", df, options)


@cache
def content(page: str = PAGE) -> tuple[Item, ...]:
    """PAGE's charts and tables, read and built once per process (or unpickled
    from BENCH_FLOOR_FILE)."""
    if FLOOR_FILE:
        saved_page, items = pickle.loads(Path(FLOOR_FILE).read_bytes())
        if saved_page != page:
            raise ValueError(f"{FLOOR_FILE} holds {saved_page!r}, not {page!r}")
        return items
    return _build(page, os.environ["DATABASE_URL"])


def save(path: Path, page: str, url: str) -> tuple[Item, ...]:
    """Build PAGE's content from the database at URL and pickle it to PATH (for a
    floor process started with BENCH_FLOOR_FILE=PATH)."""
    items = _build(page, url)
    path.write_bytes(pickle.dumps((page, items)))
    return items


def _build(page: str, url: str) -> tuple[Item, ...]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return tuple(BUILDERS[page](s, dt.date.today()))
    finally:
        engine.dispose()


def _last_plenary(s: Session, today: dt.date) -> dt.date | None:
    plenaries = dashboard_data.held_plenaries(s, today)
    return plenaries.iloc[0]["starts_at"].date() if len(plenaries) else None


def overview(s: Session, today: dt.date) -> list[Item]:
    last_day = _last_plenary(s, today)
    days = [today] + ([last_day] if last_day else [])
    areas = progress.area_progress(s, days)
    items = [
        _chart(charts.members_by_sector(participation.seats_per_sector(s, today))),
        _chart(charts.area_progress(areas[areas["day"] == today])),
    ]
    # the expected representation at the next meeting (issue 19): chart and counts
    meeting = responses.next_planned(s, dt.datetime.combine(today, dt.time(), tzinfo=BERLIN))
    if meeting is not None:
        threshold = response_threshold()
        expected = responses.expected_by_sector(s, meeting, threshold)
        items += [
            _chart(charts.expected_representation(expected, threshold)),
            _table(responses_view.expected_table(expected)),
        ]
    return items


def participation_page(s: Session, today: dt.date) -> list[Item]:
    composition = participation.composition(s, today)
    total = participation.seats_per_sector(s, today)
    groups = tables.groups_by_sector(composition)
    # Tab "Teilnahme" with its filters untouched: every held meeting.
    attendance = participation.attendance_by_sector(s, None, None, (), None)
    per_sector = participation.sector_totals(attendance)
    attended, _export = tables.attendance(per_sector)
    items = [
        _chart(charts.members_by_sector(total)),
        _chart(charts.composition_heatmap(composition)),
        _table(groups),
    ]
    if not attendance.empty:
        latest = participation.latest_meetings(attendance, HEATMAP_MEETINGS)
        items.append(_chart(charts.attendance_heatmap(latest)))
        if (attendance["kind"] == "plenary").any():
            items.append(_chart(charts.attendance_trend(attendance)))
        items.append(_table(attended))
    # Tab "Vertretung bei einem Termin": the newest held meeting.
    held = participation.attendance_by_sector(s)
    if not held.empty:
        newest = held.sort_values("starts_at", ascending=False).iloc[0]["meeting_id"]
        shares = participation.representation(held[held["meeting_id"] == newest])
        items.append(_chart(charts.representation(shares)))
        items.append(_table(tables.representation(shares)))
    return items


def measures_page(s: Session, today: dt.date) -> list[Item]:
    last_day = _last_plenary(s, today)
    days = [today] + ([last_day] if last_day else [])
    areas = progress.area_progress(s, days)
    now = areas[areas["day"] == today]
    if now["measures"].sum() == 0:
        return []
    items = [
        _chart(charts.area_progress(now)),
        _chart(charts.status_distribution(progress.status_counts(s), progress.statuses(s))),
    ]
    if last_day:
        then = areas[areas["day"] == last_day].set_index("area_id")["mean"]
        items.append(
            _table(
                pd.DataFrame(
                    {
                        "Themenbereich": now["area"].values,
                        "Fortschritt heute": [
                            fmt.number(v, 1) + " %" if pd.notna(v) else "–" for v in now["mean"]
                        ],
                        f"am {fmt.date(last_day)}": [
                            fmt.number(then[a], 1) + " %" if pd.notna(then[a]) else "–"
                            for a in now["area_id"]
                        ],
                        "Veränderung": [
                            fmt.points_change(v, then[a], scale=1) or "–"
                            for v, a in zip(now["mean"], now["area_id"], strict=True)
                        ],
                        "bekannt": now["known"].values,
                        "unbekannt": now["unknown"].values,
                    }
                )
            )
        )
    items.append(
        _chart(
            charts.progress_over_time(
                progress.progress_series(s, today), dashboard_data.held_plenaries(s, today)
            )
        )
    )
    measures = progress.measures_table(s, today)
    if last_day:
        moved = progress.changes_since(s, last_day, today)
        if not moved.empty:
            items.append(_table(tables.moved(moved)))
    for mask in (measures["overdue"], measures["stale"], ~measures["archived"]):
        if mask.any():
            items.append(_table(tables.measures(measures[mask])))
    return items


def calendar_page(s: Session, today: dt.date) -> list[Item]:
    meetings = dashboard_data.meetings(s, (), None)
    if meetings.empty:
        return []
    days = meetings["starts_at"].map(lambda t: t.date())
    items = []
    for part in (meetings[days >= today], meetings[days < today].iloc[::-1]):
        if not part.empty:
            items.append(_table(tables.meetings(part)))
    months = calendar_view.months(meetings)
    year, month = next(
        (m for m in months if m >= (today.year, today.month)), months[len(months) - 1]
    )
    items.append(_table(calendar_view.month_grid(meetings, year, month), row_height=96))
    # Tab "Termin im Detail": the newest meeting of the list.
    return items + _meeting_detail(s, int(meetings.iloc[-1]["id"]))


def _meeting_detail(s: Session, meeting_id: int) -> list[Item]:
    """The calendar's tab "Termin im Detail" for one meeting."""
    items = []
    attendance = participation.attendance_by_sector(s)
    rows = attendance[attendance["meeting_id"] == meeting_id]
    if not rows.empty:
        items.append(
            _table(
                pd.DataFrame(
                    {
                        "Bereich": rows["sector"],
                        "Eingeladen": rows["invited"],
                        "Persönlich": rows["present"],
                        "Stellvertretung": rows["deputy"],
                        "Quote": rows["rate"].map(fmt.percent),
                    }
                )
            )
        )
    proposed = dashboard_data.measures_proposed_at(s, meeting_id)
    if not proposed.empty:
        items.append(
            _table(
                pd.DataFrame(
                    {
                        "Maßnahme": proposed["title"],
                        "Status": proposed["status"],
                        "Fortschritt": proposed["progress"].map(fmt.progress),
                    }
                )
            )
        )
    people = participation.participants(s, meeting_id)
    if len(people):
        items.append(
            _table(
                pd.DataFrame(
                    {
                        "Name": people["name"],
                        "Organisation": people["organisation"],
                        "Bereich": people["sector"],
                        "Teilnahme": people["deputy"].map(
                            {True: "durch Stellvertretung", False: "persönlich"}
                        ),
                    }
                )
            )
        )
    return items


def presentation_page(s: Session, today: dt.date) -> list[Item]:
    sittings = deck_db.sittings(s, today)
    sitting = int(sittings.iloc[0]["id"]) if len(sittings) else None
    figure = deck_slides.chart_for(deck_slides.SLIDES[0].key, deck_db.deck_data(s, today, sitting))
    return [] if figure is None else [_chart(figure, height=680)]


BUILDERS = {
    "overview": overview,
    "participation": participation_page,
    "measures": measures_page,
    "calendar": calendar_page,
    "presentation": presentation_page,
}
