"""The Rückmeldungen page in Chromium: the meeting's list downloaded and uploaded
again changes nothing (round trip), a broken list is refused, an edited one
imported. (The grid's save is covered through AppTest, tests/test_responses_page.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import exports
from db import list_import
from db.engine import make_engine
from db.models import BERLIN, MeetingResponse
from db.responses import next_planned, response_sheet
from tests.browser import open_page, sign_in, wait_for_app

pytestmark = pytest.mark.browser


def _answers(db_url: str) -> tuple[int, dict[int, str]]:
    engine = make_engine(db_url)
    with Session(engine) as s:
        meeting_id = next_planned(s, dt.datetime.now(BERLIN))
        stored = {
            r.member_id: r.answer
            for r in s.scalars(
                select(MeetingResponse).where(MeetingResponse.meeting_id == meeting_id)
            )
        }
        first = int(response_sheet(s, meeting_id)["member_id"].iloc[0])
    engine.dispose()
    return first, stored


def _upload(page: Page, path, expected: str) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    expect(page.get_by_text(expected)).to_be_visible(timeout=30_000)
    wait_for_app(page)


def test_list_round_trip_refusal_and_import(page, app_server, tmp_path):
    url, db_url = app_server
    sign_in(page, url, "geschaeftsstelle", "geschaeftsstelle-demo-2026")
    open_page(page, "Rückmeldungen")
    page.get_by_role("tab", name="Import").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Liste als CSV").click()
    listed = tmp_path / "liste.csv"
    download.value.save_as(listed)
    _upload(page, listed, "0 neu, 0 geändert")

    table = list_import.read_table(listed.read_bytes(), "liste.csv", "responses")
    row = next(i for i in table.index[1:] if table.loc[i, "Rückmeldung"] != "keine Rückmeldung")
    table.loc[row, "Rückmeldung"] = "vielleicht"
    broken = tmp_path / "kaputt.csv"
    broken.write_bytes(exports.csv_bytes(table))
    _upload(page, broken, "Die Datei enthält Fehler")
    expect(page.get_by_role("button", name="Alle Zeilen importieren")).to_be_disabled()

    table.loc[row, "Rückmeldung"] = "keine Rückmeldung"
    edited = tmp_path / "geaendert.csv"
    edited.write_bytes(exports.csv_bytes(table))
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(edited))
    button = page.get_by_role("button", name="Alle Zeilen importieren")
    expect(button).to_be_enabled(timeout=30_000)
    button.click()
    expect(page.get_by_text("Import abgeschlossen")).to_be_visible(timeout=30_000)
    second = int(table.loc[row, "Mitglied-ID"])
    assert second not in _answers(db_url)[1]
