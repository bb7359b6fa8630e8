"""Scheduled e-mail briefings (issue 21): what a subscription is (its schema,
checked like every form), when it is due, and the reads the admin page and the
sender need. The writes are in db.services.subscriptions.

A due briefing is one row of `briefing_deliveries` per subscription and
occasion ("weekly:2026-02-02", "meeting:17:3"); the unique occasion makes two
runs that plan at once agree on one row, and a run sends a row only after it
has claimed it (db.services.subscriptions.claim_delivery).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import BERLIN, BriefingDelivery, BriefingSubscription, Meeting
from db.validation import EMAIL, Schema, Text

LEASE = dt.timedelta(minutes=15)  # a claim older than this is taken to have died
BACKOFF_FIRST = dt.timedelta(minutes=5)
BACKOFF_MOST = dt.timedelta(hours=6)
MAX_ATTEMPTS = 8  # 5 min, 10, 20 … : about ten hours of trying, then given up
CATCH_UP = dt.timedelta(hours=24)  # a weekly briefing missed by longer is skipped
MAX_RECIPIENTS = 50
SENDABLE = ("due", "failed")  # "failed": the last attempt failed, the next is planned


def _addresses(value: Any) -> list[str]:
    """Addresses typed one a line or separated by commas or semicolons."""
    if isinstance(value, str):
        value = re.split(r"[,;\s]+", value)
    found = [str(v).strip().lower() for v in value or [] if str(v).strip()]
    if not found:
        raise PydanticCustomError("missing", "ist ein Pflichtfeld.")
    for address in found:
        if len(address) > 254 or not EMAIL.match(address):
            raise PydanticCustomError(
                "email", "„{address}“ ist keine gültige E-Mail-Adresse.", {"address": address}
            )
    if len(found) > MAX_RECIPIENTS:
        raise PydanticCustomError("too_many", f"höchstens {MAX_RECIPIENTS} Adressen.")
    return list(dict.fromkeys(found))


class SubscriptionInput(Schema):
    name: Text("Bezeichnung", 120)
    recipients: Annotated[list[str], BeforeValidator(_addresses), Field(title="Empfänger")]
    include_deck: bool = Field(False, title="Präsentation (PDF) anhängen")
    weekday: int | None = Field(None, title="Wochentag", ge=0, le=6)
    hour: int = Field(7, title="Uhrzeit (volle Stunde)", ge=0, le=23)
    days_before: int | None = Field(None, title="Tage vor dem Termin", ge=0, le=60)
    before_plenary: bool = Field(False, title="Vor Plenarsitzungen")
    area_ids: list[int] = Field(default_factory=list, title="Vor Sitzungen der Arbeitsgruppen")
    active: bool = Field(True, title="Aktiv")

    @model_validator(mode="after")
    def _has_schedule(self) -> SubscriptionInput:
        if self.days_before is not None and not (self.before_plenary or self.area_ids):
            raise PydanticCustomError(
                "no_meetings",
                "Tage vor dem Termin: bitte Plenarsitzungen oder mindestens eine "
                "Arbeitsgruppe wählen.",
            )
        if self.weekday is None and self.days_before is None:
            raise PydanticCustomError(
                "no_schedule",
                "Zeitplan: bitte einen Wochentag oder Tage vor dem Termin angeben.",
            )
        return self


# --------------------------------------------------------------------------- when


@dataclass(frozen=True)
class Occasion:
    """One briefing a subscription owes: its key, when it falls due, who set it up."""

    subscription_id: int
    occasion: str
    due_at: dt.datetime
    requested_by: str


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def last_weekly(weekday: int, hour: int, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The latest weekly moment (WEEKDAY at HOUR, Berlin) not after NOW, and its key."""
    local = now.astimezone(BERLIN)
    day = local.date() - dt.timedelta(days=(local.weekday() - weekday) % 7)
    if _at(day, hour) > local:
        day -= dt.timedelta(days=7)
    return f"weekly:{day.isoformat()}", _at(day, hour)


def _wanted(sub: BriefingSubscription, meetings: list[Meeting], now: dt.datetime):
    if sub.weekday is not None:
        key, due = last_weekly(sub.weekday, sub.hour, now)
        if now - due <= CATCH_UP and due >= sub.created_at:
            yield key, due
    if sub.days_before is None:
        return
    for meeting in meetings:
        chosen = (meeting.kind == "plenary" and sub.before_plenary) or (
            meeting.kind == "working_group" and meeting.area_id in sub.area_ids
        )
        start = meeting.starts_at.astimezone(BERLIN)
        due = _at(start.date() - dt.timedelta(days=sub.days_before), sub.hour)
        if chosen and due <= now < start:
            yield f"meeting:{meeting.id}:{sub.days_before}", due


def new_occasions(session: Session, now: dt.datetime) -> list[Occasion]:
    """The occasions of active subscriptions due at NOW that have no delivery row yet."""
    subs = session.scalars(select(BriefingSubscription).where(BriefingSubscription.active)).all()
    if not subs:
        return []
    meetings = session.scalars(
        select(Meeting).where(
            Meeting.status == "planned",
            Meeting.kind.in_(("plenary", "working_group")),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + dt.timedelta(days=62),
        )
    ).all()
    known = set(
        session.execute(
            select(BriefingDelivery.subscription_id, BriefingDelivery.occasion).where(
                BriefingDelivery.due_at >= now - dt.timedelta(days=62)
            )
        ).all()
    )
    return [
        Occasion(sub.id, key, due, sub.created_by)
        for sub in subs
        for key, due in _wanted(sub, meetings, now)
        if (sub.id, key) not in known
    ]


def sendable_ids(session: Session, now: dt.datetime) -> list[int]:
    """Deliveries due at NOW whose back-off is over and that nobody holds, oldest first."""
    return list(
        session.scalars(
            select(BriefingDelivery.id)
            .where(
                BriefingDelivery.status.in_(SENDABLE),
                BriefingDelivery.next_attempt_at <= now,
                or_(BriefingDelivery.claimed_until.is_(None), BriefingDelivery.claimed_until < now),
            )
            .order_by(BriefingDelivery.due_at, BriefingDelivery.id)
        )
    )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ATTEMPTS-th failed attempt."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MOST)


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class Job:
    """What the sender needs of one claimed delivery (plain values)."""

    delivery_id: int
    subscription_id: int
    name: str
    recipients: tuple[str, ...]
    include_deck: bool
    occasion: str
    attempts: int
    meeting_title: str | None
    meeting_starts_at: dt.datetime | None

    @property
    def is_test(self) -> bool:
        return self.occasion.startswith("test:")


def job(session: Session, delivery_id: int) -> Job:
    delivery = session.get(BriefingDelivery, delivery_id)
    sub = session.get(BriefingSubscription, delivery.subscription_id)
    meeting = None
    if delivery.occasion.startswith("meeting:"):
        meeting = session.get(Meeting, int(delivery.occasion.split(":")[1]))
    return Job(
        delivery.id,
        sub.id,
        sub.name,
        tuple(sub.recipients),
        sub.include_deck,
        delivery.occasion,
        delivery.attempts,
        meeting.title if meeting else None,
        meeting.starts_at if meeting else None,
    )


def subscriptions(session: Session) -> pd.DataFrame:
    """Every subscription with its last delivery (when, status, last error), for the admin page."""
    subs = pd.DataFrame(
        [
            {c.key: getattr(s, c.key) for c in BriefingSubscription.__mapper__.column_attrs}
            for s in session.scalars(
                select(BriefingSubscription).order_by(BriefingSubscription.name)
            )
        ],
        columns=[c.key for c in BriefingSubscription.__mapper__.column_attrs],
    )
    history = deliveries(session)
    latest = history.sort_values("id").groupby("subscription_id").tail(1)
    latest = latest.set_index("subscription_id")
    sent = history[history["status"] == "sent"].groupby("subscription_id")["sent_at"].max()
    subs["last_sent_at"] = subs["id"].map(sent)
    for column in ("status", "last_error", "next_attempt_at", "attempts"):
        subs[f"latest_{column}"] = subs["id"].map(latest[column])
    return subs


def deliveries(session: Session, subscription_id: int | None = None) -> pd.DataFrame:
    """Delivery rows (newest first), of one subscription or all."""
    stmt = select(BriefingDelivery).order_by(BriefingDelivery.id.desc())
    if subscription_id is not None:
        stmt = stmt.where(BriefingDelivery.subscription_id == subscription_id)
    columns = [c.key for c in BriefingDelivery.__mapper__.column_attrs]
    rows = pd.DataFrame(
        [{key: getattr(d, key) for key in columns} for d in session.scalars(stmt)],
        columns=columns,
    )
    meeting_ids = {int(o.split(":")[1]) for o in rows["occasion"] if str(o).startswith("meeting:")}
    titles = dict(
        session.execute(select(Meeting.id, Meeting.title).where(Meeting.id.in_(meeting_ids))).all()
    )
    rows["meeting_title"] = [
        titles.get(int(o.split(":")[1])) if str(o).startswith("meeting:") else None
        for o in rows["occasion"]
    ]
    return rows
