"""The domain model: SQLAlchemy 2 typed ORM with named constraints.

Sectors, thematic areas and measure statuses are rows that staff can change.
Meeting kind/status, attendance status and user role are fixed vocabularies of
the application (code branches on them) and are guarded by CHECK constraints.
Every editable table carries a `version` column used for optimistic locking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from db import fields
from db.permissions import ROLES

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MEETING_KINDS = ("plenary", "working_group", "other")
MEETING_STATUSES = ("planned", "held", "cancelled")
ATTENDANCE_STATUSES = ("present", "excused", "absent")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BerlinDateTime(TypeDecorator):
    """Time-zone-aware timestamp: stored in UTC, returned in Europe/Berlin.

    SQLite has no time-zone type, so values are stored there as naive UTC; on
    PostgreSQL the column is `timestamptz`. Naive input is refused, because a
    wall-clock time without its zone is ambiguous twice a year.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Zeitangaben brauchen eine Zeitzone (Europe/Berlin).")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(BERLIN)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Mixin: an integer version bumped on every UPDATE (optimistic locking)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Sector(Versioned, Base):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class ThematicArea(Versioned, Base):
    __tablename__ = "thematic_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str] = mapped_column(String(20), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class MeasureStatus(Versioned, Base):
    """A status of a measure, with the percent the forms propose for it.

    `is_done` marks finished measures (never overdue); `is_discontinued`
    marks measures left out of progress figures (zurückgestellt).
    """

    __tablename__ = "measure_statuses"
    __table_args__ = (
        CheckConstraint(
            "default_progress IS NULL OR default_progress BETWEEN 0 AND 100",
            name="default_progress_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    default_progress: Mapped[int | None]
    is_done: Mapped[bool] = mapped_column(default=False)
    is_discontinued: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)


class Organisation(Versioned, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector_id: Mapped[int] = mapped_column(
        ForeignKey("sectors.id", ondelete="RESTRICT"), index=True
    )

    sector: Mapped[Sector] = relationship()


class Member(Versioned, Base):
    """A representative. `deputy_for_id` names the member whose seat this one deputises."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("active_to IS NULL OR active_to >= active_from", name="active_period"),
        CheckConstraint("deputy_for_id IS NULL OR deputy_for_id <> id", name="not_own_deputy"),
        CheckConstraint(
            _in("working_group_role", fields.MEMBER["working_group_role"].choices),
            name="working_group_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    function: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    sector_id: Mapped[int] = mapped_column(
        ForeignKey("sectors.id", ondelete="RESTRICT"), index=True
    )
    active_from: Mapped[dt.date] = mapped_column(Date)
    active_to: Mapped[dt.date | None] = mapped_column(Date)
    deputy_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    working_group_role: Mapped[str | None] = mapped_column(String(20))
    # Set when name and contact details were erased (Art. 17 DSGVO); the record
    # stays for the statistics, see db.privacy.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)

    organisation: Mapped[Organisation] = relationship()
    sector: Mapped[Sector] = relationship()
    areas: Mapped[list[ThematicArea]] = relationship(secondary="working_group_memberships")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class WorkingGroupMembership(Base):
    __tablename__ = "working_group_memberships"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("thematic_areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Meeting(Versioned, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(_in("kind", MEETING_KINDS), name="kind"),
        CheckConstraint(_in("status", MEETING_STATUSES), name="status"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint(
            "kind <> 'working_group' OR area_id IS NOT NULL", name="working_group_has_area"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("thematic_areas.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    location: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    notes: Mapped[str | None] = mapped_column(Text)

    area: Mapped[ThematicArea | None] = relationship()


class Attendance(Versioned, Base):
    """Whether a member attended a meeting; a deputy may attend in the member's place."""

    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint(_in("status", ATTENDANCE_STATUSES), name="status"),
        CheckConstraint(
            "deputy_attended = false OR status <> 'present'", name="deputy_only_when_absent"
        ),
    )

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    deputy_attended: Mapped[bool] = mapped_column(Boolean, default=False)


class Need(Versioned, Base):
    """A need for action (Handlungsbedarf) named in a thematic area."""

    __tablename__ = "needs"
    __table_args__ = (UniqueConstraint("area_id", "title", name="uq_needs_area_id_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("thematic_areas.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))


class Measure(Versioned, Base):
    """A measure (Maßnahme). `progress` NULL means unknown, which is not 0."""

    __tablename__ = "measures"
    __table_args__ = (
        CheckConstraint("progress IS NULL OR progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint(
            "due_date IS NULL OR start_date IS NULL OR due_date >= start_date",
            name="due_after_start",
        ),
        UniqueConstraint("area_id", "title", name="uq_measures_area_id_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("thematic_areas.id", ondelete="RESTRICT"), index=True
    )
    proposed_at_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"))
    responsible: Mapped[str | None] = mapped_column(String(200))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("measure_statuses.id", ondelete="RESTRICT"), index=True
    )
    progress: Mapped[int | None]
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    archived: Mapped[bool] = mapped_column(default=False)

    area: Mapped[ThematicArea] = relationship()
    status: Mapped[MeasureStatus] = relationship()


class ProgressUpdate(Versioned, Base):
    """One entry in a measure's history: date, progress (or unknown), status, note."""

    __tablename__ = "progress_updates"
    __table_args__ = (
        CheckConstraint("progress IS NULL OR progress BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    progress: Mapped[int | None]
    status_id: Mapped[int] = mapped_column(ForeignKey("measure_statuses.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))


class User(Versioned, Base):
    """A sign-in account. Only the bcrypt hash of the password is stored."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        BerlinDateTime, default=lambda: dt.datetime.now(UTC)
    )
    # the identity provider's `sub` of the account, stored at its first sign-in there
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)


# Why a sign-in session ended (db.sessions; the German notices are in components.auth).
SESSION_END_REASONS = (
    "signed_out",
    "signed_out_everywhere",
    "password_changed",
    "password_reset",
    "deactivated",
    "ended_by_admin",
    "idle",
    "expired",
)


class UserSession(Base):
    """One sign-in: the browser's cookie carries a random token, the database only
    its SHA-256. A session ends by sign-out, password change or reset,
    deactivation, an admin, or the idle and absolute limits; an ended row stays
    (with when and why) so that the browser can be told why."""

    __tablename__ = "user_sessions"
    __table_args__ = (CheckConstraint(_in("end_reason", SESSION_END_REASONS), name="end_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # NULL until the browser has traded its one-time ticket for the cookie
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(120))
    ended_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    # set for a sign-in through the identity provider: the SHA-256 of that sign-in
    # (issuer, subject, nonce), so that one provider sign-in starts one session only
    sso_login: Mapped[str | None] = mapped_column(String(64), unique=True)


class SignInThrottle(Base):
    """Failed sign-ins per typed name and source address (keyed by an HMAC of
    both, so a password typed into the name field is never stored)."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime, index=True)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)


AUDIT_ACTIONS = ("insert", "update", "delete", "anonymise")


class AuditEntry(Base):
    """Who changed which record when, with old and new values. Append-only,
    except that anonymising a member erases the member's values (db.privacy)."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint(_in("action", AUDIT_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        BerlinDateTime, default=lambda: dt.datetime.now(UTC), index=True
    )
    username: Mapped[str] = mapped_column(String(60), index=True)
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str] = mapped_column(String(60))
    old_values: Mapped[dict | None] = mapped_column(JSON)
    new_values: Mapped[dict | None] = mapped_column(JSON)


class DataVersion(Base):
    """A single counter bumped by every write; readers key their caches on it."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    value: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(
        BerlinDateTime, default=lambda: dt.datetime.now(UTC)
    )


# What a briefing subscription sends on which occasion (db.subscriptions).
DELIVERY_STATUSES = ("due", "sent", "failed", "given_up")


class BriefingSubscription(Versioned, Base):
    """A scheduled e-mail of the Lagebild (and optionally the deck) to addresses,
    not accounts: weekly on a weekday and hour, and/or DAYS_BEFORE days before
    each plenary sitting and each working-group meeting of the chosen areas."""

    __tablename__ = "briefing_subscriptions"
    __table_args__ = (
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour_range"),
        CheckConstraint(
            "days_before IS NULL OR days_before BETWEEN 0 AND 60", name="days_before_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    recipients: Mapped[list] = mapped_column(JSON)  # e-mail addresses, lower case
    include_deck: Mapped[bool] = mapped_column(default=False)
    weekday: Mapped[int | None]  # 0 = Monday; None: no weekly briefing
    hour: Mapped[int] = mapped_column(default=7)  # Europe/Berlin, weekly and before meetings
    days_before: Mapped[int | None]  # None: no briefing before meetings
    before_plenary: Mapped[bool] = mapped_column(default=False)
    area_ids: Mapped[list] = mapped_column(JSON, default=list)  # working groups of these areas
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(
        BerlinDateTime, default=lambda: dt.datetime.now(UTC)
    )


class BriefingDelivery(Base):
    """One occasion of a subscription (or one test mail). The unique occasion
    makes two planners agree on one row; a run claims a row by setting its
    claim token while the claim is free, so a briefing is sent once even when
    two replicas run at the same moment. A failure keeps the row due with the
    next attempt pushed back."""

    __tablename__ = "briefing_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "occasion"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("briefing_subscriptions.id", ondelete="CASCADE"), index=True
    )
    occasion: Mapped[str] = mapped_column(String(80))  # weekly:2026-02-02, meeting:17:3, test:…
    due_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    status: Mapped[str] = mapped_column(String(20), default="due", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)
    recipient_count: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(60), default="system")


# A member's answer to the invitation to a planned meeting (db.responses). No row
# means no answer yet ("keine Rückmeldung"); the German words are in db.vocabulary.
RESPONSE_ANSWERS = ("accepted", "declined", "deputy")


class MeetingResponse(Versioned, Base):
    """What a member answered to the invitation to a meeting, and when the answer
    came. A member who sends a deputy names a member (`deputy_member_id`) or,
    for someone who is not a member, a name (`deputy_name`); either may still be
    unknown."""

    __tablename__ = "meeting_responses"
    __table_args__ = (
        CheckConstraint(_in("answer", RESPONSE_ANSWERS), name="answer"),
        CheckConstraint(
            "answer = 'deputy' OR (deputy_member_id IS NULL AND deputy_name IS NULL)",
            name="deputy_only_when_announced",
        ),
        CheckConstraint("deputy_member_id IS NULL OR deputy_name IS NULL", name="one_deputy"),
        CheckConstraint(
            "deputy_member_id IS NULL OR deputy_member_id <> member_id", name="not_own_deputy"
        ),
    )

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    answer: Mapped[str] = mapped_column(String(20))
    deputy_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    deputy_name: Mapped[str | None] = mapped_column(String(200))
    received_on: Mapped[dt.date] = mapped_column(Date)


class Presentation(Base):
    """A deck shown on projectors (db.projection): its frozen slides, taken once and
    shared by the presenter and every projector, and the slide on screen."""

    __tablename__ = "presentations"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)  # the slide on screen, from 0
    snapshot_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    started_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    started_by: Mapped[str] = mapped_column(String(60))
    ended_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)


class PresentationSlide(Base):
    """One slide of a presentation's snapshot: its title, the presenter's notes, and
    the chart as the projector shows it (PNG)."""

    __tablename__ = "presentation_slides"
    __table_args__ = (UniqueConstraint("presentation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    presentation_id: Mapped[int] = mapped_column(ForeignKey("presentations.id", ondelete="CASCADE"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    alt_text: Mapped[str] = mapped_column(Text)


class ProjectorLink(Base):
    """A link for the PC behind a projector: shows the slides of the presentation it
    follows and nothing else. Only the SHA-256 of its token is stored."""

    __tablename__ = "projector_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(BerlinDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(BerlinDateTime)
    presentation_id: Mapped[int | None] = mapped_column(
        ForeignKey("presentations.id", ondelete="SET NULL"), index=True
    )
