"""A user's own account page and the admin's view of open sessions, through
AppTest on SQLite and PostgreSQL: what ends a session, and what the other
browser sees at its next run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from components.fmt import md
from db.accounts import check_password
from db.models import User, UserSession
from tests.apptest import PASSWORDS, page_titles, shows_sign_in_form, signed_in, submit

NEW = "ein-ganz-neues-passwort"


def _my_account(username: str = "leitung"):
    at = signed_in(username)
    at.switch_page("pages/my_account.py").run()
    assert [t.value for t in at.title] == ["Mein Konto"]
    return at


def _change_password(at, current: str, new: str, repeat: str):
    fields = {t.label: t for t in at.text_input if t.proto.form_id == "account_password"}
    fields["Bisheriges Passwort"].input(current)
    fields["Neues Passwort"].input(new)
    fields["Neues Passwort wiederholen"].input(repeat)
    return submit(at, "Passwort ändern", "account_password")


def _sessions(engine, username: str) -> list[tuple[str | None, bool]]:
    """(end reason, cookie still pending) of each session of USERNAME, oldest first."""
    with Session(engine) as s:
        rows = s.execute(
            select(UserSession.end_reason, UserSession.ticket_hash.is_not(None))
            .join(User, User.id == UserSession.user_id)
            .where(User.username == username)
            .order_by(UserSession.id)
        ).all()
    return [tuple(r) for r in rows]


def _hash(engine, username: str) -> str:
    with Session(engine) as s:
        return s.scalar(select(User.password_hash).where(User.username == username))


def test_my_account_lists_my_sessions_and_marks_this_one(app_env):
    signed_in("leitung")  # another browser of the same user
    at = _my_account()
    [table] = at.dataframe
    devices = table.value["Gerät"].tolist()
    assert len(devices) == 2 and sum("(dieses Gerät)" in d for d in devices) == 1
    assert "Benutzername" not in table.value.columns  # only my own


def test_a_wrong_current_password_names_the_field_and_changes_nothing(app_env, engine):
    at = _my_account()
    before = _hash(engine, "leitung")
    at = _change_password(at, "falsch-falsch", NEW, NEW)
    assert [e.value for e in at.error] == [md("Bisheriges Passwort: ist nicht richtig.")]
    at = _change_password(at, PASSWORDS["leitung"], NEW, NEW + "x")
    assert md("Neues Passwort wiederholen") in at.error[0].value
    assert _hash(engine, "leitung") == before
    assert _sessions(engine, "leitung") == [(None, True)]


def test_a_password_change_ends_every_other_session_and_keeps_this_browser(app_env, engine):
    other = signed_in("leitung")
    at = _change_password(_my_account(), PASSWORDS["leitung"], NEW, NEW)
    assert not at.error and "Mein Konto" in page_titles(at)
    assert check_password(NEW, _hash(engine, "leitung"))
    # the two old sessions ended; a new one for this browser waits for its cookie
    assert _sessions(engine, "leitung") == [
        ("password_changed", False),
        ("password_changed", False),
        (None, True),
    ]
    other.run()
    assert shows_sign_in_form(other)
    assert any("Das Passwort wurde geändert" in w.value for w in other.warning)
    at.run()
    assert not shows_sign_in_form(at)


def test_sign_out_everywhere_signs_out_this_and_every_other_browser(app_env, engine):
    other = signed_in("leitung")
    at = _my_account()
    next(b for b in at.button if b.label == "Überall abmelden").click()
    at.run()
    notice = "Sie wurden auf allen Geräten abgemeldet. Bitte melden Sie sich neu an."
    assert shows_sign_in_form(at) and [w.value for w in at.warning] == [notice]
    other.run()
    assert shows_sign_in_form(other) and [w.value for w in other.warning] == [notice]
    assert {reason for reason, _ in _sessions(engine, "leitung")} == {"signed_out_everywhere"}


def test_an_admin_sees_open_sessions_and_ends_one(app_env, engine):
    leitung = signed_in("leitung")
    at = signed_in("admin")
    at.switch_page("pages/accounts.py").run()
    accounts, open_sessions = at.dataframe
    row = accounts.value.set_index("Benutzername").loc["leitung"]
    assert row["Offene Anmeldungen"] == 1
    assert sorted(open_sessions.value["Benutzername"]) == ["admin", "leitung"]
    choice = next(s for s in at.selectbox if s.proto.form_id == "accounts_end_session")
    assert sum(o.startswith("leitung · ") for o in choice.options) == 1
    with Session(engine) as s:
        [session_id] = s.scalars(
            select(UserSession.id).join(User).where(User.username == "leitung")
        ).all()
    choice.select(session_id)
    at = submit(at, "Anmeldung beenden", "accounts_end_session")
    assert not at.error
    assert _sessions(engine, "leitung") == [("ended_by_admin", False)]
    leitung.run()
    assert shows_sign_in_form(leitung)
    assert [w.value for w in leitung.warning] == [
        "Ihre Anmeldung wurde von der Administration beendet. Bitte melden Sie sich neu an."
    ]
