"""Sessions that end when they should, in Chromium: a copied sign-in cookie is
worthless after each way a session ends, a returning browser is signed in on
its first run, and the sign-in does not tell whether a name exists."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from components import auth
from db import services
from db.accounts import hash_password
from db.engine import make_engine, session_scope
from db.models import User
from db.permissions import Actor
from tests.browser import (
    COUNT_RUNS,
    open_page,
    session_cookies,
    sign_in,
    start_app,
    stop,
    wait_for_app,
    wait_session_cookie_gone,
)

pytestmark = pytest.mark.browser

PASSWORD = "kopierter-keks-2026"
NEW_PASSWORD = "neuer-keks-2026-x"
ADMIN = Actor("admin", "admin")
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def account(app_server) -> Iterator[tuple[str, Callable]]:
    """A fresh viewer account of its own for each test, and a way to act on it."""
    _url, db_url = app_server
    engine = make_engine(db_url)
    name = f"keks{time.monotonic_ns() % 10**9}"
    with session_scope(engine) as s:
        s.add(User(username=name, display_name="Keks (Test)", role="viewer",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip

    def as_admin(service, *args) -> None:
        with session_scope(engine, ADMIN) as s:
            user_id = s.scalars(select(User.id).where(User.username == name)).one()
            service(s, ADMIN, user_id, *args)

    yield name, as_admin
    engine.dispose()


def _context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    context.add_init_script(COUNT_RUNS)
    return context


def _signed_in_copy(browser: Browser, url: str, name: str) -> tuple[Page, list[dict]]:
    """A browser signed in as NAME, and a copy of its sign-in cookie."""
    page = _context(browser).new_page()
    sign_in(page, url, name, PASSWORD)
    cookies = session_cookies(page)
    assert cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find(auth.COOKIE_NAME) == -1  # no script sees it
    return page, cookies


def _copied_cookie_is_refused(browser: Browser, url: str, cookies: list[dict], notice: str):
    """Another browser with the copied cookie: the sign-in form, the notice, no data."""
    context = _context(browser)
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        page.goto(url)
        expect(page.get_by_role("button", name="Anmelden")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(notice)).to_be_visible()
        assert page.get_by_test_id("stMetric").count() == 0
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_text("unerwarteter Fehler").count() == 0
        assert page.get_by_test_id("stException").count() == 0
        wait_session_cookie_gone(page)  # and the dead cookie is deleted
    finally:
        context.close()


def test_a_returning_browser_is_signed_in_on_its_first_run(browser, app_server, account):
    url, _ = app_server
    name, _ = account
    first, cookies = _signed_in_copy(browser, url, name)
    first.context.close()
    context = _context(browser)
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        page.goto(url)
        expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(
            timeout=30_000
        )
        wait_for_app(page)
        # one script run drew the overview: no component asked for a second one
        assert page.evaluate("window.__finishedRuns") == 1
        assert page.locator("iframe").count() == 0
    finally:
        context.close()


def test_cookies_from_before_and_made_up_ones_are_not_accepted(browser, app_server):
    url, _ = app_server
    host = url.split("//")[1].split(":")[0]
    old_jwt = (  # what streamlit-authenticator wrote before server-side sessions
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VybmFtZSI6ImxlaXR1bmciLCJleHBfZGF0ZSI6"
        "NDEwMjQ0NDgwMH0.c2lnbmF0dXJl"
    )
    for name, value, notice in (
        ("integrationskonferenz_anmeldung", old_jwt, None),
        (auth.COOKIE_NAME, "ausgedacht-" + "x" * 32, auth.STALE),
    ):
        context = _context(browser)
        context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
        page = context.new_page()
        try:
            page.goto(url)
            expect(page.get_by_role("button", name="Anmelden")).to_be_visible(timeout=30_000)
            wait_for_app(page)
            assert page.get_by_test_id("stSidebarNav").count() == 0
            assert page.get_by_test_id("stAlert").count() == (1 if notice else 0)
            if notice:
                expect(page.get_by_text(notice)).to_be_visible()
        finally:
            context.close()


def test_a_copied_cookie_is_worthless_after_the_sign_out(browser, app_server, account):
    url, _ = app_server
    page, cookies = _signed_in_copy(browser, url, account[0])
    page.get_by_role("button", name="Abmelden", exact=True).click()
    expect(page.get_by_text("Sie haben sich abgemeldet.")).to_be_visible(timeout=30_000)
    wait_session_cookie_gone(page)
    page.context.close()
    _copied_cookie_is_refused(browser, url, cookies, "Sie haben sich abgemeldet.")


def test_a_copied_cookie_is_worthless_after_a_password_change(browser, app_server, account):
    url, _ = app_server
    page, cookies = _signed_in_copy(browser, url, account[0])
    open_page(page, "Mein Konto")
    form = page.get_by_test_id("stForm")
    form.get_by_label("Bisheriges Passwort").fill(PASSWORD)
    form.get_by_label("Neues Passwort", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Neues Passwort wiederholen").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Passwort ändern").click()
    expect(page.get_by_text("Passwort geändert.")).to_be_visible(timeout=30_000)
    # this browser goes on in a new session with a new cookie
    deadline = time.monotonic() + 15
    while session_cookies(page)[0]["value"] == cookies[0]["value"]:
        assert time.monotonic() < deadline, "the cookie was not replaced"
        page.wait_for_timeout(100)
    page.reload()
    expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(timeout=30_000)
    page.context.close()
    _copied_cookie_is_refused(browser, url, cookies, "Das Passwort wurde geändert")


def test_a_copied_cookie_is_worthless_after_an_admins_reset(browser, app_server, account):
    url, _ = app_server
    name, as_admin = account
    page, cookies = _signed_in_copy(browser, url, name)
    as_admin(services.reset_password, NEW_PASSWORD)
    page.get_by_test_id("stSidebarNav").get_by_text("Kalender", exact=True).click()
    expect(page.get_by_text("von der Administration neu gesetzt")).to_be_visible(timeout=30_000)
    page.context.close()
    _copied_cookie_is_refused(browser, url, cookies, "von der Administration neu gesetzt")


def test_a_copied_cookie_is_worthless_after_sign_out_everywhere(browser, app_server, account):
    url, _ = app_server
    page, cookies = _signed_in_copy(browser, url, account[0])
    other = _context(browser).new_page()
    sign_in(other, url, account[0], PASSWORD)  # a second device of the same user
    open_page(page, "Mein Konto")
    page.get_by_role("button", name="Überall abmelden").click()
    expect(page.get_by_text("auf allen Geräten abgemeldet")).to_be_visible(timeout=30_000)
    other.get_by_test_id("stSidebarNav").get_by_text("Kalender", exact=True).click()
    expect(other.get_by_text("auf allen Geräten abgemeldet")).to_be_visible(timeout=30_000)
    page.context.close()
    other.context.close()
    _copied_cookie_is_refused(browser, url, cookies, "auf allen Geräten abgemeldet")


def test_a_copied_cookie_is_worthless_after_an_admin_ended_it(browser, app_server, account):
    url, _ = app_server
    name, _ = account
    page, cookies = _signed_in_copy(browser, url, name)
    page.context.close()
    admin = _context(browser).new_page()
    sign_in(admin, url, "admin", "admin-demo-2026")
    open_page(admin, "Konten")
    form = admin.get_by_test_id("stForm").filter(has_text="Anmeldung beenden")
    form.get_by_role("combobox").click()
    admin.keyboard.type(name)
    admin.get_by_role("option").filter(has_text=name).first.click()
    form.get_by_role("button", name="Anmeldung beenden").click()
    expect(admin.get_by_text("Anmeldung beendet.")).to_be_visible(timeout=30_000)
    admin.context.close()
    _copied_cookie_is_refused(browser, url, cookies, "von der Administration beendet")


def test_a_deactivated_accounts_old_cookie_gives_the_sign_in_form(browser, app_server, account):
    url, _ = app_server
    name, as_admin = account
    page, cookies = _signed_in_copy(browser, url, name)
    page.context.close()
    as_admin(services.set_active, False)
    as_admin(services.set_active, True)  # reactivated: the old cookie stays dead
    _copied_cookie_is_refused(browser, url, cookies, auth.DEACTIVATED)


@pytest.fixture(scope="module")
def short_idle_app(tmp_path_factory, chromium_path) -> Iterator[tuple[str, str]]:
    """The app with an idle limit of 12 seconds (a page run on a busy CI machine takes
    a few seconds, which must not count as idleness between two clicks)."""
    folder = tmp_path_factory.mktemp("idle")
    url, proc = start_app(
        folder, "idle-cookie-key-" + "x" * 40, DASHBOARD_SESSION_IDLE_HOURS=str(12 / 3600)
    )
    try:
        yield url, f"sqlite:///{folder / 'app.db'}"
    finally:
        stop(proc, timeout=30)


def test_a_copied_cookie_is_worthless_after_the_idle_limit(browser, short_idle_app):
    url, _ = short_idle_app
    page = _context(browser).new_page()
    sign_in(page, url, "leitung", "leitung-demo-2026")
    cookies = session_cookies(page)
    for _ in range(3):  # activity keeps it alive past the limit
        page.wait_for_timeout(1_500)
        open_page(page, "Kalender" if _ % 2 == 0 else "Übersicht")
    expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible()
    page.wait_for_timeout(14_000)  # then more than twelve seconds without a click
    try:  # the next click; on a busy machine the browser may have reconnected and
        # rerun meanwhile, which ends the idle session just the same
        nav = page.get_by_test_id("stSidebarNav").get_by_text("Maßnahmen", exact=True)
        nav.click(timeout=5_000)
    except PlaywrightTimeout:
        pass
    expect(page.get_by_text("ohne Aktivität abgemeldet")).to_be_visible(timeout=30_000)
    page.context.close()
    _copied_cookie_is_refused(browser, url, cookies, "ohne Aktivität abgemeldet")


def _answer_seconds(page: Page, name: str, password: str) -> tuple[str, float]:
    """One sign-in try: the error shown and the time from click to answer."""
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort", exact=True).fill(password)
    runs = page.evaluate("window.__finishedRuns")
    started = time.perf_counter()
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_function(f"window.__finishedRuns > {runs}", timeout=30_000)
    elapsed = time.perf_counter() - started
    return page.get_by_test_id("stAlert").inner_text(), elapsed


def _one_round(page: Page, known: list[str], round_: int) -> tuple[set[str], float, float]:
    """20 tries each, in ABBA order so that a slow stretch of the machine hits both
    kinds alike; the messages shown and the two medians."""
    answers: set[str] = set()
    seconds: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(20):
        pair = [("known", known[i]), ("unknown", f"unbekannt{round_}x{i:02d}")]
        for kind, name in pair if i % 2 == 0 else reversed(pair):
            text, elapsed = _answer_seconds(page, name, "falsches-passwort")
            answers.add(text)
            seconds[kind].append(elapsed)
    return answers, statistics.median(seconds["known"]), statistics.median(seconds["unknown"])


def test_unknown_and_known_names_get_the_same_answer_in_the_same_time(browser, app_server):
    """Medians within 20 % (issue 15). The machine is shared with the other test
    worker, so a round that misses is measured again, at most three rounds: a real
    difference (a name check without bcrypt answers several times faster) misses
    in every round."""
    url, db_url = app_server
    engine = make_engine(db_url)
    rounds = 3
    known = [f"bekannt{r}x{i:02d}" for r in range(rounds) for i in range(20)]
    with session_scope(engine) as s:
        digest = hash_password("das-richtige-passwort")
        s.add_all(
            User(username=n, display_name=n, role="viewer", password_hash=digest) for n in known
        )
    engine.dispose()
    page = _context(browser).new_page()
    page.goto(url)
    wait_for_app(page)
    measured = []
    for round_ in range(rounds):
        answers, known_median, unknown_median = _one_round(
            page, known[round_ * 20 : (round_ + 1) * 20], round_
        )
        assert answers == {auth.WRONG}
        ratio = max(known_median, unknown_median) / min(known_median, unknown_median)
        measured.append((round(known_median, 3), round(unknown_median, 3), round(ratio, 2)))
        print(f"round {round_ + 1}: median known {known_median:.3f} s, unknown "
              f"{unknown_median:.3f} s, ratio {ratio:.2f}")  # fmt: skip
        if ratio < 1.2:
            break
    page.context.close()
    assert measured[-1][2] < 1.2, measured
