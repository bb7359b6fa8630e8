"""Read side of the editing pages: records with their versions, and the
choices the forms offer."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db import dashboard_data, fields
from db.models import (
    Attendance,
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Need,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)


def _frame(session: Session, stmt) -> pd.DataFrame:
    return pd.DataFrame(session.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))


def sectors(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        select(Sector.id, Sector.name, Sector.sort_order, Sector.version).order_by(
            Sector.sort_order, Sector.name
        ),
    )


def areas(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        select(
            ThematicArea.id,
            ThematicArea.name,
            ThematicArea.short_name,
            ThematicArea.sort_order,
            ThematicArea.version,
        ).order_by(ThematicArea.sort_order, ThematicArea.name),
    )


def statuses(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        select(
            MeasureStatus.id,
            MeasureStatus.name,
            MeasureStatus.default_progress,
            MeasureStatus.is_done,
            MeasureStatus.is_discontinued,
            MeasureStatus.sort_order,
            MeasureStatus.version,
        ).order_by(MeasureStatus.sort_order, MeasureStatus.name),
    )


def organisations(session: Session) -> pd.DataFrame:
    members = (
        select(Member.organisation_id, func.count(Member.id).label("members"))
        .group_by(Member.organisation_id)
        .subquery()
    )
    stmt = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.sector_id,
            Sector.name.label("sector"),
            func.coalesce(members.c.members, 0).label("members"),
            Organisation.version,
        )
        .join(Sector, Sector.id == Organisation.sector_id)
        .outerjoin(members, members.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    )
    return _frame(session, stmt)


def members(session: Session) -> pd.DataFrame:
    """Every member (deputies too) with the values the member form edits (its declared
    fields, `db.fields.MEMBER`), the names of its organisation and sector, and its version."""
    stored = (getattr(Member, f.name) for f in fields.MEMBER if f.kind != "areas")
    stmt = (
        select(
            Member.id,
            *stored,
            Organisation.name.label("organisation"),
            Sector.name.label("sector"),
            Member.anonymised_at,
            Member.version,
        )
        .join(Organisation, Organisation.id == Member.organisation_id)
        .join(Sector, Sector.id == Member.sector_id)
        .order_by(Member.last_name, Member.first_name, Member.id)
    )
    df = _frame(session, stmt)
    groups = session.execute(
        select(WorkingGroupMembership.member_id, WorkingGroupMembership.area_id)
    ).all()
    by_member: dict[int, list[int]] = {}
    for member_id, area_id in groups:
        by_member.setdefault(member_id, []).append(area_id)
    df["area_ids"] = [tuple(sorted(by_member.get(i, []))) for i in df["id"]]
    return df


def meetings(session: Session) -> pd.DataFrame:
    """Every meeting with the values the meeting form edits, newest first (the
    calendar's read, `dashboard_data.meetings`, in the order the forms list them)."""
    return dashboard_data.meetings(session).iloc[::-1].reset_index(drop=True)


def invited_members(meeting: Meeting) -> Select:
    """The ids of the members invited to MEETING: a plenary invites every seat
    active that day, a working group its members; deputies are invited through
    their seat."""
    day = meeting.starts_at.date()
    invited = select(Member.id).where(
        Member.deputy_for_id.is_(None),
        Member.active_from <= day,
        (Member.active_to.is_(None)) | (Member.active_to >= day),
    )
    if meeting.kind == "working_group":
        invited = invited.join(
            WorkingGroupMembership,
            (WorkingGroupMembership.member_id == Member.id)
            & (WorkingGroupMembership.area_id == meeting.area_id),
        )
    return invited


def attendance_sheet(session: Session, meeting_id: int) -> pd.DataFrame:
    """The checklist of a meeting: invited members (plenary: every seat active
    that day; working group: its members) plus anyone already recorded."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return pd.DataFrame()
    invited = invited_members(meeting)
    recorded = select(Attendance.member_id).where(Attendance.meeting_id == meeting_id)
    ids = set(session.scalars(invited)) | set(session.scalars(recorded))
    deputies = (
        select(Member.deputy_for_id.label("seat"), func.count(Member.id).label("deputies"))
        .where(Member.deputy_for_id.is_not(None))
        .group_by(Member.deputy_for_id)
        .subquery()
    )
    stmt = (
        select(
            Member.id.label("member_id"),
            Member.last_name,
            Member.first_name,
            Sector.name.label("sector"),
            Organisation.name.label("organisation"),
            Attendance.status,
            Attendance.deputy_attended,
            func.coalesce(deputies.c.deputies, 0).label("has_deputy"),
        )
        .join(Sector, Sector.id == Member.sector_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .outerjoin(
            Attendance, (Attendance.member_id == Member.id) & (Attendance.meeting_id == meeting_id)
        )
        .outerjoin(deputies, deputies.c.seat == Member.id)
        .where(Member.id.in_(ids))
        .order_by(Sector.sort_order, Member.last_name, Member.first_name)
    )
    return _frame(session, stmt)


def measures(session: Session) -> pd.DataFrame:
    """Every measure with the values the measure form edits."""
    stmt = select(
        Measure.id,
        Measure.title,
        Measure.description,
        Measure.area_id,
        Measure.proposed_at_meeting_id,
        Measure.need_id,
        Measure.responsible,
        Measure.status_id,
        Measure.progress,
        Measure.start_date,
        Measure.due_date,
        Measure.archived,
        Measure.version,
    ).order_by(Measure.archived, Measure.title)
    return _frame(session, stmt)


def needs(session: Session) -> pd.DataFrame:
    return _frame(session, select(Need.id, Need.area_id, Need.title).order_by(Need.title))


def measure_history(session: Session, measure_id: int) -> pd.DataFrame:
    """The progress updates of one measure, newest first."""
    stmt = (
        select(
            ProgressUpdate.date,
            MeasureStatus.name.label("status"),
            ProgressUpdate.progress,
            ProgressUpdate.note,
            ProgressUpdate.author,
        )
        .join(MeasureStatus, MeasureStatus.id == ProgressUpdate.status_id)
        .where(ProgressUpdate.measure_id == measure_id)
        .order_by(ProgressUpdate.date.desc(), ProgressUpdate.id.desc())
    )
    return _frame(session, stmt)
