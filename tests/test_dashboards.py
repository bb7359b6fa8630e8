"""The four dashboards on the real database: figures the test computes itself
from the raw rows, empty databases, fresh data on the next run, exports."""

from __future__ import annotations

import datetime as dt
import json

import icalendar
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import exports, fmt
from db import dashboard_data, participation, progress, services
from db.engine import session_scope
from db.models import (
    Attendance,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    ProgressUpdate,
    Sector,
    ThematicArea,
)
from db.permissions import Actor
from db.versioning import bump_data_version, data_version
from tests import raw
from tests.apptest import metric, signed_in
from tests.conftest import TODAY

DASHBOARDS = [
    "pages/overview.py",
    "pages/participation.py",
    "pages/measures.py",
    "pages/calendar.py",
]


def open_page(page: str, user: str = "leitung"):
    at = signed_in(user)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def raw_members_per_sector(s: Session) -> dict[str, int]:
    counts = {name: 0 for name in s.scalars(select(Sector.name))}
    for member in s.scalars(select(Member)):
        active = member.active_from <= TODAY and (
            member.active_to is None or member.active_to >= TODAY
        )
        if active and member.deputy_for_id is None:
            counts[member.sector.name] += 1
    return counts


def raw_last_plenary_rate(s: Session) -> float:
    plenary = s.scalars(
        select(Meeting)
        .where(Meeting.kind == "plenary", Meeting.status == "held")
        .order_by(Meeting.starts_at.desc())
    ).first()
    rows = s.scalars(select(Attendance).where(Attendance.meeting_id == plenary.id)).all()
    return sum(r.status == "present" or r.deputy_attended for r in rows) / len(rows)


def test_participation_page_shows_the_members_per_sector_of_the_raw_rows(app_env, demo_engine):
    with Session(demo_engine) as s:
        expected = raw_members_per_sector(s)
    at = open_page("pages/participation.py")
    table = at.dataframe[0].value
    shown = dict(zip(table["Bereich"], table["Gesamt"], strict=True))
    assert shown == expected


def test_overview_shows_the_attendance_rate_of_the_last_plenary(app_env, demo_engine):
    with Session(demo_engine) as s:
        expected = raw_last_plenary_rate(s)
    at = open_page("pages/overview.py")
    assert metric(at, "Teilnahme Plenum") == fmt.percent(expected, 1)


def test_measures_page_shows_area_progress_without_counting_unknowns(app_env, demo_engine):
    with Session(demo_engine) as s:
        area = s.scalars(select(ThematicArea.name).order_by(ThematicArea.sort_order)).first()
        mean, _, unknown = raw.area_progress(s, area, TODAY)
        # Make sure this test means something: the area has unknown progress to leave out.
        if unknown == 0:
            measure = s.scalars(
                select(Measure).where(
                    Measure.area.has(name=area), Measure.status.has(is_discontinued=False)
                )
            ).first()
            s.add(
                ProgressUpdate(
                    measure_id=measure.id, date=TODAY, progress=None, status_id=measure.status_id
                )
            )
            s.commit()
            mean, _, unknown = raw.area_progress(s, area, TODAY)
    at = open_page("pages/measures.py")
    table = next(d.value for d in at.dataframe if "Fortschritt heute" in d.value.columns)
    row = table[table["Themenbereich"] == area].iloc[0]
    assert row["Fortschritt heute"] == f"{fmt.number(mean, 1)}\u00a0%"
    assert row["unbekannt"] == unknown >= 1


@pytest.mark.parametrize("page", DASHBOARDS)
def test_dashboards_on_an_empty_database_raise_nothing(app_env, page):
    at = open_page(page)
    assert not at.error
    assert at.info, "an empty page explains itself"


@pytest.mark.parametrize("page", DASHBOARDS)
def test_dashboards_render_on_demo_data(app_env, demo_engine, page):
    at = open_page(page)
    assert not at.error
    assert at.title


def _chart_rows(at, title: str) -> pd.DataFrame:
    """The data rows behind the chart titled TITLE, as the browser receives them."""
    for element in at.get("vega_lite_chart"):
        if json.loads(element.proto.spec).get("title") == title:
            tables = [pa.ipc.open_stream(d.data.data).read_pandas() for d in element.proto.datasets]
            return pd.concat(tables)
    raise AssertionError(f"no chart titled {title!r}")


def test_a_change_by_another_session_shows_on_the_next_run(app_env, demo_engine):
    """In the figures and in the cached chart specification alike."""
    at = open_page("pages/overview.py")
    before = int(metric(at, "Aktive Mitglieder"))
    charted = _chart_rows(at, "Mitglieder nach Bereich")["Mitglieder"].sum()
    with session_scope(demo_engine) as s:
        member = s.scalars(
            select(Member).where(Member.deputy_for_id.is_(None), Member.active_to.is_(None))
        ).first()
        member.active_to = TODAY - dt.timedelta(days=1)
        bump_data_version(s)
    at.run()
    assert int(metric(at, "Aktive Mitglieder")) == before - 1
    assert _chart_rows(at, "Mitglieder nach Bereich")["Mitglieder"].sum() == charted - 1


def test_calendar_export_parses_back_with_every_meeting_once(demo_engine):
    with Session(demo_engine) as s:
        meetings = dashboard_data.meetings(s)
        cancelled = s.scalar(select(Meeting.id).where(Meeting.status == "cancelled"))
    first = icalendar.Calendar.from_ical(exports.ics_bytes(meetings.to_dict("records")))
    second = icalendar.Calendar.from_ical(exports.ics_bytes(meetings.to_dict("records")))
    events = first.walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)) == len(meetings)
    assert uids == [str(e["UID"]) for e in second.walk("VEVENT")]
    assert all(str(e.decoded("DTSTART").tzinfo) == "Europe/Berlin" for e in events)
    by_uid = {str(e["UID"]): e for e in events}
    assert (
        str(by_uid[f"meeting-{cancelled}@integrationskonferenz.hessen.de"]["STATUS"]) == "CANCELLED"
    )
    assert len(first.walk("VTIMEZONE")) == 1


def test_area_progress_formula_leaves_out_unknown_discontinued_and_archived(engine):
    """The one roll-up formula, on both databases, with every special case."""
    with session_scope(engine) as s:
        area = ThematicArea(name="Asyl & Integration", short_name="AG 3")
        running = MeasureStatus(name="in Umsetzung")
        shelved = MeasureStatus(name="zurückgestellt", is_discontinued=True)
        s.add_all([area, running, shelved])
        s.flush()
        cases = [(40, running, False), (80, running, False), (None, running, False),
                 (10, shelved, False), (0, running, True)]  # fmt: skip
        for i, (value, status, archived) in enumerate(cases):
            m = Measure(title=f"M{i}", area_id=area.id, status_id=status.id, archived=archived)
            s.add(m)
            s.flush()
            s.add(ProgressUpdate(measure_id=m.id, date=dt.date(2025, 1, 1), progress=100,
                                 status_id=running.id))  # fmt: skip
            s.add(ProgressUpdate(measure_id=m.id, date=dt.date(2025, 6, 1), progress=value,
                                 status_id=status.id))  # fmt: skip
    with Session(engine) as s:
        df = progress.area_progress(s, [dt.date(2025, 3, 1), dt.date(2025, 7, 1)])
    march, july = df.iloc[0], df.iloc[1]
    assert (march["mean"], march["known"], march["unknown"]) == (100.0, 4, 0)
    assert (july["mean"], july["known"], july["unknown"]) == (60.0, 2, 1)


def test_attendance_counts_a_deputy_as_an_attended_seat(demo_engine):
    with Session(demo_engine) as s:
        df = participation.attendance_by_sector(s)
        rows = s.execute(select(Attendance.status, Attendance.deputy_attended)).all()
    assert df["invited"].sum() == len(rows)
    assert df["present"].sum() == sum(r.status == "present" for r in rows)
    assert df["deputy"].sum() == sum(bool(r.deputy_attended) for r in rows) > 0
    assert df["attended"].sum() == df["present"].sum() + df["deputy"].sum()


def test_stale_and_overdue_lists_follow_their_definitions(demo_engine):
    with Session(demo_engine) as s:
        table = progress.measures_table(s, TODAY)
    overdue = table[table["overdue"]]
    assert len(overdue) > 0
    assert all(d < TODAY for d in overdue["due_date"])
    assert not overdue["is_done"].any() and not overdue["is_discontinued"].any()
    assert table["stale"].any()


def test_write_services_bump_the_version_the_caches_key_on(engine, demo_accounts):
    with Session(engine) as s:
        before = data_version(s)
    with session_scope(engine) as s:
        services.set_active(s, Actor("admin", "admin"), demo_accounts["leitung"], False)
    with Session(engine) as s:
        assert data_version(s) == before + 1


def test_column_date_formats_match_the_single_value_ones(demo_engine):
    with Session(demo_engine) as s:
        times = dashboard_data.meetings(s)["starts_at"]
    assert list(fmt.weekday_dates(times)) == [fmt.weekday_date(t) for t in times]
    assert list(fmt.dates(times)) == [fmt.date(t) for t in times]
    with Session(demo_engine) as s:
        measures = progress.measures_table(s, TODAY)
    for column in ("due_date", "last_update", "start_date"):
        values = pd.concat([measures[column], pd.Series([None], dtype=object)])
        assert list(fmt.days(values)) == [fmt.date(v) for v in values]
