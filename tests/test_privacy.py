"""Personal data of members (DSGVO): the access export holds everything about one
member and nothing about others; anonymising erases name and contact details
everywhere, audit trail included, and leaves every figure exactly as it was;
retention and the CLI command. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components import exports
from db import dashboard_data, participation, privacy, progress, responses, services, vocabulary
from db import deck_data as deck_db
from db.briefing_figures import build_briefing
from db.config import PROJECT_ROOT, ConfigError
from db.engine import session_scope
from db.errors import PermissionDenied, ValidationError
from db.models import (
    Attendance,
    AuditEntry,
    Measure,
    Meeting,
    Member,
    ProgressUpdate,
    WorkingGroupMembership,
)
from db.permissions import Actor
from tests.conftest import TODAY
from tests.people import (
    DEPUTY_EMAIL,
    DEPUTY_FIRST,
    DEPUTY_FUNCTION,
    DEPUTY_LAST,
    EDITOR,
    EMAIL,
    FIRST,
    FUNCTION,
    LAST,
    TRACES,
    Person,
    database_traces,
    found,
    make_person,
    workbook_text,
)

NOW = dt.datetime.now(dt.UTC)
VIEWER = Actor("leitung", "viewer")
# Texts and the optimistic-locking version of a measure may change; figures may not.
MEASURE_TEXTS = ["title", "responsible", "last_note", "version"]


@pytest.fixture
def person(demo_engine) -> Person:
    return make_person(demo_engine)


def anonymise(engine, member_id: int) -> None:
    with Session(engine) as s:
        version = s.get(Member, member_id).version
    with session_scope(engine) as s:
        services.anonymise_member(s, EDITOR, member_id, version)


def figures(engine) -> dict[str, Any]:
    """The outputs of the real read functions behind every dashboard, deck and briefing."""
    with Session(engine) as s:
        plenaries = dashboard_data.held_plenaries(s, TODAY)
        last_day = plenaries.iloc[0]["starts_at"].date()
        attendance = participation.attendance_by_sector(s)
        every_kind = ("plenary", "working_group", "other")
        return {
            "seats_per_sector": participation.seats_per_sector(s, TODAY),
            "headline_counts": dashboard_data.headline_counts(s, TODAY),
            "headline_counts_then": dashboard_data.headline_counts(s, last_day),
            "composition": participation.composition(s, TODAY),
            "attendance_by_sector": attendance,
            "sector_totals": participation.sector_totals(attendance),
            "plenary_rates": participation.meeting_rates(s),
            "meeting_rates": participation.meeting_rates(s, every_kind),
            "area_progress": progress.area_progress(s, [TODAY, last_day]),
            "status_counts": progress.status_counts(s),
            "progress_series": progress.progress_series(s, TODAY),
            "measures": progress.measures_table(s, TODAY).drop(columns=MEASURE_TEXTS),
            "changes_since": progress.changes_since(s, last_day, TODAY).drop(columns="title"),
            "deck": deck_db.deck_data(s, TODAY, int(plenaries.iloc[0]["id"])),
            "briefing": dataclasses.asdict(build_briefing(s, TODAY)),
            **answer_figures(s),
        }


def answer_figures(s: Session) -> dict[str, Any]:
    """Expected representation before every planned meeting and expected against
    actual attendance after every held one (issue 19)."""
    meetings = s.execute(select(Meeting.id, Meeting.status)).all()
    return {
        f"answers_{meeting_id}": (
            responses.expected_by_sector(s, meeting_id, 0.5)
            if status == "planned"
            else responses.outcome_by_sector(s, meeting_id)
        )
        for meeting_id, status in meetings
        if status != "cancelled"
    }


def answer_for(engine, person: Person) -> None:
    """The member answers: her deputy comes to the held plenary, she accepted the
    held group meeting and the next planned meeting she is invited to."""
    with Session(engine) as s:
        planned = next(
            m
            for m in s.scalars(
                select(Meeting).where(Meeting.status == "planned").order_by(Meeting.starts_at)
            )
            if person.member_id in set(responses.response_sheet(s, m.id)["member_id"])
        ).id
    answers = [
        (person.plenary_id, {"answer": "deputy", "deputy_member_id": person.deputy_id}),
        (person.group_meeting_id, {"answer": "accepted"}),
        (planned, {"answer": "accepted"}),
    ]
    with session_scope(engine) as s:
        for meeting_id, answer in answers:
            row = {"member_id": person.member_id, **answer}
            services.save_responses(s, EDITOR, meeting_id, [row])


def assert_same(before: Any, after: Any, where: str = "") -> None:
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after, obj=where)
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), where
        for key in before:
            assert_same(before[key], after[key], f"{where}.{key}")
    else:
        assert before == after, where


# --------------------------------------------------------------------------- erasure


def test_anonymising_leaves_every_dashboard_figure_exactly_as_it_was(demo_engine, person):
    answer_for(demo_engine, person)
    before = figures(demo_engine)
    # the member counts where the test looks: her seat, her sector, her meetings
    att = before["attendance_by_sector"]
    assert att[att["meeting_id"] == person.plenary_id]["deputy"].sum() >= 1
    anonymise(demo_engine, person.member_id)
    assert_same(before, figures(demo_engine), "figures")


def named_as_deputy(engine, person: Person) -> str:
    """Another member announces her, typed by name, as his deputy at a planned meeting;
    returns that answer's record ("meeting/member")."""
    with Session(engine) as s:
        meeting = s.scalars(
            select(Meeting).where(Meeting.status == "planned").order_by(Meeting.starts_at)
        ).first()
        sheet = responses.response_sheet(s, meeting.id)
        other = int(sheet[sheet["member_id"] != person.member_id]["member_id"].iloc[0])
    with session_scope(engine) as s:
        row = {"member_id": other, "answer": "deputy", "deputy_name": f"Frau {FIRST} {LAST}"}
        services.save_responses(s, EDITOR, meeting.id, [row])
    return f"{meeting.id}/{other}"


def test_anonymising_leaves_no_trace_of_the_name_anywhere_in_the_database(demo_engine, person):
    answer = named_as_deputy(demo_engine, person)
    assert len(database_traces(demo_engine, TRACES)) > 10  # the scan finds her before
    with Session(demo_engine) as s:
        audit_before = s.scalar(select(func.count(AuditEntry.id)))
        attendance_before = s.execute(
            select(Attendance.meeting_id, Attendance.status, Attendance.deputy_attended)
            .where(Attendance.member_id == person.member_id)
            .order_by(Attendance.meeting_id)
        ).all()
    anonymise(demo_engine, person.member_id)

    assert database_traces(demo_engine, TRACES) == []
    with Session(demo_engine) as s:
        member = s.get(Member, person.member_id)
        assert (member.last_name, member.first_name) == ("Anonymisiert", f"#{member.id}")
        assert member.function is None and member.email is None
        assert member.anonymised_at is not None
        # kept: sector, organisation, period, seat/deputy relation, groups, attendance
        assert s.get(Member, person.deputy_id).deputy_for_id == member.id
        assert len(s.scalars(select(WorkingGroupMembership).filter_by(member_id=member.id)).all())
        assert (
            s.execute(
                select(Attendance.meeting_id, Attendance.status, Attendance.deputy_attended)
                .where(Attendance.member_id == person.member_id)
                .order_by(Attendance.meeting_id)
            ).all()
            == attendance_before
        )
        # free texts now carry the placeholder, the rest of the text stays
        placeholder = f"Anonymisiert #{member.id}"
        assert s.get(Measure, person.measure_id).responsible == f"{placeholder} (Beirat)"
        note = s.scalars(
            select(ProgressUpdate.note).where(ProgressUpdate.measure_id == person.measure_id)
        ).all()[-1]
        assert note == f"Rückmeldung von {placeholder} ({placeholder}); früher {placeholder}."
        assert s.get(Meeting, person.cancelled_id).notes.endswith(f"{placeholder} ist verhindert")
        # the deputy is another person: untouched
        deputy = s.get(Member, person.deputy_id)
        assert (deputy.first_name, deputy.email) == (DEPUTY_FIRST, DEPUTY_EMAIL)
        # the audit trail keeps every entry, and one more saying THAT it happened
        assert s.scalar(select(func.count(AuditEntry.id))) == audit_before + 1
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "anonymise")).one()
        assert (entry.username, entry.table_name, entry.record_id) == (
            "geschaeftsstelle",
            "members",
            str(member.id),
        )
        assert entry.new_values["reason"] == privacy.ON_REQUEST
        assert entry.new_values["free_texts"] == {
            "measures": [person.measure_id],
            "progress_updates": [
                s.scalars(
                    select(ProgressUpdate.id).where(ProgressUpdate.measure_id == person.measure_id)
                ).all()[-1]
            ],
            "meetings": [person.cancelled_id],
            "meeting_responses": [answer],
        }


def test_after_anonymising_the_access_export_of_others_holds_no_trace(demo_engine, person):
    anonymise(demo_engine, person.member_id)
    with Session(demo_engine) as s:
        report = privacy.access_report(s, person.deputy_id, NOW)
    text = "\n".join(workbook_text(exports.excel_workbook(report)).values())
    assert found(text, TRACES) == []
    assert f"Anonymisiert, #{person.member_id}" in text  # whom the deputy stands in for


def test_an_anonymised_member_cannot_be_edited_or_anonymised_again(demo_engine, person):
    anonymise(demo_engine, person.member_id)
    with Session(demo_engine) as s:
        member = s.get(Member, person.member_id)
        payload = {
            "first_name": FIRST,
            "last_name": LAST,
            "organisation_id": member.organisation_id,
            "sector_id": member.sector_id,
            "active_from": member.active_from,
        }
        version = member.version
    with pytest.raises(ValidationError, match="anonymisiert"), session_scope(demo_engine) as s:
        services.update_member(s, EDITOR, person.member_id, payload, version)
    with pytest.raises(ValidationError, match="bereits"), session_scope(demo_engine) as s:
        services.anonymise_member(s, EDITOR, person.member_id, version)
    assert database_traces(demo_engine, TRACES) == []


def test_a_viewer_can_neither_anonymise_nor_run_the_retention(demo_engine, person):
    with pytest.raises(PermissionDenied), session_scope(demo_engine) as s:
        services.anonymise_member(s, VIEWER, person.member_id)
    with pytest.raises(PermissionDenied), session_scope(demo_engine) as s:
        services.anonymise_expired(s, VIEWER, TODAY, 24)
    with Session(demo_engine) as s:
        assert s.get(Member, person.member_id).anonymised_at is None


# --------------------------------------------------------------------------- access


def _own(entry: AuditEntry, member_id: int) -> bool:
    if entry.table_name == "members":
        return entry.record_id == str(member_id)
    if entry.table_name == "working_group_memberships":
        return entry.record_id.startswith(f"{member_id}/")
    if entry.table_name == "attendance":
        return entry.record_id.endswith(f"/{member_id}")
    return False


def test_the_access_export_holds_every_row_that_names_the_member(demo_engine, person):
    with Session(demo_engine) as s:
        report = privacy.access_report(s, person.member_id, NOW)
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        attendance = s.scalars(select(Attendance).filter_by(member_id=person.member_id)).all()
        groups = s.scalars(select(WorkingGroupMembership).filter_by(member_id=person.member_id))
        n_groups = len(groups.all())
        update_id = s.scalars(
            select(ProgressUpdate.id).where(ProgressUpdate.measure_id == person.measure_id)
        ).all()[-1]
    assert list(report) == [
        "Auskunft",
        "Mitglied",
        "Arbeitsgruppen",
        "Anwesenheit",
        "Stellvertretung",
        "Änderungsprotokoll",
        "Erwähnungen in Freitexten",
    ]
    record = dict(zip(report["Mitglied"]["Feld"], report["Mitglied"]["Wert"], strict=True))
    assert (record["Vorname"], record["Nachname"]) == (FIRST, LAST)
    assert (record["E-Mail"], record["Funktion"]) == (EMAIL, FUNCTION)
    assert len(report["Arbeitsgruppen"]) == n_groups == 2
    assert len(report["Anwesenheit"]) == len(attendance) == 2
    assert sorted(report["Anwesenheit"]["Teilnahme"]) == ["anwesend", "entschuldigt"]
    assert report["Stellvertretung"][["Beziehung", "Name"]].values.tolist() == [
        ["wird vertreten von", f"{DEPUTY_LAST}, {DEPUTY_FIRST}"]
    ]
    # every audit entry of her own records, whole; of other records only what names her
    audit = report["Änderungsprotokoll"]
    own = [e for e in entries if _own(e, person.member_id)]
    assert len(own) == 6  # insert, rename, 2 groups, 2 attendance
    expected = {(e.table_name, e.record_id) for e in own} | {
        ("members", str(person.deputy_id)),
        ("measures", str(person.measure_id)),
        ("progress_updates", str(update_id)),
        ("meetings", str(person.cancelled_id)),
    }
    labels = {v: k for k, v in vocabulary.TABLE_LABELS.items()}
    assert {(labels[t], r) for t, r in zip(audit["Tabelle"], audit["Datensatz"], strict=True)} == (
        expected
    )
    assert len(audit) == len(own) + 4
    deputy_rows = audit[audit["Datensatz"] == str(person.deputy_id)]
    assert json.loads(deputy_rows.iloc[0]["Nachher"]) == {"deputy_for_id": person.member_id}
    measure_rows = audit[audit["Tabelle"] == "Maßnahmen"]
    assert json.loads(measure_rows.iloc[0]["Nachher"]) == {
        "responsible": f"{FIRST} {LAST} (Beirat)"
    }
    mentions = report["Erwähnungen in Freitexten"]
    assert sorted(zip(mentions["Tabelle"], mentions["Feld"], strict=True)) == [
        ("Fortschrittsmeldungen", "note"),
        ("Maßnahmen", "responsible"),
        ("Termine", "notes"),
    ]


def test_the_access_export_holds_nothing_about_other_people(demo_engine, person):
    with Session(demo_engine) as s:
        report = privacy.access_report(s, person.member_id, NOW)
        others = s.execute(
            select(Member.first_name, Member.last_name).where(
                Member.id.not_in([person.member_id, person.deputy_id])
            )
        ).all()
    sheets = workbook_text(exports.excel_workbook(report))
    assert set(sheets) == {name[:31] for name in report}
    everything = "\n".join(sheets.values())
    names = {f"{f} {last}" for f, last in others} | {f"{last}, {f}" for f, last in others}
    assert found(everything, sorted(names)) == []
    # the deputy is named (whom she stands in for) and nothing else about the deputy
    assert found(everything, [DEPUTY_EMAIL, DEPUTY_FUNCTION]) == []
    assert found(sheets["Stellvertretung"], [DEPUTY_LAST]) == [DEPUTY_LAST]
    without_relation = "\n".join(v for k, v in sheets.items() if k != "Stellvertretung")
    assert found(without_relation, [DEPUTY_LAST, DEPUTY_FIRST]) == []
    # nor who in the office made the changes
    assert found(everything, ["geschaeftsstelle"]) == []


# --------------------------------------------------------------------------- retention


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 11, 26), 24, dt.date(2024, 11, 26)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
    ],
)
def test_months_before_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert privacy.months_before(day, months) == expected


def test_retention_months_is_a_setting_with_a_default(monkeypatch):
    monkeypatch.setattr("db.config._secrets", lambda: {})
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    assert privacy.retention_months() == 24
    monkeypatch.setenv("RETENTION_MONTHS", "6")
    assert privacy.retention_months() == 6
    for bad in ("sechs", "0", "-3"):
        monkeypatch.setenv("RETENTION_MONTHS", bad)
        with pytest.raises(ConfigError, match="RETENTION_MONTHS"):
            privacy.retention_months()


def _left(engine, person: Person, last_day: dt.date) -> None:
    with Session(engine) as s:
        version = s.get(Member, person.member_id).version
    with session_scope(engine) as s:
        services.deactivate_member(s, EDITOR, person.member_id, last_day, version)


def test_retention_anonymises_only_who_left_longer_ago(demo_engine, person):
    cutoff = privacy.months_before(TODAY, 24)
    _left(demo_engine, person, cutoff)  # exactly 24 months ago: still kept
    with session_scope(demo_engine) as s:
        assert person.member_id not in services.anonymise_expired(s, EDITOR, TODAY, 24)
    _left(demo_engine, person, cutoff - dt.timedelta(days=1))
    before = figures(demo_engine)
    with session_scope(demo_engine) as s:
        assert services.anonymise_expired(s, EDITOR, TODAY, 24) == [person.member_id]
    assert database_traces(demo_engine, TRACES) == []
    assert_same(before, figures(demo_engine), "figures")
    with Session(demo_engine) as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "anonymise", AuditEntry.record_id == str(person.member_id)
            )
        ).one()
        assert entry.new_values["reason"] == privacy.AFTER_RETENTION
        assert s.get(Member, person.deputy_id).anonymised_at is None
    with session_scope(demo_engine) as s:  # nothing left to do
        assert services.anonymise_expired(s, EDITOR, TODAY, 24) == []


def cli(url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "db.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_anonymises_expired_members_and_logs_without_names(db_url, demo_engine, person):
    _left(demo_engine, person, dt.date(2025, 1, 31))
    months = (TODAY.year - 2025) * 12 + TODAY.month - 2  # so that she left just long enough ago
    first = cli(db_url, "anonymise-expired", RETENTION_MONTHS=str(months))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Anonymisiert: 1 ehemalige Mitglieder")
    logged = [json.loads(line) for line in first.stderr.splitlines() if line.startswith("{")]
    assert [(e["member_id"], e["user"]) for e in logged if e["event"] == "member_anonymised"] == [
        (person.member_id, "system")
    ]
    assert found(first.stderr, TRACES) == []
    assert database_traces(demo_engine, TRACES) == []
    second = cli(db_url, "anonymise-expired", RETENTION_MONTHS=str(months))
    assert second.stdout.startswith("Anonymisiert: 0 ehemalige Mitglieder")
    wrong = cli(db_url, "anonymise-expired", RETENTION_MONTHS="zwei Jahre")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("Fehler: RETENTION_MONTHS")
