"""Sign-in through the ministry's identity provider (OpenID Connect).

Streamlit does the OpenID Connect part (`st.login`, its callback at
`/oauth2callback`, the signed identity cookie); this module decides what an
identity may do here. The role comes from our database, as for a password
sign-in: an identity is the account whose stored provider subject (`sub`) it
carries, else the one account with its e-mail address and no subject yet (the
subject is stored then). An identity without an account gets one only when
one of its groups is mapped to a role (DASHBOARD_SSO_*_GROUPS); otherwise it
gets nothing but a log line. A signed-in identity then gets a session of our
own (db.sessions), so that revocation, deactivation and the idle and absolute
limits work as for a password sign-in.

One provider sign-in starts at most one session: the session row keeps the
hash of that sign-in (issuer, subject, nonce or issue time of its ID token).
Streamlit's identity cookie lives for 30 days; after a session of ours has
ended (idle, an admin, a deactivation), the browser has to go through the
provider again instead of being signed in by the old cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import accounts, sessions
from db.audit import ACTOR_KEY
from db.config import ConfigError, setting
from db.models import User, UserSession
from db.permissions import ROLE_RANK, Actor
from db.versioning import bump_after_commit

# A provider sign-in older than this is not taken for a new session (a stale
# identity cookie is not a sign-in).
FRESH = dt.timedelta(minutes=10)
ROLES_BY_RANK = ("admin", "editor", "viewer")


@dataclass(frozen=True)
class Identity:
    """What the provider said about the person in the ID token."""

    subject: str
    issuer: str | None
    email: str | None
    email_verified: bool | None
    name: str | None
    preferred_username: str | None
    groups: tuple[str, ...]
    issued_at: dt.datetime | None
    login: str  # the hash of this provider sign-in


def _claim_text(claims: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = claims.get(name)
    return value.strip()[:limit] or None if isinstance(value, str) else None


def _groups(value: Any) -> tuple[str, ...]:
    """A groups claim as a list of names (a list, or one name, or names split by commas)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(g).strip() for g in value if str(g).strip())


def identity(claims: Mapping[str, Any], groups_claim: str = "groups") -> Identity | None:
    """The identity in the claims of `st.user`, or None without a subject."""
    subject = _claim_text(claims, "sub", 255)
    if subject is None:
        return None
    issuer = _claim_text(claims, "iss", 500)
    iat = claims.get("iat")
    issued = (
        dt.datetime.fromtimestamp(iat, dt.UTC)
        if isinstance(iat, int | float) and not isinstance(iat, bool)
        else None
    )
    once = claims.get("nonce") or iat
    login = hashlib.sha256(json.dumps([issuer, subject, once]).encode()).hexdigest()
    verified = claims.get("email_verified")
    email = _claim_text(claims, "email", 200)
    return Identity(
        subject=subject,
        issuer=issuer,
        email=email.lower() if email else None,
        email_verified=verified if isinstance(verified, bool) else None,
        name=_claim_text(claims, "name", 120),
        preferred_username=_claim_text(claims, "preferred_username", 60),
        groups=_groups(claims.get(groups_claim)),
        issued_at=issued,
        login=login,
    )


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """DASHBOARD_SSO_GROUPS_CLAIM (default "groups") and the groups whose members
    get an account at their first sign-in: DASHBOARD_SSO_VIEWER_GROUPS,
    _EDITOR_GROUPS, _ADMIN_GROUPS (names separated by commas or semicolons)."""

    groups_claim: str
    role_groups: Mapping[str, tuple[str, ...]]

    def role_for(self, groups: tuple[str, ...]) -> str | None:
        """The highest role any of GROUPS is mapped to, or None."""
        for role in ROLES_BY_RANK:
            if set(groups) & set(self.role_groups.get(role, ())):
                return role
        return None


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (value or "").replace(";", ",").split(",") if n.strip())


def settings() -> Settings:
    claim = (setting("DASHBOARD_SSO_GROUPS_CLAIM", "groups") or "groups").strip()
    return Settings(
        groups_claim=claim,
        role_groups={
            role: _names(setting(f"DASHBOARD_SSO_{role.upper()}_GROUPS")) for role in ROLE_RANK
        },
    )


def password_sign_in() -> bool:
    """DASHBOARD_PASSWORD_SIGN_IN: the password form is offered unless "false"."""
    value = (setting("DASHBOARD_PASSWORD_SIGN_IN", "true") or "true").strip().lower()
    if value not in ("true", "false", "1", "0", "ja", "nein"):
        raise ConfigError(
            f"DASHBOARD_PASSWORD_SIGN_IN muss „true“ oder „false“ sein, nicht {value!r}."
        )
    return value in ("true", "1", "ja")


# --- signing in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    outcome: Literal["ok", "no_account", "deactivated", "ambiguous", "used", "stale"]
    username: str | None = None
    role: str | None = None
    display_name: str | None = None
    session_id: int | None = None
    ticket: str | None = None
    created: bool = False  # the account was created by this sign-in (group mapping)
    linked: bool = False  # the provider subject was stored on the account now


def _match(session: Session, who: Identity) -> list[User]:
    found = session.scalars(select(User).where(User.sso_subject == who.subject)).all()
    if found or who.email is None or who.email_verified is False:
        return list(found)
    return list(
        session.scalars(
            select(User).where(func.lower(User.email) == who.email, User.sso_subject.is_(None))
        ).all()
    )


def _free_username(session: Session, who: Identity) -> str:
    """The new account's name: the e-mail address (or the provider's user name), with
    a number appended when another account has it."""
    base = who.email if who.email and len(who.email) <= 60 else None
    base = base or (who.preferred_username or "").lower() or f"sso-{who.subject}"
    base = base[:56]
    name, n = base, 1
    while accounts.get_user(session, name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def _create(session: Session, who: Identity, role: str) -> User:
    username = _free_username(session, who)
    session.info[ACTOR_KEY] = Actor(username, role)  # the audit trail names the newcomer
    user = User(
        username=username,
        display_name=who.name or username,
        email=who.email,
        role=role,
        password_hash=accounts.NO_PASSWORD,
        sso_subject=who.subject,
    )
    session.add(user)
    session.flush()
    bump_after_commit(session)
    return user


def sign_in(
    session: Session,
    who: Identity,
    rules: Settings,
    *,
    user_agent: str | None,
    now: dt.datetime,
) -> Result:
    """Match WHO to an account and, if it may, start a session; the caller commits."""
    if session.scalar(select(UserSession.id).where(UserSession.sso_login == who.login)):
        return Result("used")
    if who.issued_at is not None and now - who.issued_at > FRESH:
        return Result("stale")
    found = _match(session, who)
    if len(found) > 1:
        return Result("ambiguous")
    created = linked = False
    if found:
        user = found[0]
    else:
        role = rules.role_for(who.groups)
        if role is None:
            return Result("no_account")
        user, created = _create(session, who, role), True
    if not user.active:
        return Result("deactivated", username=user.username)
    if user.sso_subject is None:
        session.info.setdefault(ACTOR_KEY, Actor(user.username, user.role))
        user.sso_subject, linked = who.subject, True
        session.flush()
        bump_after_commit(session)
    # the same provider sign-in in another tab a moment earlier makes this insert fail
    # (IntegrityError on sso_login): the caller rolls back and reads it as "used"
    session_id, ticket = sessions.start(session, user.id, user_agent, now, sso_login=who.login)
    sessions.signed_in(session, user.id, now)
    return Result(
        "ok",
        username=user.username,
        role=user.role,
        display_name=user.display_name,
        session_id=session_id,
        ticket=ticket,
        created=created,
        linked=linked,
    )


def accounts_sign_in(session: Session) -> pd.DataFrame:
    """How each account signs in, for the Konten page: its e-mail address, whether it
    has a password and a provider subject, and its last sign-in (either way)."""
    rows = session.execute(
        select(
            User.id,
            User.email,
            User.password_hash != accounts.NO_PASSWORD,
            User.sso_subject.is_not(None),
            User.last_sign_in_at,
        ).order_by(User.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "email", "password", "sso", "last_sign_in_at"])


def way_in(session: Session, username: str) -> tuple[bool, bool]:
    """(has a password, has signed in through the provider) of USERNAME's account."""
    row = session.execute(
        select(User.password_hash, User.sso_subject).where(User.username == username)
    ).one_or_none()
    if row is None:
        return False, False
    return accounts.has_password(row.password_hash), row.sso_subject is not None
