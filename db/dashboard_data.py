"""Read side: aggregations run in the database and come back as DataFrames
or plain values for the views."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import (
    BERLIN,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Sector,
    ThematicArea,
)


def _active_on(day: dt.date):
    return and_(
        Member.active_from <= day,
        or_(Member.active_to.is_(None), Member.active_to >= day),
    )


def active_seats(day: dt.date) -> Select:
    """Members holding a seat on DAY (deputies are not seats of their own)."""
    return select(Member.id).where(_active_on(day), Member.deputy_for_id.is_(None))


def headline_counts(session: Session, day: dt.date) -> dict[str, int]:
    """Active members, deputies, sectors and organisations with an active member."""
    members = session.scalar(select(func.count()).select_from(active_seats(day).subquery()))
    deputies = session.scalar(
        select(func.count(Member.id)).where(_active_on(day), Member.deputy_for_id.is_not(None))
    )
    organisations = session.scalar(
        select(func.count(func.distinct(Member.organisation_id))).where(_active_on(day))
    )
    sectors = session.scalar(select(func.count(Sector.id)))
    return {
        "members": members or 0,
        "deputies": deputies or 0,
        "organisations": organisations or 0,
        "sectors": sectors or 0,
    }


def next_meetings(session: Session, today: dt.date, limit: int = 5) -> pd.DataFrame:
    """The meetings from TODAY on that are not cancelled, soonest first."""
    now = dt.datetime.combine(today, dt.time(), tzinfo=BERLIN)
    stmt = (
        select(
            Meeting.id,
            Meeting.kind,
            Meeting.title,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.location,
            ThematicArea.name.label("area"),
        )
        .outerjoin(ThematicArea, ThematicArea.id == Meeting.area_id)
        .where(Meeting.starts_at >= now, Meeting.status != "cancelled")
        .order_by(Meeting.starts_at)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    return pd.DataFrame(
        rows, columns=["id", "kind", "title", "starts_at", "ends_at", "location", "area"]
    )


MEETING_COLUMNS = [
    "id", "kind", "title", "area_id", "area", "starts_at", "ends_at", "location", "status",
    "notes", "version",
]  # fmt: skip


def meetings(
    session: Session, kinds: tuple[str, ...] = (), area_id: int | None = None
) -> pd.DataFrame:
    """All meetings (optionally of KINDS / in AREA_ID), oldest first."""
    stmt = (
        select(
            Meeting.id,
            Meeting.kind,
            Meeting.title,
            Meeting.area_id,
            ThematicArea.name,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.location,
            Meeting.status,
            Meeting.notes,
            Meeting.version,
        )
        .outerjoin(ThematicArea, ThematicArea.id == Meeting.area_id)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if kinds:
        stmt = stmt.where(Meeting.kind.in_(kinds))
    if area_id is not None:
        stmt = stmt.where(Meeting.area_id == area_id)
    return pd.DataFrame(session.execute(stmt).all(), columns=MEETING_COLUMNS)


def held_plenaries(session: Session, today: dt.date) -> pd.DataFrame:
    """Plenary sittings held before TODAY, newest first."""
    df = meetings(session, kinds=("plenary",))
    df = df[(df["status"] == "held") & (df["starts_at"].map(lambda t: t.date()) < today)]
    return df.iloc[::-1].reset_index(drop=True)


def measures_proposed_at(session: Session, meeting_id: int) -> pd.DataFrame:
    """Measures proposed at MEETING_ID with their current status and progress."""
    rows = session.execute(
        select(Measure.title, MeasureStatus.name, Measure.progress)
        .join(MeasureStatus, MeasureStatus.id == Measure.status_id)
        .where(Measure.proposed_at_meeting_id == meeting_id)
        .order_by(Measure.title)
    ).all()
    return pd.DataFrame(rows, columns=["title", "status", "progress"])
