"""Typed values through the real forms (AppTest) on SQLite and PostgreSQL: saved
as typed or refused with a German message naming the field, nothing replaced
(issue 16). The browser twin is tests/e2e/test_typed_values.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.fmt import md
from db.models import Measure, Member, ProgressUpdate
from tests.apptest import errors, submit, widget
from tests.test_editing import count, fill_new_member, page

LONG = "ä" * 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"until": "01.01.1999"}, "Mitglied bis: muss zwischen 01.01.2000 und 31.12.2100 liegen."),
        ({"since": "31.12.9999"}, "Mitglied seit: muss zwischen 01.01.2000 und 31.12.2100 liegen."),
        ({"since": "29.02.2025"}, "Mitglied seit: ist kein gültiges Datum (TT.MM.JJJJ)."),
        ({"since": ""}, "Mitglied seit: ist ein Pflichtfeld."),
        ({"email": LONG}, "E-Mail: darf höchstens 200 Zeichen lang sein."),
    ],
)
def test_a_bad_member_value_is_refused_by_name(app_env, demo_engine, extra, message):
    at = page("geschaeftsstelle", "pages/edit_members.py")
    before = count(demo_engine, Member)
    at = fill_new_member(at, "Tippfehler", "Test", **extra)
    assert md(message) in errors(at)
    assert count(demo_engine, Member) == before


def test_typed_dates_are_saved_as_typed(app_env, demo_engine):
    at = page("geschaeftsstelle", "pages/edit_members.py")
    at = fill_new_member(at, "Schalt", "Tag", since="29.02.2028", until="1.3.30")
    assert not errors(at)
    with Session(demo_engine) as s:
        member = s.scalars(select(Member).where(Member.last_name == "Tag")).one()
    assert (member.active_from, member.active_to) == (dt.date(2028, 2, 29), dt.date(2030, 3, 1))


@pytest.mark.parametrize(
    ("typed", "saved", "message"),
    [
        ("42", 42, None),
        ("-1", None, "Fortschritt (%): muss mindestens 0 sein."),
        ("101", None, "Fortschritt (%): darf höchstens 100 sein."),
        ("50,5", None, "Fortschritt (%): muss eine ganze Zahl sein."),
    ],
)
def test_a_percentage_is_saved_as_typed_or_refused(app_env, demo_engine, typed, saved, message):
    at = page("geschaeftsstelle", "pages/edit_measures.py")
    measure_id = at.selectbox(key="measures_selected").value
    form = f"measures_update_{measure_id}"
    before = count(demo_engine, ProgressUpdate)
    widget(at, "text_input", "Fortschritt (%)", form).input(typed)
    widget(at, "text_area", "Notiz", form).input(f"getippt: {typed}")
    at = submit(at, "Fortschritt melden", form)
    with Session(demo_engine) as s:
        stored = s.scalar(
            select(ProgressUpdate.progress).where(ProgressUpdate.note == f"getippt: {typed}")
        )
        current = s.scalar(select(Measure.progress).where(Measure.id == measure_id))
    if message is None:
        assert not errors(at) and stored == saved == current
    else:
        assert errors(at) == md(message)
        assert count(demo_engine, ProgressUpdate) == before and stored is None
