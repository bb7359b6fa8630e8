"""The demo data has the promised shape, on both databases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import dashboard_data, progress
from db.demo import calendar, is_empty, load_demo
from db.demo_catalogue import AREAS, SECTORS
from db.engine import session_scope
from db.models import (
    Attendance,
    Measure,
    Meeting,
    Member,
    ProgressUpdate,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)
from db.versioning import data_version
from tests.conftest import TODAY


def _count(s: Session, stmt) -> int:
    return s.scalar(select(func.count()).select_from(stmt.subquery()))


def test_demo_has_the_promised_shape(demo_engine):
    with Session(demo_engine) as s:
        seats = _count(s, select(Member.id).where(Member.deputy_for_id.is_(None)))
        assert 75 <= seats <= 90
        assert _count(s, select(Member.id).where(Member.deputy_for_id.is_not(None))) > 5
        assert sorted(s.scalars(select(Sector.name))) == sorted(n for n, _ in SECTORS)
        assert sorted(s.scalars(select(ThematicArea.name))) == sorted(n for n, _ in AREAS)
        per_sector = dict(
            s.execute(
                select(Sector.name, func.count(Member.id))
                .join(Member, Member.sector_id == Sector.id)
                .where(Member.deputy_for_id.is_(None))
                .group_by(Sector.name)
            ).all()
        )
        assert len(set(per_sector.values())) > 3, "shares should be uneven"
        for area_id in s.scalars(select(ThematicArea.id)):
            assert _count(s, select(Measure.id).where(Measure.area_id == area_id)) >= 10
            assert (
                _count(
                    s,
                    select(WorkingGroupMembership.member_id).where(
                        WorkingGroupMembership.area_id == area_id
                    ),
                )
                >= 15
            )
        assert 30 <= _count(s, select(Measure.id)) <= 45
        assert _count(s, select(ProgressUpdate.id)) > 2 * _count(s, select(Measure.id))


def test_demo_calendar_follows_the_real_conference(demo_engine):
    with Session(demo_engine) as s:
        meetings = s.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    plenaries = [m for m in meetings if m.kind == "plenary"]
    assert plenaries[0].starts_at.date().replace(day=1) == dt.date(2024, 9, 1)
    assert "Friedberg" in plenaries[1].location
    assert 330 <= (plenaries[1].starts_at - plenaries[0].starts_at).days <= 400
    ag = [m.starts_at.date() for m in meetings if m.kind == "working_group"]
    first_round = [d for d in ag if d.year == 2025 and d.month in (5, 6)]
    second_round = [d for d in ag if dt.date(2025, 8, 26) <= d <= dt.date(2025, 9, 3)]
    assert len(first_round) == 3 and len(second_round) == 3
    assert second_round[-1] < plenaries[1].starts_at.date()
    future = [m for m in meetings if m.starts_at.date() > TODAY]
    assert future and all(m.status == "planned" for m in future)
    past = [m for m in meetings if m.ends_at.date() < TODAY]
    assert {m.status for m in past} == {"held", "cancelled"}


def test_attendance_only_for_held_meetings_and_deputies_only_when_absent(demo_engine):
    with Session(demo_engine) as s:
        statuses = s.execute(
            select(Meeting.status, func.count(Attendance.member_id))
            .join(Attendance, Attendance.meeting_id == Meeting.id)
            .group_by(Meeting.status)
        ).all()
        assert dict(statuses).keys() == {"held"}
        held = s.scalars(select(Meeting.id).where(Meeting.status == "held")).all()
        with_attendance = s.scalars(select(Attendance.meeting_id).distinct()).all()
        assert sorted(held) == sorted(with_attendance)
        kinds = dict(
            s.execute(select(Attendance.status, func.count()).group_by(Attendance.status)).all()
        )
        assert kinds.keys() == {"present", "excused", "absent"}
        assert s.scalar(select(func.count()).where(Attendance.deputy_attended)) > 0


def test_demo_is_deterministic():
    assert calendar(dt.date(2026, 11, 26)) == calendar(dt.date(2026, 11, 26))


def test_demo_loads_the_same_rows_twice(tmp_path):
    from db.engine import make_engine
    from db.migrate import upgrade

    names = []
    for i in range(2):
        engine = make_engine(f"sqlite:///{tmp_path / f'd{i}.db'}")
        upgrade(engine)
        with session_scope(engine) as s:
            load_demo(s, today=dt.date(2026, 11, 26))
        with Session(engine) as s:
            names.append(s.execute(select(Member.first_name, Member.last_name)).all())
        engine.dispose()
    assert names[0] == names[1]


def test_scale_multiplies_the_body(engine):
    with session_scope(engine) as s:
        counts = load_demo(s, today=TODAY, scale=3)
    with Session(engine) as s:
        assert is_empty(s) is False
        assert (
            3 * 75 <= _count(s, select(Member.id).where(Member.deputy_for_id.is_(None))) <= 3 * 90
        )
        assert counts.meetings == _count(s, select(Meeting.id))
        assert counts.meetings % 3 == 0
        assert data_version(s) == 1


@pytest.mark.parametrize(
    "today", [TODAY, dt.date(2025, 10, 1), dt.date(2026, 4, 15), dt.date(2026, 10, 6)]
)
def test_demo_reports_since_the_last_sitting_relative_to_today(tmp_path, today):
    from db.engine import make_engine
    from db.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(engine)
    with session_scope(engine) as s:
        load_demo(s, today=today)
    with Session(engine) as s:
        sitting = dashboard_data.held_plenaries(s, today).iloc[0]["starts_at"].date()
        moved = progress.changes_since(s, sitting, today)
        measures = progress.measures_table(s, today)
        then = dashboard_data.headline_counts(s, sitting)
        now = dashboard_data.headline_counts(s, today)
        last_update = s.scalar(select(func.max(ProgressUpdate.date)))
    engine.dispose()
    assert sitting < last_update <= today
    assert (moved["delta"] > 0).sum() >= 3, "some measures moved up"
    assert (moved["delta"] < 0).sum() >= 1, "one moved down"
    assert (moved["status"] == "umgesetzt").sum() >= 1, "one was finished"
    stale = pd.to_datetime(measures[measures["stale"]]["last_update"])
    # Silent since half a year before the sitting (once the conference is that old).
    long_ago = sitting - dt.timedelta(days=150 if sitting.year > 2025 else 0)
    assert (stale < pd.Timestamp(long_ago)).any(), "one has long been silent"
    assert now["members"] != then["members"] and now["organisations"] != then["organisations"]
