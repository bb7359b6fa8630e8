"""The sign-in through the ministry's identity provider, as the browser sees it:
the button on the sign-in page (`st.login`), the step from Streamlit's identity
(`st.user`) to a session of ours (db.sso decides), the "Kein Zugang" page, and
the sign-out at the provider (`st.logout`). Configured by `[auth]` in
`.streamlit/secrets.toml`; without it nothing here shows or runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import streamlit as st
from sqlalchemy.exc import IntegrityError

from components import database
from db import logs, sso
from db.engine import session_scope

BUTTON = "Mit dem Dienstkonto anmelden"
REFUSED_KEY = "sso_refused"  # (login hash, outcome) of an identity that got no session
SEEN_KEY = "sso_seen"  # the login hash of an identity already taken or refused here

NO_ACCOUNT = (
    "Ihr Dienstkonto ist angemeldet, hat aber keinen Zugang zu diesem Dashboard. "
    "Bitte wenden Sie sich an die Geschäftsstelle der Integrationskonferenz, wenn Sie "
    "Zugang brauchen."
)
DEACTIVATED = (
    "Ihr Konto für dieses Dashboard ist deaktiviert. Bitte wenden Sie sich an die Administration."
)
AMBIGUOUS = (
    "Zu der E-Mail-Adresse Ihres Dienstkontos gibt es hier mehrere Konten. Bitte wenden "
    "Sie sich an die Administration."
)


def _auth_section() -> Mapping | None:
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None
    return section if isinstance(section, Mapping) else None


def provider() -> str | None:
    """The provider of `[auth]`: "default" for settings directly in `[auth]`, else the
    name of its one `[auth.<name>]` section; None without `[auth]`."""
    section = _auth_section()
    if not section:
        return None
    if "client_id" in section:
        return "default"
    named = [k for k, v in section.items() if isinstance(v, Mapping) and "client_id" in v]
    return named[0] if named else None


def configured() -> bool:
    return provider() is not None


def _identity() -> sso.Identity | None:
    if not st.user.get("is_logged_in"):
        return None
    return sso.identity(st.user.to_dict(), sso.settings().groups_claim)


def sign_in() -> sso.Result | None:
    """A session of ours for the identity the provider just signed in, if it may
    have one (None: no fresh identity in this browser session)."""
    if not configured():
        return None
    who = _identity()
    if who is None or st.session_state.get(SEEN_KEY) == who.login:
        return None
    st.session_state[SEEN_KEY] = who.login
    agent = st.context.headers.get("User-Agent")
    try:
        with session_scope(database.engine()) as s:
            result = sso.sign_in(
                s,
                who,
                sso.settings(),
                user_agent=agent if isinstance(agent, str) else None,
                now=dt.datetime.now(dt.UTC),
            )
    except IntegrityError:  # another tab took this provider sign-in a moment earlier
        return None
    if result.outcome == "ok":
        if result.created:
            logs.event("account_created", user=result.username, method="sso")
        elif result.linked:
            logs.event("account_linked", user=result.username, method="sso")
        logs.event("sign_in", user=result.username, method="sso")
        return result
    if result.outcome in ("no_account", "ambiguous"):
        # no account: the subject and the groups tell the administration whom to let in
        logs.event(
            "sso_no_access", reason=result.outcome, subject=who.subject, groups=list(who.groups)
        )
        st.session_state[REFUSED_KEY] = result.outcome
    elif result.outcome == "deactivated":
        logs.event("access_revoked", user=result.username, method="sso")
        st.session_state[REFUSED_KEY] = result.outcome
    return None


def refused() -> bool:
    """True when this browser session's identity got no session (the page says why)."""
    return REFUSED_KEY in st.session_state


def sign_in_button() -> None:
    name = provider()
    if name is None:
        return
    if st.button(BUTTON, type="primary", icon=":material/badge:", key="sso_sign_in"):
        st.session_state.pop(REFUSED_KEY, None)
        st.login(name)


def sign_out() -> None:
    """End Streamlit's identity and, where the provider offers it (end_session_endpoint),
    the provider's session; the browser goes there and comes back to the sign-in page."""
    st.session_state.pop(REFUSED_KEY, None)
    st.logout()


def no_access_page() -> None:
    """What an identity without access sees: why, and a way to sign out at the provider."""
    reason = st.session_state.get(REFUSED_KEY)
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("Kein Zugang")
        text = {"deactivated": DEACTIVATED, "ambiguous": AMBIGUOUS}.get(reason, NO_ACCOUNT)
        st.error(text, icon=":material/block:")
        email = st.user.get("email") if st.user.get("is_logged_in") else None
        if isinstance(email, str) and email:
            st.text(f"Angemeldet beim Identitätsdienst als {email}")  # literally, no link
        if st.button("Mit einem anderen Konto anmelden", icon=":material/logout:"):
            sign_out()
