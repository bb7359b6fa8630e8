"""Sign-in, roles and permissions, through the real form and the real database."""

from __future__ import annotations

import inspect
import logging

import pytest
import streamlit as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from components.auth import DEACTIVATED, WRONG
from db import services
from db.config import ConfigError, cookie_key
from db.engine import session_scope
from db.errors import PermissionDenied
from db.models import AuditEntry, Base, User, UserSession
from db.permissions import Actor
from db.versioning import data_version
from tests.apptest import (
    PASSWORDS,
    open_app,
    page_titles,
    shows_sign_in_form,
    signed_in,
    submit_sign_in,
)
from tests.logcapture import captured_log

DASHBOARD_PAGES = ["Übersicht", "Teilnahme nach Bereich", "Maßnahmen", "Kalender", "Präsentation"]
EDITING_PAGES = [
    "Mitglieder",
    "Termine & Anwesenheit",
    "Rückmeldungen",
    "Maßnahmen & Fortschritt",
    "Import",
]
ADMIN_ONLY_PAGES = ["Stammdaten", "Konten", "Änderungsprotokoll", "Beamer-Links", "Abonnements"]
VIEWER_PAGES = [*DASHBOARD_PAGES, "Datenschutz", "Mein Konto"]
EDITOR_PAGES = [*DASHBOARD_PAGES, *EDITING_PAGES, "Datenschutz", "Mein Konto"]
ADMIN_PAGES = [*DASHBOARD_PAGES, *EDITING_PAGES, *ADMIN_ONLY_PAGES, "Datenschutz", "Mein Konto"]
EXPECTED = {"leitung": VIEWER_PAGES, "geschaeftsstelle": EDITOR_PAGES, "admin": ADMIN_PAGES}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_demo_account_sees_exactly_the_pages_of_its_role(app_env, username):
    at = signed_in(username)
    assert page_titles(at) == EXPECTED[username]
    assert not shows_sign_in_form(at)
    assert at.sidebar.button[0].label == "Abmelden"


def test_a_wrong_password_shows_the_german_error_and_no_page(app_env):
    at = submit_sign_in(open_app(), "leitung", "falsch-falsch")
    assert [e.value for e in at.error] == ["Benutzername oder Passwort ist falsch."]
    assert page_titles(at) == ["Anmeldung"]
    assert not at.metric


def test_the_sixth_try_after_five_failures_waits_even_with_the_right_password(app_env, engine):
    at = open_app()
    for _ in range(4):
        at = submit_sign_in(at, "leitung", "falsch-falsch")
        assert [e.value for e in at.error] == [WRONG]
    at = submit_sign_in(at, "leitung", "falsch-falsch")
    assert at.error[0].value.startswith(WRONG + " Zu viele Fehlversuche")
    at = submit_sign_in(at, "leitung", PASSWORDS["leitung"])
    assert page_titles(at) == ["Anmeldung"]
    assert at.error[0].value.startswith("Zu viele Fehlversuche mit diesem Benutzernamen")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0
    # The wait is for this name from this source only: the account itself is not locked.
    other = signed_in("geschaeftsstelle")
    assert page_titles(other) == EDITOR_PAGES


def test_an_unknown_name_gets_the_same_answers_as_a_known_one(app_env):
    known, unknown = open_app(), open_app()
    for _ in range(6):
        known = submit_sign_in(known, "leitung", "falsch-falsch")
        unknown = submit_sign_in(unknown, "niemand-hier", "falsch-falsch")
        assert [e.value[:60] for e in known.error] == [e.value[:60] for e in unknown.error]


def test_a_deactivated_user_loses_access_at_the_next_run(app_env, engine, demo_accounts):
    at = signed_in("geschaeftsstelle")
    assert page_titles(at) == EDITOR_PAGES
    with session_scope(engine) as s:
        services.set_active(s, Actor("admin", "admin"), demo_accounts["geschaeftsstelle"], False)
    at.run()
    assert shows_sign_in_form(at) and page_titles(at) == ["Anmeldung"]
    assert [w.value for w in at.warning] == [DEACTIVATED]
    assert not at.metric


def test_a_changed_role_takes_effect_at_the_next_run(app_env, engine, demo_accounts):
    at = signed_in("leitung")
    with session_scope(engine) as s:
        services.change_role(s, Actor("admin", "admin"), demo_accounts["leitung"], "admin")
    at.run()
    assert page_titles(at) == ADMIN_PAGES


def test_sign_out_works_on_the_first_click(app_env):
    at = signed_in("leitung")
    at.sidebar.button[0].click().run()
    assert shows_sign_in_form(at)
    assert page_titles(at) == ["Anmeldung"]
    assert [i.value for i in at.info] == ["Sie haben sich abgemeldet."] and not at.warning
    at.run()
    assert shows_sign_in_form(at)


def test_viewer_cannot_open_admin_pages(app_env):
    at = signed_in("leitung")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/accounts.py")


def test_an_admin_page_open_when_the_role_is_withdrawn_is_not_shown_again(
    app_env, engine, demo_accounts
):
    at = signed_in("admin")
    at.switch_page("pages/accounts.py").run()
    assert [t.value for t in at.title] == ["Konten"]
    with session_scope(engine) as s:
        services.change_role(s, Actor("system", "admin"), demo_accounts["admin"], "viewer")
    at.run()
    assert "Konten" not in [t.value for t in at.title]
    assert page_titles(at) == VIEWER_PAGES


def _snapshot(engine) -> dict[str, int]:
    with Session(engine) as s:
        counts = {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }
        counts["data_version"] = data_version(s)
        counts["user_versions"] = s.scalar(select(func.sum(User.version)))
    return counts


@pytest.mark.parametrize(
    "name", sorted(n for n, (_, role) in services.WRITE_SERVICES.items() if role != "viewer")
)
def test_every_write_service_refuses_a_viewer_and_changes_nothing(engine, demo_accounts, name):
    service, _role = services.WRITE_SERVICES[name]
    before = _snapshot(engine)
    n_args = len(inspect.signature(service).parameters) - 2
    with pytest.raises(PermissionDenied, match="nur für"), session_scope(engine) as s:
        service(s, Actor("leitung", "viewer"), *[demo_accounts["leitung"]] * n_args)
    assert _snapshot(engine) == before


def test_editors_cannot_manage_accounts(engine, demo_accounts):
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        services.change_role(
            s, Actor("geschaeftsstelle", "editor"), demo_accounts["leitung"], "admin"
        )


def test_admin_account_changes_are_audited_without_the_password(engine, demo_accounts):
    with session_scope(engine) as s:
        services.create_account(
            s, Actor("admin", "admin"), "referent", "Referent", "editor", "geheimes-passwort-1"
        )
    with Session(engine) as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "users", AuditEntry.username == "admin"
            )
        ).one()
        assert (entry.username, entry.action) == ("admin", "insert")
        assert entry.new_values["username"] == "referent"
        assert entry.new_values["password_hash"] == "***"


def test_passwords_are_stored_only_as_bcrypt_hashes_and_never_logged(app_env, engine, caplog):
    caplog.set_level(logging.DEBUG)
    with captured_log() as log:
        submit_sign_in(open_app(), "leitung", "falsch-falsch")
        submit_sign_in(open_app(), "niemand", "vielleicht-ein-passwort")
        signed_in("admin")
    with Session(engine) as s:
        hashes = s.scalars(select(User.password_hash)).all()
        dump = " ".join(
            str(row)
            for table in ("users", "audit_log")
            for row in s.execute(text(f"SELECT * FROM {table}")).all()
        )
    assert hashes and all(h.startswith("$2b$") and len(h) == 60 for h in hashes)
    for password in [*PASSWORDS.values(), "falsch-falsch", "vielleicht-ein-passwort"]:
        assert password not in dump
        assert password not in caplog.text
        assert password not in log.text
    assert "niemand" not in log.text  # an unknown name may be a mistyped password
    assert [(e["user"], e.get("method")) for e in log.named("sign_in")] == [("admin", "form")]
    assert [e["user"] for e in log.named("sign_in_failed")] == ["leitung", None]


def test_a_shared_database_without_cookie_key_refuses_to_start(monkeypatch, pg_schema_url):
    monkeypatch.delenv("DASHBOARD_COOKIE_KEY", raising=False)
    monkeypatch.setattr("db.config._secrets", lambda: {})
    shared = pg_schema_url
    with pytest.raises(ConfigError, match="DASHBOARD_COOKIE_KEY fehlt"):
        cookie_key(shared)
    monkeypatch.setenv("DATABASE_URL", shared)
    st.cache_resource.clear()
    at = open_app()
    assert [e.value for e in at.error] == [
        "DASHBOARD_COOKIE_KEY fehlt: für eine gemeinsame Datenbank muss ein geheimer "
        "Schlüssel gesetzt sein (Umgebung oder .streamlit/secrets.toml)."
    ]
    assert not at.text_input
