"""Sending the scheduled briefings (CLI `send-due-briefings`) and the test mail
of the admin page: plan what is due, claim one delivery at a time, build the
mail, hand it to SMTP, record the outcome. A failure keeps the delivery due
with its next attempt backed off (db.subscriptions.backoff).

No Streamlit here; the engine and the SMTP settings come from the caller.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from components import briefing_mail
from components.briefing_pdf import briefing_pdf
from db import logs, mail, services, subscriptions
from db.briefing_figures import Briefing, build_briefing
from db.config import SmtpSettings
from db.engine import session_scope
from db.models import BERLIN
from db.permissions import SYSTEM, Actor


@dataclass
class Run:
    """What one run did; ERRORS: the German reason of each failed delivery."""

    planned: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Built:
    """Figures and PDFs made once per run and day (every subscription gets the same)."""

    briefing: Briefing | None = None
    lagebild: bytes | None = None
    deck: bytes | None = None


def _deck_pdf(session: Session, today: dt.date) -> bytes:
    """The presentation deck (every slide) about the last held plenary sitting."""
    from components import deck_export, deck_slides
    from db import deck_data

    held = deck_data.sittings(session, today)
    sitting_id = int(held.iloc[0]["id"]) if len(held) else None
    frozen = deck_data.deck_data(session, today, sitting_id)
    keys = [slide.key for slide in deck_slides.SLIDES]
    return deck_export.deck_pdf(deck_slides.export_slides(frozen, keys))


def _message(engine: Engine, delivery_id: int, now: dt.datetime, built: _Built):
    today = now.astimezone(BERLIN).date()
    with Session(engine) as session:
        job = subscriptions.job(session, delivery_id)
        if built.briefing is None:
            built.briefing = build_briefing(session, today)
            built.lagebild = briefing_pdf(built.briefing)
        if job.include_deck and built.deck is None:
            built.deck = _deck_pdf(session, today)
    deck = built.deck if job.include_deck else None
    return job, briefing_mail.message(job, built.briefing, built.lagebild, deck, now)


def deliver(
    engine: Engine,
    actor: Actor,
    delivery_id: int,
    token: str,
    now: dt.datetime,
    settings: SmtpSettings,
    built: _Built | None = None,
    retry: bool = True,
) -> str | None:
    """Send our claimed DELIVERY_ID and record how it went; the error, or None."""
    error, job = None, None
    try:
        job, msg = _message(engine, delivery_id, now, built or _Built())
        mail.send(msg, settings)
    except mail.MailError as exc:
        error = str(exc)
        logs.error("briefing_failed", exc, delivery_id=delivery_id, reason=error)
    except Exception as exc:  # a briefing that cannot be built must not stop the others
        error = f"Das Lagebild konnte nicht erstellt werden ({type(exc).__name__})."
        logs.error("briefing_not_built", exc, delivery_id=delivery_id)
    with session_scope(engine, actor) as session:
        if error is None:
            services.record_sent(session, actor, delivery_id, token, len(job.recipients), now)
        else:
            services.record_failure(session, actor, delivery_id, token, error, now, retry)
    if error is None:
        logs.event(
            "briefing_sent",
            user=actor.username,
            delivery_id=delivery_id,
            subscription_id=job.subscription_id,
            recipients=len(job.recipients),
            attempt=job.attempts,
        )
    return error


def send_due(engine: Engine, now: dt.datetime, settings: SmtpSettings) -> Run:
    """Plan the briefings due at NOW and send every one this run can claim."""
    run = Run()
    with Session(engine) as session:
        occasions = subscriptions.new_occasions(session, now)
    if occasions:
        with session_scope(engine, SYSTEM) as session:
            run.planned = services.plan_deliveries(session, SYSTEM, occasions)
    with Session(engine) as session:
        candidates = subscriptions.sendable_ids(session, now)
    token, built = secrets.token_hex(16), _Built()
    for delivery_id in candidates:
        with session_scope(engine, SYSTEM) as session:
            if not services.claim_delivery(session, SYSTEM, delivery_id, token, now):
                continue  # another run has it
        error = deliver(engine, SYSTEM, delivery_id, token, now, settings, built)
        if error is None:
            run.sent += 1
        else:
            run.errors.append(error)
    return run


def send_test(
    engine: Engine, actor: Actor, subscription_id: int, now: dt.datetime, settings: SmtpSettings
) -> str | None:
    """ "Jetzt senden": one mail of SUBSCRIPTION_ID now, as ACTOR (not retried)."""
    token = secrets.token_hex(16)
    with session_scope(engine, actor) as session:
        delivery_id = services.request_test_mail(session, actor, subscription_id, now)
    with session_scope(engine, actor) as session:
        if not services.claim_delivery(session, actor, delivery_id, token, now):
            return None  # a scheduled run took it first and sends it
    return deliver(engine, actor, delivery_id, token, now, settings, retry=False)
