"""Sign-in through a real OpenID Connect provider (node's oidc-provider on
loopback, tests/oidc/), in Chromium through the whole redirect flow: the
sign-in page's button, the provider's login form, the callback, the dashboard;
the sign-out that ends the provider session too; an identity without account
or mapped group ("Kein Zugang"); an account created from a mapped group; a
deactivated account refused while the provider session is still valid.

The app has `[auth]` in a secrets.toml of its own (STREAMLIT_SECRETS_FILES)
and keeps its password form; the browser reaches it as `localhost` and the
provider as `127.0.0.1`, two sites as in the ministry."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.sso import BUTTON
from db import services
from db.engine import make_engine, session_scope
from db.models import User
from db.permissions import Actor
from tests.browser import (
    APP,
    ARTIFACTS,
    COUNT_RUNS,
    free_port,
    nav_titles,
    session_cookies,
    start_app,
    stop,
    wait_for_app,
)
from tests.oidc.provider import (
    FREMD,
    GROUP_SETTINGS,
    LESEND,
    REDAKTION,
    Person,
    auth_secrets,
    start_provider,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN = Actor("admin", "admin")


class Stack:
    def __init__(self, app: str, issuer: str, db_url: str) -> None:
        self.app, self.issuer, self.db_url = app, issuer, db_url

    def account(self, **where) -> User | None:
        engine = make_engine(self.db_url)
        with Session(engine) as s:
            found = s.scalar(select(User).filter_by(**where))
            s.expunge_all()
        engine.dispose()
        return found

    def write(self, service, *args) -> None:
        engine = make_engine(self.db_url)
        with session_scope(engine) as s:
            service(s, ADMIN, *args)
        engine.dispose()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, chromium_path) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("sso")
    issuer_port = free_port()
    secrets = auth_secrets(
        folder, f"http://127.0.0.1:{issuer_port}", "http://localhost:{port}/oauth2callback"
    )
    url, app = start_app(
        folder, "sso-cookie-key-" + "x" * 40, STREAMLIT_SECRETS_FILES=str(secrets), **GROUP_SETTINGS
    )
    try:
        app_url = url.replace("127.0.0.1", "localhost")
        provider = start_provider(folder, issuer_port, [f"{app_url}/oauth2callback"])
        try:
            stack = Stack(app_url, provider.issuer, f"sqlite:///{folder / 'app.db'}")
            editor = stack.account(username="geschaeftsstelle")
            stack.write(services.set_email, editor.id, REDAKTION.email)
            yield stack
        finally:
            stop(provider.proc)
    finally:
        stop(app, timeout=30)


def open_sign_in_page(page: Page, stack: Stack) -> None:
    page.goto(stack.app)
    wait_for_app(page)
    expect(page.get_by_role("button", name=BUTTON)).to_be_visible()


def through_provider(page: Page, stack: Stack, user: Person | None) -> None:
    """Click the button; at the provider, fill its login form (USER), or with None
    expect none (its session is still valid); back at the app."""
    page.get_by_role("button", name=BUTTON).click()
    if user is not None:
        page.wait_for_url(f"{stack.issuer}/**")
        page.get_by_label("E-Mail").fill(user.email)
        page.get_by_label("Kennwort").fill(user.password)
        page.get_by_role("button", name="Einloggen").click()
    page.wait_for_url(f"{stack.app}/", timeout=30_000)
    wait_for_app(page)


def sign_out(page: Page, stack: Stack) -> None:
    """Abmelden: through the provider's end_session_endpoint back to the sign-in page."""
    with page.expect_request(f"{stack.issuer}/session/end/confirm", timeout=30_000):
        page.get_by_role("button", name="Abmelden", exact=True).click()
    page.wait_for_url(f"{stack.app}/", timeout=30_000)
    open_sign_in_page(page, stack)
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


def signed_in(page: Page) -> None:
    expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0


def no_access(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", name="Kein Zugang")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(text)).to_be_visible()
    assert page.get_by_role("button", name="Abmelden", exact=True).count() == 0
    assert page.get_by_test_id("stException").count() == 0


def look(page: Page, name: str) -> None:
    """With SSO_LOOK=1: a 1920x1080 screenshot in test-artifacts/ to look at."""
    if os.environ.get("SSO_LOOK") == "1":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"sso_{name}.png"))


def test_provider_sign_in_reaches_the_dashboard_signs_out_there_and_refuses_a_deactivated_account(
    page, stack
):
    open_sign_in_page(page, stack)
    expect(page.get_by_role("textbox", name="Benutzername")).to_be_visible()  # the form stays
    through_provider(page, stack, REDAKTION)
    signed_in(page)
    assert "Mitglieder" in nav_titles(page)  # the account's role: editor
    assert session_cookies(page)[0]["httpOnly"]
    account = stack.account(username="geschaeftsstelle")
    assert account.sso_subject == REDAKTION.sub and account.last_sign_in_at is not None

    # sign-out ends the provider session too: the next sign-in asks for the password
    sign_out(page, stack)
    through_provider(page, stack, REDAKTION)
    signed_in(page)

    # deactivated while the provider session is valid: out at the next click, and
    # the provider's sign-in (no login form this time) gets no session
    stack.write(services.set_active, account.id, False)
    page.get_by_test_id("stSidebarNav").get_by_text("Kalender", exact=True).click()
    expect(page.get_by_text("Ihr Konto ist deaktiviert")).to_be_visible(timeout=30_000)
    through_provider(page, stack, None)
    no_access(page, "Ihr Konto für dieses Dashboard ist deaktiviert")


def test_a_mapped_group_creates_a_viewer_and_an_unknown_identity_gets_kein_zugang(browser, stack):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script(COUNT_RUNS)
    page = context.new_page()
    try:
        open_sign_in_page(page, stack)
        expect(page.get_by_role("textbox", name="Passwort")).to_be_visible()
        look(page, "sign_in")
        through_provider(page, stack, LESEND)
        signed_in(page)
        assert "Mitglieder" not in nav_titles(page) and "Übersicht" in nav_titles(page)
        created = stack.account(sso_subject=LESEND.sub)
        assert (created.username, created.role) == (LESEND.email, "viewer")

        # "Mit einem anderen Konto anmelden" after Kein Zugang, as after a sign-out
        sign_out(page, stack)
        through_provider(page, stack, FREMD)
        no_access(page, "hat aber keinen Zugang zu diesem Dashboard")
        expect(page.locator(APP)).to_contain_text(FREMD.email)
        look(page, "kein_zugang")
        assert stack.account(sso_subject=FREMD.sub) is None
        assert stack.account(email=FREMD.email) is None
    finally:
        context.close()
