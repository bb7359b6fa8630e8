import datetime as dt

import pandas as pd
import streamlit as st

from components import data, fmt, forms, navigation, ui
from db import form_data, services
from db.models import BERLIN
from db.vocabulary import MEETING_STATUS_LABELS

actor = navigation.page_actor("editor")
now = dt.datetime.now(BERLIN)
ATTENDANCE = {"present": "anwesend", "excused": "entschuldigt", "absent": "unentschuldigt"}
FROM_LABEL = {label: key for key, label in ATTENDANCE.items()}

st.title("Termine und Anwesenheit")
meetings = data.read(form_data.meetings)
areas = data.read(form_data.areas)
labels = {
    int(r.id): f"{fmt.date(r.starts_at)} · {r.title} ({MEETING_STATUS_LABELS[r.status]})"
    for r in meetings.itertuples()
}

tab_edit, tab_new, tab_attendance = st.tabs(["Termin bearbeiten", "Neuer Termin", "Anwesenheit"])

with tab_edit:
    if meetings.empty:
        ui.empty("Noch keine Termine erfasst.")
    else:
        meeting_id = st.selectbox(
            "Termin", list(labels), format_func=labels.get, key="meetings_selected"
        )
        row = forms.record(meetings, meeting_id)
        version = forms.loaded_version("meetings", meeting_id, row["version"])
        for warning in services.meeting_warnings(row["starts_at"]):
            st.warning(f"Hinweis: {warning}", icon=":material/event_busy:")
        with st.form(f"meetings_edit_{meeting_id}"):
            payload = forms.meeting_fields("meetings", meeting_id, row, areas)
            submitted = st.form_submit_button("Speichern", type="primary")
        if submitted:
            hints = services.meeting_warnings(payload["starts_at"]) if payload["starts_at"] else []
            forms.save(
                actor,
                services.update_meeting,
                meeting_id,
                payload,
                version,
                success="Termin gespeichert.",
                warnings=hints,
                prefix="meetings",
                record_id=meeting_id,
            )
        if row["status"] != "cancelled":
            with st.form(f"meetings_cancel_{meeting_id}"):
                reason = st.text_input("Grund der Absage (freiwillig)")
                submitted = st.form_submit_button("Termin absagen")
            if submitted:
                forms.save(
                    actor,
                    services.cancel_meeting,
                    meeting_id,
                    version,
                    reason,
                    success="Termin abgesagt.",
                    prefix="meetings",
                    record_id=meeting_id,
                )

with tab_new:
    with st.form("meetings_new"):
        payload = forms.meeting_fields("meetings_new", "neu", {}, areas)
        submitted = st.form_submit_button("Termin anlegen", type="primary")
    if submitted:
        hints = services.meeting_warnings(payload["starts_at"]) if payload["starts_at"] else []
        forms.save(
            actor,
            services.create_meeting,
            payload,
            success="Termin angelegt.",
            warnings=hints,
            prefix="meetings_new",
            record_id=0,
        )

with tab_attendance:
    eligible = meetings[(meetings["status"] != "cancelled") & (meetings["starts_at"] <= now)]
    if eligible.empty:
        ui.empty("Anwesenheit lässt sich erfassen, sobald ein Termin begonnen hat.")
    else:
        meeting_id = st.selectbox(
            "Termin",
            [int(i) for i in eligible["id"]],
            format_func=labels.get,
            key="attendance_selected",
        )
        version = forms.loaded_version(
            "attendance", meeting_id, meetings.set_index("id").loc[meeting_id, "version"]
        )
        sheet = data.read(form_data.attendance_sheet, meeting_id)
        if sheet.empty:
            ui.empty("Zu diesem Termin gibt es keine eingeladenen Mitglieder.")
        else:
            recorded = sheet["status"].notna().any()
            if not recorded:
                st.info("Noch nicht erfasst: vorgeschlagen ist „anwesend“ für alle.")
            table = pd.DataFrame(
                {
                    "member_id": sheet["member_id"],
                    "Name": forms.person_names(sheet, "member_id"),
                    "Bereich": sheet["sector"],
                    "Organisation": sheet["organisation"],
                    "Anwesenheit": sheet["status"].map(ATTENDANCE).fillna("anwesend"),
                    "Stellvertretung anwesend": sheet["deputy_attended"].fillna(False).astype(bool),
                    "hat Stellvertretung": sheet["has_deputy"] > 0,
                }
            )
            with st.form(f"attendance_{meeting_id}"):
                edited = st.data_editor(
                    table,
                    hide_index=True,
                    width="stretch",
                    disabled=["Name", "Bereich", "Organisation", "hat Stellvertretung"],
                    column_order=[
                        "Name",
                        "Bereich",
                        "Organisation",
                        "Anwesenheit",
                        "Stellvertretung anwesend",
                        "hat Stellvertretung",
                    ],
                    column_config={
                        "Name": st.column_config.TextColumn(
                            "Name",
                            pinned=True,
                            width="large",
                            help="Bei gleichem Namen steht die Organisation dahinter.",
                        ),
                        "Anwesenheit": st.column_config.SelectboxColumn(
                            "Anwesenheit", options=list(FROM_LABEL), required=True
                        ),
                        "Stellvertretung anwesend": st.column_config.CheckboxColumn(
                            "Stellvertretung anwesend",
                            help="Nur wenn das Mitglied selbst fehlte.",
                        ),
                    },
                    key=forms.widget_key("attendance", meeting_id, "sheet"),
                )
                submitted = st.form_submit_button("Anwesenheit speichern", type="primary")
            if submitted:
                rows = [
                    {
                        "member_id": int(r["member_id"]),
                        "status": FROM_LABEL.get(r["Anwesenheit"], r["Anwesenheit"]),
                        "deputy_attended": bool(r["Stellvertretung anwesend"]),
                    }
                    for _, r in edited.iterrows()
                ]
                forms.save(
                    actor,
                    services.record_attendance,
                    meeting_id,
                    rows,
                    version,
                    success="Anwesenheit gespeichert.",
                    prefix="attendance",
                    record_id=meeting_id,
                )
            present = (table["Anwesenheit"] == "anwesend").sum()
            st.caption(
                f"{fmt.number(present)} von {fmt.number(len(table))} anwesend (gespeicherter Stand)."
            )
