"""Filter widgets shared by the pages; they return plain values for db/ queries."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from db.vocabulary import MEETING_KIND_LABELS

ALL = -1  # Streamlit shows a None option as "no selection", so "all" gets its own value


def meeting_filters(prefix: str, names: dict[int, str]) -> tuple:
    """Date range, meeting kinds and thematic area (NAMES: id -> name); returns
    (since, until, kinds, area_id)."""
    c1, c2, c3 = st.columns([2, 2, 2])
    period = c1.date_input(
        "Zeitraum",
        value=(),
        format="DD.MM.YYYY",
        key=f"{prefix}_period",
        help="Leer lassen für alle Termine.",
    )
    kinds = c2.multiselect(
        "Art des Termins",
        list(MEETING_KIND_LABELS),
        format_func=MEETING_KIND_LABELS.get,
        key=f"{prefix}_kinds",
        placeholder="Alle Arten",
        select_all=False,  # its text is fixed English; an empty choice means all kinds
    )
    area_id = c3.selectbox(
        "Themenbereich",
        [ALL, *names],
        format_func=lambda i: "Alle Themenbereiche" if i == ALL else names[i],
        key=f"{prefix}_area",
    )
    since: dt.date | None = period[0] if len(period) >= 1 else None
    until: dt.date | None = period[1] if len(period) == 2 else None
    return since, until, tuple(kinds), None if area_id == ALL else area_id
