"""Participation by sector: membership composition and attendance, aggregated
in the database. A seat counts as attended when the member or the member's
deputy came."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session

from db.dashboard_data import active_seats
from db.models import (
    BERLIN,
    Attendance,
    Meeting,
    Member,
    Organisation,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)

ATTENDANCE_COLUMNS = [
    "meeting_id",
    "title",
    "kind",
    "area",
    "starts_at",
    "sector",
    "sector_order",
    "invited",
    "present",
    "deputy",
    "excused",
    "absent",
]


def seats_per_sector(session: Session, day: dt.date) -> pd.DataFrame:
    """Active seats per sector on DAY, every sector listed, in the sectors' order.

    Columns: sector, sector_order, members, share (of all seats).
    """
    seats = active_seats(day).add_columns(Member.sector_id).subquery()
    stmt = (
        select(
            Sector.name.label("sector"), Sector.sort_order, func.count(seats.c.id).label("members")
        )
        .outerjoin(seats, seats.c.sector_id == Sector.id)
        .group_by(Sector.id, Sector.name, Sector.sort_order)
        .order_by(Sector.sort_order, Sector.name)
    )
    df = pd.DataFrame(session.execute(stmt).all(), columns=["sector", "sector_order", "members"])
    total = df["members"].sum()
    df["share"] = df["members"] / total if total else 0.0
    return df


def composition(session: Session, day: dt.date) -> pd.DataFrame:
    """Active seats per sector and per working group; the rows of all seats (the
    sector's total) have no area (None) and come first.

    Columns: sector, sector_order, area, area_order, members, share (of the area's total).
    """
    seats = active_seats(day).add_columns(Member.sector_id).subquery()
    per_area = (
        select(
            Sector.name.label("sector"),
            Sector.sort_order,
            ThematicArea.name.label("area"),
            ThematicArea.sort_order.label("area_order"),
            func.count(WorkingGroupMembership.member_id).label("members"),
        )
        .select_from(seats)
        .join(Sector, Sector.id == seats.c.sector_id)
        .join(WorkingGroupMembership, WorkingGroupMembership.member_id == seats.c.id)
        .join(ThematicArea, ThematicArea.id == WorkingGroupMembership.area_id)
        .group_by(
            Sector.id,
            Sector.name,
            Sector.sort_order,
            ThematicArea.id,
            ThematicArea.name,
            ThematicArea.sort_order,
        )
    )
    df_total = seats_per_sector(session, day).drop(columns="share")
    df_total["area"], df_total["area_order"] = None, -1
    df_area = pd.DataFrame(
        session.execute(per_area).all(),
        columns=["sector", "sector_order", "area", "area_order", "members"],
    )
    df = pd.concat([df_total, df_area], ignore_index=True) if not df_area.empty else df_total
    sums = df.groupby("area", dropna=False)["members"].transform("sum")
    df["share"] = (df["members"] / sums.where(sums > 0)).fillna(0.0)
    return df.sort_values(["area_order", "sector_order"]).reset_index(drop=True)


def attendance_by_sector(
    session: Session,
    since: dt.date | None = None,
    until: dt.date | None = None,
    kinds: tuple[str, ...] = (),
    area_id: int | None = None,
) -> pd.DataFrame:
    """Per held meeting and sector: invited seats, present in person, deputy
    attended, excused, absent. `rate` = (present + deputy) / invited."""
    count_if = lambda cond: func.sum(cast(case((cond, 1), else_=0), Integer))  # noqa: E731
    stmt = (
        select(
            Meeting.id,
            Meeting.title,
            Meeting.kind,
            ThematicArea.name,
            Meeting.starts_at,
            Sector.name,
            Sector.sort_order,
            func.count(),
            count_if(Attendance.status == "present"),
            count_if(Attendance.deputy_attended),
            count_if(and_(Attendance.status == "excused", ~Attendance.deputy_attended)),
            count_if(and_(Attendance.status == "absent", ~Attendance.deputy_attended)),
        )
        .select_from(Attendance)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Member, Member.id == Attendance.member_id)
        .join(Sector, Sector.id == Member.sector_id)
        .outerjoin(ThematicArea, ThematicArea.id == Meeting.area_id)
        .where(Meeting.status == "held")
        .group_by(
            Meeting.id,
            Meeting.title,
            Meeting.kind,
            ThematicArea.name,
            Meeting.starts_at,
            Sector.id,
            Sector.name,
            Sector.sort_order,
        )
        .order_by(Meeting.starts_at, Sector.sort_order)
    )
    if since:
        stmt = stmt.where(Meeting.starts_at >= dt.datetime.combine(since, dt.time(), tzinfo=BERLIN))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=BERLIN)
        stmt = stmt.where(Meeting.starts_at < end)
    if kinds:
        stmt = stmt.where(Meeting.kind.in_(kinds))
    if area_id is not None:
        stmt = stmt.where(Meeting.area_id == area_id)
    df = pd.DataFrame(session.execute(stmt).all(), columns=ATTENDANCE_COLUMNS)
    df["attended"] = df["present"] + df["deputy"]
    df["rate"] = (df["attended"] / df["invited"].where(df["invited"] > 0)).astype(float)
    return df


def meeting_rates(session: Session, kinds: tuple[str, ...] = ("plenary",)) -> pd.DataFrame:
    """Attendance rate per held meeting (all sectors), oldest first."""
    df = attendance_by_sector(session, kinds=kinds)
    if df.empty:
        return pd.DataFrame(
            columns=["meeting_id", "title", "starts_at", "invited", "attended", "rate"]
        )
    grouped = df.groupby(["meeting_id", "title", "starts_at"], as_index=False)[
        ["invited", "present", "deputy", "attended"]
    ].sum()
    grouped["rate"] = grouped["attended"] / grouped["invited"]
    return grouped.sort_values("starts_at").reset_index(drop=True)


def representation(df_meeting: pd.DataFrame) -> pd.DataFrame:
    """For one meeting's rows of `attendance_by_sector`: each sector's share of
    those who attended against its share of the invited seats."""
    df = df_meeting[["sector", "sector_order", "invited", "attended"]].copy()
    invited, attended = df["invited"].sum(), df["attended"].sum()
    df["share_invited"] = df["invited"] / invited if invited else 0.0
    df["share_attended"] = df["attended"] / attended if attended else 0.0
    df["gap"] = df["share_attended"] - df["share_invited"]
    return df.sort_values("sector_order").reset_index(drop=True)


def sector_totals(attendance: pd.DataFrame) -> pd.DataFrame:
    """Sum the rows of `attendance_by_sector` per sector, with the rate."""
    totals = attendance.groupby(["sector_order", "sector"], as_index=False)[
        ["invited", "present", "deputy", "excused", "absent"]
    ].sum()
    totals["rate"] = (totals["present"] + totals["deputy"]) / totals["invited"]
    return totals


def latest_meetings(attendance: pd.DataFrame, count: int) -> pd.DataFrame:
    """The rows of `attendance_by_sector` that belong to its COUNT latest meetings."""
    latest = (
        attendance.drop_duplicates("meeting_id").sort_values("starts_at").tail(count)["meeting_id"]
    )
    return attendance[attendance["meeting_id"].isin(latest)]


def participants(session: Session, meeting_id: int) -> pd.DataFrame:
    """Who took part in MEETING_ID, in person or through the deputy: the one list
    with names that viewers see. Excused and absent members are not listed (the
    figures per sector count them without names)."""
    stmt = (
        select(
            Member.last_name,
            Member.first_name,
            Organisation.name,
            Sector.name,
            Attendance.deputy_attended,
        )
        .select_from(Attendance)
        .join(Member, Member.id == Attendance.member_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .join(Sector, Sector.id == Member.sector_id)
        .where(
            Attendance.meeting_id == meeting_id,
            (Attendance.status == "present") | Attendance.deputy_attended,
        )
        .order_by(Sector.sort_order, Member.last_name, Member.first_name, Member.id)
    )
    rows = session.execute(stmt).all()
    return pd.DataFrame(
        {
            "name": [f"{r[0]}, {r[1]}" for r in rows],
            "organisation": [r[2] for r in rows],
            "sector": [r[3] for r in rows],
            "deputy": [bool(r[4]) for r in rows],
        },
        columns=["name", "organisation", "sector", "deputy"],
    )
