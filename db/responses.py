"""Members' answers to meeting invitations, read for the views: the answer sheet
of one meeting, the expected representation per sector before it, and how
reliable the answers were after it.

Who is invited follows the attendance rule (`form_data.invited_members`): a
plenary invites every seat active that day, a working group its members. A seat
counts as expected when its member accepted or announced a deputy, as a seat
counts as attended when the member or the deputy came.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db import dashboard_data
from db.form_data import invited_members
from db.models import (
    BERLIN,
    Attendance,
    Meeting,
    MeetingResponse,
    Member,
    Organisation,
    Sector,
    ThematicArea,
)

SHEET_COLUMNS = [
    "member_id", "last_name", "first_name", "organisation", "sector", "sector_order", "email",
    "invited", "answer", "deputy_member_id", "deputy_name", "deputy", "received_on", "version",
]  # fmt: skip
SECTOR_COLUMNS = [
    "sector", "sector_order", "invited", "accepted", "deputy", "declined", "none", "expected",
    "share", "flagged",
]  # fmt: skip
OUTCOME_COLUMNS = [
    "sector", "sector_order", "invited", "answered", "expected", "attended", "expected_came",
    "gap",
]  # fmt: skip
MEETING_COLUMNS = ["id", "kind", "title", "area", "starts_at", "ends_at", "location", "status"]


def name_key(name: str) -> str:
    """How a typed name is compared: spacing and case do not count."""
    return " ".join(name.split()).casefold()


def member_names(session: Session) -> dict[str, int | None]:
    """Each member's "Vorname Nachname" and "Nachname, Vorname" (by `name_key`) ->
    id, None where a name belongs to more than one member; anonymised members are
    left out. How a typed deputy is recognised as a member."""
    rows = session.execute(
        select(Member.id, Member.first_name, Member.last_name).where(Member.anonymised_at.is_(None))
    ).all()
    names: dict[str, int | None] = {}
    for member_id, first, last in rows:
        for key in (name_key(f"{first} {last}"), name_key(f"{last}, {first}")):
            names[key] = member_id if names.get(key, member_id) == member_id else None
    return names


def meetings_with_answers(session: Session, since: dt.date) -> pd.DataFrame:
    """Meetings from SINCE on that take answers (not cancelled), soonest first."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=BERLIN)
    stmt = (
        select(
            Meeting.id,
            Meeting.kind,
            Meeting.title,
            ThematicArea.name,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.location,
            Meeting.status,
        )
        .outerjoin(ThematicArea, ThematicArea.id == Meeting.area_id)
        .where(Meeting.starts_at >= start, Meeting.status != "cancelled")
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=MEETING_COLUMNS)


def next_planned(session: Session, now: dt.datetime) -> int | None:
    """The id of the next planned meeting that has not begun at NOW."""
    return session.scalar(
        select(Meeting.id)
        .where(Meeting.status == "planned", Meeting.starts_at >= now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def response_sheet(session: Session, meeting_id: int) -> pd.DataFrame:
    """One row per member invited to MEETING_ID or with an answer to it, by sector
    and name: the answer ("none" for none yet), the deputy (member or name, and as
    text), the day it came, and the answer's version (None without an answer)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return pd.DataFrame(columns=SHEET_COLUMNS)
    invited = set(session.scalars(invited_members(meeting)))
    answered = select(MeetingResponse.member_id).where(MeetingResponse.meeting_id == meeting_id)
    ids = invited | set(session.scalars(answered))
    deputy = aliased(Member)
    stmt = (
        select(
            Member.id,
            Member.last_name,
            Member.first_name,
            Organisation.name,
            Sector.name,
            Sector.sort_order,
            Member.email,
            MeetingResponse.answer,
            MeetingResponse.deputy_member_id,
            MeetingResponse.deputy_name,
            deputy.first_name,
            deputy.last_name,
            MeetingResponse.received_on,
            MeetingResponse.version,
        )
        .join(Sector, Sector.id == Member.sector_id)
        .join(Organisation, Organisation.id == Member.organisation_id)
        .outerjoin(
            MeetingResponse,
            (MeetingResponse.member_id == Member.id) & (MeetingResponse.meeting_id == meeting_id),
        )
        .outerjoin(deputy, deputy.id == MeetingResponse.deputy_member_id)
        .where(Member.id.in_(ids))
        .order_by(Sector.sort_order, Sector.name, Member.last_name, Member.first_name, Member.id)
    )
    rows = [
        [
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[0] in invited, r[7] or "none", r[8], r[9],
            f"{r[10]} {r[11]}" if r[8] is not None else r[9], r[12], r[13],
        ]
        for r in session.execute(stmt)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=SHEET_COLUMNS, dtype=object)


def expected_by_sector(session: Session, meeting_id: int, threshold: float) -> pd.DataFrame:
    """Per sector with invited seats: seats invited, the answers, seats expected
    (accepted + deputy announced), their share of the invited seats, and whether
    the sector is flagged (no seat expected, or a share below THRESHOLD)."""
    sheet = response_sheet(session, meeting_id)
    sheet = sheet[sheet["invited"].astype(bool)]
    if sheet.empty:
        return pd.DataFrame(columns=SECTOR_COLUMNS)
    counts = pd.crosstab([sheet["sector_order"], sheet["sector"]], sheet["answer"])
    df = counts.reindex(columns=["accepted", "deputy", "declined", "none"], fill_value=0)
    df = df.reset_index().rename_axis(columns=None)
    df["invited"] = df[["accepted", "deputy", "declined", "none"]].sum(axis=1)
    df["expected"] = df["accepted"] + df["deputy"]
    df["share"] = df["expected"] / df["invited"]
    df["flagged"] = (df["expected"] == 0) | (df["share"] < threshold)
    df = df.astype({c: int for c in ("accepted", "deputy", "declined", "none", "invited")})
    return df[SECTOR_COLUMNS].sort_values(["sector_order", "sector"]).reset_index(drop=True)


def unanswered(session: Session, meeting_id: int) -> pd.DataFrame:
    """The invited members without an answer to MEETING_ID (names: staff only)."""
    sheet = response_sheet(session, meeting_id)
    sheet = sheet[sheet["invited"].astype(bool) & (sheet["answer"] == "none")]
    return pd.DataFrame(
        {
            "sector": sheet["sector"],
            "name": sheet["last_name"] + ", " + sheet["first_name"],
            "organisation": sheet["organisation"],
            "email": sheet["email"],
        }
    ).reset_index(drop=True)


def _attended(session: Session, meeting_id: int) -> dict[int, tuple[str, bool]]:
    stmt = select(Attendance.member_id, Attendance.status, Attendance.deputy_attended).where(
        Attendance.meeting_id == meeting_id
    )
    return {
        member_id: (status, bool(deputy)) for member_id, status, deputy in session.execute(stmt)
    }


def outcome_by_sector(session: Session, meeting_id: int) -> pd.DataFrame:
    """For a held meeting: per sector, seats invited, answered, expected and
    attended (member or deputy came), how many of the expected seats came, and the
    gap attended − expected. Empty when nobody answered."""
    sheet = response_sheet(session, meeting_id)
    attendance = _attended(session, meeting_id)
    sheet = sheet[sheet["invited"].astype(bool)]
    if sheet.empty or (sheet["answer"] == "none").all():
        return pd.DataFrame(columns=OUTCOME_COLUMNS)
    came = [
        attendance.get(m, ("", False))[0] == "present" or attendance.get(m, ("", False))[1]
        for m in sheet["member_id"]
    ]
    expected = sheet["answer"].isin(["accepted", "deputy"])
    df = pd.DataFrame(
        {
            "sector": sheet["sector"],
            "sector_order": sheet["sector_order"],
            "invited": 1,
            "answered": (sheet["answer"] != "none").astype(int),
            "expected": expected.astype(int),
            "attended": pd.Series(came, index=sheet.index).astype(int),
        }
    )
    df["expected_came"] = df["expected"] & df["attended"]
    df = df.groupby(["sector_order", "sector"], as_index=False).sum()
    df["gap"] = df["attended"] - df["expected"]
    return df[OUTCOME_COLUMNS].reset_index(drop=True)


def no_shows(session: Session, meeting_id: int) -> pd.DataFrame:
    """Members who accepted MEETING_ID but did not come in person, and whether
    their deputy came instead (names: staff only)."""
    sheet = response_sheet(session, meeting_id)
    attendance = _attended(session, meeting_id)
    rows = [
        (r.sector, f"{r.last_name}, {r.first_name}", r.organisation, attendance[r.member_id][1])
        for r in sheet.itertuples()
        if r.answer == "accepted"
        and r.member_id in attendance
        and attendance[r.member_id][0] != "present"
    ]
    return pd.DataFrame(rows, columns=["sector", "name", "organisation", "deputy_came"])


def invitation(session: Session, meeting_id: int) -> tuple[dict, pd.DataFrame]:
    """MEETING_ID as the calendar export has it (`dashboard_data.MEETING_COLUMNS`),
    and its invited members with name, e-mail and answer."""
    meetings = dashboard_data.meetings(session)
    found = meetings[meetings["id"] == meeting_id].to_dict("records")
    if not found:
        return {}, pd.DataFrame(columns=["name", "email", "answer"])
    sheet = response_sheet(session, meeting_id)
    sheet = sheet[sheet["invited"].astype(bool)]
    people = pd.DataFrame(
        {
            "name": sheet["first_name"] + " " + sheet["last_name"],
            "email": sheet["email"],
            "answer": sheet["answer"],
        }
    ).reset_index(drop=True)
    return found[0], people
