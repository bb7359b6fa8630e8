"""The admin pages: accounts and audit trail, through AppTest."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from components.fmt import md
from db.accounts import check_password
from db.models import AuditEntry, User
from tests.apptest import signed_in


def _accounts_page():
    at = signed_in("admin")
    at.switch_page("pages/accounts.py").run()
    assert [t.value for t in at.title] == ["Konten"]
    return at


def _fill_new_account(at, username, password, repeat):
    inputs = [t for t in at.text_input if t.proto.form_id == "accounts_create"]
    labels = {t.label: t for t in inputs}
    labels["Benutzername"].input(username)
    labels["Name"].input("Neue Referentin <b>")
    labels["Passwort"].input(password)
    labels["Passwort wiederholen"].input(repeat)
    next(b for b in at.button if b.label == "Konto anlegen").click()
    at.run()
    assert not at.exception, at.exception


def test_admin_creates_an_account_through_the_form(app_env, engine):
    at = _accounts_page()
    _fill_new_account(at, "Referentin", "ein-gutes-passwort", "ein-gutes-passwort")
    with Session(engine) as s:
        user = s.scalar(select(User).where(User.username == "referentin"))
        assert user is not None and user.role == "viewer"
        assert user.display_name == "Neue Referentin <b>"
        assert check_password("ein-gutes-passwort", user.password_hash)


def test_bad_account_input_names_the_field_and_saves_nothing(app_env, engine):
    at = _accounts_page()
    _fill_new_account(at, "kurz", "kurz", "kurz")
    assert [e.value for e in at.error] == [md("Passwort: muss mindestens 10 Zeichen lang sein.")]
    _fill_new_account(at, "anders", "ein-gutes-passwort", "ein-anderes-passwort")
    assert md("Passwort wiederholen") in at.error[0].value
    _fill_new_account(at, "leitung", "ein-gutes-passwort", "ein-gutes-passwort")
    assert "bereits vergeben" in at.error[0].value
    with Session(engine) as s:
        assert sorted(s.scalars(select(User.username))) == ["admin", "geschaeftsstelle", "leitung"]


def test_admin_changes_role_deactivates_and_resets_password(app_env, engine, demo_accounts):
    at = _accounts_page()
    at.selectbox(key="accounts_selected").select(demo_accounts["leitung"]).run()
    edit = next(w for w in at.selectbox if w.proto.form_id == "accounts_edit")
    edit.select("editor")
    next(c for c in at.checkbox if c.label == "Aktiv").uncheck()
    next(b for b in at.button if b.label == "Speichern").click()
    at.run()
    assert not at.error
    pw = {t.label: t for t in at.text_input if t.proto.form_id == "accounts_password"}
    pw["Neues Passwort"].input("frisches-passwort-1")
    pw["Neues Passwort wiederholen"].input("frisches-passwort-1")
    next(b for b in at.button if b.label == "Passwort zurücksetzen").click()
    at.run()
    with Session(engine) as s:
        user = s.scalar(select(User).where(User.username == "leitung"))
        assert (user.role, user.active) == ("editor", False)
        assert check_password("frisches-passwort-1", user.password_hash)
        actions = s.execute(
            select(AuditEntry.username, AuditEntry.action).where(
                AuditEntry.table_name == "users", AuditEntry.record_id == str(user.id)
            )
        ).all()
    assert actions.count(("admin", "update")) == 3


def test_admin_cannot_withdraw_own_admin_role(app_env, demo_accounts):
    at = _accounts_page()
    at.selectbox(key="accounts_selected").select(demo_accounts["admin"]).run()
    next(c for c in at.checkbox if c.label == "Aktiv").uncheck()
    next(b for b in at.button if b.label == "Speichern").click()
    at.run()
    assert at.error[0].value == md("Aktiv: Sie können Ihr eigenes Konto nicht deaktivieren.")


def test_audit_page_lists_and_filters_changes(app_env, engine):
    at = _accounts_page()
    _fill_new_account(at, "protokoll", "ein-gutes-passwort", "ein-gutes-passwort")
    at.switch_page("pages/audit.py").run()
    assert [t.value for t in at.title] == ["Änderungsprotokoll"]
    table = at.dataframe[0].value
    assert ((table["Benutzer"] == "admin") & (table["Aktion"] == "angelegt")).any()
    at.selectbox[0].select("admin").run()
    assert set(at.dataframe[0].value["Benutzer"]) == {"admin"}
