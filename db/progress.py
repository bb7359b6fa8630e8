"""Progress of the measures: one roll-up formula, used for every figure.

Progress of a thematic area on a day = mean of the known progress of its
active measures on that day. Active: not archived and, by its latest status on
that day, not discontinued (zurückgestellt). A measure's progress on a day is
the one of its latest progress update up to that day; an update with unknown
progress makes it unknown, and unknown is never counted as 0, only counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Date, and_, func, literal, select, union_all
from sqlalchemy.orm import Session

from db.models import Measure, MeasureStatus, Meeting, ProgressUpdate, ThematicArea

AREA_COLUMNS = ["day", "area_id", "area", "area_order", "mean", "known", "unknown", "measures"]
STATE_COLUMNS = ["day", "measure_id", "progress", "status", "is_done", "is_discontinued"]


def _days(days: Sequence[dt.date]):
    parts = [select(literal(d, Date).label("day")) for d in sorted(set(days))]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("days")


def _states(days: Sequence[dt.date]):
    """Latest update per (day, measure) up to that day, as a subquery."""
    points = _days(days)
    ranked = (
        select(
            points.c.day,
            ProgressUpdate.measure_id,
            ProgressUpdate.progress,
            ProgressUpdate.status_id,
            func.row_number()
            .over(
                partition_by=(points.c.day, ProgressUpdate.measure_id),
                order_by=(ProgressUpdate.date.desc(), ProgressUpdate.id.desc()),
            )
            .label("rank"),
        )
        .select_from(points)
        .join(ProgressUpdate, ProgressUpdate.date <= points.c.day)
        .subquery("ranked")
    )
    return (
        select(
            ranked.c.day,
            ranked.c.measure_id,
            ranked.c.progress,
            MeasureStatus.name.label("status"),
            MeasureStatus.is_done,
            MeasureStatus.is_discontinued,
        )
        .join(MeasureStatus, MeasureStatus.id == ranked.c.status_id)
        .where(ranked.c.rank == 1)
        .subquery("states")
    )


def area_progress(session: Session, days: Sequence[dt.date]) -> pd.DataFrame:
    """The formula, for every thematic area on each of DAYS (one query)."""
    if not days:
        return pd.DataFrame(columns=AREA_COLUMNS)
    states = _states(days)
    stmt = (
        select(
            states.c.day,
            ThematicArea.id,
            ThematicArea.name,
            ThematicArea.sort_order,
            func.avg(states.c.progress),
            func.count(states.c.progress),
            func.count() - func.count(states.c.progress),
            func.count(),
        )
        .select_from(states)
        .join(Measure, Measure.id == states.c.measure_id)
        .join(ThematicArea, ThematicArea.id == Measure.area_id)
        .where(~states.c.is_discontinued, ~Measure.archived)
        .group_by(states.c.day, ThematicArea.id, ThematicArea.name, ThematicArea.sort_order)
        .order_by(states.c.day, ThematicArea.sort_order)
    )
    df = pd.DataFrame(session.execute(stmt).all(), columns=AREA_COLUMNS)
    df["mean"] = df["mean"].astype(float)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return _with_all_areas(session, df, days)


def _with_all_areas(session: Session, df: pd.DataFrame, days: Sequence[dt.date]) -> pd.DataFrame:
    """Every area on every day, with 0 measures where an area had none yet."""
    areas = session.execute(
        select(ThematicArea.id, ThematicArea.name, ThematicArea.sort_order)
    ).all()
    grid = pd.DataFrame(
        [(d, a.id, a.name, a.sort_order) for d in sorted(set(days)) for a in areas],
        columns=["day", "area_id", "area", "area_order"],
    )
    out = grid.merge(df, on=["day", "area_id", "area", "area_order"], how="left")
    for column in ("known", "unknown", "measures"):
        out[column] = out[column].fillna(0).astype(int)
    return out.sort_values(["day", "area_order"]).reset_index(drop=True)


def measure_states(session: Session, day: dt.date) -> pd.DataFrame:
    """Each measure's progress and status on DAY (from its history)."""
    states = _states([day])
    df = pd.DataFrame(session.execute(select(states)).all(), columns=STATE_COLUMNS)
    return df.drop(columns="day").set_index("measure_id")


def status_counts(session: Session) -> pd.DataFrame:
    """Current number of (not archived) measures per area and status."""
    stmt = (
        select(
            ThematicArea.name,
            ThematicArea.sort_order,
            MeasureStatus.name,
            MeasureStatus.sort_order,
            func.count(Measure.id),
        )
        .select_from(Measure)
        .join(ThematicArea, ThematicArea.id == Measure.area_id)
        .join(MeasureStatus, MeasureStatus.id == Measure.status_id)
        .where(~Measure.archived)
        .group_by(
            ThematicArea.id,
            ThematicArea.name,
            ThematicArea.sort_order,
            MeasureStatus.id,
            MeasureStatus.name,
            MeasureStatus.sort_order,
        )
        .order_by(ThematicArea.sort_order, MeasureStatus.sort_order)
    )
    return pd.DataFrame(
        session.execute(stmt).all(),
        columns=["area", "area_order", "status", "status_order", "measures"],
    )


def statuses(session: Session) -> pd.DataFrame:
    """The statuses in their order: name, is_done, is_discontinued (what the status
    colours and the charts' order follow)."""
    stmt = select(MeasureStatus.name, MeasureStatus.is_done, MeasureStatus.is_discontinued)
    rows = session.execute(stmt.order_by(MeasureStatus.sort_order, MeasureStatus.name)).all()
    return pd.DataFrame(rows, columns=["name", "is_done", "is_discontinued"])


def measures_table(session: Session, today: dt.date) -> pd.DataFrame:
    """Every measure with its area, status, progress, dates and latest update,
    and whether it is overdue or stale.

    Overdue: due date passed, not done, not discontinued. Stale: no update
    since the last held working-group meeting of its area.
    """
    latest = select(
        ProgressUpdate.measure_id,
        ProgressUpdate.date,
        ProgressUpdate.note,
        func.row_number()
        .over(
            partition_by=ProgressUpdate.measure_id,
            order_by=(ProgressUpdate.date.desc(), ProgressUpdate.id.desc()),
        )
        .label("rank"),
    ).subquery("latest")
    last_ag = (
        select(Meeting.area_id, func.max(Meeting.starts_at).label("last_meeting"))
        .where(Meeting.kind == "working_group", Meeting.status == "held")
        .group_by(Meeting.area_id)
        .subquery("last_ag")
    )
    stmt = (
        select(
            Measure.id,
            Measure.title,
            ThematicArea.name.label("area"),
            ThematicArea.sort_order.label("area_order"),
            MeasureStatus.name.label("status"),
            MeasureStatus.is_done,
            MeasureStatus.is_discontinued,
            Measure.progress,
            Measure.responsible,
            Measure.start_date,
            Measure.due_date,
            Measure.archived,
            latest.c.date.label("last_update"),
            latest.c.note.label("last_note"),
            last_ag.c.last_meeting,
            Measure.version,
        )
        .join(ThematicArea, ThematicArea.id == Measure.area_id)
        .join(MeasureStatus, MeasureStatus.id == Measure.status_id)
        .outerjoin(latest, and_(latest.c.measure_id == Measure.id, latest.c.rank == 1))
        .outerjoin(last_ag, last_ag.c.area_id == Measure.area_id)
        .order_by(ThematicArea.sort_order, Measure.title)
    )
    rows = session.execute(stmt).all()
    df = pd.DataFrame(rows, columns=list(stmt.selected_columns.keys()))
    open_ = ~(
        df["is_done"].astype(bool)
        | df["is_discontinued"].astype(bool)
        | df["archived"].astype(bool)
    )
    due = pd.to_datetime(df["due_date"])
    df["overdue"] = open_ & (due < pd.Timestamp(today))
    last_update = pd.to_datetime(df["last_update"])
    last_meeting = pd.to_datetime(df["last_meeting"].map(lambda t: t.date() if t else None))
    df["stale"] = open_ & last_meeting.notna() & (last_update.isna() | (last_update < last_meeting))
    return df.drop(columns="last_meeting")


def progress_series(session: Session, today: dt.date) -> pd.DataFrame:
    """`area_progress` at every month end from the first update to TODAY (and TODAY)."""
    first = session.scalar(select(func.min(ProgressUpdate.date)))
    if first is None:
        return pd.DataFrame(columns=AREA_COLUMNS)
    ends = pd.date_range(first, today, freq="ME").date.tolist()
    return area_progress(session, [*ends, today])


def changes_since(session: Session, day: dt.date, today: dt.date) -> pd.DataFrame:
    """Measures whose status or progress moved between DAY and TODAY."""
    then = measure_states(session, day)
    now = measures_table(session, today).set_index("id")
    joined = now[["title", "area", "area_order", "status", "progress"]].join(
        then[["status", "progress"]].add_suffix("_then"), how="left"
    )
    moved = (joined["status"] != joined["status_then"]) | (
        joined["progress"].fillna(-1) != joined["progress_then"].fillna(-1)
    )
    out = joined[moved].reset_index(names="id")
    out["delta"] = out["progress"] - out["progress_then"]
    return out.sort_values(["area_order", "title"]).reset_index(drop=True)
