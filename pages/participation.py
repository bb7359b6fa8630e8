import datetime as dt

import pandas as pd
import streamlit as st

from components import charts, data, filters, fmt, navigation, tables, ui
from db import form_data, participation

navigation.page_actor("viewer")
HEATMAP_MEETINGS = 40  # more columns are unreadable; the table below counts all
today = dt.date.today()

# Charts, display tables and what decides between them are built once per data
# version (data.derived); a rerun only draws them. Each filter reruns its own
# fragment, not the page.


def _total(day: dt.date) -> pd.DataFrame:
    return data.read(participation.seats_per_sector, day)


def _sector_chart(day: dt.date):
    return charts.members_by_sector(_total(day))


def _groups_chart(day: dt.date):
    return charts.composition_heatmap(data.read(participation.composition, day))


def _groups_table(day: dt.date) -> pd.DataFrame | None:
    """The members per sector and working group; None without active members."""
    if _total(day)["members"].sum() == 0:
        return None
    return tables.groups_by_sector(data.read(participation.composition, day))


def _heatmap(*chosen):
    attendance = data.read(participation.attendance_by_sector, *chosen)
    return charts.attendance_heatmap(participation.latest_meetings(attendance, HEATMAP_MEETINGS))


def _trend(*chosen):
    return charts.attendance_trend(data.read(participation.attendance_by_sector, *chosen))


def _attendance(*chosen) -> dict | None:
    """The tab's content for the chosen filters; None without held meetings."""
    attendance = data.read(participation.attendance_by_sector, *chosen)
    if attendance.empty:
        return None
    shown, export = tables.attendance(participation.sector_totals(attendance))
    return {
        "cut": attendance["meeting_id"].nunique() > HEATMAP_MEETINGS,
        "trend": bool((attendance["kind"] == "plenary").any()),
        "shown": shown,
        "export": export,
    }


def _shares(meeting_id: int) -> pd.DataFrame:
    held = data.read(participation.attendance_by_sector)
    return participation.representation(held[held["meeting_id"] == meeting_id])


def _representation(meeting_id: int) -> tuple[pd.DataFrame, str]:
    """The table of one meeting's shares and the sectors under-represented there."""
    shares = _shares(meeting_id)
    under = list(shares.loc[shares["gap"] < -0.03, "sector"])
    return tables.representation(shares), ", ".join(fmt.md(s) for s in under)


def _area_names() -> dict[int, str]:
    areas = data.read(form_data.areas)
    return {int(k): v for k, v in zip(areas["id"], areas["name"], strict=True)}


@st.fragment
def attendance_tab() -> None:
    chosen = filters.meeting_filters("part", data.derived("part_areas", _area_names))
    content = data.derived("part_attendance", _attendance, *chosen)
    if content is None:
        ui.empty("Für diese Auswahl gibt es keine stattgefundenen Termine mit Anwesenheit.")
        return
    if content["cut"]:
        st.caption(
            f"Die Farbfläche zeigt die letzten {HEATMAP_MEETINGS} Termine der Auswahl; "
            "die Tabelle darunter zählt alle."
        )
    ui.chart(_heatmap, "Teilnahmequote nach Bereich", "part_heat", *chosen)
    st.caption("Ein leeres Feld: Der Bereich hatte bei diesem Termin keinen eingeladenen Sitz.")
    if content["trend"]:
        ui.chart(_trend, "Teilnahme im Zeitverlauf", "part_trend", *chosen)
    ui.table(content["shown"], "Teilnahme je Bereich", "part_att_table", export=content["export"])


@st.fragment
def representation_tab() -> None:
    labels = data.derived("part_meetings", _meeting_labels)
    if not labels:
        ui.empty("Noch keine stattgefundenen Termine mit Anwesenheit.")
        return
    meeting_id = st.selectbox("Termin", list(labels), format_func=labels.get, key="part_meeting")
    ui.chart(
        lambda m: charts.representation(_shares(m)),
        "Vertretung der Bereiche",
        "part_repr",
        meeting_id,
    )
    shown, under = data.derived("part_repr_table", _representation, meeting_id)
    if under:
        st.warning("Unterrepräsentiert (mehr als 3 Prozentpunkte unter dem Sitzanteil): " + under)
    ui.table(shown, "Vertretung", "part_repr_table")


def _meeting_labels() -> dict[int, str]:
    held = data.read(participation.attendance_by_sector)
    options = held.drop_duplicates("meeting_id").sort_values("starts_at", ascending=False)
    return {
        row.meeting_id: f"{fmt.date(row.starts_at)} · {row.title}" for row in options.itertuples()
    }


st.title("Teilnahme nach Bereich")
st.caption(
    "Ein Sitz gilt als besetzt, wenn das Mitglied oder seine Stellvertretung teilgenommen hat."
)

tab_members, tab_attendance, tab_representation = st.tabs(
    ["Zusammensetzung", "Teilnahme", "Vertretung bei einem Termin"]
)

with tab_members:
    groups = data.derived("part_table", _groups_table, today)
    if groups is None:
        ui.empty("Noch keine aktiven Mitglieder erfasst.")
    else:
        left, right = st.columns(2)
        with left:
            ui.chart(_sector_chart, "Mitglieder nach Bereich", "part_sectors", today)
        with right:
            ui.chart(_groups_chart, "Zusammensetzung der Arbeitsgruppen", "part_groups", today)
        ui.table(groups, "Mitglieder je Bereich", "part_table")

with tab_attendance:
    attendance_tab()

with tab_representation:
    representation_tab()
