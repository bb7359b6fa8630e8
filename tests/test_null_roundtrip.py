"""NULL stays NULL: every edit form opened on a record whose optional fields are
empty and saved with one unrelated change leaves those fields NULL, on SQLite
and PostgreSQL; and no export or text shows a missing value as "nan"/"None"."""

from __future__ import annotations

import datetime as dt

import icalendar
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import fmt, forms
from components.exports import ics_bytes
from db import dashboard_data, services
from db.engine import session_scope
from db.models import BERLIN, MeasureStatus, Meeting, Member, Organisation, ThematicArea
from db.models import Measure as MeasureRow
from db.permissions import Actor
from db.validation import MeasureInput, MeetingInput, MemberInput, check
from tests.apptest import errors, signed_in, submit, widget

EDITOR = Actor("geschaeftsstelle", "editor")
MISSING_TEXT = ("nan", "None", "NaT", "<NA>")


def optional_columns(model) -> list[str]:
    return [c.name for c in model.__table__.columns if c.nullable]


def values(engine, model, record_id: int, columns: list[str]) -> dict:
    with Session(engine) as s:
        record = s.get(model, record_id)
        return {c: getattr(record, c) for c in columns}


def page(user: str, path: str):
    at = signed_in(user)
    at.switch_page(path).run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def no_missing_text(at) -> None:
    """No text widget of the page was pre-filled with a missing value as text."""
    for kind in ("text_input", "text_area"):
        for w in getattr(at, kind):
            assert (w.value or "").strip() not in MISSING_TEXT, (kind, w.label, w.value)


def edit_one_field_and_keep_nulls(
    engine, path: str, prefix: str, model, record_id: int, label: str, field: str, value: str
) -> None:
    """Open the edit form of RECORD_ID on PATH (widget keys PREFIX_...), check that no
    field is pre-filled with a missing value as text, change only LABEL to VALUE,
    save, and find VALUE saved and every optional column still NULL."""
    columns = optional_columns(model)
    assert set(values(engine, model, record_id, columns).values()) == {None}
    at = page("geschaeftsstelle", path)
    at.selectbox(key=f"{prefix}_selected").select(record_id).run()
    form = f"{prefix}_edit_{record_id}"
    no_missing_text(at)
    widget(at, "text_input", label, form).input(value)
    submit(at, "Speichern", form)
    assert not at.error, errors(at)
    with Session(engine) as s:
        assert getattr(s.get(model, record_id), field) == value
    assert values(engine, model, record_id, columns) == dict.fromkeys(columns)


# --- the edit forms -------------------------------------------------------------------------


def test_member_form_keeps_empty_optional_fields_null(app_env, demo_engine):
    with Session(demo_engine) as s:
        org = s.scalars(select(Organisation).order_by(Organisation.id)).first()
        org_id, sector_id = org.id, org.sector_id
    with session_scope(demo_engine) as s:
        member_id = services.create_member(
            s,
            EDITOR,
            {
                "first_name": "Nora",
                "last_name": "Leerfeld",
                "organisation_id": org_id,
                "sector_id": sector_id,
                "active_from": dt.date(2025, 1, 1),
            },
        )
    edit_one_field_and_keep_nulls(
        demo_engine, "pages/edit_members.py", "members", Member, member_id,
        "Nachname", "last_name", "Leerfeld-Neu",
    )  # fmt: skip


def test_meeting_form_keeps_empty_optional_fields_null(app_env, demo_engine):
    start = dt.datetime(2027, 3, 4, 10, 0, tzinfo=BERLIN)
    with session_scope(demo_engine) as s:
        meeting_id = services.create_meeting(
            s,
            EDITOR,
            {
                "kind": "plenary",
                "title": "Sitzung ohne Ort",
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2),
            },
        )
    edit_one_field_and_keep_nulls(
        demo_engine, "pages/edit_meetings.py", "meetings", Meeting, meeting_id,
        "Titel", "title", "Sitzung ohne Ort, neuer Titel",
    )  # fmt: skip


def test_measure_form_keeps_empty_optional_fields_null(app_env, demo_engine):
    with Session(demo_engine) as s:
        area_id = s.scalars(select(ThematicArea.id).order_by(ThematicArea.sort_order)).first()
        status_id = (
            s.scalars(
                select(MeasureStatus.id).where(MeasureStatus.default_progress.is_(None))
            ).first()
            or s.scalars(select(MeasureStatus.id)).first()
        )
    with session_scope(demo_engine) as s:
        measure_id = services.create_measure(
            s,
            EDITOR,
            {"title": "Maßnahme ohne Angaben", "area_id": area_id, "status_id": status_id},
        )
    edit_one_field_and_keep_nulls(
        demo_engine, "pages/edit_measures.py", "measures", MeasureRow, measure_id,
        "Titel", "title", "Maßnahme ohne Angaben, neuer Titel",
    )  # fmt: skip


def test_status_form_keeps_an_empty_default_progress_null(app_env, demo_engine):
    with session_scope(demo_engine) as s:
        status_id = services.save_reference(
            s, Actor("admin", "admin"), "status", None, {"name": "ruht", "sort_order": 90}
        )
    assert values(demo_engine, MeasureStatus, status_id, ["default_progress"]) == {
        "default_progress": None
    }
    at = page("admin", "pages/reference.py")
    at.selectbox(key="ref_status_selected").select(status_id).run()
    form = f"ref_status_edit_{status_id}"
    no_missing_text(at)
    widget(at, "text_input", "Name", form).input("ruht vorerst")
    submit(at, "Speichern", form)
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        status = s.get(MeasureStatus, status_id)
        assert (status.name, status.default_progress) == ("ruht vorerst", None)


# --- validation: an empty optional input is not given ---------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_validation_turns_blank_optional_values_into_none(blank):
    member = check(
        MemberInput,
        {
            "first_name": "Nora",
            "last_name": "Leerfeld",
            "function": blank,
            "email": blank,
            "organisation_id": 1,
            "sector_id": 1,
            "active_from": dt.date(2025, 1, 1),
            "active_to": blank,
        },
    )
    assert (member.function, member.email, member.active_to) == (None, None, None)
    start = dt.datetime(2027, 3, 4, 10, 0, tzinfo=BERLIN)
    meeting = check(
        MeetingInput,
        {
            "kind": "plenary",
            "title": "Sitzung",
            "starts_at": start,
            "ends_at": start,
            "location": blank,
            "notes": blank,
        },
    )
    assert (meeting.location, meeting.notes) == (None, None)
    measure = check(
        MeasureInput,
        {
            "title": "Maßnahme",
            "area_id": 1,
            "status_id": 1,
            "description": blank,
            "responsible": blank,
            "start_date": blank,
            "due_date": blank,
            "progress": blank,
        },
    )
    assert (measure.description, measure.responsible, measure.start_date) == (None, None, None)
    assert (measure.due_date, measure.progress) == (None, None)


# --- the helper and the calendar file -------------------------------------------------------


@pytest.mark.parametrize(
    "missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT")]
)
def test_or_none_turns_every_missing_value_into_none(missing):
    assert fmt.or_none(missing) is None


@pytest.mark.parametrize("value", ["", "Text", 0, 0.0, False, dt.date(2025, 1, 1), (1, 2)])
def test_or_none_keeps_real_values(value):
    assert fmt.or_none(value) is value


def properties(data: bytes) -> list[tuple[str, str]]:
    calendar = icalendar.Calendar.from_ical(data)
    return [
        (event["UID"], f"{name}:{value}")
        for event in calendar.walk("VEVENT")
        for name, value in event.items()
    ]


def test_ics_of_meetings_without_notes_shows_no_missing_value(demo_engine):
    """The calendar page's file: every meeting as the page reads it, where most
    have no notes, plenaries no thematic area, one no place."""
    start = dt.datetime(2027, 3, 4, 10, 0, tzinfo=BERLIN)
    with session_scope(demo_engine) as s:
        services.create_meeting(
            s,
            EDITOR,
            {"kind": "plenary", "title": "Ohne Ort", "starts_at": start, "ends_at": start},
        )
    with Session(demo_engine) as s:
        meetings = dashboard_data.meetings(s)
    assert meetings["notes"].isna().sum() > 1 and meetings["location"].isna().any()
    data = ics_bytes(meetings.to_dict("records"))
    found = properties(data)
    assert len({uid for uid, _ in found}) == len(meetings)
    for uid, prop in found:
        for word in MISSING_TEXT:
            assert word not in prop.split(":", 1)[1].split(), (uid, prop)
        assert "Themenbereich: nan" not in prop and "\n\nnan" not in prop


def test_ics_treats_every_kind_of_missing_value_as_absent():
    start = dt.datetime(2027, 3, 4, 10, 0, tzinfo=BERLIN)
    base = {"id": 1, "kind": "plenary", "title": "Plenum", "status": "planned", "version": 1}
    rows = [
        base | {"id": i, "starts_at": start, "ends_at": start, "area": m, "location": m, "notes": m}
        for i, m in enumerate([None, float("nan"), pd.NA, "", "  "], start=1)
    ]
    for _, prop in properties(ics_bytes(rows)):
        name, value = prop.split(":", 1)
        assert name != "LOCATION", prop
        for word in MISSING_TEXT:
            assert word not in value.split(), prop
    for event in icalendar.Calendar.from_ical(ics_bytes(rows)).walk("VEVENT"):
        assert str(event["DESCRIPTION"]) == "Plenarsitzung"


# --- the attendance grid tells namesakes apart ----------------------------------------------


def test_attendance_grid_tells_two_people_of_the_same_name_apart(app_env, demo_engine):
    with Session(demo_engine) as s:
        orgs = s.scalars(select(Organisation).order_by(Organisation.id)).all()[:2]
        places = [(o.id, o.sector_id, o.name) for o in orgs]
    start = dt.datetime.now(BERLIN) - dt.timedelta(hours=3)
    with session_scope(demo_engine) as s:
        for org_id, sector_id, _ in places:
            services.create_member(
                s,
                EDITOR,
                {
                    "first_name": "Lena",
                    "last_name": "Namensgleich",
                    "organisation_id": org_id,
                    "sector_id": sector_id,
                    "active_from": dt.date(2024, 1, 1),
                },
            )
        services.create_member(
            s,
            EDITOR,
            {
                "first_name": "Ida",
                "last_name": "Einzigartig",
                "organisation_id": places[0][0],
                "sector_id": places[0][1],
                "active_from": dt.date(2024, 1, 1),
            },
        )
        meeting_id = services.create_meeting(
            s, EDITOR, {"kind": "plenary", "title": "Heute", "starts_at": start, "ends_at": start}
        )
    at = page("geschaeftsstelle", "pages/edit_meetings.py")
    at.selectbox(key="attendance_selected").select(meeting_id).run()
    (grid,) = at.data_editor
    names = list(grid.value["Name"])
    assert "Einzigartig, Ida" in names
    assert "Namensgleich, Lena" not in names
    for _, _, org_name in places:
        assert f"Namensgleich, Lena ({org_name})" in names
    assert len(set(names)) == len(names)


def test_person_names_add_the_organisation_then_the_number_only_where_needed():
    people = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "last_name": ["Bozkurt", "Bozkurt", "Kaya", "Kaya", "Weber"],
            "first_name": ["Katharina", "Katharina", "Ali", "Ali", "Eva"],
            "organisation": ["Stiftung A", "Verein B", "Verein B", "Verein B", "Verein B"],
        }
    )
    assert list(forms.person_names(people)) == [
        "Bozkurt, Katharina (Stiftung A)",
        "Bozkurt, Katharina (Verein B)",
        "Kaya, Ali (Verein B, Nr. 3)",
        "Kaya, Ali (Verein B, Nr. 4)",
        "Weber, Eva",
    ]
