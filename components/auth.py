"""Sign-in with streamlit-authenticator, fed from the database.

The form and the re-authentication cookie are the library's; accounts, roles,
the active flag and failed attempts live in the database and are read on
every run, so a deactivated account or a changed role takes effect at once.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from components import data, fmt
from db import logs
from db.accounts import LOCK_AFTER_FAILURES, LOCK_MINUTES
from db.config import cookie_key
from db.permissions import Actor

COOKIE_NAME = "integrationskonferenz_anmeldung"
COOKIE_DAYS = 7
FORM_KEY = "auth_form"
SIGN_OUT_KEY = "auth_sign_out"
PENDING_SIGN_OUT_KEY = "auth_pending_sign_out"
AUTHENTICATOR_KEY = "_auth_authenticator"  # one per run: its cookie component has a fixed key
NOTICE_KEY = "auth_notice"
SET_COOKIE_KEY = "auth_set_cookie"
DELETE_COOKIE_KEY = "delete"  # the key of the cookie manager's delete component
FIELDS = {
    "Form name": "Anmeldung",
    "Username": "Benutzername",
    "Password": "Passwort",
    "Login": "Anmelden",
    "Captcha": "Sicherheitsabfrage",
}
WRONG = "Benutzername oder Passwort ist falsch."
DEACTIVATED = "Ihr Konto ist deaktiviert. Bitte wenden Sie sich an die Administration."
STALE = (
    "Ihre gespeicherte Anmeldung gilt nicht mehr (etwa weil das Konto deaktiviert wurde). "
    "Bitte melden Sie sich neu an."
)


def _authenticator(credentials: dict) -> stauth.Authenticate:
    return stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )


def _clear_session() -> None:
    for key in ("authentication_status", "username", "name", "email", "roles"):
        st.session_state[key] = None


def request_sign_out() -> None:
    """Button callback: sign out at the start of the next run (first click works)."""
    st.session_state[SIGN_OUT_KEY] = True


def current_actor() -> Actor | None:
    """The signed-in user with the role from the database, or None.

    Handles a requested sign-out and a deactivated or deleted account, and
    reads the data version for this run in the same query.
    """
    signed_in = st.session_state.get("authentication_status")
    username = st.session_state.get("username") if signed_in else None
    if not username:
        # A returning browser signs in by its cookie before the pages are chosen,
        # so a deep link to a page survives the sign-in.
        authenticator = _authenticator(data.sign_in_credentials())
        st.session_state[AUTHENTICATOR_KEY] = authenticator
        try:
            authenticator.login(location="unrendered")
        except LoginError:
            # The browser's cookie names an account that may no longer sign in
            # (deactivated or deleted): the sign-in form with a notice, and the
            # cookie deleted, never an error page.
            logs.event("access_revoked", user=None)
            _clear_session()
            # The library reads the cookie from the request (st.context.cookies), which
            # keeps it for this whole browser session; its own sign-out flag makes it
            # ignore the cookie from now on, so the form works.
            st.session_state["logout"] = True
            st.session_state[NOTICE_KEY] = STALE
            st.session_state[PENDING_SIGN_OUT_KEY] = True
        if st.session_state.get("authentication_status"):
            username = st.session_state["username"]
            logs.event("sign_in", user=username, method="cookie")
    context = data.start_run(username)
    if not username:
        return None
    if st.session_state.pop(SIGN_OUT_KEY, False):
        logs.event("sign_out", user=username)
    elif context.role is None or not context.active:
        logs.event("access_revoked", user=username)
        st.session_state[NOTICE_KEY] = DEACTIVATED
    else:
        if st.session_state.pop(SET_COOKIE_KEY, False):
            _authenticator({"usernames": {}}).cookie_controller.set_cookie()
        return Actor(username, context.role)
    st.session_state[PENDING_SIGN_OUT_KEY] = True
    return None


def sign_in_page() -> None:
    """The page shown to everyone who is not signed in (one authenticator per run)."""
    authenticator = st.session_state.pop(AUTHENTICATOR_KEY, None) or _authenticator(
        data.sign_in_credentials()
    )
    if st.session_state.get(PENDING_SIGN_OUT_KEY):
        # The browser deletes the cookie in a component that answers True when done.
        # Until then the form (whose own cookie component asks for a rerun) stays
        # away, or that rerun could remove the delete before it ran.
        if st.session_state.get("authentication_status"):
            authenticator.logout(location="unrendered")  # ends the session, deletes the cookie
        else:
            authenticator.cookie_controller.delete_cookie()  # the same component, again
        if not st.session_state.get(DELETE_COOKIE_KEY):
            st.caption("Sie werden abgemeldet …")
            return
        del st.session_state[PENDING_SIGN_OUT_KEY]
    _sign_in_form(authenticator)


def _sign_in_form(authenticator: stauth.Authenticate) -> None:
    users = authenticator.authentication_controller.authentication_model.credentials["usernames"]
    before = {name: entry.get("failed_login_attempts", 0) for name, entry in users.items()}
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("Hessische Integrationskonferenz")
        st.caption("Dashboard der Geschäftsstelle. Bitte melden Sie sich an.")
        notice = st.session_state.get(NOTICE_KEY)  # stays until the next sign-in
        if notice:
            st.warning(notice)
        try:
            authenticator.login(
                location="main",
                max_login_attempts=LOCK_AFTER_FAILURES,
                fields=FIELDS,
                key=FORM_KEY,
            )
        except LoginError:
            _clear_session()
            st.error(
                f"Dieses Konto ist nach {LOCK_AFTER_FAILURES} Fehlversuchen für "
                f"{LOCK_MINUTES} Minuten gesperrt. Bitte versuchen Sie es später erneut "
                "oder wenden Sie sich an die Administration."
            )
            return
        for name, entry in users.items():
            if entry.get("failed_login_attempts", 0) > before.get(name, 0):
                logs.event("sign_in_failed", user=name)
                until = data.record_failed_sign_in(name)
                if until is not None and until > dt.datetime.now(dt.UTC):
                    logs.event("account_locked", user=name)
                    _clear_session()
                    st.error(
                        f"Zu viele Fehlversuche: das Konto ist bis {fmt.datetime(until)} gesperrt."
                    )
                    return
        status = st.session_state.get("authentication_status")
        if status is False:
            if not any(
                e.get("failed_login_attempts", 0) > before.get(n, 0) for n, e in users.items()
            ):
                logs.event(
                    "sign_in_failed", user=None
                )  # unknown name: not logged, may be a password
            st.error(WRONG)
            return
        if status:
            st.session_state.pop(NOTICE_KEY, None)
            username = st.session_state["username"]
            data.record_sign_in(username)
            logs.event("sign_in", user=username, method="form")
            st.session_state[SET_COOKIE_KEY] = True
            st.rerun()
