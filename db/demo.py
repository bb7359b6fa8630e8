"""Deterministic demo data, and the same generator at N-times scale for benchmarks.

The calendar follows the real conference: constituent plenary in September
2024, working groups in May/June 2025 and 26 August–3 September 2025, second
plenary in Friedberg; after that three working-group rounds and one plenary a
year, generated up to about half a year after TODAY. Meetings before TODAY are
held (one is cancelled), later ones planned. At scale N the body is repeated N
times (own members, meetings and measures; shared sectors, areas, statuses).

Since the last held plenary sitting (relative to TODAY, like the calendar) the
demo always has something to report: two members joined (one from a new
organisation) and one left; some measures moved up, one was finished, one moved
down, one fell overdue, and one has had no update for a long time. These come
from a random generator of their own, so the rest of the body stays the same.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from db import demo_catalogue as cat
from db.form_data import invited_members
from db.models import (
    BERLIN,
    Attendance,
    Measure,
    MeasureStatus,
    Meeting,
    MeetingResponse,
    Member,
    Need,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)
from db.versioning import bump_data_version

CONSTITUENT = dt.date(2024, 9, 23)
FIXED_MEETINGS: list[tuple[str, int | None, dt.date]] = [
    ("plenary", None, CONSTITUENT),
    ("working_group", 0, dt.date(2025, 5, 14)),
    ("working_group", 1, dt.date(2025, 5, 27)),
    ("working_group", 2, dt.date(2025, 6, 12)),
    ("working_group", 0, dt.date(2025, 8, 26)),
    ("working_group", 1, dt.date(2025, 8, 28)),
    ("working_group", 2, dt.date(2025, 9, 3)),
    ("plenary", None, dt.date(2025, 9, 29)),
]
# From 2026 on: (month, day) of each working group's meeting in three rounds,
# a plenary in autumn and a Fachtag (kind "other") in November.
YEARLY_ROUNDS = [[(2, 24), (3, 3), (3, 10)], [(5, 12), (5, 19), (6, 2)], [(8, 25), (9, 1), (9, 8)]]
YEARLY_PLENARY = (10, 5)
YEARLY_OTHER = (11, 12)
PLANNING_HORIZON_DAYS = 200


@dataclass(frozen=True)
class DemoCounts:
    members: int
    meetings: int
    measures: int
    attendance: int
    updates: int


def is_empty(session: Session) -> bool:
    """True when the database holds no domain data yet."""
    return session.scalar(select(func.count()).select_from(Sector)) == 0


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, hours: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)
    return start, start + dt.timedelta(hours=hours)


def calendar(today: dt.date) -> list[tuple[str, int | None, dt.date]]:
    """The meeting dates of one body: (kind, area index or None, date)."""
    horizon = today + dt.timedelta(days=PLANNING_HORIZON_DAYS)
    dates = list(FIXED_MEETINGS)
    year = 2026
    while dt.date(year, 1, 1) <= horizon:
        for round_ in YEARLY_ROUNDS:
            dates += [
                ("working_group", i, _weekday(dt.date(year, m, d)))
                for i, (m, d) in enumerate(round_)
            ]
        dates.append(("plenary", None, _weekday(dt.date(year, *YEARLY_PLENARY))))
        dates.append(("other", None, _weekday(dt.date(year, *YEARLY_OTHER))))
        year += 1
    return sorted((d for d in dates if d[2] <= horizon), key=lambda d: d[2])


def _insert(session: Session, model: type, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def _reference(session: Session) -> tuple[list[int], list[int], dict[str, int]]:
    """Sectors, areas and statuses: reuse what is there, add what is missing."""
    sectors = {s.name: s.id for s in session.scalars(select(Sector))}
    for i, (name, _) in enumerate(cat.SECTORS):
        if name not in sectors:
            sectors[name] = _insert(session, Sector, [{"name": name, "sort_order": i}])[0]
    areas = {a.short_name: a.id for a in session.scalars(select(ThematicArea))}
    for i, (name, short) in enumerate(cat.AREAS):
        if short not in areas:
            areas[short] = _insert(
                session, ThematicArea, [{"name": name, "short_name": short, "sort_order": i}]
            )[0]
    statuses = {s.name: s.id for s in session.scalars(select(MeasureStatus))}
    for i, (name, default, done, discontinued) in enumerate(cat.STATUSES):
        if name not in statuses:
            statuses[name] = _insert(
                session,
                MeasureStatus,
                [
                    {
                        "name": name,
                        "default_progress": default,
                        "is_done": done,
                        "is_discontinued": discontinued,
                        "sort_order": i,
                    }
                ],
            )[0]
    return [sectors[n] for n, _ in cat.SECTORS], [areas[s] for _, s in cat.AREAS], statuses


def load_demo(
    session: Session, today: dt.date | None = None, scale: int = 1, seed: int = 2024
) -> DemoCounts:
    """Write the demo body SCALE times into SESSION (caller commits)."""
    if scale < 1:
        raise ValueError("Der Faktor muss mindestens 1 sein.")
    today = today or dt.date.today()
    rng = random.Random(seed)
    sector_ids, area_ids, status_ids = _reference(session)
    totals = [0, 0, 0, 0, 0]
    for copy in range(scale):
        counts = _load_body(session, rng, seed, today, copy, sector_ids, area_ids, status_ids)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    bump_data_version(session)
    return DemoCounts(*totals)


def _load_body(
    session, rng, seed, today, copy, sector_ids, area_ids, status_ids
) -> tuple[int, ...]:
    suffix = "" if copy == 0 else f" · Region {copy + 1}"
    now = dt.datetime.combine(today, dt.time(0), tzinfo=BERLIN)

    # Organisations and seat-holding members, then deputies for some seats.
    org_rows, org_sector = [], []
    for (sector, _), sector_id in zip(cat.SECTORS, sector_ids, strict=True):
        for name in cat.ORGANISATIONS[sector]:
            org_rows.append({"name": name + suffix, "sector_id": sector_id})
            org_sector.append(sector)
    org_ids = _insert(session, Organisation, org_rows)
    orgs_by_sector: dict[str, list[int]] = {}
    for oid, sector in zip(org_ids, org_sector, strict=True):
        orgs_by_sector.setdefault(sector, []).append(oid)

    member_rows, member_sector = [], []
    for (sector, seats), sector_id in zip(cat.SECTORS, sector_ids, strict=True):
        for _ in range(seats):
            joined = CONSTITUENT if rng.random() < 0.85 else dt.date(2025, rng.randint(1, 11), 1)
            left = dt.date(2026, rng.randint(1, 6), 28) if rng.random() < 0.06 else None
            member_rows.append(
                _person(rng, sector_id, rng.choice(orgs_by_sector[sector]), joined, left)
            )
            member_sector.append(sector)
    member_ids = _insert(session, Member, member_rows)
    deputy_rows = []
    has_deputy: set[int] = set()
    for mid, row in zip(member_ids, member_rows, strict=True):
        if rng.random() < 0.15:
            deputy_rows.append(
                _person(
                    rng,
                    row["sector_id"],
                    row["organisation_id"],
                    row["active_from"],
                    row["active_to"],
                )
                | {"deputy_for_id": mid}
            )
            has_deputy.add(mid)
    _insert(session, Member, deputy_rows)

    groups: dict[int, list[int]] = {a: [] for a in area_ids}
    wg_rows = []
    for mid in member_ids:
        for area in rng.sample(area_ids, k=rng.choices([1, 2, 0], weights=[70, 22, 8])[0]):
            groups[area].append(mid)
            wg_rows.append({"member_id": mid, "area_id": area})
    session.execute(insert(WorkingGroupMembership), wg_rows)

    # Meetings, with one cancelled working-group meeting in the past.
    meeting_rows, plenary_no, cancelled = [], 0, False
    for kind, area_idx, day in calendar(today):
        area_id = area_ids[area_idx] if area_idx is not None else None
        if kind == "plenary":
            plenary_no += 1
            title = f"{plenary_no}. Sitzung der Integrationskonferenz"
            start, end = _at(day, 13, 4)
            location = cat.PLENARY_LOCATIONS.get(day.year, rng.choice(cat.LOCATIONS[:4]))
        elif kind == "working_group":
            short, name = cat.AREAS[area_idx][1], cat.AREAS[area_idx][0]
            title = f"{short} {name}"
            start, end = _at(day, rng.choice([10, 14]), 3)
            location = rng.choice(cat.LOCATIONS)
        else:
            title = "Fachtag Integration vor Ort"
            start, end = _at(day, 9, 7)
            location = rng.choice(cat.LOCATIONS[:4])
        status = "held" if end < now else "planned"
        if status == "held" and kind == "working_group" and day.year >= 2026 and not cancelled:
            status, cancelled = "cancelled", True
        notes = "Wegen Erkrankung der Moderation abgesagt." if status == "cancelled" else None
        meeting_rows.append(
            {
                "kind": kind,
                "title": title + suffix,
                "area_id": area_id,
                "starts_at": start,
                "ends_at": end,
                "location": location,
                "status": status,
                "notes": notes,
            }
        )
    meeting_ids = _insert(session, Meeting, meeting_rows)
    meetings = list(zip(meeting_ids, meeting_rows, strict=True))

    # Attendance for held meetings: plenary all active seats, AG its members.
    rates = dict(zip(member_ids, (cat.ATTENDANCE_RATE[s] for s in member_sector), strict=True))
    periods = {
        mid: (r["active_from"], r["active_to"])
        for mid, r in zip(member_ids, member_rows, strict=True)
    }
    att_rows = []
    for mid_meeting, m in meetings:
        if m["status"] != "held":
            continue
        day = m["starts_at"].date()
        invited = groups[m["area_id"]] if m["kind"] == "working_group" else member_ids
        for mid in invited:
            start, end = periods[mid]
            if day < start or (end is not None and day > end):
                continue
            present = rng.random() < rates[mid]
            status = "present" if present else rng.choice(["excused", "excused", "absent"])
            deputy = not present and mid in has_deputy and rng.random() < 0.6
            att_rows.append(
                {
                    "meeting_id": mid_meeting,
                    "member_id": mid,
                    "status": status,
                    "deputy_attended": deputy,
                }
            )
    session.execute(insert(Attendance), att_rows)

    recent = random.Random(f"{seed}/{copy}/since-last-sitting")
    joined = _since_last_sitting_members(
        session, recent, today, suffix, sector_ids, meetings, member_ids, member_rows, org_ids
    )
    measures, updates = _measures(
        session, rng, recent, today, suffix, area_ids, status_ids, meetings
    )
    members = len(member_ids) + len(deputy_rows) + joined
    _responses(session, random.Random(f"{seed}/{copy}/responses"), today, meeting_ids)
    return members, len(meeting_ids), measures, len(att_rows), updates


def _last_sitting(meetings: list[tuple[int, dict]]) -> dt.date | None:
    """Day of the last held plenary sitting of one body."""
    days = [
        m["starts_at"].date()
        for _, m in meetings
        if m["kind"] == "plenary" and m["status"] == "held"
    ]
    return max(days, default=None)


def _since_last_sitting_members(
    session, rng, today, suffix, sector_ids, meetings, member_ids, member_rows, org_ids
) -> int:
    """Two members join after the last meeting held (one from a new organisation),
    one leaves after it; returns how many joined. Both after the last plenary, and
    after the last held meeting of any kind, so no attendance is missing or extra."""
    sitting = _last_sitting(meetings)
    past = [m["starts_at"].date() for _, m in meetings if m["starts_at"].date() < today]
    if sitting is None or not past:
        return 0
    last_held = max(past)
    sector, org_name = cat.NEW_ORGANISATION
    sector_id = sector_ids[[n for n, _ in cat.SECTORS].index(sector)]
    new_org = _insert(session, Organisation, [{"name": org_name + suffix, "sector_id": sector_id}])
    joined = last_held + dt.timedelta(days=1)
    big = max(set(org_ids), key=lambda o: sum(r["organisation_id"] == o for r in member_rows))
    rows = [
        _person(rng, sector_id, new_org[0], joined, None),
        _person(rng, member_rows[0]["sector_id"], member_rows[0]["organisation_id"], joined, None),
    ]
    _insert(session, Member, rows)
    # The leaver: a seat holder since the constituent sitting, from the largest
    # organisation (which keeps other members), with the deputies of the seat.
    leaver = next(
        mid
        for mid, r in zip(member_ids, member_rows, strict=True)
        if r["organisation_id"] == big and r["active_from"] == CONSTITUENT and not r["active_to"]
    )
    session.execute(
        update(Member)
        .where((Member.id == leaver) | (Member.deputy_for_id == leaver))
        .values(active_to=last_held)
    )
    return len(rows)


def _person(rng, sector_id, org_id, joined, left) -> dict:
    first = rng.choice(cat.FIRST_NAMES)
    last = rng.choice(cat.LAST_NAMES)
    return {
        "first_name": first,
        "last_name": last,
        "function": rng.choice(cat.FUNCTIONS),
        "email": None,
        "organisation_id": org_id,
        "sector_id": sector_id,
        "active_from": joined,
        "active_to": left,
        "deputy_for_id": None,
    }


def _measures(session, rng, recent, today, suffix, area_ids, status_ids, meetings):
    """Needs, measures and their progress histories for one body."""
    held = [(mid, m) for mid, m in meetings if m["status"] == "held"]
    need_rows, need_area = [], []
    for idx, (_, short) in enumerate(cat.AREAS):
        first_ag = next(mid for mid, m in held if m["area_id"] == area_ids[idx])
        for title in cat.NEEDS[short]:
            need_rows.append(
                {"area_id": area_ids[idx], "title": title + suffix, "meeting_id": first_ag}
            )
            need_area.append(area_ids[idx])
    need_ids = _insert(session, Need, need_rows)

    measure_rows, histories = [], []
    for idx, (_, short) in enumerate(cat.AREAS):
        area_id = area_ids[idx]
        ag_meetings = [(mid, m) for mid, m in held if m["area_id"] == area_id]
        review_days = sorted(
            m["starts_at"].date()
            for _, m in held
            if m["area_id"] == area_id or m["kind"] == "plenary"
        )
        for title in cat.MEASURES[short]:
            proposed_id, proposed = rng.choice(ag_meetings[:3])
            proposed_day = proposed["starts_at"].date()
            start = proposed_day + dt.timedelta(days=rng.randint(14, 90))
            due = start + dt.timedelta(days=rng.choice([180, 270, 365, 540]))
            histories.append(_history(rng, [d for d in review_days if d > proposed_day], today))
            needs = [n for n, a in zip(need_ids, need_area, strict=True) if a == area_id]
            measure_rows.append(
                {
                    "title": title + suffix,
                    "description": f"Vorschlag der {short} vom {proposed_day:%d.%m.%Y}.",
                    "area_id": area_id,
                    "proposed_at_meeting_id": proposed_id,
                    "need_id": rng.choice(needs),
                    "responsible": rng.choice(cat.RESPONSIBLE),
                    "start_date": start,
                    "due_date": due,
                    "archived": False,
                }
            )
    sitting = _last_sitting(meetings)
    if sitting is not None:
        _since_last_sitting(recent, measure_rows, histories, area_ids, sitting, today)
    for row, history in zip(measure_rows, histories, strict=True):
        row["status_id"] = status_ids[history[-1][1]]
        row["progress"] = history[-1][2]
    measure_ids = _insert(session, Measure, measure_rows)
    update_rows = [
        {
            "measure_id": mid,
            "date": day,
            "status_id": status_ids[status],
            "progress": progress,
            "note": note,
            "author": "Geschäftsstelle",
        }
        for mid, history in zip(measure_ids, histories, strict=True)
        for day, status, progress, note in history
    ]
    session.execute(insert(ProgressUpdate), update_rows)
    return len(measure_ids), len(update_rows)


History = list[tuple[dt.date, str, int | None, str]]


def _since_last_sitting(
    rng: random.Random,
    rows: list[dict],
    histories: list[History],
    area_ids: list[int],
    sitting: dt.date,
    today: dt.date,
) -> None:
    """Reports after the last plenary SITTING (in place): per area some measures
    move up, the first area finishes one, the second reports one step back, the
    third has one measure without an update for a long time, and one measure
    falls overdue between the sitting and TODAY."""
    open_ = [
        i
        for i, h in enumerate(histories)
        if h[-1][1] not in ("umgesetzt", "zurückgestellt") and h[-1][2] is not None
    ]

    def report(i: int, status: str, progress: int, note: str) -> None:
        since = max(sitting, histories[i][-1][0])
        step = max(1, int((today - since).days * rng.uniform(0.3, 0.9)))
        histories[i].append((since + dt.timedelta(days=step), status, progress, note))

    for n, area_id in enumerate(area_ids):
        mine = [i for i in open_ if rows[i]["area_id"] == area_id and histories[i][-1][2] <= 85]
        if len(mine) < 3:
            continue
        up = rng.sample(mine, 2)
        for i in up:
            progress = min(95, histories[i][-1][2] + rng.randint(10, 20))
            report(i, "in Umsetzung", progress, "Zwischenstand nach der Plenarsitzung.")
        rest = [i for i in mine if i not in up]
        if n == 0:  # the furthest one is finished; due after the sitting, not overdue then
            last = max(rest, key=lambda i: histories[i][-1][2])
            report(last, "umgesetzt", 100, "Abgeschlossen, Abschlussbericht liegt vor.")
            rows[last]["due_date"] = max(rows[last]["due_date"], sitting)
        elif n == 1 and (back := [i for i in rest if histories[i][-1][2]]):
            # one that has not moved since the sitting (so that it ends below), the furthest
            quiet = [i for i in back if histories[i][-1][0] <= sitting] or back
            last = max(quiet, key=lambda i: histories[i][-1][2])
            progress = histories[last][-1][2]
            report(
                last,
                "in Umsetzung",
                progress - min(10, (progress + 1) // 2),
                "Stand korrigiert: ein Teilprojekt wird neu ausgeschrieben.",
            )
        elif n == 2:  # no update for a long time: only reports from long ago remain
            last = rng.choice(rest)
            long_ago = sitting - dt.timedelta(days=180)
            kept = [u for u in histories[last] if u[0] <= long_ago]
            histories[last][:] = kept or histories[last][:1]

    # One open measure falls due between the sitting and today.
    due = sitting + (today - sitting) // 2
    later = [
        i
        for i in open_
        if rows[i]["due_date"] >= today
        and rows[i]["start_date"] <= due
        and histories[i][-1][1] != "umgesetzt"
    ]
    if later:
        rows[rng.choice(later)]["due_date"] = due


def _history(rng, review_days, today) -> History:
    """A plausible progress history: proposed, planned, under way, done or shelved."""
    day0 = review_days[0] - dt.timedelta(days=30) if review_days else today - dt.timedelta(days=30)
    history = [(day0, "vorgeschlagen", 0, "In die Liste aufgenommen.")]
    progress, status = 0, "vorgeschlagen"
    speed = rng.choice([8, 12, 18, 25, 35])
    past = [d for d in review_days if d < today]
    if rng.random() < 0.2:  # some measures stop reporting: they show up as stale
        past = past[: max(1, len(past) - 2)]
    for day in past:
        if status in ("umgesetzt", "zurückgestellt"):
            break
        if rng.random() < 0.12:
            continue  # no report at this review: the measure may go stale
        if rng.random() < 0.05:
            history.append(
                (
                    day,
                    "zurückgestellt",
                    progress,
                    "Zurückgestellt bis zur Klärung der Finanzierung.",
                )
            )
            status = "zurückgestellt"
            continue
        progress = min(100, progress + rng.randint(speed // 2, speed))
        status = (
            "umgesetzt" if progress == 100 else ("geplant" if progress < 15 else "in Umsetzung")
        )
        known = progress if rng.random() > 0.12 else None
        note = (
            "Stand aus der Sitzung."
            if known is not None
            else "Stand unklar, Rückmeldung ausstehend."
        )
        history.append((day, status, known, note))
    return history


# Demo accounts (demo mode only; README and `make run` print them).
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("leitung", "Leitungsstab (Demo)", "viewer", "leitung-demo-2026"),
    ("geschaeftsstelle", "Geschäftsstelle (Demo)", "editor", "geschaeftsstelle-demo-2026"),
    ("admin", "Administration (Demo)", "admin", "admin-demo-2026"),
]


def _responses(session: Session, rng: random.Random, today: dt.date, meeting_ids: list[int]):
    """Answers to the invitations of the next planned meetings and of the last held
    ones. Before the next meeting one sector (cat.AT_RISK, or the largest there)
    has declined or not answered, so the overview warns out of the box; the other
    sectors there expect at least 60 % of their seats."""
    now = dt.datetime.combine(today, dt.time(0), tzinfo=BERLIN)
    meetings = session.scalars(
        select(Meeting).where(Meeting.id.in_(meeting_ids)).order_by(Meeting.starts_at)
    ).all()
    coming = [m for m in meetings if m.status == "planned" and m.starts_at >= now][:3]
    held = [m for m in meetings if m.status == "held"][-3:]
    deputies = dict(
        session.execute(
            select(Member.deputy_for_id, func.min(Member.id))
            .where(Member.deputy_for_id.is_not(None))
            .group_by(Member.deputy_for_id)
        ).all()
    )
    rows = []
    for position, meeting in enumerate(coming):
        seats = session.execute(
            select(Member.id, Sector.name)
            .join(Sector, Sector.id == Member.sector_id)
            .where(Member.id.in_(invited_members(meeting)))
            .order_by(Member.id)
        ).all()
        by_sector: dict[str, list[int]] = {}
        for member_id, sector in seats:
            by_sector.setdefault(sector, []).append(member_id)
        risk = (
            cat.AT_RISK
            if cat.AT_RISK in by_sector
            else max(by_sector, key=lambda s: len(by_sector[s]), default=None)
        )
        share = 0.8 - 0.25 * position  # fewer answers the further off a meeting is
        for sector, members in by_sector.items():
            sure = 0 if sector == risk and position == 0 else -(-len(members) * 6 // 10)
            for index, member_id in enumerate(members):
                if sector == risk and position == 0:
                    answer = rng.choice(["declined", "declined", None])
                elif index < sure and position == 0:
                    answer = (
                        "deputy" if member_id in deputies and rng.random() < 0.3 else "accepted"
                    )
                elif rng.random() < share:
                    answer = rng.choice(["accepted"] * 6 + ["declined"] * 2 + ["deputy"])
                else:
                    answer = None
                if answer is not None:
                    rows.append(_answer(rng, meeting, member_id, answer, deputies, now))
    for meeting in held:
        attended = session.execute(
            select(Attendance.member_id, Attendance.status, Attendance.deputy_attended).where(
                Attendance.meeting_id == meeting.id
            )
        ).all()
        for member_id, status, deputy in attended:
            if deputy:
                answer = "deputy" if member_id in deputies else "declined"
            elif status == "present":
                answer = rng.choice(["accepted"] * 9 + [None])
            else:
                answer = rng.choice(["accepted", "declined", "declined", None])
            if answer is not None:
                rows.append(_answer(rng, meeting, member_id, answer, deputies, meeting.starts_at))
    if rows:
        session.execute(insert(MeetingResponse), rows)


def _answer(rng, meeting, member_id, answer, deputies, before: dt.datetime) -> dict:
    """One answer, received within the three weeks before BEFORE."""
    deputy = deputies.get(member_id) if answer == "deputy" else None
    return {
        "meeting_id": meeting.id,
        "member_id": member_id,
        "answer": answer,
        "deputy_member_id": deputy,
        "deputy_name": rng.choice(cat.GUEST_DEPUTIES)
        if answer == "deputy" and not deputy
        else None,
        "received_on": before.date() - dt.timedelta(days=rng.randint(1, 21)),
    }
