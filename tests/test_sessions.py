"""Server-side sign-in sessions and the sign-in throttle (db/sessions.py), on
SQLite and PostgreSQL: how a session starts, is found, and ends, and that an
unknown name takes the same path as a known one."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from db import services, sessions
from db.engine import session_scope
from db.errors import ValidationError
from db.models import SignInThrottle, User, UserSession
from db.permissions import Actor
from tests.apptest import PASSWORDS

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
LIMITS = sessions.Limits(idle=dt.timedelta(hours=8), absolute=dt.timedelta(days=7))
SECRET = "test-secret-" + "s" * 32
ADMIN = Actor("admin", "admin")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _sign_in(engine, name, password, source="203.0.113.7", now=NOW) -> sessions.SignInResult:
    with session_scope(engine) as s:
        return sessions.sign_in(
            s, name, password, source=source, user_agent=FIREFOX, secret=SECRET, now=now
        )


def _token(engine, username: str, now=NOW) -> str:
    with session_scope(engine) as s:
        return sessions.start_with_token(s, username, FIREFOX, now)


def _context(engine, token: str) -> sessions.RunContext:
    with Session(engine) as s:
        return sessions.run_context(s, token_hash=sessions.digest(token))


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_run_reads_version_session_and_role_in_one_statement(engine, demo_accounts):
    token = _token(engine, "leitung")
    seen = _statements(engine)
    with Session(engine) as s:
        by_token = sessions.run_context(s, token_hash=sessions.digest(token))
        by_id = sessions.run_context(s, session_id=by_token.session_id)
        nobody = sessions.run_context(s)
    assert len(seen) == 3
    assert (by_token.username, by_token.role, by_token.active) == ("leitung", "viewer", True)
    assert by_id == by_token
    assert nobody.session_id is None and nobody.data_version == by_token.data_version
    assert by_token.end_reason_now(NOW + dt.timedelta(hours=1), LIMITS) is None


def test_the_database_keeps_only_the_hash_of_the_token(engine, demo_accounts):
    token = _token(engine, "leitung")
    with Session(engine) as s:
        row = s.scalars(select(UserSession)).one()
    assert row.token_hash == sessions.digest(token) and token not in row.token_hash
    assert row.user_agent == "Firefox auf Windows"


def test_a_ticket_buys_the_cookie_once_and_only_in_time(engine, demo_accounts):
    result = _sign_in(engine, "leitung", PASSWORDS["leitung"])
    assert result.outcome == "ok" and result.ticket
    with session_scope(engine) as s:
        assert sessions.redeem_ticket(s, result.ticket, NOW + dt.timedelta(minutes=5)) is None
        token = sessions.redeem_ticket(s, result.ticket, NOW + dt.timedelta(seconds=10))
        assert token is not None
        assert sessions.redeem_ticket(s, result.ticket, NOW + dt.timedelta(seconds=11)) is None
    context = _context(engine, token)
    assert context.session_id == result.session_id and not context.cookie_pending


@pytest.mark.parametrize(
    ("after", "reason"),
    [(dt.timedelta(hours=8, minutes=1), "idle"), (dt.timedelta(days=7, minutes=1), "expired")],
)
def test_the_idle_and_the_absolute_limit_end_a_session(engine, demo_accounts, after, reason):
    token = _token(engine, "leitung")
    if reason == "expired":  # active all the time, but too old
        with session_scope(engine) as s:
            sid = _context(engine, token).session_id
            sessions.touch(s, sid, NOW + after - dt.timedelta(minutes=5))
    assert _context(engine, token).end_reason_now(NOW + after, LIMITS) == reason


def _ended(engine, token: str) -> str | None:
    return _context(engine, token).end_reason_now(NOW, LIMITS)


def test_a_password_reset_ends_every_session_of_that_account_only(engine, demo_accounts):
    first, second = _token(engine, "leitung"), _token(engine, "leitung")
    other = _token(engine, "geschaeftsstelle")
    with session_scope(engine) as s:
        services.reset_password(s, ADMIN, demo_accounts["leitung"], "ganz-neues-passwort-1")
    assert _ended(engine, first) == _ended(engine, second) == "password_reset"
    assert _ended(engine, other) is None


def test_deactivating_ends_the_sessions_and_reactivating_does_not_revive_them(
    engine, demo_accounts
):
    token = _token(engine, "geschaeftsstelle")
    with session_scope(engine) as s:
        services.set_active(s, ADMIN, demo_accounts["geschaeftsstelle"], False)
    with session_scope(engine) as s:
        services.set_active(s, ADMIN, demo_accounts["geschaeftsstelle"], True)
    assert _ended(engine, token) == "deactivated"


def test_a_users_own_password_change_needs_the_old_one_and_ends_all(engine, demo_accounts):
    token = _token(engine, "leitung")
    leitung = Actor("leitung", "viewer")
    with pytest.raises(ValidationError, match="Bisheriges Passwort"), session_scope(engine) as s:
        services.change_own_password(s, leitung, "falsch-falsch", "ganz-neues-passwort-1")
    assert _ended(engine, token) is None
    with session_scope(engine) as s:
        services.change_own_password(s, leitung, PASSWORDS["leitung"], "ganz-neues-passwort-1")
    assert _ended(engine, token) == "password_changed"
    assert _sign_in(engine, "leitung", "ganz-neues-passwort-1").outcome == "ok"


def test_sign_out_everywhere_and_an_admins_end(engine, demo_accounts):
    mine = [_token(engine, "leitung") for _ in range(2)]
    with session_scope(engine) as s:
        assert services.sign_out_everywhere(s, Actor("leitung", "viewer")) == 2
    assert {_ended(engine, t) for t in mine} == {"signed_out_everywhere"}
    token = _token(engine, "geschaeftsstelle")
    with session_scope(engine) as s:
        services.end_session(s, ADMIN, _context(engine, token).session_id)
    assert _ended(engine, token) == "ended_by_admin"


def test_open_sessions_lists_only_usable_ones(engine, demo_accounts):
    _token(engine, "leitung", NOW - dt.timedelta(hours=9))  # idle meanwhile
    _token(engine, "leitung", NOW - dt.timedelta(hours=1))
    ended = _token(engine, "admin")
    with session_scope(engine) as s:
        sessions.end(s, _context(engine, ended).session_id, "signed_out", NOW)
    with Session(engine) as s:
        listed = sessions.open_sessions(s, NOW, LIMITS)
        mine = sessions.open_sessions(s, NOW, LIMITS, "leitung")
    assert listed["username"].tolist() == ["leitung"]
    assert len(mine) == 1 and mine["user_agent"].tolist() == ["Firefox auf Windows"]


# --- the throttle ---------------------------------------------------------------------------


def test_unknown_and_known_names_take_the_same_path(engine, demo_accounts):
    for name in ("leitung", "niemand-hier"):
        answers = [_sign_in(engine, name, "falsch-falsch").outcome for _ in range(6)]
        assert answers == ["wrong"] * 5 + ["throttled"], name
    with Session(engine) as s:
        rows = s.scalars(select(SignInThrottle)).all()
    # two rows (one per name), neither names the typed name
    assert len(rows) == 2 and all("niemand" not in r.key and "leitung" not in r.key for r in rows)
    assert rows[0].failures == rows[1].failures == 5


def test_the_wait_is_per_source_grows_and_ends_with_a_success(engine, demo_accounts):
    right = PASSWORDS["leitung"]
    results = [
        _sign_in(engine, "leitung", "falsch-falsch", now=NOW + dt.timedelta(seconds=i))
        for i in range(5)
    ]
    assert [r.retry_at is not None for r in results] == [False] * 4 + [True]
    assert results[-1].retry_at == NOW + dt.timedelta(seconds=4) + sessions.FIRST_DELAY
    # the right password from here waits too; from elsewhere it works, without a lock
    assert _sign_in(engine, "leitung", right, now=NOW + dt.timedelta(seconds=10)).outcome == (
        "throttled"
    )
    assert _sign_in(engine, "leitung", right, source="198.51.100.4").outcome == "ok"
    # after the wait one more failure doubles it
    later = NOW + dt.timedelta(seconds=40)
    again = _sign_in(engine, "leitung", "falsch-falsch", now=later)
    assert again.retry_at == later + 2 * sessions.FIRST_DELAY
    # a success after the wait forgets the failures
    assert _sign_in(engine, "leitung", right, now=later + dt.timedelta(minutes=2)).outcome == "ok"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(SignInThrottle)) == 0


def test_the_wait_never_exceeds_fifteen_minutes():
    assert sessions._delay(4) is None
    assert sessions._delay(5) == dt.timedelta(seconds=30)
    assert sessions._delay(9) == dt.timedelta(minutes=8)
    assert sessions._delay(10) == sessions._delay(50) == dt.timedelta(minutes=15)


def test_a_deactivated_account_with_the_right_password_gets_no_session(engine, demo_accounts):
    with session_scope(engine) as s:
        services.set_active(s, ADMIN, demo_accounts["leitung"], False)
    result = _sign_in(engine, "leitung", PASSWORDS["leitung"])
    assert result.outcome == "deactivated" and result.session_id is None
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0


def test_a_sign_in_deletes_long_ended_sessions_and_quiet_failures(engine, demo_accounts):
    old = NOW - dt.timedelta(days=40)
    token = _token(engine, "admin", old)
    with session_scope(engine) as s:
        sessions.end(s, _context(engine, token).session_id, "signed_out", old)
    _token(engine, "geschaeftsstelle", old)  # left to expire, never ended
    _sign_in(engine, "niemand", "falsch-falsch", now=old)
    assert _sign_in(engine, "leitung", PASSWORDS["leitung"]).outcome == "ok"
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 1
        assert s.scalar(select(func.count()).select_from(SignInThrottle)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == len(demo_accounts)


@pytest.mark.parametrize(
    ("agent", "short"),
    [
        (FIREFOX, "Firefox auf Windows"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome auf Linux",
        ),
        (None, None),
        ("curl/8.5.0", "curl"),
    ],
)
def test_the_device_is_named_in_short(agent, short):
    assert sessions.device(agent) == short
