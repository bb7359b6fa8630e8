"""The member forms of the editing page: edit one member, end a membership, add one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from components import fmt, forms
from db import fields, services
from db.permissions import Actor


def label(row: pd.Series, today: dt.date) -> str:
    """'Last, First – Organisation', with "(ausgeschieden)" for a former member."""
    until = fmt.or_none(row["active_to"])
    gone = " (ausgeschieden)" if until is not None and until < today else ""
    return f"{row['last_name']}, {row['first_name']} – {row['organisation']}{gone}"


def member_form(
    prefix: str,
    record_id: int | str,
    row: dict[str, Any],
    members: pd.DataFrame,
    organisations: pd.DataFrame,
    areas: pd.DataFrame,
) -> dict[str, Any]:
    """The declared member fields (`db.fields.MEMBER`) as a form; returns the payload."""
    others = members[members["id"] != record_id].assign(label=forms.person_names)
    options = {"organisation": organisations, "member": others, "areas": areas}
    return forms.entity_form(fields.MEMBER, prefix, record_id, row, options)


def edit(
    actor: Actor, member_id: int, row: dict[str, Any], version: int, **choices: pd.DataFrame
) -> None:
    """The form that changes member MEMBER_ID (loaded at VERSION)."""
    with st.form(f"members_edit_{member_id}"):
        payload = member_form("members", member_id, row, **choices)
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


def leave(actor: Actor, member_id: int, version: int, today: dt.date) -> None:
    """The form that ends member MEMBER_ID's membership on a given last day."""
    with st.form(f"members_leave_{member_id}"):
        st.markdown("**Mitgliedschaft beenden** – die Person und ihre Teilnahme bleiben erhalten.")
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


def create(actor: Actor, **choices: pd.DataFrame) -> None:
    """The form that adds a member."""
    with st.form("members_new"):
        payload = member_form("members_new", "neu", {}, **choices)
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
