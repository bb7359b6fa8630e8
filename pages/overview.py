import datetime as dt

import streamlit as st

from components import charts, data, fmt, navigation, ui
from db import participation, progress, queries

navigation.page_actor("viewer")
today = dt.date.today()


def _today_only(area_progress):
    return area_progress[area_progress["day"] == today]


plenaries = data.read(queries.held_plenaries, today)
last = plenaries.iloc[0] if len(plenaries) else None
last_day = last["starts_at"].date() if last is not None else None

st.title("Hessische Integrationskonferenz")
since = (
    f" · Veränderungen seit der letzten Plenarsitzung am {fmt.date(last_day)}" if last_day else ""
)
st.caption(f"Stand: {fmt.date(today)}{since}")

counts = data.read(queries.headline_counts, today)
if counts["members"] == 0:
    ui.empty("Noch keine Mitglieder erfasst. Sobald Daten vorliegen, erscheint hier die Übersicht.")
before = data.read(queries.headline_counts, last_day) if last_day else None
rates = data.read(participation.meeting_rates)
measures = data.read(progress.measures_table, today)
active = measures[~measures["archived"] & ~measures["is_discontinued"]]
days = [today] + ([last_day] if last_day else [])
area_now_then = data.read(progress.area_progress, days)
states_then = data.read(progress.measure_states, last_day) if last_day else None

c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(
    "Aktive Mitglieder",
    fmt.number(counts["members"]),
    fmt.count_change(counts["members"], before["members"] if before else None),
    delta_color="off",
    help="Sitze mit aktivem Mitglied; Stellvertretungen nicht mitgezählt.",
)
c2.metric(
    "Organisationen",
    fmt.number(counts["organisations"]),
    fmt.count_change(counts["organisations"], before["organisations"] if before else None),
    delta_color="off",
)
if len(rates):
    latest_rate = rates.iloc[-1]
    previous = rates.iloc[-2]["rate"] if len(rates) > 1 else None
    c3.metric(
        "Teilnahme Plenum",
        fmt.percent(latest_rate["rate"]),
        fmt.points_change(latest_rate["rate"], previous),
        help="Letzte Plenarsitzung: Anteil der Sitze, die persönlich oder durch "
        "Stellvertretung besetzt waren; Veränderung gegenüber der vorigen Plenarsitzung.",
    )
else:
    c3.metric("Teilnahme Plenum", "–")
done_now = int(active["is_done"].sum())
done_then = int(states_then["is_done"].sum()) if states_then is not None else None
c4.metric(
    "Maßnahmen umgesetzt",
    f"{fmt.number(done_now)} von {fmt.number(len(active))}",
    fmt.count_change(done_now, done_then),
)
c5.metric(
    "Überfällige Maßnahmen",
    fmt.number(int(measures["overdue"].sum())),
    help="Fälligkeitsdatum überschritten, weder umgesetzt noch zurückgestellt.",
)

left, middle, right = st.columns([5, 5, 4])
with left:
    if counts["members"]:
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
            then = area_now_then[area_now_then["day"] == last_day].set_index("area")["mean"]
            moves = [
                f"{row.area}: {fmt.points_change(row.mean, then.get(row.area), scale=1) or '–'}"
                for row in now.itertuples()
            ]
            st.caption("Seit der letzten Sitzung: " + " · ".join(moves))
    else:
        ui.empty("Noch keine Maßnahmen erfasst.")
with right:
    st.subheader("Nächste Termine")
    upcoming = data.read(queries.next_meetings, today, 3)
    if upcoming.empty:
        ui.empty("Keine Termine geplant.")
    for i, row in enumerate(upcoming.itertuples()):
        with st.container(border=True):
            st.text(("Nächster Termin: " if i == 0 else "") + row.title)
            where = row.location or "Ort offen"
            st.caption(
                f"{fmt.weekday_date(row.starts_at)}, {row.starts_at:%H:%M} Uhr · {fmt.md(where)}"
            )
