"""The Beamer view's data: projector links, presentations and their frozen slides.

A projector link is a long random token for the PC behind a projector; only its
SHA-256 is stored (as for sign-in sessions), it expires and can be revoked, and
it shows slides and nothing else. A presentation holds one snapshot of the deck
(each slide's title, notes and image, taken once) and the slide on screen; the
presenter and every projector following it read the same rows, so a reload or
another replica shows the same figures until the presenter takes a new snapshot.

None of these writes bumps the data version: a click on "Weiter" must not make
every dashboard read its data anew. A projector asks `projector_state` once a
second: one small query by the token's hash, no images.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db import logs
from db.errors import NotFound, ValidationError
from db.models import Presentation, PresentationSlide, ProjectorLink
from db.permissions import Actor, require
from db.sessions import digest

LINK_DAYS_DEFAULT = 365
LINK_DAYS_MAX = 5 * 365


@dataclass(frozen=True)
class SlideSnapshot:
    """One slide as taken: what the hall sees (title, image) and the presenter reads."""

    key: str
    title: str
    notes: str
    image: bytes
    alt_text: str


@dataclass(frozen=True)
class ProjectorState:
    """What a projector shows now. `link_ok` False: revoked or expired (show a notice,
    no data). `presentation_id` None: nothing on the projector (the title slide)."""

    link_ok: bool
    label: str
    presentation_id: int | None
    position: int
    snapshot_at: dt.datetime | None

    @property
    def showing(self) -> tuple[int, int, dt.datetime | None] | None:
        """What identifies the slide on screen (to fetch its image only when it changes)."""
        if not self.link_ok or self.presentation_id is None:
            return None
        return (self.presentation_id, self.position, self.snapshot_at)


# --- projector links ------------------------------------------------------------------------


def create_link(session: Session, actor: Actor, label: str, days: int, now: dt.datetime) -> str:
    """A new projector link called LABEL, valid DAYS from NOW; returns its token (shown
    once, never stored)."""
    require(actor, "admin")
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError("Bezeichnung", "ist ein Pflichtfeld.")
    if len(label) > 80:
        raise ValidationError("Bezeichnung", "darf höchstens 80 Zeichen lang sein.")
    if not 1 <= days <= LINK_DAYS_MAX:
        raise ValidationError("Gültig für (Tage)", f"muss zwischen 1 und {LINK_DAYS_MAX} liegen.")
    token = secrets.token_urlsafe(32)
    session.add(
        ProjectorLink(
            label=label,
            token_hash=digest(token),
            created_by=actor.username,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    session.flush()
    logs.event("projector_link_created", user=actor.username, label=label, days=days)
    return token


def revoke_link(session: Session, actor: Actor, link_id: int, now: dt.datetime) -> None:
    require(actor, "admin")
    link = session.get(ProjectorLink, link_id)
    if link is None:
        raise NotFound("Den Beamer-Link gibt es nicht (mehr).")
    if link.revoked_at is None:
        link.revoked_at = now
        link.presentation_id = None
        logs.event("projector_link_revoked", user=actor.username, link_id=link_id)


def links(session: Session, now: dt.datetime) -> pd.DataFrame:
    """Every projector link: id, label, created_by, created_at, expires_at, revoked_at,
    state ("active", "expired", "revoked") and the presentation it follows."""
    stmt = (
        select(
            ProjectorLink.id,
            ProjectorLink.label,
            ProjectorLink.created_by,
            ProjectorLink.created_at,
            ProjectorLink.expires_at,
            ProjectorLink.revoked_at,
            Presentation.title.label("presentation"),
        )
        .outerjoin(Presentation, Presentation.id == ProjectorLink.presentation_id)
        .order_by(ProjectorLink.label, ProjectorLink.id)
    )
    df = pd.DataFrame(
        session.execute(stmt).all(),
        columns=[
            "id", "label", "created_by", "created_at", "expires_at", "revoked_at",
            "presentation",
        ],
    )  # fmt: skip
    df["state"] = [
        "revoked" if pd.notna(revoked) else "expired" if expires <= now else "active"
        for revoked, expires in zip(df["revoked_at"], df["expires_at"], strict=True)
    ]
    return df


def projector_state(session: Session, token: str, now: dt.datetime) -> ProjectorState | None:
    """What the projector with TOKEN shows (one query); None for an unknown token."""
    row = session.execute(
        select(
            ProjectorLink.label,
            ProjectorLink.expires_at,
            ProjectorLink.revoked_at,
            Presentation.id,
            Presentation.position,
            Presentation.snapshot_at,
            Presentation.ended_at,
        )
        .outerjoin(Presentation, Presentation.id == ProjectorLink.presentation_id)
        .where(ProjectorLink.token_hash == digest(token))
    ).one_or_none()
    if row is None:
        return None
    label, expires_at, revoked_at, presentation_id, position, snapshot_at, ended_at = row
    ok = revoked_at is None and expires_at > now
    if not ok or ended_at is not None:
        presentation_id = None
    return ProjectorState(ok, label, presentation_id, position or 0, snapshot_at)


# --- presentations --------------------------------------------------------------------------


def _slides(presentation_id: int, slides: Sequence[SlideSnapshot]) -> list[PresentationSlide]:
    return [
        PresentationSlide(
            presentation_id=presentation_id,
            position=position,
            key=s.key,
            title=s.title,
            notes=s.notes,
            image=s.image,
            alt_text=s.alt_text,
        )
        for position, s in enumerate(slides)
    ]


def start(
    session: Session,
    actor: Actor,
    title: str,
    sitting_id: int | None,
    slides: Sequence[SlideSnapshot],
    link_ids: Sequence[int],
    now: dt.datetime,
) -> int:
    """A new presentation of SLIDES (taken at NOW), on its first slide, followed by the
    projectors LINK_IDS; returns its id."""
    require(actor, "viewer")
    if not slides:
        raise ValidationError("Folien", "Bitte mindestens eine Folie auswählen.")
    if not link_ids:
        raise ValidationError("Beamer", "Bitte mindestens einen Beamer wählen.")
    presentation = Presentation(
        title=title[:200],
        sitting_id=sitting_id,
        position=0,
        snapshot_at=now,
        started_at=now,
        started_by=actor.username,
    )
    session.add(presentation)
    session.flush()
    session.add_all(_slides(presentation.id, slides))
    logs.event("presentation_started", user=actor.username, presentation_id=presentation.id)
    attach(session, actor, presentation.id, link_ids, now)
    return presentation.id


def _running(session: Session, presentation_id: int) -> Presentation:
    presentation = session.get(Presentation, presentation_id)
    if presentation is None or presentation.ended_at is not None:
        raise NotFound("Diese Präsentation läuft nicht mehr.")
    return presentation


def refresh(
    session: Session,
    actor: Actor,
    presentation_id: int,
    slides: Sequence[SlideSnapshot],
    now: dt.datetime,
) -> None:
    """Replace the snapshot of PRESENTATION_ID by SLIDES (the presenter and every
    projector show the new figures from the next second on)."""
    require(actor, "viewer")
    presentation = _running(session, presentation_id)
    if not slides:
        raise ValidationError("Folien", "Bitte mindestens eine Folie auswählen.")
    session.execute(
        delete(PresentationSlide).where(PresentationSlide.presentation_id == presentation_id)
    )
    session.add_all(_slides(presentation_id, slides))
    presentation.snapshot_at = now
    presentation.position = min(presentation.position, len(slides) - 1)
    logs.event("presentation_refreshed", user=actor.username, presentation_id=presentation_id)


def move(session: Session, actor: Actor, presentation_id: int, position: int) -> int:
    """Put slide POSITION (kept within the deck) on screen; returns the position."""
    require(actor, "viewer")
    count = len(slide_keys(session, presentation_id))
    position = max(0, min(position, count - 1))
    done = session.execute(
        update(Presentation)
        .where(Presentation.id == presentation_id, Presentation.ended_at.is_(None))
        .values(position=position)
    )
    if done.rowcount == 0:
        raise NotFound("Diese Präsentation läuft nicht mehr.")
    return position


def attach(
    session: Session, actor: Actor, presentation_id: int, link_ids: Sequence[int], now: dt.datetime
) -> None:
    """Make the projectors LINK_IDS follow PRESENTATION_ID (and only these of the links
    that followed it before)."""
    require(actor, "viewer")
    _running(session, presentation_id)
    session.execute(
        update(ProjectorLink)
        .where(
            ProjectorLink.presentation_id == presentation_id,
            ProjectorLink.id.not_in(list(link_ids)),
        )
        .values(presentation_id=None)
    )
    for link in session.scalars(select(ProjectorLink).where(ProjectorLink.id.in_(link_ids))):
        if link.revoked_at is not None or link.expires_at <= now:
            raise ValidationError("Beamer", f"Der Link „{link.label}“ gilt nicht mehr.")
        link.presentation_id = presentation_id
    logs.event(
        "presentation_on_projectors",
        user=actor.username,
        presentation_id=presentation_id,
        links=len(link_ids),
    )


def end(session: Session, actor: Actor, presentation_id: int, now: dt.datetime) -> None:
    """End PRESENTATION_ID: its projectors go back to the title slide."""
    require(actor, "viewer")
    presentation = _running(session, presentation_id)
    presentation.ended_at = now
    session.execute(
        update(ProjectorLink)
        .where(ProjectorLink.presentation_id == presentation_id)
        .values(presentation_id=None)
    )
    logs.event("presentation_ended", user=actor.username, presentation_id=presentation_id)


def running(session: Session) -> pd.DataFrame:
    """Presentations that have not ended, newest first: id, title, started_by,
    started_at, snapshot_at, position, and how many projectors follow each."""
    stmt = (
        select(
            Presentation.id,
            Presentation.title,
            Presentation.started_by,
            Presentation.started_at,
            Presentation.snapshot_at,
            Presentation.position,
        )
        .where(Presentation.ended_at.is_(None))
        .order_by(Presentation.started_at.desc(), Presentation.id.desc())
    )
    df = pd.DataFrame(
        session.execute(stmt).all(),
        columns=["id", "title", "started_by", "started_at", "snapshot_at", "position"],
    )
    counts = dict(
        session.execute(
            select(ProjectorLink.presentation_id, func.count())
            .where(ProjectorLink.presentation_id.is_not(None))
            .group_by(ProjectorLink.presentation_id)
        ).all()
    )
    df["projectors"] = [counts.get(presentation_id, 0) for presentation_id in df["id"]]
    return df


def following(session: Session, presentation_id: int) -> list[int]:
    """The ids of the projector links following PRESENTATION_ID."""
    return list(
        session.scalars(
            select(ProjectorLink.id)
            .where(ProjectorLink.presentation_id == presentation_id)
            .order_by(ProjectorLink.id)
        )
    )


def slide_keys(session: Session, presentation_id: int) -> list[str]:
    return list(
        session.scalars(
            select(PresentationSlide.key)
            .where(PresentationSlide.presentation_id == presentation_id)
            .order_by(PresentationSlide.position)
        )
    )


def slide(session: Session, presentation_id: int, position: int) -> SlideSnapshot | None:
    """Slide POSITION of the snapshot of PRESENTATION_ID (None past its end)."""
    row = session.scalars(
        select(PresentationSlide).where(
            PresentationSlide.presentation_id == presentation_id,
            PresentationSlide.position == position,
        )
    ).one_or_none()
    if row is None:
        return None
    return SlideSnapshot(row.key, row.title, row.notes, row.image, row.alt_text)
