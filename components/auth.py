"""Sign-in: the form, the server-side session of each browser, and its end.

Accounts, roles and sessions live in the database (db.accounts, db.sessions).
A returning browser is known on the first script run: its HttpOnly cookie
comes with the request (`st.context.cookies`) and is checked in the one query
each run makes anyway (`run_context.start`). After a sign-in this browser
session knows its session by id; the browser gets its cookie by trading a
one-time ticket at the server (components/session_cookie.js, serve.py).

A session that ended (sign-out, password change or reset, deactivation, an
admin, the idle or absolute limit) shows the sign-in form with a German
notice saying why, at the next click of every browser that holds it.
"""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import database, fmt, run_context, sso
from db import accounts, logs, sessions
from db.config import ConfigError, cookie_key
from db.engine import session_scope
from db.permissions import Actor
from db.sso import password_sign_in

COOKIE_NAME = sessions.COOKIE_NAME
FORM_KEY = "auth_form"
SESSION_KEY = "auth_session"  # the id of this browser session's sign-in
DISPLAY_NAME_KEY = "name"  # shown in the sidebar
TICKET_KEY = "auth_ticket"  # handed to the browser until it has its cookie
DEAD_COOKIE_KEY = "auth_dead_cookie"  # the request cookie's hash once it was found dead
FORGET_COOKIE_KEY = "auth_forget_cookie"  # ask the browser to delete its cookie (a counter)
SIGN_OUT_KEY = "auth_sign_out"
NOTICE_KEY = "auth_notice"
LAST_CHECK_KEY = (
    "auth_last_check"  # (actor, monotonic time) of the last run that reached the database
)
OUTAGE_KEY = "auth_outage"  # this run goes on without the database (see current_actor)
# While the database is away, a signed-in browser goes on for this long after its
# last good check with what it last loaded: a form keeps its input and says that
# nothing was saved, instead of the page disappearing under an error (issue 16).
OUTAGE_GRACE_SECONDS = 15 * 60

WRONG = "Benutzername oder Passwort ist falsch."
EMPTY = "Bitte geben Sie Benutzername und Passwort ein."
DEACTIVATED = "Ihr Konto ist deaktiviert. Bitte wenden Sie sich an die Administration."
STALE = "Ihre gespeicherte Anmeldung gilt nicht mehr. Bitte melden Sie sich neu an."
SIGNED_OUT = "Sie haben sich abgemeldet."


def _notice(reason: str | None) -> str:
    """Why the sign-in form is shown again (the reasons of db.models.SESSION_END_REASONS)."""
    lim = sessions.limits()
    again = "Bitte melden Sie sich neu an."
    return {
        "signed_out": SIGNED_OUT,
        "signed_out_everywhere": "Sie wurden auf allen Geräten abgemeldet. " + again,
        "password_changed": "Das Passwort wurde geändert; alle Anmeldungen wurden beendet. "
        + again,
        "password_reset": "Das Passwort wurde von der Administration neu gesetzt; alle "
        "Anmeldungen wurden beendet. " + again,
        "deactivated": DEACTIVATED,
        "ended_by_admin": "Ihre Anmeldung wurde von der Administration beendet. " + again,
        "idle": f"Sie wurden nach {fmt.duration(lim.idle)} ohne Aktivität abgemeldet. " + again,
        "expired": f"Ihre Anmeldung ist nach {fmt.duration(lim.absolute)} abgelaufen. " + again,
    }.get(reason or "", STALE)


def throttled(retry_at: dt.datetime) -> str:
    return (
        "Zu viele Fehlversuche mit diesem Benutzernamen von diesem Gerät. Der nächste "
        f"Versuch ist ab {fmt.time_of_day(retry_at)} Uhr möglich."
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _cookie_token() -> str | None:
    """The session cookie this browser sent with its request (None under AppTest)."""
    token = st.context.cookies.get(COOKIE_NAME)
    return token if isinstance(token, str) and token and token.isascii() else None


def _request_cookie_hash() -> str | None:
    """The hash of the session cookie this browser sent, unless found dead before."""
    token = _cookie_token()
    if token is None:
        return None
    token_hash = sessions.digest(token)
    return None if st.session_state.get(DEAD_COOKIE_KEY) == token_hash else token_hash


def current_session_id() -> int | None:
    """The sign-in session of this browser (to mark it in lists of sessions)."""
    return st.session_state.get(SESSION_KEY)


def request_sign_out() -> None:
    """Button callback: sign out at the start of the next run (first click works)."""
    st.session_state[SIGN_OUT_KEY] = True


def current_actor() -> Actor | None:
    """The signed-in user with the role from the database, or None.

    Reads the data version, the session and its user in one query; ends the
    session when it may not go on (and says why on the sign-in form).
    """
    session_id = st.session_state.get(SESSION_KEY)
    token_hash = None if session_id is not None else _request_cookie_hash()
    try:
        context = run_context.start(session_id=session_id, token_hash=token_hash)
    except DBAPIError:
        kept = _while_the_database_is_away(session_id)
        if kept is None:
            raise
        return kept
    st.session_state.pop(OUTAGE_KEY, None)
    if session_id is None and token_hash is None:
        st.session_state.pop(SIGN_OUT_KEY, None)
        return _by_provider()
    if context.session_id is None or context.username is None:
        _forget(STALE)  # a cookie from before this version, or one long deleted
        return _by_provider()
    now, lim = _now(), sessions.limits()
    if st.session_state.pop(SIGN_OUT_KEY, False):
        _end(context.session_id, "signed_out")
        logs.event("sign_out", user=context.username)
        _forget(_notice("signed_out"))
        if context.sso:
            sso.sign_out()  # and at the identity provider, where it offers that
        return None
    reason = context.end_reason_now(now, lim)
    if reason is not None:
        if context.ended_at is None:
            _end(context.session_id, reason)
        logs.event("session_ended", user=context.username, reason=reason)
        _forget(_notice(reason))
        return _by_provider()  # back from the provider with a fresh sign-in
    if context.needs_touch(now, lim):
        with session_scope(database.engine()) as s:
            sessions.touch(s, context.session_id, now)
    if session_id is None:
        st.session_state[SESSION_KEY] = context.session_id
        logs.event("sign_in", user=context.username, method="cookie")
    if not context.cookie_pending:
        st.session_state.pop(TICKET_KEY, None)
    st.session_state[DISPLAY_NAME_KEY] = context.display_name
    actor = Actor(context.username, context.role)
    st.session_state[LAST_CHECK_KEY] = (actor, time.monotonic())
    return actor


def _by_provider() -> Actor | None:
    """The actor of a fresh sign-in through the identity provider, now with a session
    of ours like a password sign-in (components.sso); None when there is none."""
    result = sso.sign_in()
    if result is None:
        return None
    _signed_in(result.session_id, result.ticket, result.display_name)
    actor = Actor(result.username, result.role)
    st.session_state[LAST_CHECK_KEY] = (actor, time.monotonic())
    return actor


def _signed_in(session_id: int, ticket: str, display_name: str | None) -> None:
    """This browser session has a new session of ours; the browser gets its cookie."""
    st.session_state.pop(NOTICE_KEY, None)
    st.session_state.pop(FORGET_COOKIE_KEY, None)
    st.session_state[SESSION_KEY] = session_id
    st.session_state[TICKET_KEY] = ticket
    st.session_state[DISPLAY_NAME_KEY] = display_name


def _while_the_database_is_away(session_id: int | None) -> Actor | None:
    """The actor of this browser session's last good check, if it was recent: the
    run goes on with what is cached (reads keyed by the last data version), and a
    save fails with the German message while the form keeps its input."""
    last = st.session_state.get(LAST_CHECK_KEY)
    if session_id is None or last is None or st.session_state.get(SIGN_OUT_KEY):
        return None
    actor, checked = last
    if time.monotonic() - checked > OUTAGE_GRACE_SECONDS:
        return None
    st.session_state[OUTAGE_KEY] = True
    return actor


def database_away() -> bool:
    """True when this run goes on without the database (the frame says so)."""
    return bool(st.session_state.get(OUTAGE_KEY))


def _end(session_id: int, reason: str) -> None:
    with session_scope(database.engine()) as s:
        sessions.end(s, session_id, reason, _now())


def _forget(notice: str) -> None:
    """This browser session is signed out: the form with NOTICE, the cookie deleted."""
    for key in (SESSION_KEY, TICKET_KEY, DISPLAY_NAME_KEY, LAST_CHECK_KEY):
        st.session_state.pop(key, None)
    token = _cookie_token()
    if token is not None:
        st.session_state[DEAD_COOKIE_KEY] = sessions.digest(token)
    st.session_state[NOTICE_KEY] = notice  # stays until the next sign-in
    st.session_state[FORGET_COOKIE_KEY] = st.session_state.get(FORGET_COOKIE_KEY, 0) + 1


def start_new_session(username: str) -> None:
    """After a password change: this browser goes on in a new session (the old
    cookie, and every copy of it, has ended)."""
    with session_scope(database.engine()) as s:
        user = accounts.get_user(s, username)
        if user is None:
            return
        session_id, ticket = sessions.start(s, user.id, _user_agent(), _now())
    st.session_state[SESSION_KEY] = session_id
    st.session_state[TICKET_KEY] = ticket


def cookie_marker() -> None:
    """A hidden element that components/session_cookie.js acts on: trade the
    ticket for the cookie after a sign-in, or delete the cookie after an end."""
    ticket = st.session_state.get(TICKET_KEY)
    if ticket:
        st.html(f'<div data-sitzung-ticket="{ticket}"></div>')
    forget = st.session_state.get(FORGET_COOKIE_KEY)
    if forget and not ticket:
        st.html(f'<div data-sitzung-ende="{int(forget)}"></div>')


def _user_agent() -> str | None:
    agent = st.context.headers.get("User-Agent")
    return agent if isinstance(agent, str) else None


def _source() -> str | None:
    """The browser's address (behind the proxy: from its X-Forwarded-For, which the
    server trusts from FORWARDED_ALLOW_IPS); None on loopback and under AppTest."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def sign_in_page() -> None:
    """The page shown to everyone who is not signed in (and, after a sign-in at the
    identity provider without access here, the "Kein Zugang" page)."""
    cookie_key()  # a shared database without its secret says so before the form
    if sso.refused():
        sso.no_access_page()
        cookie_marker()
        return
    by_provider, by_password = sso.configured(), password_sign_in()
    if not by_provider and not by_password:
        raise ConfigError(
            "DASHBOARD_PASSWORD_SIGN_IN ist „false“, aber in .streamlit/secrets.toml ist "
            "kein Identitätsdienst ([auth]) eingerichtet: niemand könnte sich anmelden."
        )
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("Hessische Integrationskonferenz")
        st.caption("Dashboard der Geschäftsstelle. Bitte melden Sie sich an.")
        notice = st.session_state.get(NOTICE_KEY)
        if notice == SIGNED_OUT:
            st.info(notice)  # what the user asked for
        elif notice:
            st.warning(notice)
        if by_provider:
            sso.sign_in_button()
        if by_password:
            _password_form(second=by_provider)
    cookie_marker()


def _password_form(second: bool) -> None:
    """The form for name and password (SECOND: below the provider's button)."""
    with st.form(FORM_KEY):
        st.header("Mit Benutzername und Passwort" if second else "Anmeldung")
        username = st.text_input("Benutzername", max_chars=60, autocomplete="username")
        password = st.text_input(
            "Passwort", type="password", max_chars=200, autocomplete="current-password"
        )
        submitted = st.form_submit_button("Anmelden", type="primary")
    if submitted:
        _sign_in(username, password)


def _sign_in(username: str, password: str) -> None:
    if not username.strip() or not password:
        st.error(EMPTY)
        return
    with session_scope(database.engine()) as s:
        result = sessions.sign_in(
            s,
            username,
            password,
            source=_source(),
            user_agent=_user_agent(),
            secret=cookie_key(),
            now=_now(),
        )
    if result.outcome == "throttled":
        logs.event("sign_in_throttled", user=result.username)
        st.error(throttled(result.retry_at))
    elif result.outcome == "wrong":
        # an unknown name is not logged: it may be a password typed into the wrong field
        logs.event("sign_in_failed", user=result.username)
        if result.retry_at is not None:
            logs.event("sign_in_throttled", user=result.username)
            st.error(f"{WRONG} {throttled(result.retry_at)}")
        else:
            st.error(WRONG)
    elif result.outcome == "deactivated":
        logs.event("access_revoked", user=result.username)
        st.error(DEACTIVATED)
    else:
        logs.event("sign_in", user=result.username, method="form")
        _signed_in(result.session_id, result.ticket, result.display_name)
        st.rerun()
