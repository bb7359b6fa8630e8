"""Every page, tab and slide for every role at 1920x1080 and 1366x768, checked
by the rules of tests/e2e/look.py; a screenshot is kept of every view with a
defect (test-artifacts/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.navigation import PAGES
from db.demo import DEMO_USERS
from db.permissions import Actor
from tests.browser import ARTIFACTS, COUNT_RUNS, nav_titles, open_page, sign_in, wait_for_app
from tests.e2e.exported import export_problems
from tests.e2e.look import dropdown_problems, problems

pytestmark = pytest.mark.browser

VIEWPORTS = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
ACCOUNTS = {username: (role, password) for username, _, role, password in DEMO_USERS}


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _look(page: Page, where: str, found: list[str]) -> None:
    defects = problems(page, where)
    if defects:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"look_{_slug(where)}.png"), full_page=True)
    found += defects


def _tabs_of_main(page: Page):
    return page.get_by_test_id("stMain").get_by_role("tab")


# Pages that open with charts: a check of their charts that found none would pass
# for nothing (the rules above run on the charts that are there).
CHART_PAGES = {"Übersicht", "Teilnahme nach Bereich", "Maßnahmen"}


def _visit(page: Page, title: str, where: str, found: list[str]) -> None:
    open_page(page, title)
    if title in CHART_PAGES:
        drawn = page.get_by_test_id("stMain").locator("svg.marks")
        drawn.first.wait_for(state="attached", timeout=30_000)
    _look(page, where, found)
    found += dropdown_problems(page, where)
    tabs = _tabs_of_main(page)
    for i in range(1, tabs.count()):
        name = tabs.nth(i).inner_text().strip()
        tabs.nth(i).click()
        wait_for_app(page)
        _look(page, f"{where} › {name}", found)
        found += dropdown_problems(page, f"{where} › {name}")
    if title == "Präsentation":
        main = page.get_by_test_id("stMain")
        counter = main.get_by_text(re.compile(r"^Folie 1 von \d+"))
        total = int(re.search(r"von (\d+)", counter.inner_text()).group(1))
        for slide in range(2, total + 1):
            main.get_by_role("button", name="Weiter").click()
            expect(main.get_by_text(f"Folie {slide} von {total}")).to_be_visible(timeout=30_000)
            wait_for_app(page)
            _look(page, f"{where} › Folie {slide}", found)
            weiter = main.get_by_role("button", name="Weiter").bounding_box()
            if weiter["y"] + weiter["height"] > page.viewport_size["height"]:
                found.append(f"{where} › Folie {slide}: „Weiter“ erst nach Scrollen sichtbar")


# The admin opens every page (the editor's pages too, with the same content); the
# viewer sees the dashboards as the minister's office does (counts, not names).
LOOKED_AT_AS = ["leitung", "admin"]


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("username", LOOKED_AT_AS)
def test_every_view_is_presentation_grade(browser, app_url, username, size):
    width, height = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(COUNT_RUNS)
    page = context.new_page()
    try:
        role, password = ACCOUNTS[username]
        sign_in(page, app_url, username, password)
        titles = [spec.title for spec in PAGES if Actor(username, role).may(spec.role)]
        assert sorted(nav_titles(page)) == sorted(titles)
        found: list[str] = []
        for title in titles:
            _visit(page, title, f"{username} {size} › {title}", found)
        assert found == [], "\n".join(found)
    finally:
        context.close()


def _download_all(page: Page, files: dict[str, bytes]) -> None:
    """Click every visible download button not yet seen; keep the files by name."""
    buttons = page.get_by_test_id("stDownloadButton")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if not button.is_visible():
            continue
        with page.expect_download(timeout=60_000) as info:
            button.get_by_role("button").click()
        download = info.value
        if download.suggested_filename not in files:
            files[download.suggested_filename] = Path(download.path()).read_bytes()


def test_every_export_follows_the_same_text_rules(browser, app_url):
    """As staff (who see everything a viewer sees, and the edit pages' exports)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    context.add_init_script(COUNT_RUNS)
    page = context.new_page()
    try:
        _, password = ACCOUNTS["geschaeftsstelle"]
        sign_in(page, app_url, "geschaeftsstelle", password)
        files: dict[str, bytes] = {}
        for title in nav_titles(page):
            open_page(page, title)
            _download_all(page, files)
            tabs = _tabs_of_main(page)
            for i in range(1, tabs.count()):
                tabs.nth(i).click()
                wait_for_app(page)
                _download_all(page, files)
        kinds = {name[name.rfind(".") :] for name in files}
        assert kinds >= {".csv", ".xlsx", ".ics", ".pdf", ".svg", ".png", ".zip"}, kinds
        found = [problem for name, body in files.items() for problem in export_problems(name, body)]
        assert found == [], "\n".join(found)
    finally:
        context.close()
