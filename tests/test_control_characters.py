"""Invisible control characters (they come with text pasted from some programs)
are refused with a German message naming the field, in the forms and in the
import, on SQLite and PostgreSQL alike: PostgreSQL refuses NUL in any text, so
without this the same input would be saved on one database and fail on the
other. Tab and line breaks stay allowed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.exports import csv_bytes
from components.fmt import md
from db import list_import
from db.models import Member
from tests.apptest import errors, signed_in, submit, widget

REFUSED = "enthält ein unsichtbares Steuerzeichen"


def _members(engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(Member))


@pytest.mark.parametrize("pasted", ["Anna\x00", "An\x07na", "Anna\x1b[0m"])
def test_a_form_refuses_a_control_character_and_saves_nothing(app_env, demo_engine, pasted):
    before = _members(demo_engine)
    at = signed_in("geschaeftsstelle")
    at.switch_page("pages/edit_members.py").run()
    widget(at, "text_input", "Vorname", "members_new").input(pasted)
    widget(at, "text_input", "Nachname", "members_new").input("Neumann")
    at = submit(at, "Mitglied anlegen", "members_new")
    assert md(f"Vorname: {REFUSED}") in errors(at)
    assert _members(demo_engine) == before
    assert widget(at, "text_input", "Nachname", "members_new").value == "Neumann"


def test_tab_and_line_breaks_are_text(app_env, demo_engine):
    at = signed_in("geschaeftsstelle")
    at.switch_page("pages/edit_members.py").run()
    widget(at, "text_input", "Vorname", "members_new").input("Anna\tMaria")
    widget(at, "text_input", "Nachname", "members_new").input("Neu")
    at = submit(at, "Mitglied anlegen", "members_new")
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        assert s.scalars(select(Member).where(Member.first_name == "Anna\tMaria")).one()


def test_the_import_refuses_a_control_character_in_the_row_and_field(demo_engine):
    with Session(demo_engine) as s:
        df = list_import.export(s, "members")
    df.loc[1, "Funktion"] = "Leitung\x00"
    table = list_import.read_table(csv_bytes(df), "liste.csv")
    with Session(demo_engine) as s:
        preview = list_import.preview(s, "members", table)
    refused = {r.line: r.errors for r in preview.rows if r.errors}
    assert refused == {
        3: [f"Funktion: {REFUSED} (etwa aus kopiertem Text); bitte den Text neu eingeben."]
    }
