"""Sign-in sessions on the server, and the sign-in throttle.

A sign-in creates a `user_sessions` row. The browser's cookie carries a
random token; the database keeps only its SHA-256, so a copy of the database
signs nobody in. The cookie is HttpOnly and set by the server (serve.py): the
script hands the browser a one-time ticket, which the browser trades for the
cookie (`redeem_ticket`). Every script run reads the session with the data
version and the user's role in one statement (`run_context`); a sign-out, a
password change or reset, a deactivation, an admin, or the idle and absolute
limits end the row, and the next run of any browser holding it shows the
sign-in form with the reason.

Failed sign-ins are throttled per typed name and source address, never per
account: a stranger elsewhere cannot shut a colleague out, and a name that
does not exist is treated exactly like one that does (same message, one
bcrypt check either way).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

import bcrypt
import pandas as pd
from sqlalchemy import delete, false, insert, select, update
from sqlalchemy.orm import Session

from db.accounts import check_password, get_user, has_password
from db.config import setting
from db.models import DataVersion, SignInThrottle, User, UserSession

COOKIE_NAME = "integrationskonferenz_sitzung"
TICKET_SECONDS = 120  # how long the browser has to trade its ticket for the cookie
KEEP_ENDED_DAYS = 30  # ended sessions are deleted after this (they only explain a notice)
# The throttle: five failures per name and source are free; then each further try
# must wait, 30 s doubling up to 15 minutes; a quiet day forgets the failures.
FREE_FAILURES = 5
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_FAILURES = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """How long a session lives: without activity (idle) and at most (absolute)."""

    idle: dt.timedelta
    absolute: dt.timedelta

    @property
    def touch_every(self) -> dt.timedelta:
        """How stale `last_seen_at` may get before a run writes it again: rarely
        enough that a warm rerun reads only, often enough for the idle limit."""
        return min(dt.timedelta(minutes=1), self.idle / 10)


def limits() -> Limits:
    """The limits of this deployment (DASHBOARD_SESSION_IDLE_HOURS, _MAX_DAYS)."""
    idle = float(setting("DASHBOARD_SESSION_IDLE_HOURS", "8") or 8)
    absolute = float(setting("DASHBOARD_SESSION_MAX_DAYS", "7") or 7)
    return Limits(dt.timedelta(hours=idle), dt.timedelta(days=absolute))


def digest(secret_value: str) -> str:
    """What the database keeps of a token or a ticket."""
    return hashlib.sha256(secret_value.encode("ascii")).hexdigest()


# --- the run context ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunContext:
    """What every script run needs to know, read in one statement."""

    data_version: int
    session_id: int | None = None
    username: str | None = None
    role: str | None = None
    active: bool = False
    display_name: str | None = None
    created_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    end_reason: str | None = None
    cookie_pending: bool = False  # the browser has not traded its ticket yet
    sso: bool = False  # started by a sign-in through the identity provider (db.sso)

    def end_reason_now(self, now: dt.datetime, lim: Limits) -> str | None:
        """Why this session may not go on at NOW (None: it may). Needs a session."""
        if self.ended_at is not None:
            return self.end_reason or "signed_out"
        if self.role is None or not self.active:
            return "deactivated"
        if self.created_at is not None and now - self.created_at > lim.absolute:
            return "expired"
        if self.last_seen_at is not None and now - self.last_seen_at > lim.idle:
            return "idle"
        return None

    def needs_touch(self, now: dt.datetime, lim: Limits) -> bool:
        return self.last_seen_at is None or now - self.last_seen_at > lim.touch_every


def run_context(
    session: Session, *, session_id: int | None = None, token_hash: str | None = None
) -> RunContext:
    """The data version and, for the session given by id (known to this browser
    session) or by the cookie's token hash, the session and its user."""
    if session_id is not None:
        match = UserSession.id == session_id
    elif token_hash is not None:
        match = UserSession.token_hash == token_hash
    else:
        match = false()
    row = session.execute(
        select(
            DataVersion.value,
            UserSession.id,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.ended_at,
            UserSession.end_reason,
            UserSession.ticket_hash,
            UserSession.sso_login,
            User.username,
            User.role,
            User.active,
            User.display_name,
        )
        .select_from(DataVersion)
        .outerjoin(UserSession, match)
        .outerjoin(User, User.id == UserSession.user_id)
        .where(DataVersion.id == 1)
    ).one_or_none()
    if row is None:
        return RunContext(0)
    return RunContext(
        data_version=row.value,
        session_id=row.id,
        username=row.username,
        role=row.role,
        active=bool(row.active),
        display_name=row.display_name,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        cookie_pending=row.ticket_hash is not None,
        sso=row.sso_login is not None,
    )


# --- sessions -------------------------------------------------------------------------------


def _insert(
    session: Session, user_id: int, user_agent: str | None, now: dt.datetime, **secret: Any
) -> int:
    """A new open session row for USER_ID with SECRET (its token or ticket hash)."""
    return session.execute(
        insert(UserSession)
        .values(
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            user_agent=device(user_agent),
            **secret,
        )
        .returning(UserSession.id)
    ).scalar_one()


def start(
    session: Session,
    user_id: int,
    user_agent: str | None,
    now: dt.datetime,
    sso_login: str | None = None,
) -> tuple[int, str]:
    """A new session for USER_ID (SSO_LOGIN: the hash of the provider sign-in that
    started it, db.sso); returns its id and the one-time ticket that the browser
    trades for the cookie within TICKET_SECONDS."""
    ticket = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(seconds=TICKET_SECONDS)
    session_id = _insert(
        session,
        user_id,
        user_agent,
        now,
        ticket_hash=digest(ticket),
        ticket_expires_at=expires,
        sso_login=sso_login,
    )
    return session_id, ticket


def signed_in(session: Session, user_id: int, now: dt.datetime) -> None:
    """Remember when USER_ID last signed in, either way (shown on the Konten page).
    Not an edit of the account: no version, no audit entry."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(last_sign_in_at=now)
        .execution_options(synchronize_session=False)
    )


def start_with_token(
    session: Session, username: str, user_agent: str | None, now: dt.datetime
) -> str:
    """A new session for USERNAME with its cookie token at once (tests, benchmarks:
    what a browser holds after its sign-in)."""
    user = get_user(session, username)
    if user is None:
        raise LookupError(username)
    token = secrets.token_urlsafe(32)
    _insert(session, user.id, user_agent, now, token_hash=digest(token))
    return token


def redeem_ticket(session: Session, ticket: str, now: dt.datetime) -> str | None:
    """The cookie token for a valid, unused TICKET (and the ticket is used up), or None."""
    token = secrets.token_urlsafe(32)
    done = session.execute(
        update(UserSession)
        .where(
            UserSession.ticket_hash == digest(ticket),
            UserSession.ticket_expires_at > now,
            UserSession.ended_at.is_(None),
        )
        .values(token_hash=digest(token), ticket_hash=None, ticket_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return token if done.rowcount == 1 else None


def touch(session: Session, session_id: int, now: dt.datetime) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def end(session: Session, session_id: int, reason: str, now: dt.datetime) -> bool:
    """End one session (if still open); True if it was open."""
    return _end_where(session, UserSession.id == session_id, reason, now) == 1


def end_all(session: Session, user_id: int, reason: str, now: dt.datetime) -> int:
    """End every open session of USER_ID; returns how many."""
    return _end_where(session, UserSession.user_id == user_id, reason, now)


def _end_where(session: Session, which: Any, reason: str, now: dt.datetime) -> int:
    done = session.execute(
        update(UserSession)
        .where(which, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason, ticket_hash=None, ticket_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


def session_owner(session: Session, session_id: int) -> str | None:
    return session.scalar(
        select(User.username)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == session_id)
    )


def open_sessions(
    session: Session, now: dt.datetime, lim: Limits, username: str | None = None
) -> pd.DataFrame:
    """Sessions still usable at NOW (of USERNAME, or of everyone), newest activity first."""
    query = (
        select(
            UserSession.id,
            User.username,
            User.display_name,
            UserSession.user_agent,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.sso_login.is_not(None),
        )
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.ended_at.is_(None),
            User.active.is_(True),
            UserSession.created_at > now - lim.absolute,
            UserSession.last_seen_at > now - lim.idle,
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    if username is not None:
        query = query.where(User.username == username)
    rows = session.execute(query).all()
    columns = ["id", "username", "display_name", "user_agent", "created_at", "last_seen_at", "sso"]
    return pd.DataFrame(rows, columns=columns)


def device(user_agent: str | None) -> str | None:
    """The browser and system of a User-Agent header in short ("Chrome auf Windows")."""
    if not user_agent:
        return None
    from ua_parser import parse  # imported at sign-in only: it compiles its rules on first use

    result = parse(user_agent[:1000]).with_defaults()
    browser, system = result.user_agent.family, result.os.family
    if browser == "Other" and system == "Other":
        return user_agent[:120]
    parts = [p for p in (browser, system) if p != "Other"]
    return " auf ".join(parts)[:120]


# --- signing in -----------------------------------------------------------------------------


@functools.cache
def _dummy_hash() -> str:
    """A bcrypt hash of the same cost as real ones, for names that do not exist."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt()).decode("ascii")


def throttle_key(secret: str, name: str, source: str | None) -> str:
    message = f"{name}\x00{source or 'lokal'}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignInResult:
    outcome: Literal["ok", "wrong", "throttled", "deactivated"]
    username: str | None = None  # the account's name when it exists (for the log)
    display_name: str | None = None
    session_id: int | None = None
    ticket: str | None = None
    retry_at: dt.datetime | None = None  # after a failure: when the next try is allowed


def _delay(failures: int) -> dt.timedelta | None:
    if failures < FREE_FAILURES:
        return None
    doublings = min(failures - FREE_FAILURES, 10)  # 30 s * 2**10 is past the cap already
    return min(FIRST_DELAY * 2**doublings, MAX_DELAY)


def sign_in(
    session: Session,
    typed_name: str,
    password: str,
    *,
    source: str | None,
    user_agent: str | None,
    secret: str,
    now: dt.datetime,
) -> SignInResult:
    """Check a sign-in and, if right, start a session; the caller commits.

    Unknown and known names take the same path: one bcrypt check (against a
    dummy hash for unknown names), the same failure count, the same answer.
    """
    name = typed_name.strip().lower()
    key = throttle_key(secret, name, source)
    throttle = session.get(SignInThrottle, key)
    if throttle is not None and now - throttle.last_failure_at > FORGET_FAILURES:
        session.delete(throttle)
        session.flush()
        throttle = None
    if throttle is not None and throttle.blocked_until is not None and throttle.blocked_until > now:
        return SignInResult("throttled", retry_at=throttle.blocked_until)
    user = get_user(session, name) if name else None
    # an account without a password (it signs in through the identity provider) is
    # checked against the dummy hash, like an unknown name
    usable = user is not None and has_password(user.password_hash)
    right = check_password(password, user.password_hash if usable else _dummy_hash())
    if not right or not usable:
        failures = (throttle.failures if throttle is not None else 0) + 1
        delay = _delay(failures)
        retry_at = now + delay if delay is not None else None
        if throttle is None:
            session.add(
                SignInThrottle(
                    key=key, failures=failures, last_failure_at=now, blocked_until=retry_at
                )
            )
        else:
            throttle.failures, throttle.last_failure_at = failures, now
            throttle.blocked_until = retry_at
        return SignInResult(
            "wrong", username=user.username if user is not None else None, retry_at=retry_at
        )
    if throttle is not None:
        session.delete(throttle)
    if not user.active:
        return SignInResult("deactivated", username=user.username)
    _forget_old(session, now)
    session_id, ticket = start(session, user.id, user_agent, now)
    signed_in(session, user.id, now)
    return SignInResult(
        "ok",
        username=user.username,
        display_name=user.display_name,
        session_id=session_id,
        ticket=ticket,
    )


def _forget_old(session: Session, now: dt.datetime) -> None:
    """Ended sessions after KEEP_ENDED_DAYS and throttle rows after a quiet day go."""
    keep = dt.timedelta(days=KEEP_ENDED_DAYS)
    session.execute(delete(UserSession).where(UserSession.ended_at < now - keep))
    # a session nobody used again after its limit never got an end of its own
    session.execute(
        delete(UserSession).where(
            UserSession.ended_at.is_(None), UserSession.created_at < now - limits().absolute - keep
        )
    )
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_FAILURES)
    )
