"""Writes of the scheduled briefings: subscriptions (admin page), and the
deliveries' plan, claim and outcome (the sender, as the system account).

On SQLite a transaction that has read may not start writing once another
process has written (the write lock is refused at once, without waiting), so
every service the sender runs concurrently begins with its write: the insert
of the plan, the conditional update of the claim, the release of the claim.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db import audit
from db.errors import ValidationError
from db.models import BriefingDelivery, BriefingSubscription, ThematicArea
from db.permissions import Actor
from db.services.core import apply, check_version, ensure_unique, load, write_service
from db.subscriptions import LEASE, MAX_ATTEMPTS, SENDABLE, Occasion, SubscriptionInput, backoff
from db.validation import check

WHAT = "Das Abonnement"
AREAS = SubscriptionInput.model_fields["area_ids"].title


@write_service("admin")
def save_subscription(
    session: Session,
    actor: Actor,
    subscription_id: int | None,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> int:
    """Create (SUBSCRIPTION_ID None) or change a subscription; returns its id."""
    data = check(SubscriptionInput, values)
    ensure_unique(session, BriefingSubscription.name, data.name, subscription_id, "Bezeichnung")
    known = set(session.scalars(select(ThematicArea.id)))
    if set(data.area_ids) - known:
        raise ValidationError(AREAS, "Diesen Themenbereich gibt es nicht (mehr).")
    if subscription_id is None:
        sub = BriefingSubscription(**data.model_dump(), created_by=actor.username)
        session.add(sub)
        session.flush()
        return sub.id
    sub = load(session, BriefingSubscription, subscription_id, WHAT)
    check_version(session, sub, expected_version, WHAT)
    apply(sub, data)
    return sub.id


@write_service("admin")
def delete_subscription(
    session: Session, actor: Actor, subscription_id: int, expected_version: int | None = None
) -> None:
    """Delete a subscription and its planned deliveries (the audit trail keeps them)."""
    sub = load(session, BriefingSubscription, subscription_id, WHAT)
    check_version(session, sub, expected_version, WHAT)
    for delivery in session.scalars(
        select(BriefingDelivery).where(BriefingDelivery.subscription_id == subscription_id)
    ):
        session.delete(delivery)
    session.delete(sub)


@write_service("admin")
def request_test_mail(
    session: Session, actor: Actor, subscription_id: int, now: dt.datetime
) -> int:
    """A delivery of SUBSCRIPTION_ID due now, outside its schedule ("Jetzt senden")."""
    load(session, BriefingSubscription, subscription_id, WHAT)
    delivery = BriefingDelivery(
        subscription_id=subscription_id,
        occasion=f"test:{now.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S.%f}",
        due_at=now,
        status="due",
        attempts=0,
        next_attempt_at=now,
        requested_by=actor.username,
    )
    session.add(delivery)
    session.flush()
    return delivery.id


@write_service("admin")
def plan_deliveries(session: Session, actor: Actor, occasions: list[Occasion]) -> int:
    """Insert a due delivery per occasion that has none yet; returns how many were new.

    Two runs planning the same occasion at once insert one row: the other's
    insert does nothing (ON CONFLICT DO NOTHING on the unique occasion).
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    planned = []
    for o in occasions:
        row = {
            "subscription_id": o.subscription_id,
            "occasion": o.occasion,
            "due_at": o.due_at,
            "status": "due",
            "attempts": 0,
            "next_attempt_at": o.due_at,
            "requested_by": o.requested_by,
        }
        stmt = (
            dialect.insert(BriefingDelivery)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["subscription_id", "occasion"])
            .returning(BriefingDelivery.id)
        )
        new_id = session.scalar(stmt)
        if new_id is not None:
            planned.append({**row, "id": new_id})
    audit.record_inserts(session, BriefingDelivery, planned)
    return len(planned)


@write_service("admin")
def claim_delivery(
    session: Session, actor: Actor, delivery_id: int, token: str, now: dt.datetime
) -> bool:
    """Take DELIVERY_ID for sending, if it is still due and nobody holds it.

    One conditional UPDATE: of two runs claiming at once, the database lets one
    change the row; the other's condition no longer holds and it changes nothing.
    """
    result = session.execute(
        update(BriefingDelivery)
        .where(
            BriefingDelivery.id == delivery_id,
            BriefingDelivery.status.in_(SENDABLE),
            BriefingDelivery.next_attempt_at <= now,
            or_(BriefingDelivery.claimed_until.is_(None), BriefingDelivery.claimed_until < now),
        )
        .values(
            claim_token=token,
            claimed_until=now + LEASE,
            attempts=BriefingDelivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release(session: Session, delivery_id: int, token: str) -> BriefingDelivery | None:
    """End our claim on DELIVERY_ID (the first statement: a write); None if it is not ours."""
    result = session.execute(
        update(BriefingDelivery)
        .where(BriefingDelivery.id == delivery_id, BriefingDelivery.claim_token == token)
        .values(claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return session.get(BriefingDelivery, delivery_id) if result.rowcount == 1 else None


@write_service("admin")
def record_sent(
    session: Session,
    actor: Actor,
    delivery_id: int,
    token: str,
    recipients: int,
    now: dt.datetime,
) -> bool:
    """Mark our claimed delivery sent to RECIPIENTS addresses (audited: when, how many)."""
    delivery = _release(session, delivery_id, token)
    if delivery is None:
        return False
    delivery.status, delivery.sent_at, delivery.recipient_count = "sent", now, recipients
    delivery.last_error = None
    return True


@write_service("admin")
def record_failure(
    session: Session,
    actor: Actor,
    delivery_id: int,
    token: str,
    error: str,
    now: dt.datetime,
    retry: bool = True,
) -> bool:
    """Keep our claimed delivery due with the next attempt backed off (or give it up
    after MAX_ATTEMPTS, or at once without RETRY), with ERROR for the admin page."""
    delivery = _release(session, delivery_id, token)
    if delivery is None:
        return False
    delivery.last_error = error[:500]
    if retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = "failed"
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    else:
        delivery.status = "given_up"
    return True
