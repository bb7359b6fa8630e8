import datetime as dt

import pandas as pd
import streamlit as st

from components import data, fmt, forms, navigation, tables, ui
from db import audit, fields, form_data, services

actor = navigation.page_actor("editor")
today = dt.date.today()

st.title("Maßnahmen und Fortschritt")
measures = data.read(form_data.measures)
areas = data.read(form_data.areas)
statuses = data.read(form_data.statuses)
meetings = data.read(form_data.meetings)
needs = data.read(form_data.needs)
short = dict(zip(areas["id"], areas["short_name"], strict=True))
status_names = dict(zip(statuses["id"], statuses["name"], strict=True))
default_progress = dict(zip(statuses["id"], statuses["default_progress"], strict=True))
meeting_choices = meetings.assign(
    label=[
        f"{fmt.date(t)} · {n}"
        for t, n in zip(meetings["starts_at"], meetings["title"], strict=True)
    ]
)
need_choices = needs.rename(columns={"title": "name"})


def progress_input(key: str, current: int | None, status_id: int | None) -> str | None:
    """Percent or unknown; a status with a default percent proposes it."""
    proposed = default_progress.get(status_id)
    value = current if proposed is None or pd.isna(proposed) else int(proposed)
    unknown = st.checkbox("Fortschritt unbekannt", value=value is None, key=f"{key}_unknown")
    percent = forms.number_field(
        "Fortschritt (%)",
        None if value is None or pd.isna(value) else int(value),
        f"{key}_percent",
        help="Eine ganze Zahl von 0 bis 100. Unbekannt wird nie als 0 % gezählt.",
    )
    return None if unknown else percent


def measure_form(prefix: str, record_id: int | str, row: dict) -> dict:
    """The declared measure fields (`db.fields.MEASURE`) but status and percent."""
    options = {"area": areas, "need": need_choices, "meeting": meeting_choices}
    return forms.entity_form(fields.MEASURE, prefix, record_id, row, options)


def status_choice(key: str, current: int | None) -> int:
    return forms.choice("Status", statuses, current, key)


if measures.empty:
    selected = None
else:
    labels = {
        int(r.id): f"{short.get(r.area_id, '')} · {r.title}"
        + (" (archiviert)" if r.archived else "")
        for r in measures.itertuples()
    }
    selected = st.selectbox(
        "Maßnahme", list(labels), format_func=labels.get, key="measures_selected"
    )
    row = forms.record(measures, selected)
    version = forms.loaded_version("measures", selected, row["version"])

tab_progress, tab_edit, tab_new, tab_history = st.tabs(
    ["Fortschritt melden", "Maßnahme bearbeiten", "Neue Maßnahme", "Verlauf"]
)


with tab_progress:
    if selected is None:
        ui.empty("Noch keine Maßnahmen erfasst.")
    else:
        st.subheader(fmt.md(row["title"]), anchor=False)
        current = fmt.progress(row["progress"])
        st.caption(f"Aktuell: {fmt.md(status_names.get(row['status_id'], ''))}, {current}")
        k = lambda f: forms.widget_key("measures", selected, f)  # noqa: E731
        status_id = status_choice(k("update_status"), row["status_id"])
        with st.form(f"measures_update_{selected}"):
            day = forms.date_field("Datum", today, k("update_date"))
            progress = progress_input(
                k(f"update_{status_id}"),
                row["progress"],
                status_id,
            )
            note = st.text_area("Notiz", key=k("update_note"))
            submitted = st.form_submit_button("Fortschritt melden", type="primary")
        if submitted:
            forms.save(
                actor,
                services.add_progress_update,
                selected,
                {"date": day, "progress": progress, "status_id": status_id, "note": note},
                version,
                success="Fortschritt gemeldet.",
                prefix="measures",
                record_id=selected,
            )

with tab_edit:
    if selected is not None:
        k = lambda f: forms.widget_key("measures", selected, f)  # noqa: E731
        status_id = status_choice(k("edit_status"), row["status_id"])
        with st.form(f"measures_edit_{selected}"):
            payload = measure_form("measures", selected, row)
            current_progress = row["progress"]
            if status_id == row["status_id"]:
                payload["progress"] = progress_input(k("edit_keep"), current_progress, None)
            else:
                payload["progress"] = progress_input(
                    k(f"edit_{status_id}"), current_progress, status_id
                )
            payload["status_id"] = status_id
            submitted = st.form_submit_button("Speichern", type="primary")
        if submitted:
            forms.save(
                actor,
                services.update_measure,
                selected,
                payload,
                version,
                success="Maßnahme gespeichert.",
                prefix="measures",
                record_id=selected,
            )
        archived = bool(row["archived"])
        with st.form(f"measures_archive_{selected}"):
            st.caption(
                "Archivierte Maßnahmen verschwinden aus allen Listen und Kennzahlen; "
                "ihr Verlauf bleibt erhalten."
            )
            submitted = st.form_submit_button("Wiederherstellen" if archived else "Archivieren")
        if submitted:
            forms.save(
                actor,
                services.archive_measure,
                selected,
                version,
                not archived,
                success="Maßnahme wiederhergestellt." if archived else "Maßnahme archiviert.",
                prefix="measures",
                record_id=selected,
            )

with tab_new:
    if areas.empty or statuses.empty:
        ui.empty("Es fehlen Themenbereiche oder Status (Seite „Stammdaten“).")
    else:
        status_id = status_choice("measures_new_status", None)
        with st.form("measures_new"):
            payload = measure_form("measures_new", "neu", {})
            payload["progress"] = progress_input(f"measures_new_{status_id}", None, status_id)
            payload["status_id"] = status_id
            submitted = st.form_submit_button("Maßnahme anlegen", type="primary")
        if submitted:
            forms.save(
                actor,
                services.create_measure,
                payload,
                success="Maßnahme angelegt.",
                prefix="measures_new",
                record_id=0,
            )

with tab_history:
    if selected is not None:
        history = data.read(form_data.measure_history, selected)
        shown = pd.DataFrame(
            {
                "Datum": history["date"].map(fmt.date),
                "Status": history["status"],
                "Fortschritt": history["progress"].map(fmt.progress),
                "Notiz": history["note"],
                "Von": history["author"],
            }
        )
        st.markdown("**Fortschrittsmeldungen**")
        ui.table(shown, "Verlauf der Maßnahme", "measures_history")
        changes = data.read(audit.record_changes, "measures", selected)
        st.markdown("**Änderungen am Stammblatt**")
        if changes.empty:
            ui.empty("Keine Änderungen protokolliert.")
        else:
            ui.frame(tables.audit(changes, record=False))
