"""What a user types is saved as typed or refused with a German message naming
the field, never replaced by an old or default value (issue 16): the values
that a date picker or a number field used to correct silently, typed into the
real forms in Chromium, with the database checked after each."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Member, ProgressUpdate
from tests.browser import open_page, sign_in, wait_for_app

pytestmark = pytest.mark.browser

LONG = "x" * 10_000


def _count(db_url: str, model) -> int:
    engine = make_engine(db_url)
    with Session(engine) as s:
        n = s.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return n


def _refused(page: Page, message: str) -> None:
    expect(page.get_by_test_id("stAlert").filter(has_text=message)).to_be_visible(timeout=30_000)
    wait_for_app(page)


@pytest.fixture
def editor(page, app_url) -> Page:
    sign_in(page, app_url, "geschaeftsstelle", "geschaeftsstelle-demo-2026")
    return page


MEMBER_VALUES = [
    ("Mitglied bis", "01.01.1999", "Mitglied bis: muss zwischen 01.01.2000 und 31.12.2100"),
    ("Mitglied bis", "31.12.9999", "Mitglied bis: muss zwischen 01.01.2000 und 31.12.2100"),
    ("Mitglied seit", "31.12.9999", "Mitglied seit: muss zwischen 01.01.2000"),
    ("Mitglied seit", "29.02.2025", "Mitglied seit: ist kein gültiges Datum (TT.MM.JJJJ)."),
    ("Funktion", LONG, "Funktion: darf höchstens 200 Zeichen lang sein."),
]
PERCENT_VALUES = [
    ("-1", "Fortschritt (%): muss mindestens 0 sein."),
    ("101", "Fortschritt (%): darf höchstens 100 sein."),
    ("50,5", "Fortschritt (%): muss eine ganze Zahl sein."),
]


def test_a_new_members_bad_values_are_refused_and_nothing_saved(editor, app_server):
    _url, db_url = app_server
    before = _count(db_url, Member)
    open_page(editor, "Mitglieder")
    editor.get_by_role("tab", name="Neues Mitglied").click()
    form = editor.get_by_test_id("stForm").filter(has_text="Mitglied anlegen")
    form.get_by_label("Vorname").fill("Tippfehler")
    form.get_by_label("Nachname").fill("Test")
    for field, value, message in MEMBER_VALUES:
        form.get_by_label(field, exact=True).fill(value)
        form.get_by_role("button", name="Mitglied anlegen").click()
        _refused(editor, message)
        assert _count(db_url, Member) == before, value[:20]
        expect(form.get_by_label(field, exact=True)).to_have_value(value)  # the input stays
        form.get_by_label(field, exact=True).fill("")


def test_bad_percentages_are_refused_and_a_good_one_saved_as_typed(editor, app_server):
    _url, db_url = app_server
    before = _count(db_url, ProgressUpdate)
    open_page(editor, "Maßnahmen & Fortschritt")
    form = editor.get_by_test_id("stForm").filter(has_text="Notiz")
    percent = form.get_by_role("textbox", name="Fortschritt (%)")
    for value, message in PERCENT_VALUES:
        percent.fill(value)
        form.get_by_role("button", name="Fortschritt melden").click()
        _refused(editor, message)
        assert _count(db_url, ProgressUpdate) == before, value
        expect(percent).to_have_value(value)
    percent.fill("37")
    form.get_by_label("Notiz").fill("Siebenunddreißig, wie getippt")
    form.get_by_role("button", name="Fortschritt melden").click()
    expect(editor.get_by_text("Fortschritt gemeldet.")).to_be_visible(timeout=30_000)
    engine = make_engine(db_url)
    with Session(engine) as s:
        saved = s.scalar(
            select(ProgressUpdate.progress).where(
                ProgressUpdate.note == "Siebenunddreißig, wie getippt"
            )
        )
    engine.dispose()
    assert saved == 37
