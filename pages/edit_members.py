import datetime as dt

import streamlit as st

from components import data, fmt, forms, member_editing, member_privacy, navigation, ui
from components.organisation_editing import organisations_tab
from db import form_data

actor = navigation.page_actor("editor")
today = dt.date.today()

st.title("Mitglieder und Organisationen")
members = data.read(form_data.members)
organisations = data.read(form_data.organisations)
areas = data.read(form_data.areas)
sectors = data.read(form_data.sectors)
choices = {"members": members, "organisations": organisations, "areas": areas}

tab_edit, tab_new, tab_orgs, tab_retention = st.tabs(
    ["Mitglied bearbeiten", "Neues Mitglied", "Organisationen", "Aufbewahrungsfrist"]
)

with tab_edit:
    if members.empty:
        ui.empty("Noch keine Mitglieder erfasst.")
    else:
        labels = {int(r["id"]): member_editing.label(r, today) for _, r in members.iterrows()}
        member_id = st.selectbox(
            "Mitglied", list(labels), format_func=labels.get, key="members_selected"
        )
        row = forms.record(members, member_id)
        version = forms.loaded_version("members", member_id, row["version"])
        st.caption(f"Bereich: {fmt.md(row['sector'])} (folgt aus der Organisation)")
        is_anonymised = row["anonymised_at"] is not None
        if is_anonymised:
            st.info(
                f"Dieses Mitglied wurde am {fmt.date(row['anonymised_at'])} anonymisiert: Name, "
                "Funktion und E-Mail-Adresse sind gelöscht. Bereich, Organisation, Zeitraum, "
                "Arbeitsgruppen und Teilnahme bleiben für die Statistik.",
                icon=":material/shield_person:",
            )
        else:
            member_editing.edit(actor, member_id, row, version, **choices)
        member_editing.leave(actor, member_id, version, today)
        member_privacy.member_box(actor, member_id, version, is_anonymised)

with tab_new:
    if organisations.empty:
        ui.empty("Legen Sie zuerst eine Organisation an (Reiter „Organisationen“).")
    else:
        member_editing.create(actor, **choices)

with tab_orgs:
    organisations_tab(actor, organisations, sectors)

with tab_retention:
    member_privacy.retention_tab(actor, today)
