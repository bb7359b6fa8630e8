import datetime as dt

import streamlit as st

from components import charts, data, fmt, navigation, ui
from db import briefing_figures, progress, queries

navigation.page_actor("viewer")
today = dt.date.today()


def _today_only(area_progress):
    return area_progress[area_progress["day"] == today]


last_day = data.read(briefing_figures.last_plenary_day, today)

st.title("Hessische Integrationskonferenz")
since = (
    f" · Veränderungen seit der letzten Plenarsitzung am {fmt.date(last_day)}" if last_day else ""
)
st.caption(f"Stand: {fmt.date(today)}{since}")

figures = data.read(briefing_figures.key_figures, today)
members = figures[0].value
if not members:
    ui.empty("Noch keine Mitglieder erfasst. Sobald Daten vorliegen, erscheint hier die Übersicht.")
days = [today] + ([last_day] if last_day else [])
area_now_then = data.read(progress.area_progress, days)

for column, figure in zip(st.columns(len(figures)), figures, strict=True):
    ui.key_figure(column, figure, help=f"{figure.note}." if figure.note else None)

left, middle, right = st.columns([5, 5, 4])
with left:
    if members:
        ui.chart(
            lambda day: charts.members_by_sector(data.read(queries.members_per_sector, day)),
            "Mitglieder nach Bereich",
            "overview_sectors",
            today,
        )
with middle:
    now = area_now_then[area_now_then["day"] == today]
    if now["measures"].sum():
        ui.chart(
            lambda *on: charts.area_progress(
                _today_only(data.read(progress.area_progress, list(on)))
            ),
            "Fortschritt je Themenbereich",
            "overview_progress",
            *days,
        )
        if last_day:
            changes = charts.area_changes(area_now_then, today, last_day)
            st.caption(
                charts.change_note(changes, last_day)
                or f"Seit der letzten Plenarsitzung am {fmt.date(last_day)}: "
                + " · ".join(
                    f"{row.Themenbereich} {row.Beschriftung}" for row in changes.itertuples()
                )
            )
    else:
        ui.empty("Noch keine Maßnahmen erfasst.")
with right:
    ui.section("Nächste Termine")
    upcoming = data.read(queries.next_meetings, today, 3)
    if upcoming.empty:
        ui.empty("Keine Termine geplant.")
    for i, row in enumerate(upcoming.itertuples()):
        with st.container(border=True):
            st.text(("Nächster Termin: " if i == 0 else "") + row.title)
            where = fmt.or_none(row.location) or "Ort offen"
            st.caption(
                f"{fmt.weekday_date(row.starts_at)}, {row.starts_at:%H:%M} Uhr · {fmt.md(where)}"
            )
