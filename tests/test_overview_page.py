"""The overview page, through AppTest on the real database."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from components import fmt
from db.models import (
    BERLIN,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    ProgressUpdate,
    ThematicArea,
)
from tests import raw
from tests.apptest import metric, open_app, signed_in
from tests.conftest import TODAY


def test_overview_shows_the_member_count_the_database_holds(app_env, demo_engine):
    with Session(demo_engine) as s:
        expected = s.scalar(
            select(func.count(Member.id)).where(
                Member.deputy_for_id.is_(None),
                Member.active_from <= TODAY,
                (Member.active_to.is_(None)) | (Member.active_to >= TODAY),
            )
        )
    at = signed_in("leitung")
    assert metric(at, "Aktive Mitglieder") == str(expected)
    assert any(m.value.endswith("Nächste Termine") for m in at.markdown)


def test_overview_on_an_empty_database_shows_a_friendly_note(app_env):
    at = signed_in("leitung")
    assert metric(at, "Aktive Mitglieder") == "0"
    assert any("Noch keine Mitglieder" in i.value for i in at.info)


def test_unreachable_database_gives_a_german_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", "k" * 40)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_app()
    assert any("Datenbank ist gerade nicht erreichbar" in e.value for e in at.error)
    assert not at.metric and not at.text_input


def _raw_overdue(s: Session, day: dt.date) -> int:
    """Open measures (by their history up to DAY) whose due date lay before DAY."""
    count = 0
    for measure in s.scalars(select(Measure).where(~Measure.archived)):
        updates = [u for u in measure_updates(s, measure.id) if u.date <= day]
        if not updates or measure.due_date is None or measure.due_date >= day:
            continue
        status = s.get(MeasureStatus, max(updates, key=lambda u: (u.date, u.id)).status_id)
        count += not (status.is_done or status.is_discontinued)
    return count


def measure_updates(s: Session, measure_id: int) -> list[ProgressUpdate]:
    return list(s.scalars(select(ProgressUpdate).where(ProgressUpdate.measure_id == measure_id)))


def _raw_members(s: Session, day: dt.date) -> int:
    return sum(
        m.active_from <= day and (m.active_to is None or m.active_to >= day)
        for m in s.scalars(select(Member).where(Member.deputy_for_id.is_(None)))
    )


def test_overview_shows_each_change_since_the_last_sitting_as_the_raw_rows_give_it(
    app_env, demo_engine
):
    with Session(demo_engine) as s:
        sitting = max(
            m.starts_at.astimezone(BERLIN).date()
            for m in s.scalars(select(Meeting).where(Meeting.kind == "plenary"))
            if m.status == "held" and m.starts_at.astimezone(BERLIN).date() < TODAY
        )
        members = (_raw_members(s, TODAY), _raw_members(s, sitting))
        overdue = (_raw_overdue(s, TODAY), _raw_overdue(s, sitting))
        areas = list(s.scalars(select(ThematicArea.name).order_by(ThematicArea.sort_order)))
        moves = {
            a: (raw.area_progress(s, a, TODAY)[0], raw.area_progress(s, a, sitting)[0])
            for a in areas
        }
    at = signed_in("leitung")
    shown = {m.label: m for m in at.metric}
    assert shown["Aktive Mitglieder"].delta == fmt.count_change(*members)
    assert shown["Überfällige Maßnahmen"].value == str(overdue[0])
    assert shown["Überfällige Maßnahmen"].delta == fmt.count_change(*overdue)
    # More overdue measures is bad news: red, the arrow up (inverse colours).
    if overdue[0] > overdue[1]:
        assert shown["Überfällige Maßnahmen"].proto.color == MetricProto.MetricColor.RED
        assert shown["Überfällige Maßnahmen"].proto.direction == MetricProto.MetricDirection.UP
    caption = next(c.value for c in at.caption if "Seit der letzten Plenarsitzung" in c.value)
    assert f"am {fmt.date(sitting)}" in caption
    for area, (now, then) in moves.items():
        assert abs(now - then) >= 0.05, f"{area}: the demo shows no progress since the sitting"
        # the change of the two values as shown ('38,3 %' against '36,7 %': '+1,6 Pp.')
        assert f"{area} {fmt.points_change(now, then, scale=1)}" in caption


def _metrics():
    import streamlit as st

    from components import ui

    ui.metric(st, "Gleich", "5", "±0")
    ui.metric(st, "Gleich Pp.", "5 %", "±0,0 Pp.")
    ui.metric(st, "Weniger überfällig", "3", "−2", better="fewer")
    ui.metric(st, "Mehr umgesetzt", "4", "+1", better="more")
    ui.metric(st, "Weniger umgesetzt", "4", "−1", better="more")
    ui.metric(st, "Weniger Mitglieder", "70", "−1")


def test_a_change_reads_as_what_it_is_no_change_is_grey_without_an_arrow():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_metrics).run()
    got = {m.label: (m.proto.color, m.proto.direction) for m in at.metric}
    color, way = MetricProto.MetricColor, MetricProto.MetricDirection
    assert got == {
        "Gleich": (color.GRAY, way.NONE),
        "Gleich Pp.": (color.GRAY, way.NONE),
        "Weniger überfällig": (color.GREEN, way.DOWN),
        "Mehr umgesetzt": (color.GREEN, way.UP),
        "Weniger umgesetzt": (color.RED, way.DOWN),
        "Weniger Mitglieder": (color.GRAY, way.DOWN),
    }
