"""A browser that still holds the sign-in cookie of an account that was
deactivated meanwhile gets the sign-in form with a German notice, never an
error page, and can sign in with another account."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from components.auth import COOKIE_NAME, STALE
from db.accounts import hash_password
from db.engine import make_engine, session_scope
from db.models import User
from db.permissions import Actor
from db.services import accounts
from tests.browser import COUNT_RUNS, sign_in, wait_for_app

pytestmark = pytest.mark.browser

PASSWORD = "kopierter-keks-2026"


def test_a_deactivated_accounts_old_cookie_gives_the_sign_in_form(browser, app_server):
    url, db_url = app_server
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        s.add(User(username="keks", display_name="Keks (Test)", role="viewer",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    first = browser.new_context(viewport={"width": 1366, "height": 768})
    first.add_init_script(COUNT_RUNS)
    page = first.new_page()
    sign_in(page, url, "keks", PASSWORD)
    page.wait_for_function(f"document.cookie.includes('{COOKIE_NAME}=')", timeout=30_000)
    cookies = [c for c in first.cookies() if c["name"] == COOKIE_NAME]
    first.close()
    with session_scope(engine, Actor("admin", "admin")) as s:
        user = s.scalars(select(User).where(User.username == "keks")).one()
        accounts.set_active(s, Actor("admin", "admin"), user.id, False)
    engine.dispose()

    second = browser.new_context(viewport={"width": 1366, "height": 768})
    second.add_init_script(COUNT_RUNS)
    second.add_cookies(cookies)
    page = second.new_page()
    try:
        page.goto(url)
        expect(page.get_by_role("button", name="Anmelden")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(STALE)).to_be_visible()
        assert page.get_by_text("unerwarteter Fehler").count() == 0
        assert page.get_by_test_id("stException").count() == 0
        # the old cookie is gone, and the browser can sign in with another account
        page.wait_for_function(f"!document.cookie.includes('{COOKIE_NAME}=')", timeout=30_000)
        sign_in(page, url, "leitung", "leitung-demo-2026")
        wait_for_app(page)
        expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    finally:
        second.close()
