import streamlit as st

from components import data, fmt, labels, navigation, tables, ui
from db import admin_data, audit

navigation.page_actor("admin")

st.title("Änderungsprotokoll")
st.caption("Wer hat wann welchen Datensatz geändert: je geändertem Feld der Wert vorher → nachher.")

users, table_names = data.read(admin_data.audit_filter_options)
c1, c2, c3 = st.columns(3)
username = (
    c1.selectbox("Benutzer", ["", *users], format_func=lambda u: u or "Alle", key="audit_user")
    or None
)
table_name = (
    c2.selectbox(
        "Art des Datensatzes",
        ["", *sorted(table_names, key=labels.record_name)],
        format_func=lambda t: labels.record_name(t) if t else "Alle",
        key="audit_table",
    )
    or None
)
period = c3.date_input("Zeitraum", value=(), format="DD.MM.YYYY", key="audit_period")
since, until = (period[0], period[-1]) if period else (None, None)

changes = data.read(audit.audit_changes, username, table_name, since, until)
if changes.empty:
    st.info("Keine Einträge für diese Auswahl.")
    st.stop()


view = tables.audit(changes)
ui.frame(view)
st.caption(
    f"{fmt.number(len(view))} Felder in {fmt.number(changes['id'].nunique())} Einträgen "
    "(höchstens 500 Einträge, die neuesten zuerst)."
)
