"""The bad-input set of the editing tests through every form that saves text, on
SQLite and PostgreSQL (issue 16): umlauts, Arabic, emoji, markup and a formula
(all in one value) are saved exactly as typed; NUL and a 10,000-character text are refused with a
German message naming the field, and nothing is saved. The same outcome on
both databases is what the two parameters of `app_env` check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.fmt import md
from db.models import Measure, Meeting, Member, Organisation, ProgressUpdate
from tests.apptest import errors, submit, widget
from tests.test_editing import page

# the tricky texts of the editing tests in one value (formula-like at the start)
SAVED = '=HYPERLINK("http://example.org") Ünal Özdemir-Weiß مريم الحسن Jana 🌻 <script>x</script>'
REFUSED = [
    ("Gül\x00şen", "enthält ein unsichtbares Steuerzeichen"),
    ("x" * 10_000, "darf höchstens"),
]


@dataclass(frozen=True)
class Form:
    page: str
    form: str
    field: str  # the label of the text field that gets the value
    column: object  # where the value is stored
    submit: str
    fill: Callable  # the other required fields


def _new_member(at, value):
    widget(at, "text_input", "Nachname", "members_new").input("Testfall")


def _new_meeting(at, value):
    day = f"{dt.date.today() + dt.timedelta(days=30):%d.%m.%Y}"
    widget(at, "text_input", "Datum", "meetings_new").input(day)
    widget(at, "text_input", "Datum Ende", "meetings_new").input(day)
    widget(at, "time_input", "Beginn", "meetings_new").set_value(dt.time(10))
    widget(at, "time_input", "Ende", "meetings_new").set_value(dt.time(12))
    widget(at, "selectbox", "Art des Termins", "meetings_new").select("plenary")


def _no_more(at, value):
    pass


FORMS = {
    "Mitglied: Vorname": Form(
        "pages/edit_members.py", "members_new", "Vorname", Member.first_name,
        "Mitglied anlegen", _new_member,
    ),
    "Organisation: Name": Form(
        "pages/edit_members.py", "orgs_new", "Name der Organisation", Organisation.name,
        "Organisation anlegen", _no_more,
    ),
    "Termin: Titel": Form(
        "pages/edit_meetings.py", "meetings_new", "Titel", Meeting.title,
        "Termin anlegen", _new_meeting,
    ),
    "Termin: Ort": Form(
        "pages/edit_meetings.py", "meetings_new", "Ort", Meeting.location,
        "Termin anlegen", lambda at, v: (_new_meeting(at, v), widget(
            at, "text_input", "Titel", "meetings_new").input("Sitzung mit Ort")),
    ),
    "Maßnahme: Titel": Form(
        "pages/edit_measures.py", "measures_new", "Titel", Measure.title,
        "Maßnahme anlegen", _no_more,
    ),
}  # fmt: skip


def _stored(engine, column, value) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(column.class_).where(column == value))


def _total(engine, column) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(column.class_))


@pytest.mark.parametrize("where", list(FORMS))
def test_text_is_saved_exactly_as_typed(app_env, demo_engine, where, value=SAVED):
    form = FORMS[where]
    at = page("geschaeftsstelle", form.page)
    widget(at, "text_input", form.field, form.form).input(value)
    form.fill(at, value)
    at = submit(at, form.submit, form.form)
    assert not errors(at), errors(at)
    assert _stored(demo_engine, form.column, value) == 1


@pytest.mark.parametrize("where", list(FORMS))
@pytest.mark.parametrize(("value", "message"), REFUSED, ids=["nul", "10000"])
def test_bad_text_is_refused_by_name_and_nothing_saved(app_env, demo_engine, where, value, message):
    form = FORMS[where]
    before = _total(demo_engine, form.column)
    at = page("geschaeftsstelle", form.page)
    widget(at, "text_input", form.field, form.form).input(value)
    form.fill(at, value)
    at = submit(at, form.submit, form.form)
    label = "Name der Organisation" if form.field == "Name der Organisation" else form.field
    assert md(f"{label}: {message}") in errors(at), errors(at)
    assert _total(demo_engine, form.column) == before


@pytest.mark.parametrize(("value", "message"), [(SAVED, None), *REFUSED])
def test_a_progress_note_is_saved_as_typed_or_refused(app_env, demo_engine, value, message):
    at = page("geschaeftsstelle", "pages/edit_measures.py")
    measure_id = at.selectbox(key="measures_selected").value
    form = f"measures_update_{measure_id}"
    before = _total(demo_engine, ProgressUpdate.note)
    widget(at, "text_area", "Notiz", form).input(value)
    at = submit(at, "Fortschritt melden", form)
    if message is None:
        assert not errors(at) and _stored(demo_engine, ProgressUpdate.note, value) == 1
    else:
        assert md(f"Notiz: {message}") in errors(at)
        assert _total(demo_engine, ProgressUpdate.note) == before
