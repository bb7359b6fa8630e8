import datetime as dt

import streamlit as st

from components import charts, data, fmt, navigation, responses_view, ui
from components.page_views import Overview
from db import briefing_figures, dashboard_data, participation, progress

navigation.page_actor("viewer")
today = dt.date.today()


def _today_only(area_progress):
    return area_progress[area_progress["day"] == today]


def _view(day: dt.date) -> Overview:
    last_day = data.read(briefing_figures.last_plenary_day, day)
    since = (
        f" · Veränderungen seit der letzten Plenarsitzung am {fmt.date(last_day)}"
        if last_day
        else ""
    )
    days = (day, last_day) if last_day else (day,)
    area_now_then = data.read(progress.area_progress, list(days))
    now = area_now_then[area_now_then["day"] == day]
    change = None
    if last_day and now["measures"].sum():
        changes = charts.area_changes(area_now_then, day, last_day)
        change = charts.change_note(changes, last_day) or (
            f"Seit der letzten Plenarsitzung am {fmt.date(last_day)}: "
            + " · ".join(f"{row.Themenbereich} {row.Beschriftung}" for row in changes.itertuples())
        )
    upcoming = tuple(
        (
            ("Nächster Termin: " if i == 0 else "") + row.title,
            f"{fmt.weekday_date(row.starts_at)}, {row.starts_at:%H:%M} Uhr · "
            + fmt.md(fmt.or_none(row.location) or "Ort offen"),
        )
        for i, row in enumerate(data.read(dashboard_data.next_meetings, day, 3).itertuples())
    )
    return Overview(
        stand=f"Stand: {fmt.date(day)}{since}",
        figures=tuple(data.read(briefing_figures.key_figures, day)),
        days=days,
        has_measures=bool(now["measures"].sum()),
        change=change,
        upcoming=upcoming,
    )


view = data.derived("overview", _view, today)

st.title("Hessische Integrationskonferenz")
st.caption(view.stand)

members = view.figures[0].value
if not members:
    ui.empty("Noch keine Mitglieder erfasst. Sobald Daten vorliegen, erscheint hier die Übersicht.")

for column, figure in zip(st.columns(len(view.figures)), view.figures, strict=True):
    ui.key_figure(column, figure, help=f"{figure.note}." if figure.note else None)

left, middle, right = st.columns([5, 5, 4])
with left:
    if members:
        ui.chart(
            lambda day: charts.members_by_sector(data.read(participation.seats_per_sector, day)),
            "Mitglieder nach Bereich",
            "overview_sectors",
            today,
        )
with middle:
    if view.has_measures:
        ui.chart(
            lambda *on: charts.area_progress(
                _today_only(data.read(progress.area_progress, list(on)))
            ),
            "Fortschritt je Themenbereich",
            "overview_progress",
            *view.days,
        )
        if view.change:
            st.caption(view.change)
    else:
        ui.empty("Noch keine Maßnahmen erfasst.")
with right:
    ui.section("Nächste Termine")
    if not view.upcoming:
        ui.empty("Keine Termine geplant.")
    for title, when in view.upcoming:
        with st.container(border=True):
            st.text(title)
            st.caption(when)

responses_view.expected_for_next_meeting()
