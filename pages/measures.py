import datetime as dt

import pandas as pd
import streamlit as st

from components import charts, data, fmt, navigation, tables, ui
from db import progress, queries

navigation.page_actor("viewer")
today = dt.date.today()


def _on(area_progress: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return area_progress[area_progress["day"] == day]


st.title("Maßnahmen nach Themenbereich")
plenaries = data.read(queries.held_plenaries, today)
last_day = plenaries.iloc[0]["starts_at"].date() if len(plenaries) else None
days = [today] + ([last_day] if last_day else [])
areas = data.read(progress.area_progress, days)
now = areas[areas["day"] == today]

with st.expander("Wie der Fortschritt berechnet wird", icon=":material/function:"):
    st.markdown(
        "**Fortschritt eines Themenbereichs** = Mittelwert des *bekannten* Fortschritts "
        "seiner aktiven Maßnahmen.\n\n"
        "- Maßgeblich ist je Maßnahme die letzte Fortschrittsmeldung bis zum Stichtag.\n"
        "- Maßnahmen mit unbekanntem Fortschritt werden **nicht als 0 %** gewertet, sondern "
        "gezählt und neben dem Wert ausgewiesen.\n"
        "- Zurückgestellte und archivierte Maßnahmen bleiben außen vor."
    )

if now["measures"].sum() == 0:
    ui.empty("Noch keine Maßnahmen mit Fortschrittsmeldungen erfasst.")
    st.stop()

left, right = st.columns(2)
with left:
    ui.chart(
        lambda *on: charts.area_progress(_on(data.read(progress.area_progress, list(on)), on[0])),
        "Fortschritt je Themenbereich",
        "meas_progress",
        *days,
    )
with right:
    statuses = data.read(progress.statuses)
    ui.chart(
        lambda: charts.status_distribution(data.read(progress.status_counts), statuses),
        "Maßnahmen nach Status",
        "meas_status",
    )

if last_day:
    ui.section(f"Veränderung seit der letzten Plenarsitzung ({fmt.date(last_day)})")
    note = charts.change_note(charts.area_changes(areas, today, last_day), last_day)
    if note:
        ui.empty(note)
    else:
        summary = tables.progress_since(areas, today, last_day)
        ui.table(summary, "Fortschritt seit der Sitzung", "meas_since")

ui.chart(
    lambda day: charts.progress_over_time(
        data.read(progress.progress_series, day), data.read(queries.held_plenaries, day)
    ),
    "Fortschritt im Zeitverlauf",
    "meas_time",
    today,
)

measures = data.read(progress.measures_table, today)
tab_moved, tab_overdue, tab_stale, tab_all = st.tabs(
    ["Bewegung seit der Sitzung", "Überfällig", "Ohne aktuelle Meldung", "Alle Maßnahmen"]
)


with tab_moved:
    if last_day is None:
        ui.empty("Noch keine Plenarsitzung, seit der sich etwas bewegen könnte.")
    else:
        moved = data.read(progress.changes_since, last_day, today)
        if moved.empty:
            ui.empty(
                f"Seit der letzten Plenarsitzung am {fmt.date(last_day)} hat sich keine "
                "Maßnahme bewegt."
            )
        else:
            shown = data.derived("meas_moved", lambda *_on: tables.moved(moved), last_day, today)
            ui.table(shown, "Bewegung seit der Sitzung", "meas_moved")
with tab_overdue:
    overdue = measures[measures["overdue"]]
    if overdue.empty:
        ui.empty("Keine überfälligen Maßnahmen.")
    else:
        shown = data.derived("meas_overdue", lambda _day: tables.measures(overdue), today)
        ui.table(shown, "Überfällige Maßnahmen", "meas_overdue")
with tab_stale:
    stale = measures[measures["stale"]]
    st.caption("Maßnahmen ohne Meldung seit der letzten Sitzung ihrer Arbeitsgruppe.")
    if stale.empty:
        ui.empty("Zu allen offenen Maßnahmen liegt eine aktuelle Meldung vor.")
    else:
        shown = data.derived("meas_stale", lambda _day: tables.measures(stale), today)
        ui.table(shown, "Maßnahmen ohne aktuelle Meldung", "meas_stale")


@st.fragment
def all_measures() -> None:
    """The filterable table; a filter reruns only this part."""
    c1, c2, c3 = st.columns([2, 2, 3])
    area = c1.selectbox("Themenbereich", ["Alle", *now["area"]], key="meas_filter_area")
    status = c2.selectbox("Status", ["Alle", *statuses["name"]], key="meas_filter_status")
    search = c3.text_input("Suche im Titel", key="meas_filter_search", max_chars=100)
    shown = measures[~measures["archived"]]
    if area != "Alle":
        shown = shown[shown["area"] == area]
    if status != "Alle":
        shown = shown[shown["status"] == status]
    if search.strip():
        shown = shown[shown["title"].str.contains(search.strip(), case=False, regex=False)]
    if shown.empty:
        ui.empty("Keine Maßnahme passt zu dieser Auswahl.")
    else:
        rows = data.derived(
            "meas_all", lambda *_filter: tables.measures(shown), area, status, search, today
        )
        ui.table(rows, "Maßnahmen", "meas_all")


with tab_all:
    all_measures()
