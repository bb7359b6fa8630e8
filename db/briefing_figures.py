"""The briefing for the minister's office ("Lagebild"): the key figures with
their change since the last held plenary sitting, and per thematic area its
progress, status counts, overdue and stale measures and next planned meeting.

Plain values only (dataclasses, dates, numbers), read at one moment; the PDF
is laid out in components.briefing_pdf. Every progress figure comes from
`progress.area_progress` (the one formula), for today and for the day of the
last plenary sitting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from sqlalchemy.orm import Session

from db import dashboard_data, participation, progress
from db.models import BERLIN


@dataclass(frozen=True)
class KeyFigure:
    """One figure: VALUE now and PREVIOUS as the comparison (None when there is none).

    kind "count": whole numbers; "share": a fraction 0..1 (shown as percent,
    its change in percentage points). TOTAL / PREVIOUS_TOTAL: "VALUE von TOTAL".
    BETTER: which direction of change is good news ("fewer" for overdue
    measures), "neither" where a change is neither good nor bad.
    """

    label: str
    value: float | None
    previous: float | None
    kind: Literal["count", "share"] = "count"
    total: int | None = None
    previous_total: int | None = None
    note: str = ""
    better: Literal["more", "fewer", "neither"] = "neither"


@dataclass(frozen=True)
class AreaProgress:
    """The formula's result for one area on one day: mean of the known progress
    (None when no measure has a known one), and how many were known/unknown."""

    day: dt.date
    mean: float | None
    known: int
    unknown: int


@dataclass(frozen=True)
class OverdueMeasure:
    title: str
    due_date: dt.date
    status: str


@dataclass(frozen=True)
class StaleMeasure:
    title: str
    last_update: dt.date | None  # None: never updated


@dataclass(frozen=True)
class PlannedMeeting:
    title: str
    starts_at: dt.datetime  # Europe/Berlin
    location: str | None


@dataclass(frozen=True)
class AreaBriefing:
    name: str
    now: AreaProgress
    then: AreaProgress | None  # at the last plenary sitting
    statuses: tuple[tuple[str, int], ...]  # every status in its order, with its count
    overdue: tuple[OverdueMeasure, ...]
    stale: tuple[StaleMeasure, ...]
    next_meeting: PlannedMeeting | None


@dataclass(frozen=True)
class Briefing:
    today: dt.date
    last_plenary_day: dt.date | None
    last_plenary_title: str | None
    figures: tuple[KeyFigure, ...]
    areas: tuple[AreaBriefing, ...]


def _day(value: object) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(BERLIN).date() if value.tzinfo else value.date()
    return value  # type: ignore[return-value]


def _mean(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _progress(rows: pd.DataFrame, day: dt.date) -> dict[str, AreaProgress]:
    on_day = rows[rows["day"] == day]
    return {
        r.area: AreaProgress(day, _mean(r.mean), int(r.known), int(r.unknown))
        for r in on_day.itertuples()
    }


def last_plenary_day(session: Session, today: dt.date) -> dt.date | None:
    """Day of the last plenary sitting held before TODAY: what every change is against."""
    plenaries = dashboard_data.held_plenaries(session, today)
    return _day(plenaries.iloc[0]["starts_at"]) if len(plenaries) else None


def key_figures(session: Session, today: dt.date) -> tuple[KeyFigure, ...]:
    """The key figures now and at the last plenary sitting: the one computation
    behind the overview's figures and the briefing."""
    last_day = last_plenary_day(session, today)
    return _figures(session, today, last_day, progress.measures_table(session, today))


def _figures(
    session: Session,
    today: dt.date,
    last_day: dt.date | None,
    measures: pd.DataFrame,
) -> tuple[KeyFigure, ...]:
    counts = dashboard_data.headline_counts(session, today)
    before = dashboard_data.headline_counts(session, last_day) if last_day else None

    rates = participation.meeting_rates(session)
    rates = rates[rates["starts_at"].map(lambda t: _day(t) < today)] if len(rates) else rates
    rate = float(rates.iloc[-1]["rate"]) if len(rates) else None
    rate_before = float(rates.iloc[-2]["rate"]) if len(rates) > 1 else None
    rate_note = (
        f"Plenarsitzung am {_day(rates.iloc[-1]['starts_at']):%d.%m.%Y}; "
        "Veränderung gegenüber der vorigen Plenarsitzung"
        if len(rates)
        else "noch keine Plenarsitzung mit erfasster Teilnahme"
    )

    # Active: not archived, not discontinued (as in the progress formula).
    active = measures[
        ~(measures["archived"].astype(bool) | measures["is_discontinued"].astype(bool))
    ]
    done = int(active["is_done"].astype(bool).sum())
    done_then = overdue_then = active_then = None
    if last_day:
        # States on the last plenary day, of the measures not archived today.
        # Due dates have no history: the current due date is used for then, too.
        then = progress.measure_states(session, last_day).join(
            measures.set_index("id")[["due_date", "archived"]], how="inner"
        )
        then = then[~then["archived"].astype(bool)]
        open_then = ~(then["is_done"].astype(bool) | then["is_discontinued"].astype(bool))
        due = pd.to_datetime(then["due_date"])
        done_then = int(then["is_done"].astype(bool).sum())
        active_then = int((~then["is_discontinued"].astype(bool)).sum())
        overdue_then = int((open_then & (due < pd.Timestamp(last_day))).sum())

    def count(label: str, key: str, note: str = "") -> KeyFigure:
        return KeyFigure(label, counts[key], before[key] if before else None, note=note)

    return (
        count(
            "Aktive Mitglieder",
            "members",
            "Sitze mit aktivem Mitglied; Stellvertretungen nicht mitgezählt",
        ),
        count("Organisationen", "organisations", "mit mindestens einem aktiven Mitglied"),
        KeyFigure(
            "Teilnahme Plenum", rate, rate_before, kind="share", note=rate_note, better="more"
        ),
        KeyFigure(
            "Maßnahmen umgesetzt",
            done,
            done_then,
            total=len(active),
            previous_total=active_then,
            note="von den aktiven (nicht zurückgestellten, nicht archivierten) Maßnahmen",
            better="more",
        ),
        KeyFigure(
            "Überfällige Maßnahmen",
            int(measures["overdue"].sum()),
            overdue_then,
            note="Fälligkeitsdatum überschritten, weder umgesetzt noch zurückgestellt",
            better="fewer",
        ),
    )


def _next_meetings(session: Session, today: dt.date) -> dict[str, PlannedMeeting]:
    """The next planned meeting of each area, from TODAY on."""
    start = dt.datetime.combine(today, dt.time(), tzinfo=BERLIN)
    df = dashboard_data.meetings(session)
    if df.empty:
        return {}
    df = df[df["area"].notna() & (df["status"] == "planned")]
    df = df[df["starts_at"].map(lambda t: t >= start).astype(bool)].sort_values("starts_at")
    out: dict[str, PlannedMeeting] = {}
    for row in df.itertuples():
        if row.area not in out:
            starts_at = pd.Timestamp(row.starts_at).to_pydatetime().astimezone(BERLIN)
            out[row.area] = PlannedMeeting(
                row.title, starts_at, None if pd.isna(row.location) else row.location or None
            )
    return out


def build_briefing(session: Session, today: dt.date) -> Briefing:
    """Everything the briefing shows, for TODAY (changes since the last held plenary)."""
    plenaries = dashboard_data.held_plenaries(session, today)
    last = plenaries.iloc[0] if len(plenaries) else None
    last_day = _day(last["starts_at"]) if last is not None else None

    measures = progress.measures_table(session, today)
    figures = _figures(session, today, last_day, measures)

    rows = progress.area_progress(session, [today] + ([last_day] if last_day else []))
    now = _progress(rows, today)
    then = _progress(rows, last_day) if last_day else {}

    statuses = progress.statuses(session)["name"].tolist()
    counts = progress.status_counts(session)
    meetings = _next_meetings(session, today)

    areas = []
    for area in rows[rows["day"] == today]["area"]:
        in_area = counts[counts["area"] == area].set_index("status")["measures"]
        mine = measures[measures["area"] == area]
        overdue = mine[mine["overdue"]].sort_values(["due_date", "title"])
        stale = mine[mine["stale"]].sort_values(["last_update", "title"], na_position="first")
        areas.append(
            AreaBriefing(
                name=area,
                now=now[area],
                then=then.get(area),
                statuses=tuple((s, int(in_area.get(s, 0))) for s in statuses),
                overdue=tuple(
                    OverdueMeasure(r.title, _day(r.due_date), r.status)
                    for r in overdue.itertuples()
                ),
                stale=tuple(StaleMeasure(r.title, _day(r.last_update)) for r in stale.itertuples()),
                next_meeting=meetings.get(area),
            )
        )
    return Briefing(
        today=today,
        last_plenary_day=last_day,
        last_plenary_title=str(last["title"]) if last is not None else None,
        figures=figures,
        areas=tuple(areas),
    )
