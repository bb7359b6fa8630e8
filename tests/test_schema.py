"""The schema: migrations match the models, and every constraint refuses bad data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.engine import make_engine, session_scope
from db.migrate import current_revision, head_revision, model_drift
from db.models import (
    BERLIN,
    Attendance,
    Base,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
    User,
)


def test_migrations_match_the_models(engine):
    assert current_revision(engine) == head_revision()
    assert model_drift(engine) == []


def test_every_editable_table_has_a_version_column(engine):
    names = inspect(engine).get_table_names()
    for table in Base.metadata.sorted_tables:
        if table.name in {
            "audit_log",
            "data_version",
            "working_group_memberships",
            "user_sessions",  # written by the sign-in only, never edited in a form
            "sign_in_throttle",
            "briefing_deliveries",  # written by the sender only, never edited in a form
            "presentations",  # moved by the presenter's clicks; one presenter per deck
            "presentation_slides",  # a snapshot, replaced as a whole
            "projector_links",  # created and revoked, never edited
        }:
            continue
        assert table.name in names
        assert "version" in table.c, table.name


def test_constraints_carry_names_from_the_convention(engine):
    checks = inspect(engine).get_check_constraints("measures")
    assert {c["name"] for c in checks} >= {
        "ck_measures_progress_range",
        "ck_measures_due_after_start",
    }


@pytest.fixture
def base(engine) -> dict[str, int]:
    """A minimal valid body: one of each thing, ids returned."""
    with session_scope(engine) as s:
        sector = Sector(name="Politik")
        area = ThematicArea(name="Asyl & Integration", short_name="AG 3")
        status = MeasureStatus(name="geplant", default_progress=10)
        s.add_all([sector, area, status])
        s.flush()
        org = Organisation(name="Landtagsfraktion Partei A", sector_id=sector.id)
        s.add(org)
        s.flush()
        member = Member(
            first_name="Anna",
            last_name="Albrecht",
            organisation_id=org.id,
            sector_id=sector.id,
            active_from=dt.date(2024, 9, 23),
        )
        start = dt.datetime(2025, 9, 3, 10, tzinfo=BERLIN)
        meeting = Meeting(
            kind="working_group",
            title="AG 3",
            area_id=area.id,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            status="held",
        )
        s.add_all([member, meeting])
        s.flush()
        measure = Measure(title="Dolmetschpool", area_id=area.id, status_id=status.id)
        s.add(measure)
        s.flush()
        return {
            "sector": sector.id,
            "area": area.id,
            "status": status.id,
            "org": org.id,
            "member": member.id,
            "meeting": meeting.id,
            "measure": measure.id,
            "start": start,
        }


def _refused(engine, change: Callable[[Session], object]) -> None:
    """CHANGE must be refused by the database, and nothing of it kept."""
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        change(s)
        s.flush()


BAD_CHANGES: dict[str, Callable[[Session, dict], object]] = {
    "measure progress over 100": lambda s, b: s.execute(
        update(Measure).where(Measure.id == b["measure"]).values(progress=101)
    ),
    "measure progress below 0": lambda s, b: s.execute(
        update(Measure).where(Measure.id == b["measure"]).values(progress=-1)
    ),
    "update progress over 100": lambda s, b: s.add(
        ProgressUpdate(
            measure_id=b["measure"], date=dt.date(2025, 1, 1), progress=150, status_id=b["status"]
        )
    ),
    "status default over 100": lambda s, b: s.add(MeasureStatus(name="x", default_progress=101)),
    "due before start": lambda s, b: s.execute(
        update(Measure)
        .where(Measure.id == b["measure"])
        .values(start_date=dt.date(2025, 6, 1), due_date=dt.date(2025, 5, 1))
    ),
    "meeting ends before start": lambda s, b: s.add(
        Meeting(
            kind="plenary",
            title="P",
            starts_at=b["start"],
            ends_at=b["start"] - dt.timedelta(minutes=1),
        )
    ),
    "unknown meeting kind": lambda s, b: s.add(
        Meeting(kind="party", title="P", starts_at=b["start"], ends_at=b["start"])
    ),
    "unknown meeting status": lambda s, b: s.add(
        Meeting(kind="plenary", title="P", starts_at=b["start"], ends_at=b["start"], status="x")
    ),
    "working group meeting without area": lambda s, b: s.add(
        Meeting(kind="working_group", title="AG", starts_at=b["start"], ends_at=b["start"])
    ),
    "member leaves before joining": lambda s, b: s.execute(
        update(Member).where(Member.id == b["member"]).values(active_to=dt.date(2020, 1, 1))
    ),
    "member deputises own seat": lambda s, b: s.execute(
        update(Member).where(Member.id == b["member"]).values(deputy_for_id=b["member"])
    ),
    "unknown attendance status": lambda s, b: s.add(
        Attendance(meeting_id=b["meeting"], member_id=b["member"], status="late")
    ),
    "deputy attended although present": lambda s, b: s.add(
        Attendance(
            meeting_id=b["meeting"], member_id=b["member"], status="present", deputy_attended=True
        )
    ),
    "duplicate sector name": lambda s, b: s.add(Sector(name="Politik")),
    "duplicate area name": lambda s, b: s.add(
        ThematicArea(name="Asyl & Integration", short_name="Z")
    ),
    "duplicate organisation": lambda s, b: s.add(
        Organisation(name="Landtagsfraktion Partei A", sector_id=b["sector"])
    ),
    "duplicate measure title in area": lambda s, b: s.add(
        Measure(title="Dolmetschpool", area_id=b["area"], status_id=b["status"])
    ),
    "duplicate username": lambda s, b: s.add_all(
        [
            User(username="a", display_name="A", password_hash="x"),
            User(username="a", display_name="B", password_hash="y"),
        ]
    ),
    "unknown role": lambda s, b: s.add(
        User(username="b", display_name="B", password_hash="x", role="root")
    ),
    "organisation in missing sector": lambda s, b: s.add(Organisation(name="O", sector_id=999)),
    "deleting a sector in use": lambda s, b: s.execute(
        delete(Sector).where(Sector.id == b["sector"])
    ),
    "deleting a member with attendance": lambda s, b: (
        s.add(Attendance(meeting_id=b["meeting"], member_id=b["member"], status="present")),
        s.flush(),
        s.execute(delete(Member).where(Member.id == b["member"])),
    ),
}


@pytest.mark.parametrize("case", list(BAD_CHANGES))
def test_database_refuses(engine, base, case):
    _refused(engine, lambda s: BAD_CHANGES[case](s, base))
    with Session(engine) as s:
        assert s.scalar(select(Measure.progress).where(Measure.id == base["measure"])) is None
        assert s.scalars(select(Sector.name)).all() == ["Politik"]
        assert s.scalars(select(Attendance)).all() == []


def test_deleting_a_meeting_cascades_attendance_and_unlinks_measures(engine, base):
    with session_scope(engine) as s:
        s.add(Attendance(meeting_id=base["meeting"], member_id=base["member"], status="present"))
        s.execute(
            update(Measure)
            .where(Measure.id == base["measure"])
            .values(proposed_at_meeting_id=base["meeting"])
        )
    with session_scope(engine) as s:
        s.execute(delete(Meeting).where(Meeting.id == base["meeting"]))
    with Session(engine) as s:
        assert s.scalars(select(Attendance)).all() == []
        assert s.get(Measure, base["measure"]).proposed_at_meeting_id is None


def test_unknown_progress_is_stored_as_null_not_zero(engine, base):
    with Session(engine) as s:
        assert s.get(Measure, base["measure"]).progress is None


def test_meeting_times_come_back_in_berlin_time(engine, base):
    with Session(engine) as s:
        meeting = s.get(Meeting, base["meeting"])
        assert meeting.starts_at == base["start"]
        assert meeting.starts_at.utcoffset() == dt.timedelta(hours=2)
        assert str(meeting.starts_at.tzinfo) == "Europe/Berlin"


def test_naive_times_are_refused(engine, base):
    with pytest.raises(Exception, match="Zeitzone"), session_scope(engine) as s:
        s.add(
            Meeting(
                kind="plenary",
                title="P",
                starts_at=dt.datetime(2025, 1, 1, 10),
                ends_at=dt.datetime(2025, 1, 1, 12),
            )
        )


def test_a_stale_version_is_refused(engine, base):
    with Session(engine) as first, Session(engine) as second:
        a = first.get(Measure, base["measure"])
        b = second.get(Measure, base["measure"])
        a.title = "Erste Änderung"
        first.commit()
        b.title = "Zweite Änderung"
        with pytest.raises(StaleDataError):
            second.commit()
    with Session(engine) as s:
        measure = s.get(Measure, base["measure"])
        assert (measure.title, measure.version) == ("Erste Änderung", 2)


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
