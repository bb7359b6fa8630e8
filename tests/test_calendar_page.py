"""The calendar page through AppTest: which meeting the detail opens on, and a
month view that shows every week."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import calendar_view
from db.models import BERLIN, Meeting
from tests.apptest import signed_in
from tests.conftest import TODAY


def open_calendar():
    at = signed_in("leitung")
    at.switch_page("pages/calendar.py").run()
    assert not at.exception, at.exception
    return at


def test_meeting_detail_opens_on_the_next_meeting(app_env, demo_engine):
    with Session(demo_engine) as s:
        coming = [
            m
            for m in s.scalars(select(Meeting).order_by(Meeting.starts_at))
            if m.starts_at.astimezone(BERLIN).date() >= TODAY and m.status != "cancelled"
        ]
    at = open_calendar()
    assert at.selectbox(key="cal_detail").value == coming[0].id
    assert at.selectbox(key="cal_detail").value != max(m.id for m in coming)


def _meetings(days: list[tuple[dt.date, str]]) -> pd.DataFrame:
    starts = [dt.datetime(d.year, d.month, d.day, 10, tzinfo=BERLIN) for d, _ in days]
    return pd.DataFrame(
        {"id": range(1, len(days) + 1), "starts_at": starts, "status": [s for _, s in days]}
    )


def test_with_nothing_coming_the_detail_opens_on_the_latest_held_meeting():
    meetings = _meetings(
        [
            (TODAY - dt.timedelta(days=90), "held"),
            (TODAY - dt.timedelta(days=30), "held"),
            (TODAY - dt.timedelta(days=10), "cancelled"),
            (TODAY + dt.timedelta(days=5), "cancelled"),
        ]
    )
    assert calendar_view.focus(meetings, TODAY) == 2
    meetings.loc[len(meetings)] = [
        5,
        meetings["starts_at"].iloc[-1] + dt.timedelta(days=9),
        "planned",
    ]
    assert calendar_view.focus(meetings, TODAY) == 5


def test_the_month_view_is_tall_enough_for_every_week():
    # st.dataframe sizes itself for its default row height; with taller rows the
    # last week fell below the frame. Four to six weeks, each fully in view.
    empty = _meetings([]).astype({"starts_at": "datetime64[ns, Europe/Berlin]"})
    for year, month, weeks in ((2027, 2, 4), (2026, 12, 5), (2026, 8, 6)):
        grid = calendar_view.month_grid(empty, year, month)
        assert len(grid) == weeks
        assert calendar_view.grid_height(grid) >= (
            calendar_view.HEADER_HEIGHT + weeks * calendar_view.ROW_HEIGHT
        )
