"""Downloads made on click (issue 22): a warm rerun builds no export file, so the
file is made when the button is clicked. In Chromium: a chart's PNG on the
overview and a table's Excel file on the participation page arrive whole."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from playwright.sync_api import Page

from db.demo import DEMO_USERS
from tests.browser import open_page
from tests.browser import sign_in as sign_in_with_password

pytestmark = pytest.mark.browser

PASSWORD = {username: password for username, _, _, password in DEMO_USERS}


def _download(page: Page, button: str, nth: int = 0) -> tuple[str, bytes]:
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=button, exact=True).nth(nth).click()
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def test_a_chart_png_and_a_table_excel_file_are_made_on_click(page, app_url):
    sign_in_with_password(page, app_url, "leitung", PASSWORD["leitung"])
    page.reload()  # a rerun of the signed-in page: the buttons of a warm run
    page.get_by_role("button", name="PNG", exact=True).first.wait_for(timeout=30_000)
    name, body = _download(page, "PNG")
    assert name == "mitglieder-nach-bereich.png"
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.width > 300

    open_page(page, "Teilnahme nach Bereich")
    name, body = _download(page, "Excel")
    assert name == "mitglieder-je-bereich.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.cell(1, 1).value == "Bereich"
    assert sheet.max_row > 3
