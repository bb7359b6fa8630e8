import datetime as dt

import pandas as pd
import streamlit as st

from components import charts, data, filters, fmt, navigation, ui
from db import lookups, participation

navigation.page_actor("viewer")
HEATMAP_MEETINGS = 40  # more columns are unreadable; the table below counts all
today = dt.date.today()

st.title("Teilnahme nach Bereich")
st.caption(
    "Ein Sitz gilt als besetzt, wenn das Mitglied oder seine Stellvertretung teilgenommen hat."
)

composition = data.read(participation.composition, today)
total = composition[composition["area"] == "Gesamt"]

tab_members, tab_attendance, tab_representation = st.tabs(
    ["Zusammensetzung", "Teilnahme", "Vertretung bei einem Termin"]
)

with tab_members:
    if total["members"].sum() == 0:
        ui.empty("Noch keine aktiven Mitglieder erfasst.")
    else:
        left, right = st.columns(2)
        with left:
            by_sector = total.rename(
                columns={"sector": "Bereich", "members": "Mitglieder", "share": "Anteil"}
            )
            ui.chart(charts.members_by_sector(by_sector), "Mitglieder nach Bereich", "part_sectors")
        with right:
            ui.chart(
                charts.composition_heatmap(composition),
                "Zusammensetzung der Arbeitsgruppen",
                "part_groups",
            )
        wide = composition.pivot_table(
            index="sector", columns="area", values="members", sort=False, fill_value=0
        ).reset_index()
        ui.table(wide.rename(columns={"sector": "Bereich"}), "Mitglieder je Bereich", "part_table")

with tab_attendance:
    chosen = filters.meeting_filters("part", data.read(lookups.areas))
    attendance = data.read(participation.attendance_by_sector, *chosen)
    if attendance.empty:
        ui.empty("Für diese Auswahl gibt es keine stattgefundenen Termine mit Anwesenheit.")
    else:
        recent = participation.latest_meetings(attendance, HEATMAP_MEETINGS)
        if len(recent) < len(attendance):
            st.caption(
                f"Die Farbfläche zeigt die letzten {HEATMAP_MEETINGS} Termine der Auswahl; "
                "die Tabelle darunter zählt alle."
            )
        ui.chart(charts.attendance_heatmap(recent), "Teilnahmequote nach Bereich", "part_heat")
        if (attendance["kind"] == "plenary").any():
            ui.chart(charts.attendance_trend(attendance), "Teilnahme im Zeitverlauf", "part_trend")
        per_sector = participation.sector_totals(attendance)
        shown = pd.DataFrame(
            {
                "Bereich": per_sector["sector"],
                "Eingeladene Sitze": per_sector["invited"],
                "Persönlich anwesend": per_sector["present"],
                "Durch Stellvertretung": per_sector["deputy"],
                "Entschuldigt": per_sector["excused"],
                "Unentschuldigt": per_sector["absent"],
                "Teilnahmequote": per_sector["rate"].map(fmt.percent),
            }
        )
        export = shown.assign(Teilnahmequote=per_sector["rate"].round(4))
        ui.table(shown, "Teilnahme je Bereich", "part_att_table", export=export)

with tab_representation:
    held = data.read(participation.attendance_by_sector)
    if held.empty:
        ui.empty("Noch keine stattgefundenen Termine mit Anwesenheit.")
    else:
        options = held.drop_duplicates("meeting_id").sort_values("starts_at", ascending=False)
        labels = {
            row.meeting_id: f"{fmt.date(row.starts_at)} · {row.title}"
            for row in options.itertuples()
        }
        meeting_id = st.selectbox(
            "Termin", list(labels), format_func=labels.get, key="part_meeting"
        )
        shares = participation.representation(held[held["meeting_id"] == meeting_id])
        ui.chart(charts.representation(shares), "Vertretung der Bereiche", "part_repr")
        under = shares[shares["gap"] < -0.03]
        if len(under):
            st.warning(
                "Unterrepräsentiert (mehr als 3 Prozentpunkte unter dem Sitzanteil): "
                + ", ".join(fmt.md(s) for s in under["sector"])
            )
        shown = pd.DataFrame(
            {
                "Bereich": shares["sector"],
                "Eingeladene Sitze": shares["invited"],
                "Anwesend (inkl. Stellvertretung)": shares["attended"],
                "Anteil an den Sitzen": shares["share_invited"].map(lambda v: fmt.percent(v, 1)),
                "Anteil an den Anwesenden": shares["share_attended"].map(
                    lambda v: fmt.percent(v, 1)
                ),
            }
        )
        ui.table(shown, "Vertretung", "part_repr_table")
