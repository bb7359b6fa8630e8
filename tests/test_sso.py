"""Sign-in through the identity provider, the database side (db/sso.py), on SQLite
and PostgreSQL: which account an identity is, when an account is created from a
group, what is refused, and that the session it starts is one of ours like a
password sign-in. The real redirect flow is in tests/e2e/test_sso_flow.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import accounts, services, sessions, sso
from db.engine import session_scope
from db.errors import ValidationError
from db.models import AuditEntry, User, UserSession
from db.permissions import Actor
from tests.apptest import PASSWORDS

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
ISSUER = "https://login.hessen.example/realms/hmaijs"
RULES = sso.Settings(
    groups_claim="groups",
    role_groups={"viewer": ("hik-lesen",), "editor": ("hik-redaktion",), "admin": ("hik-admin",)},
)
ADMIN = Actor("admin", "admin")


def claims(sub: str = "f3a9", nonce: str = "n1", **extra) -> dict:
    return {
        "iss": ISSUER,
        "sub": sub,
        "nonce": nonce,
        "iat": int(NOW.timestamp()) - 5,
        "email": "Anna.Schmidt@hmaijs.hessen.de",
        "email_verified": True,
        "name": "Anna Schmidt",
        "groups": [],
        "is_logged_in": True,
        **extra,
    }


def sign_in(engine, who: dict, now=NOW, rules=RULES) -> sso.Result:
    with session_scope(engine) as s:
        return sso.sign_in(s, sso.identity(who), rules, user_agent=None, now=now)


def set_email(engine, username: str, email: str) -> None:
    with session_scope(engine) as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        services.set_email(s, ADMIN, user_id, email)


def user(engine, username: str) -> User:
    with Session(engine) as s:
        found = s.scalar(select(User).where(User.username == username))
        s.expunge_all()
        return found


def test_an_identity_is_the_account_with_its_email_and_keeps_it_by_subject(engine, demo_accounts):
    set_email(engine, "geschaeftsstelle", "anna.schmidt@hmaijs.hessen.de")
    first = sign_in(engine, claims())
    assert (first.outcome, first.username, first.role) == ("ok", "geschaeftsstelle", "editor")
    assert first.linked and not first.created
    assert user(engine, "geschaeftsstelle").sso_subject == "f3a9"
    # the address changed in the directory: the subject still finds the account
    again = sign_in(engine, claims(nonce="n2", email="a.schmidt@hessen.de"))
    assert (again.outcome, again.username, again.linked) == ("ok", "geschaeftsstelle", False)
    # another person given the old address later is not this account
    other = sign_in(engine, claims(sub="77b1", nonce="n3"))
    assert other.outcome == "no_account"


def test_a_session_from_the_provider_is_one_of_ours_and_marked_as_such(engine, demo_accounts):
    set_email(engine, "leitung", "anna.schmidt@hmaijs.hessen.de")
    result = sign_in(engine, claims())
    with Session(engine) as s:
        context = sessions.run_context(s, session_id=result.session_id)
        row = s.get(UserSession, result.session_id)
        assert row.sso_login == sso.identity(claims()).login
        assert row.ticket_hash == sessions.digest(result.ticket)
    assert (context.username, context.role, context.sso) == ("leitung", "viewer", True)
    assert context.end_reason_now(NOW, sessions.limits()) is None
    assert user(engine, "leitung").last_sign_in_at == NOW
    # a password sign-in is no SSO session, and it records the last sign-in, too
    later = NOW + dt.timedelta(hours=1)
    with session_scope(engine) as s:
        by_form = sessions.sign_in(
            s, "admin", PASSWORDS["admin"], source=None, user_agent=None, secret="k" * 32, now=later
        )
    with Session(engine) as s:
        assert not sessions.run_context(s, session_id=by_form.session_id).sso
    assert user(engine, "admin").last_sign_in_at == later


def test_one_provider_sign_in_starts_one_session_and_an_old_one_none(engine, demo_accounts):
    set_email(engine, "leitung", "anna.schmidt@hmaijs.hessen.de")
    assert sign_in(engine, claims()).outcome == "ok"
    assert sign_in(engine, claims()).outcome == "used"  # the same ID token again
    stale = claims(nonce="n9", iat=int(NOW.timestamp()) - 3600)
    assert sign_in(engine, stale).outcome == "stale"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 1


def test_a_mapped_group_creates_the_account_with_the_highest_role_and_no_password(
    engine, demo_accounts
):
    who = claims(groups=["hik-lesen", "hik-redaktion", "andere"])
    result = sign_in(engine, who)
    assert (result.outcome, result.created, result.role) == ("ok", True, "editor")
    created = user(engine, result.username)
    assert result.username == "anna.schmidt@hmaijs.hessen.de"
    assert (created.display_name, created.email, created.sso_subject) == (
        "Anna Schmidt",
        "anna.schmidt@hmaijs.hessen.de",
        "f3a9",
    )
    assert not accounts.has_password(created.password_hash)
    with Session(engine) as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "users", AuditEntry.record_id == str(created.id)
            )
        ).one()
        assert (entry.action, entry.username) == ("insert", result.username)
        assert entry.new_values["password_hash"] == "***"
    # no password opens it, and a wrong one reads like any other
    with session_scope(engine) as s:
        refused = sessions.sign_in(
            s, result.username, "!sso", source=None, user_agent=None, secret="k" * 32, now=NOW
        )
    assert refused.outcome == "wrong"


def test_an_identity_without_account_or_mapped_group_gets_nothing(engine, demo_accounts):
    def counts() -> list[int]:
        with Session(engine) as s:
            return [
                s.scalar(select(func.count()).select_from(t))
                for t in (User, UserSession, AuditEntry)
            ]

    before = counts()
    assert sign_in(engine, claims(groups=["andere"])).outcome == "no_account"
    assert counts() == before
    # an unverified address is no proof of the account
    set_email(engine, "leitung", "anna.schmidt@hmaijs.hessen.de")
    assert sign_in(engine, claims(nonce="n2", email_verified=False)).outcome == "no_account"


def test_a_deactivated_account_is_refused_even_by_a_valid_provider_sign_in(engine, demo_accounts):
    set_email(engine, "leitung", "anna.schmidt@hmaijs.hessen.de")
    first = sign_in(engine, claims())
    with session_scope(engine) as s:
        services.set_active(s, ADMIN, demo_accounts["leitung"], False)
    with Session(engine) as s:
        context = sessions.run_context(s, session_id=first.session_id)
    assert context.end_reason_now(NOW, sessions.limits()) == "deactivated"
    again = sign_in(engine, claims(nonce="n2", groups=["hik-admin"]))
    assert (again.outcome, again.username) == ("deactivated", "leitung")


def test_an_email_address_belongs_to_one_account(engine, demo_accounts):
    set_email(engine, "leitung", "Anna.Schmidt@hmaijs.hessen.de")
    assert user(engine, "leitung").email == "anna.schmidt@hmaijs.hessen.de"
    with pytest.raises(ValidationError, match="gehört bereits zum Konto „leitung“"):
        set_email(engine, "admin", "anna.schmidt@HMAIJS.hessen.de")
    with pytest.raises(ValidationError, match="keine gültige E-Mail-Adresse"):
        set_email(engine, "admin", "anna schmidt")


def test_claims_and_settings_are_read_as_the_providers_send_them(monkeypatch):
    who = sso.identity(claims(groups="hik-lesen, hik-admin", email=" X@Y.DE "))
    assert who.groups == ("hik-lesen", "hik-admin") and who.email == "x@y.de"
    assert sso.identity({"is_logged_in": True, "email": "x@y.de"}) is None
    assert RULES.role_for(who.groups) == "admin"
    assert RULES.role_for(("andere",)) is None
    monkeypatch.setenv("DASHBOARD_SSO_EDITOR_GROUPS", "hik-redaktion; hik-geschaeftsstelle")
    monkeypatch.setenv("DASHBOARD_SSO_GROUPS_CLAIM", "roles")
    rules = sso.settings()
    assert rules.groups_claim == "roles"
    assert rules.role_for(("hik-geschaeftsstelle",)) == "editor"
    assert sso.password_sign_in()
    monkeypatch.setenv("DASHBOARD_PASSWORD_SIGN_IN", "false")
    assert not sso.password_sign_in()
