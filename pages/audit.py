import json

import streamlit as st

from components import data, fmt, navigation
from db import queries

navigation.page_actor("admin")

st.title("Änderungsprotokoll")
st.caption("Wer hat wann welchen Datensatz geändert, mit alten und neuen Werten.")

users, tables = data.read(queries.audit_filter_options)
c1, c2, c3 = st.columns(3)
username = c1.selectbox("Benutzer", ["", *users], format_func=lambda u: u or "Alle") or None
table_name = c2.selectbox("Tabelle", ["", *tables], format_func=lambda t: t or "Alle") or None
period = c3.date_input("Zeitraum", value=(), format="DD.MM.YYYY")
since, until = (period[0], period[-1]) if period else (None, None)

entries = data.read(queries.audit_entries, username, table_name, since, until)
if entries.empty:
    st.info("Keine Einträge für diese Auswahl.")
    st.stop()

ACTIONS = {
    "insert": "angelegt",
    "update": "geändert",
    "delete": "gelöscht",
    "anonymise": "anonymisiert",
}
view = entries.assign(
    Zeitpunkt=entries["at"].map(fmt.datetime),
    Aktion=entries["action"].map(ACTIONS),
    Vorher=entries["old"].map(lambda v: json.dumps(v, ensure_ascii=False) if v else ""),
    Nachher=entries["new"].map(lambda v: json.dumps(v, ensure_ascii=False) if v else ""),
)[["Zeitpunkt", "username", "Aktion", "table_name", "record_id", "Vorher", "Nachher"]].rename(
    columns={"username": "Benutzer", "table_name": "Tabelle", "record_id": "Datensatz"}
)
st.dataframe(view, hide_index=True, width="stretch")
st.caption(f"{fmt.number(len(view))} Einträge (höchstens 500, die neuesten zuerst).")
