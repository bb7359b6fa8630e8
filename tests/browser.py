"""Shared by the browser tests (tests/e2e, tests/deploy): server processes on
free loopback ports, Debian's Chromium under Playwright, and waits on
Streamlit's own state instead of sleeps.

The fixtures are imported into each folder's conftest.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from db.config import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP = "[data-testid='stApp']"

# Counts finished script runs, so a test can wait for a known number of them
# instead of sleeping.
COUNT_RUNS = """
window.__finishedRuns = 0;
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.getAttribute('data-test-script-state') === 'notRunning'
        && change.oldValue !== 'notRunning') { window.__finishedRuns += 1; }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


def missing(reason: str) -> None:
    """Skip locally for something the machine lacks, but fail under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(
    url: str, proc: subprocess.Popen, timeout: float = 90, path: str = "/_stcore/health"
) -> None:
    """Wait until the server at URL answers 200 on PATH; fail early if PROC exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server {proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling the health endpoint, bounded by the deadline
    raise RuntimeError(f"{url}{path} did not answer within {timeout} s")


def start_app(folder: Path, cookie_key: str, **settings: str) -> tuple[str, subprocess.Popen]:
    """`streamlit run serve.py` on a free loopback port with demo data in a SQLite
    file of its own in FOLDER (and SETTINGS in its environment); returns its URL and
    process (stop it with `stop`)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
        "DASHBOARD_COOKIE_KEY": cookie_key,
        **settings,
    }
    subprocess.run(
        [sys.executable, "-m", "db.cli", "setup"], cwd=PROJECT_ROOT, env=env, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=PROJECT_ROOT, env=env, stdout=(folder / "server.log").open("w"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except BaseException:
        stop(proc)
        raise
    return url, proc


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop PROC and its process group (started with start_new_session=True)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass


def wait_for_app(page: Page) -> None:
    """Like Streamlit's own e2e tests: connected, then the script run finished."""
    page.wait_for_selector(f"{APP}[data-test-connection-state='CONNECTED']", timeout=30_000)
    page.wait_for_selector(f"{APP}[data-test-script-state='notRunning']", timeout=30_000)


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(timeout=30_000)
    wait_for_app(page)


def session_cookies(page: Page) -> list[dict]:
    """The browser's sign-in cookie, once the server has set it (after a sign-in)."""
    from db.sessions import COOKIE_NAME

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
        if found:
            return found
        page.wait_for_timeout(100)  # the cookie arrives by a fetch the page makes
    raise AssertionError(f"no {COOKIE_NAME} cookie after 15 s")


def wait_session_cookie_gone(page: Page) -> None:
    """Wait until the server has deleted the browser's sign-in cookie."""
    from db.sessions import COOKIE_NAME

    deadline = time.monotonic() + 15
    while any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise AssertionError(f"the {COOKIE_NAME} cookie is still there after 15 s")
        page.wait_for_timeout(100)  # deleted by a fetch the page makes


def visible_charts_drawn(page: Page) -> int:
    """How many Vega charts on screen have a canvas or SVG of non-zero size; fails on
    a chart that is shown but not drawn. Charts in a closed tab are skipped."""
    charts = page.get_by_test_id("stVegaLiteChart")
    drawn = 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():
            continue  # in a tab that is not open
        mark = chart.locator("canvas, svg.marks").first
        expect(mark).to_be_attached(timeout=30_000)
        box = mark.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"chart {i} not drawn"
        drawn += 1
    return drawn


def nav_titles(page: Page) -> list[str]:
    """The page titles in the sidebar navigation (without the icons' ligature names)."""
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    return [text.split("\n")[-1].strip() for text in links.all_inner_texts()]


def open_page(page: Page, title: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text(title, exact=True).click()
    expect(nav.locator("a[aria-current='page']")).to_contain_text(title, timeout=30_000)
    wait_for_app(page)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    missing(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")


@pytest.fixture(scope="session")
def browser(playwright, chromium_path):
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def screenshot_on_failure(page: Page, request: pytest.FixtureRequest, suffix: str = "") -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() else "_" for c in request.node.name) + suffix
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def new_page(browser) -> Page:
    """A page in a fresh browser context (no cookies) that counts finished runs."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.add_init_script(COUNT_RUNS)
    return context.new_page()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) per test; a screenshot is kept on failure."""
    page = new_page(browser)
    yield page
    screenshot_on_failure(page, request)
    page.context.close()


def create_member(page: Page, first: str, last: str) -> None:
    """Create a member through the form on the Mitglieder page, as an editor would."""
    open_page(page, "Mitglieder")
    page.get_by_role("tab", name="Neues Mitglied").click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Mitglied anlegen")
    )
    form.get_by_label("Vorname").fill(first)
    form.get_by_label("Nachname").fill(last)
    form.get_by_role("button", name="Mitglied anlegen").click()
    expect(page.get_by_text("Mitglied angelegt.")).to_be_visible(timeout=30_000)


def choose_option(page: Page, label: str, name: str) -> None:
    """Choose NAME in the multiselect LABEL: typed, then picked from the list (which may
    still be settling right after its expander opened, so up to three tries)."""
    chooser = page.get_by_label(label, exact=True)
    for _ in range(3):
        chooser.click()
        chooser.fill(name)
        try:
            page.get_by_role("option", name=name, exact=True).click(timeout=5_000)
            break
        except PlaywrightTimeout:
            chooser.press("Escape")
    else:
        raise AssertionError(f"{name!r} could not be chosen in {label!r}")
    chooser.press("Escape")
    expect(page.get_by_role("button", name=f"{name} entfernen")).to_be_visible()
