import datetime as dt

import pandas as pd
import streamlit as st

from components import charts, data, fmt, navigation, tables, ui
from components.page_views import Measures
from db import dashboard_data, progress

navigation.page_actor("viewer")
today = dt.date.today()


def _on(area_progress: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return area_progress[area_progress["day"] == day]


def _or_none(df: pd.DataFrame, shown) -> pd.DataFrame | None:
    return None if df.empty else shown(df)


def _view(day: dt.date) -> Measures:
    plenaries = data.read(dashboard_data.held_plenaries, day)
    last_day = plenaries.iloc[0]["starts_at"].date() if len(plenaries) else None
    days = (day, last_day) if last_day else (day,)
    areas = data.read(progress.area_progress, list(days))
    now = _on(areas, day)
    note = since = moved = None
    if last_day:
        note = charts.change_note(charts.area_changes(areas, day, last_day), last_day)
        if not note:
            since = tables.progress_since(areas, day, last_day)
        moved = _or_none(data.read(progress.changes_since, last_day, day), tables.moved)
    measures = data.read(progress.measures_table, day)
    return Measures(
        days=days,
        last_day=last_day,
        has_measures=bool(now["measures"].sum()),
        change_note=note,
        since=since,
        moved=moved,
        overdue=_or_none(measures[measures["overdue"]], tables.measures),
        stale=_or_none(measures[measures["stale"]], tables.measures),
        areas=tuple(now["area"]),
        statuses=tuple(data.read(progress.statuses)["name"]),
    )


def _all_measures(day: dt.date, area: str, status: str, search: str) -> pd.DataFrame | None:
    """The table of all measures for the chosen filters; None when none matches."""
    measures = data.read(progress.measures_table, day)
    shown = measures[~measures["archived"]]
    if area != "Alle":
        shown = shown[shown["area"] == area]
    if status != "Alle":
        shown = shown[shown["status"] == status]
    if search.strip():
        shown = shown[shown["title"].str.contains(search.strip(), case=False, regex=False)]
    return _or_none(shown, tables.measures)


view = data.derived("measures", _view, today)

st.title("Maßnahmen nach Themenbereich")

with st.expander("Wie der Fortschritt berechnet wird", icon=":material/function:"):
    st.markdown(
        "**Fortschritt eines Themenbereichs** = Mittelwert des *bekannten* Fortschritts "
        "seiner aktiven Maßnahmen.\n\n"
        "- Maßgeblich ist je Maßnahme die letzte Fortschrittsmeldung bis zum Stichtag.\n"
        "- Maßnahmen mit unbekanntem Fortschritt werden **nicht als 0 %** gewertet, sondern "
        "gezählt und neben dem Wert ausgewiesen.\n"
        "- Zurückgestellte und archivierte Maßnahmen bleiben außen vor."
    )

if not view.has_measures:
    ui.empty("Noch keine Maßnahmen mit Fortschrittsmeldungen erfasst.")
    st.stop()

left, right = st.columns(2)
with left:
    ui.chart(
        lambda *on: charts.area_progress(_on(data.read(progress.area_progress, list(on)), on[0])),
        "Fortschritt je Themenbereich",
        "meas_progress",
        *view.days,
    )
with right:
    ui.chart(
        lambda: charts.status_distribution(
            data.read(progress.status_counts), data.read(progress.statuses)
        ),
        "Maßnahmen nach Status",
        "meas_status",
    )

if view.last_day:
    ui.section(f"Veränderung seit der letzten Plenarsitzung ({fmt.date(view.last_day)})")
    if view.change_note:
        ui.empty(view.change_note)
    else:
        ui.table(view.since, "Fortschritt seit der Sitzung", "meas_since")

ui.chart(
    lambda day: charts.progress_over_time(
        data.read(progress.progress_series, day), data.read(dashboard_data.held_plenaries, day)
    ),
    "Fortschritt im Zeitverlauf",
    "meas_time",
    today,
)

tab_moved, tab_overdue, tab_stale, tab_all = st.tabs(
    ["Bewegung seit der Sitzung", "Überfällig", "Ohne aktuelle Meldung", "Alle Maßnahmen"]
)


with tab_moved:
    if view.last_day is None:
        ui.empty("Noch keine Plenarsitzung, seit der sich etwas bewegen könnte.")
    elif view.moved is None:
        ui.empty(
            f"Seit der letzten Plenarsitzung am {fmt.date(view.last_day)} hat sich keine "
            "Maßnahme bewegt."
        )
    else:
        ui.table(view.moved, "Bewegung seit der Sitzung", "meas_moved")
with tab_overdue:
    if view.overdue is None:
        ui.empty("Keine überfälligen Maßnahmen.")
    else:
        ui.table(view.overdue, "Überfällige Maßnahmen", "meas_overdue")
with tab_stale:
    st.caption("Maßnahmen ohne Meldung seit der letzten Sitzung ihrer Arbeitsgruppe.")
    if view.stale is None:
        ui.empty("Zu allen offenen Maßnahmen liegt eine aktuelle Meldung vor.")
    else:
        ui.table(view.stale, "Maßnahmen ohne aktuelle Meldung", "meas_stale")


@st.fragment
def all_measures() -> None:
    """The filterable table; a filter reruns only this part."""
    c1, c2, c3 = st.columns([2, 2, 3])
    area = c1.selectbox("Themenbereich", ["Alle", *view.areas], key="meas_filter_area")
    status = c2.selectbox("Status", ["Alle", *view.statuses], key="meas_filter_status")
    search = c3.text_input("Suche im Titel", key="meas_filter_search", max_chars=100)
    rows = data.derived("meas_all", _all_measures, today, area, status, search)
    if rows is None:
        ui.empty("Keine Maßnahme passt zu dieser Auswahl.")
    else:
        ui.table(rows, "Maßnahmen", "meas_all")


with tab_all:
    all_measures()
