"""The editing pages through AppTest, checked with a separate database session,
on SQLite and PostgreSQL: valid input is saved, each kind of invalid input
is refused with a German message naming the field and saves nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.fmt import md
from db import services
from db.engine import session_scope
from db.errors import InvalidInput, ValidationError
from db.models import (
    BERLIN,
    Attendance,
    AuditEntry,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
)
from db.permissions import Actor
from tests.apptest import errors, signed_in, submit, widget

EDITOR = Actor("geschaeftsstelle", "editor")
TRICKY = [
    "Ünal Özdemir-Weiß",
    "مريم الحسن",
    "Ğülşen Işık",
    "Jana 🌻",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
]


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def page(user: str, path: str):
    at = signed_in(user)
    at.switch_page(path).run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def typed(day: dt.date | str) -> str:
    """A date as a user types it into a date field (TT.MM.JJJJ)."""
    return day if isinstance(day, str) else f"{day:%d.%m.%Y}"


# --- members ------------------------------------------------------------------------------


def fill_new_member(at, first: str, last: str, **extra):
    form = "members_new"
    widget(at, "text_input", "Vorname", form).input(first)
    widget(at, "text_input", "Nachname", form).input(last)
    if "email" in extra:
        widget(at, "text_input", "E-Mail (freiwillig)", form).input(extra["email"])
    if "since" in extra:
        widget(at, "text_input", "Mitglied seit", form).input(typed(extra["since"]))
    if "until" in extra:
        widget(at, "text_input", "Mitglied bis", form).input(typed(extra["until"]))
    return submit(at, "Mitglied anlegen", form)


@pytest.mark.parametrize("name", TRICKY)
def test_member_names_survive_a_round_trip_and_are_shown_literally(app_env, demo_engine, name):
    at = page("geschaeftsstelle", "pages/edit_members.py")
    at = fill_new_member(at, name, name)
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        member = s.scalars(select(Member).where(Member.first_name == name)).one()
        assert member.last_name == name
    at.selectbox(key="members_selected").select(member.id).run()
    assert widget(at, "text_input", "Vorname", f"members_edit_{member.id}").value == name
    labels = [o for o in at.selectbox(key="members_selected").options if name in o]
    assert labels and labels[0].startswith(f"{name}, {name} – ")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first": "   "}, "Vorname: ist ein Pflichtfeld."),
        ({"email": "keine-adresse"}, "E-Mail: ist keine gültige E-Mail-Adresse."),
        (
            {"since": dt.date(2025, 5, 1), "until": dt.date(2025, 4, 1)},
            "Mitglied bis: darf nicht vor „Mitglied seit“ liegen.",
        ),
    ],
)
def test_invalid_member_input_names_the_field_and_saves_nothing(
    app_env, demo_engine, fields, message
):
    before = count(demo_engine, Member)
    at = page("geschaeftsstelle", "pages/edit_members.py")
    fields = dict(fields)  # parameters are shared between the two databases' runs
    first = fields.pop("first", "Anna")
    at = fill_new_member(at, first, "Neumann", **fields)
    assert md(message) in errors(at)
    assert count(demo_engine, Member) == before
    # the form keeps what was typed
    assert widget(at, "text_input", "Nachname", "members_new").value == "Neumann"


def test_deactivating_keeps_the_person(app_env, demo_engine):
    at = page("geschaeftsstelle", "pages/edit_members.py")
    member_id = at.selectbox(key="members_selected").value
    submit(at, "Mitgliedschaft beenden")
    with Session(demo_engine) as s:
        member = s.get(Member, member_id)
        assert member.active_to == dt.date.today()


def test_organisation_names_are_unique(app_env, demo_engine):
    with Session(demo_engine) as s:
        existing = s.scalars(select(Organisation.name)).first()
    before = count(demo_engine, Organisation)
    at = page("geschaeftsstelle", "pages/edit_members.py")
    widget(at, "text_input", "Name der Organisation", "orgs_new").input(existing.upper())
    submit(at, "Organisation anlegen", "orgs_new")
    assert "gibt es schon" in errors(at)
    assert count(demo_engine, Organisation) == before


# --- meetings and attendance -------------------------------------------------------------


def fill_new_meeting(at, title: str, day: dt.date, kind="plenary", area=None, end_day=None):
    form = "meetings_new"
    widget(at, "selectbox", "Art des Termins", form).select(kind)
    if area is not None:
        widget(at, "selectbox", "Themenbereich (für Arbeitsgruppen)", form).select(area)
    widget(at, "text_input", "Titel", form).input(title)
    widget(at, "text_input", "Datum", form).input(typed(day))
    widget(at, "time_input", "Beginn", form).set_value(dt.time(10, 0))
    widget(at, "text_input", "Datum Ende", form).input(typed(end_day or day))
    widget(at, "time_input", "Ende", form).set_value(dt.time(12, 0))
    return submit(at, "Termin anlegen", form)


def test_meeting_form_saves_and_warns_about_holidays(app_env, demo_engine):
    at = page("geschaeftsstelle", "pages/edit_meetings.py")
    at = fill_new_meeting(at, "4. Sitzung der Integrationskonferenz", dt.date(2027, 10, 4))
    assert not at.error, errors(at)
    at = fill_new_meeting(at, "Sitzung am Feiertag", dt.date(2027, 10, 3))
    assert not at.error, errors(at)
    assert md("Feiertag (Tag der Deutschen Einheit)") in " ".join(w.value for w in at.warning)
    assert "Sonntag" in " ".join(w.value for w in at.warning)
    with Session(demo_engine) as s:
        saved = s.scalars(select(Meeting).where(Meeting.title == "Sitzung am Feiertag")).one()
        assert saved.starts_at == dt.datetime(2027, 10, 3, 10, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"kind": "working_group"},
            "Themenbereich: ist für eine Arbeitsgruppensitzung ein Pflichtfeld.",
        ),
        ({"end_day": dt.date(2027, 10, 3)}, "Ende: darf nicht vor dem Beginn liegen."),
        ({"title": " "}, "Titel: ist ein Pflichtfeld."),
    ],
)
def test_invalid_meeting_input_saves_nothing(app_env, demo_engine, kwargs, message):
    before = count(demo_engine, Meeting)
    at = page("geschaeftsstelle", "pages/edit_meetings.py")
    kwargs = dict(kwargs)
    title = kwargs.pop("title", "Neuer Termin")
    at = fill_new_meeting(at, title, dt.date(2027, 10, 4), **kwargs)
    assert md(message) in errors(at)
    assert count(demo_engine, Meeting) == before


def test_attendance_checklist_is_saved_for_the_whole_meeting(app_env, demo_engine):
    with session_scope(demo_engine) as s:
        start = dt.datetime.now(BERLIN) - dt.timedelta(hours=3)
        meeting_id = services.create_meeting(
            s,
            EDITOR,
            {"kind": "plenary", "title": "Heute", "starts_at": start, "ends_at": start},
        )
    at = page("geschaeftsstelle", "pages/edit_meetings.py")
    at.selectbox(key="attendance_selected").select(meeting_id).run()
    submit(at, "Anwesenheit speichern")
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        rows = s.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
        assert rows and {r.status for r in rows} == {"present"}
        assert s.get(Meeting, meeting_id).status == "held"


def test_attendance_rules_hold_in_the_service(demo_engine):
    with session_scope(demo_engine) as s:
        meeting = s.scalars(select(Meeting).where(Meeting.status == "held")).first()
        member_id = s.scalar(
            select(Attendance.member_id).where(Attendance.meeting_id == meeting.id)
        )
        future = s.scalars(select(Meeting).where(Meeting.status == "planned")).first()
        ids = (meeting.id, meeting.version, future.id, future.version)
    bad = [{"member_id": member_id, "status": "present", "deputy_attended": True}]
    with (
        pytest.raises(InvalidInput, match="Zeile 1: Stellvertretung anwesend"),
        session_scope(demo_engine) as s,
    ):
        services.record_attendance(s, EDITOR, ids[0], bad, ids[1])
    with pytest.raises(ValidationError, match="erst ab Beginn"), session_scope(demo_engine) as s:
        services.record_attendance(s, EDITOR, ids[2], [], ids[3])


# --- measures and progress ----------------------------------------------------------------


def test_measure_form_creates_and_refuses_bad_input(app_env, demo_engine):
    with Session(demo_engine) as s:
        area = s.scalars(select(ThematicArea).order_by(ThematicArea.sort_order)).first()
        taken = s.scalar(select(Measure.title).where(Measure.area_id == area.id))
    at = page("geschaeftsstelle", "pages/edit_measures.py")
    form = "measures_new"

    def create(title, start=None, due=None):
        widget(at, "text_input", "Titel", form).input(title)
        widget(at, "selectbox", "Themenbereich", form).select(area.id)
        if start:
            widget(at, "text_input", "Beginn", form).input(typed(start))
        if due:
            widget(at, "text_input", "Fällig am", form).input(typed(due))
        return submit(at, "Maßnahme anlegen", form)

    before = count(demo_engine, Measure)
    create("Dolmetschpool <b>fett</b>", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert not at.error, errors(at)
    assert count(demo_engine, Measure) == before + 1
    create("Zu früh fällig", dt.date(2026, 5, 1), dt.date(2026, 4, 1))
    assert md("Fällig am: darf nicht vor dem Beginn liegen.") in errors(at)
    create(taken.lower(), dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert "gibt es schon" in errors(at)
    assert count(demo_engine, Measure) == before + 1
    with Session(demo_engine) as s:
        created = s.scalars(
            select(Measure).where(Measure.title == "Dolmetschpool <b>fett</b>")
        ).one()
        history = s.scalars(
            select(ProgressUpdate).where(ProgressUpdate.measure_id == created.id)
        ).all()
        assert [u.author for u in history] == ["geschaeftsstelle"]


def test_a_status_proposes_its_default_percent_and_unknown_is_not_zero(app_env, demo_engine):
    with Session(demo_engine) as s:
        done = s.scalar(select(MeasureStatus).where(MeasureStatus.name == "umgesetzt"))
        running = s.scalar(select(MeasureStatus).where(MeasureStatus.name == "in Umsetzung"))
    at = page("geschaeftsstelle", "pages/edit_measures.py")
    measure_id = at.selectbox(key="measures_selected").value
    status_box = next(
        w for w in at.selectbox if w.label == "Status" and "update_status" in (w.key or "")
    )
    status_box.select(done.id).run()
    assert (
        widget(at, "text_input", "Fortschritt (%)", f"measures_update_{measure_id}").value == "100"
    )
    status_box = next(
        w for w in at.selectbox if w.label == "Status" and "update_status" in (w.key or "")
    )
    status_box.select(running.id).run()
    widget(at, "checkbox", "Fortschritt unbekannt", f"measures_update_{measure_id}").check()
    submit(at, "Fortschritt melden", f"measures_update_{measure_id}")
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        measure = s.get(Measure, measure_id)
        assert (measure.status_id, measure.progress) == (running.id, None)


def test_two_editors_save_the_same_measure_the_second_gets_the_conflict(app_env, demo_engine):
    first = page("geschaeftsstelle", "pages/edit_measures.py")
    second = page("geschaeftsstelle", "pages/edit_measures.py")
    measure_id = first.selectbox(key="measures_selected").value
    assert second.selectbox(key="measures_selected").value == measure_id
    form = f"measures_edit_{measure_id}"
    widget(first, "text_input", "Titel", form).input("Fassung der ersten Kollegin")
    submit(first, "Speichern", form)
    assert not first.error, errors(first)
    widget(second, "text_input", "Titel", form).input("Fassung des zweiten Kollegen")
    submit(second, "Speichern", form)
    assert "wurde inzwischen von geschaeftsstelle am" in errors(second)
    assert "nicht gespeichert" in errors(second)
    assert any(b.label == "Aktuellen Stand laden" for b in second.button)
    with Session(demo_engine) as s:
        assert s.get(Measure, measure_id).title == "Fassung der ersten Kollegin"
    # after loading the current state the second editor can save
    next(b for b in second.button if b.label == "Aktuellen Stand laden").click().run()
    widget(second, "text_input", "Titel", form).input("Fassung des zweiten Kollegen")
    submit(second, "Speichern", form)
    assert not second.error, errors(second)
    with Session(demo_engine) as s:
        assert s.get(Measure, measure_id).title == "Fassung des zweiten Kollegen"


def test_reference_data_names_are_unique(app_env, demo_engine):
    before = count(demo_engine, Sector)
    at = page("admin", "pages/reference.py")
    widget(at, "text_input", "Name", "ref_sector_new").input("politik")
    submit(at, "Anlegen", "ref_sector_new")
    assert md("Name des Bereichs: „politik“ gibt es schon.") in errors(at)
    assert count(demo_engine, Sector) == before


# --- audit and failures -------------------------------------------------------------------


def test_every_write_leaves_an_audit_entry_with_old_and_new_values(demo_engine):
    with Session(demo_engine) as s:
        member = s.scalars(select(Member)).first()
        measure = s.scalars(select(Measure)).first()
        payload = {
            "first_name": member.first_name,
            "last_name": "Geändert",
            "function": member.function,
            "email": None,
            "organisation_id": member.organisation_id,
            "sector_id": member.sector_id,
            "active_from": member.active_from,
            "active_to": member.active_to,
            "deputy_for_id": member.deputy_for_id,
            "area_ids": (),
        }
        ids = (member.id, member.version, member.last_name, measure.id, measure.version)
    with session_scope(demo_engine) as s:
        services.update_member(s, EDITOR, ids[0], payload, ids[1])
    with session_scope(demo_engine) as s:
        services.add_progress_update(
            s,
            EDITOR,
            ids[3],
            {"date": dt.date.today(), "progress": 55, "status_id": measure.status_id},
            ids[4],
        )
    with Session(demo_engine) as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    member_update = next(
        e for e in entries if e.table_name == "members" and e.record_id == str(ids[0])
    )
    assert member_update.username == "geschaeftsstelle"
    assert member_update.old_values["last_name"] == ids[2]
    assert member_update.new_values["last_name"] == "Geändert"
    tables = {(e.table_name, e.action) for e in entries}
    assert ("working_group_memberships", "delete") in tables or not member.areas
    assert ("progress_updates", "insert") in tables
    measure_update = next(
        e for e in entries if e.table_name == "measures" and e.record_id == str(ids[3])
    )
    assert measure_update.new_values["progress"] == 55


def test_a_locked_database_gives_a_german_message_and_keeps_the_input(app_env, demo_engine):
    if demo_engine.dialect.name != "sqlite":
        pytest.skip("the lock is taken with SQLite's own write lock")
    before = count(demo_engine, Member)
    at = page("geschaeftsstelle", "pages/edit_members.py")
    blocker = sqlite3.connect(demo_engine.url.database, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        at = fill_new_member(at, "Gesperrt", "Schreibsperre")
    finally:
        blocker.rollback()
        blocker.close()
    assert "Datenbank ist gerade nicht erreichbar oder gesperrt" in errors(at)
    assert widget(at, "text_input", "Vorname", "members_new").value == "Gesperrt"
    assert count(demo_engine, Member) == before
