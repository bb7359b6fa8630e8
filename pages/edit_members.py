import datetime as dt

import pandas as pd
import streamlit as st

from components import data, fmt, forms, navigation, ui
from db import lookups, services

actor = navigation.page_actor("editor")
today = dt.date.today()

st.title("Mitglieder und Organisationen")
members = data.read(lookups.members)
organisations = data.read(lookups.organisations)
areas = data.read(lookups.areas)
sectors = data.read(lookups.sectors)


def member_label(row: pd.Series) -> str:
    gone = " (ausgeschieden)" if row["active_to"] is not None and row["active_to"] < today else ""
    return f"{row['last_name']}, {row['first_name']} – {row['organisation']}{gone}"


def member_form(prefix: str, record_id: int | str, row: dict) -> dict:
    k = lambda f: forms.widget_key(prefix, record_id, f)  # noqa: E731
    c1, c2 = st.columns(2)
    first = c1.text_input(
        "Vorname", value=row.get("first_name") or "", max_chars=100, key=k("first")
    )
    last = c2.text_input("Nachname", value=row.get("last_name") or "", max_chars=100, key=k("last"))
    c1, c2 = st.columns(2)
    function = c1.text_input(
        "Funktion", value=row.get("function") or "", max_chars=200, key=k("function")
    )
    email = c2.text_input(
        "E-Mail (freiwillig)", value=row.get("email") or "", max_chars=200, key=k("email")
    )
    org_id = forms.choice("Organisation", organisations, row.get("organisation_id"), k("org"))
    sector_of = dict(zip(organisations["id"], organisations["sector_id"], strict=True))
    c1, c2 = st.columns(2)
    since = forms.date_field("Mitglied seit", row.get("active_from") or today, k("from"), c1)
    until = forms.date_field("Mitglied bis", row.get("active_to"), k("to"), c2)
    others = members[members["id"] != record_id].assign(
        label=lambda df: df["last_name"] + ", " + df["first_name"]
    )
    deputy_for = forms.choice(
        "Stellvertretung für",
        others,
        row.get("deputy_for_id"),
        k("deputy"),
        label_column="label",
        optional=True,
        none_label="– eigener Sitz –",
    )
    names = dict(zip(areas["id"], areas["name"], strict=True))
    groups = st.multiselect(
        "Arbeitsgruppen",
        list(names),
        default=[a for a in row.get("area_ids", ()) if a in names],
        format_func=names.get,
        key=k("groups"),
        placeholder="keine",
    )
    return {
        "first_name": first,
        "last_name": last,
        "function": function,
        "email": email,
        "organisation_id": org_id,
        "sector_id": sector_of.get(org_id),
        "active_from": since,
        "active_to": until,
        "deputy_for_id": deputy_for,
        "area_ids": tuple(groups),
    }


tab_edit, tab_new, tab_orgs = st.tabs(["Mitglied bearbeiten", "Neues Mitglied", "Organisationen"])

with tab_edit:
    if members.empty:
        ui.empty("Noch keine Mitglieder erfasst.")
    else:
        labels = {int(r["id"]): member_label(r) for _, r in members.iterrows()}
        member_id = st.selectbox(
            "Mitglied", list(labels), format_func=labels.get, key="members_selected"
        )
        row = members.set_index("id").loc[member_id].to_dict()
        version = forms.loaded_version("members", member_id, row["version"])
        st.caption(f"Bereich: {fmt.md(row['sector'])} (folgt aus der Organisation)")
        with st.form(f"members_edit_{member_id}"):
            payload = member_form("members", member_id, row)
            submitted = st.form_submit_button("Speichern", type="primary")
        if submitted:
            forms.save(
                actor,
                services.update_member,
                member_id,
                payload,
                version,
                success="Mitglied gespeichert.",
                prefix="members",
                record_id=member_id,
            )
        with st.form(f"members_leave_{member_id}"):
            st.markdown(
                "**Mitgliedschaft beenden** – die Person und ihre Teilnahme bleiben erhalten."
            )
            last_day = forms.date_field("Letzter Tag", today, f"members_leave_day_{member_id}")
            submitted = st.form_submit_button("Mitgliedschaft beenden")
        if submitted:
            forms.save(
                actor,
                services.deactivate_member,
                member_id,
                last_day,
                version,
                success="Mitgliedschaft beendet.",
                prefix="members",
                record_id=member_id,
            )

with tab_new:
    if organisations.empty:
        ui.empty("Legen Sie zuerst eine Organisation an (Reiter „Organisationen“).")
    else:
        with st.form("members_new"):
            payload = member_form("members_new", "neu", {})
            submitted = st.form_submit_button("Mitglied anlegen", type="primary")
        if submitted:
            forms.save(
                actor,
                services.create_member,
                payload,
                success="Mitglied angelegt.",
                prefix="members_new",
                record_id=0,
            )

with tab_orgs:
    shown = organisations.rename(
        columns={"name": "Organisation", "sector": "Bereich", "members": "Mitglieder"}
    )[["Organisation", "Bereich", "Mitglieder"]]
    ui.table(shown, "Organisationen", "orgs_table")
    left, right = st.columns(2)
    with left:
        with st.form("orgs_new"):
            st.markdown("**Neue Organisation**")
            name = st.text_input("Name der Organisation", max_chars=200, key="orgs_new_name")
            sector_id = forms.choice("Bereich", sectors, None, "orgs_new_sector")
            submitted = st.form_submit_button("Organisation anlegen")
        if submitted:
            forms.save(
                actor,
                services.create_organisation,
                {"name": name, "sector_id": sector_id},
                success="Organisation angelegt.",
            )
    with right:
        if not organisations.empty:
            org_id = forms.choice("Organisation bearbeiten", organisations, None, "orgs_selected")
            org = organisations.set_index("id").loc[org_id].to_dict()
            org_version = forms.loaded_version("orgs", org_id, org["version"])
            with st.form(f"orgs_edit_{org_id}"):
                k = lambda f: forms.widget_key("orgs", org_id, f)  # noqa: E731
                name = st.text_input(
                    "Name der Organisation", value=org["name"], max_chars=200, key=k("name")
                )
                sector_id = forms.choice("Bereich", sectors, org["sector_id"], k("sector"))
                submitted = st.form_submit_button("Speichern")
            if submitted:
                forms.save(
                    actor,
                    services.update_organisation,
                    org_id,
                    {"name": name, "sector_id": sector_id},
                    org_version,
                    success="Organisation gespeichert.",
                    prefix="orgs",
                    record_id=org_id,
                )
