"""The sign-in page with and without `[auth]` and the password form's setting,
and the Konten page's columns for the ways in (AppTest; the redirect flow
itself is in tests/e2e/test_sso_flow.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.sso import BUTTON
from tests.apptest import APP, open_app, page_titles, shows_sign_in_form, signed_in

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-auth-cookie-secret-" + "a" * 32,
    "client_id": "integrationskonferenz-dashboard",
    "client_secret": "geheim",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}


def with_auth(section: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = section
    at.run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def test_without_auth_the_sign_in_page_is_the_password_form_alone(app_env):
    at = open_app()
    assert shows_sign_in_form(at)
    assert BUTTON not in [b.label for b in at.button]


def test_with_auth_the_page_offers_the_dienstkonto_and_keeps_or_drops_the_form(
    app_env, monkeypatch
):
    at = with_auth(AUTH)
    assert BUTTON in [b.label for b in at.button] and shows_sign_in_form(at)
    named = with_auth({**{k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}, "hessen": AUTH})
    assert BUTTON in [b.label for b in named.button]
    monkeypatch.setenv("DASHBOARD_PASSWORD_SIGN_IN", "false")
    at = with_auth(AUTH)
    assert BUTTON in [b.label for b in at.button] and not shows_sign_in_form(at)
    assert page_titles(at) == ["Anmeldung"]


def test_no_way_in_at_all_is_a_german_configuration_error(app_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PASSWORD_SIGN_IN", "false")
    at = open_app()
    assert not shows_sign_in_form(at)
    assert "kein Identitätsdienst ([auth]) eingerichtet" in at.error[0].value


def test_konten_shows_how_each_account_signs_in_and_when_it_last_did(app_env):
    at = signed_in("admin")
    at.switch_page("pages/accounts.py").run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    table = at.dataframe[0].value.set_index("Benutzername")
    assert table.loc["admin", "Anmeldung über"] == "Passwort"
    assert table.loc["admin", "Letzte Anmeldung"] != "–"
    assert table.loc["leitung", "Letzte Anmeldung"] == "–"
    assert "E-Mail (für die Anmeldung mit dem Dienstkonto)" in [t.label for t in at.text_input]
