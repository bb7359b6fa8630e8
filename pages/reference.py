import pandas as pd
import streamlit as st

from components import data, forms, navigation, ui
from db import form_data, services

actor = navigation.page_actor("admin")

st.title("Stammdaten")
st.caption(
    "Bereiche, Themenbereiche und Status sind Daten, keine Programmteile: die nächste "
    "Konferenzperiode kann sie neu ordnen. Umbenennen wirkt sofort in allen Auswertungen."
)


def name_fields(k, row: dict, kind: str) -> dict:
    payload = {"name": st.text_input("Name", value=row.get("name") or "", key=k("name"))}
    if kind == "area":
        payload["short_name"] = st.text_input(
            "Kurzname (z. B. AG 4)", value=row.get("short_name") or "", key=k("short")
        )
    if kind == "status":
        default = row.get("default_progress")
        unknown = st.checkbox(
            "Kein vorgeschlagener Fortschritt",
            value=default is None or pd.isna(default),
            key=k("nodefault"),
        )
        percent = forms.number_field(
            "Vorgeschlagener Fortschritt (%)",
            None if default is None or pd.isna(default) else int(default),
            k("default"),
            help="Eine ganze Zahl von 0 bis 100.",
        )
        payload["default_progress"] = None if unknown else percent
        payload["is_done"] = st.checkbox(
            "gilt als umgesetzt", value=bool(row.get("is_done")), key=k("done")
        )
        payload["is_discontinued"] = st.checkbox(
            "gilt als zurückgestellt (zählt nicht zum Fortschritt)",
            value=bool(row.get("is_discontinued")),
            key=k("discontinued"),
        )
    payload["sort_order"] = forms.number_field(
        "Reihenfolge", int(row.get("sort_order") or 0), k("order"), help="0 bis 999."
    )
    return payload


SECTIONS = [
    ("sector", "Bereiche", form_data.sectors, ["name", "sort_order"]),
    ("area", "Themenbereiche", form_data.areas, ["name", "short_name", "sort_order"]),
    ("status", "Status", form_data.statuses,
     ["name", "default_progress", "is_done", "is_discontinued", "sort_order"]),
]  # fmt: skip
COLUMN_NAMES = {
    "name": "Name",
    "short_name": "Kurzname",
    "sort_order": "Reihenfolge",
    "default_progress": "Vorgeschlagener Fortschritt (%)",
    "is_done": "umgesetzt",
    "is_discontinued": "zurückgestellt",
}

for tab, (kind, title, query, columns) in zip(
    st.tabs([s[1] for s in SECTIONS]), SECTIONS, strict=True
):
    with tab:
        rows = data.read(query)
        shown = rows[columns].rename(columns=COLUMN_NAMES)
        if "default_progress" in columns:  # a whole percent, or empty (NULL reads as NaN)
            shown[COLUMN_NAMES["default_progress"]] = rows["default_progress"].astype("Int64")
        ui.table(shown, title, f"ref_{kind}_table")
        left, right = st.columns(2)
        with left:
            with st.form(f"ref_{kind}_new"):
                st.markdown("**Neu anlegen**")
                payload = name_fields(
                    lambda f, kind=kind: forms.widget_key(f"ref_{kind}_new", 0, f), {}, kind
                )
                submitted = st.form_submit_button("Anlegen")
            if submitted:
                forms.save(
                    actor,
                    services.save_reference,
                    kind,
                    None,
                    payload,
                    success="Angelegt.",
                    prefix=f"ref_{kind}_new",
                    record_id=0,
                )
        with right:
            if rows.empty:
                continue
            record_id = forms.choice("Bearbeiten", rows, None, f"ref_{kind}_selected")
            row = rows.set_index("id").loc[record_id].to_dict()
            version = forms.loaded_version(f"ref_{kind}", record_id, row["version"])
            with st.form(f"ref_{kind}_edit_{record_id}"):
                payload = name_fields(
                    lambda f, kind=kind, rid=record_id: forms.widget_key(f"ref_{kind}", rid, f),
                    row,
                    kind,
                )
                submitted = st.form_submit_button("Speichern", type="primary")
            if submitted:
                forms.save(
                    actor,
                    services.save_reference,
                    kind,
                    record_id,
                    payload,
                    version,
                    success="Gespeichert.",
                    prefix=f"ref_{kind}",
                    record_id=record_id,
                )
