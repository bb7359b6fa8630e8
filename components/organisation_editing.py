"""The organisations tab of the member editing page: the list, a new one, a change."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import forms, ui
from db import services
from db.permissions import Actor


def organisations_tab(actor: Actor, organisations: pd.DataFrame, sectors: pd.DataFrame) -> None:
    shown = organisations.rename(
        columns={"name": "Organisation", "sector": "Bereich", "members": "Mitglieder"}
    )[["Organisation", "Bereich", "Mitglieder"]]
    ui.table(shown, "Organisationen", "orgs_table")
    left, right = st.columns(2)
    with left:
        _create(actor, sectors)
    with right:
        if not organisations.empty:
            _edit(actor, organisations, sectors)


def _create(actor: Actor, sectors: pd.DataFrame) -> None:
    with st.form("orgs_new"):
        st.markdown("**Neue Organisation**")
        name = st.text_input("Name der Organisation", key="orgs_new_name")
        sector_id = forms.choice("Bereich", sectors, None, "orgs_new_sector")
        submitted = st.form_submit_button("Organisation anlegen")
    if submitted:
        forms.save(
            actor,
            services.create_organisation,
            {"name": name, "sector_id": sector_id},
            success="Organisation angelegt.",
        )


def _edit(actor: Actor, organisations: pd.DataFrame, sectors: pd.DataFrame) -> None:
    org_id = forms.choice("Organisation bearbeiten", organisations, None, "orgs_selected")
    org = forms.record(organisations, org_id)
    org_version = forms.loaded_version("orgs", org_id, org["version"])
    with st.form(f"orgs_edit_{org_id}"):
        k = lambda f: forms.widget_key("orgs", org_id, f)  # noqa: E731
        name = st.text_input("Name der Organisation", value=org["name"], key=k("name"))
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
