import streamlit as st

from components import data, fmt, labels, navigation
from db import audit, queries

navigation.page_actor("admin")

st.title("Änderungsprotokoll")
st.caption("Wer hat wann welchen Datensatz geändert: je geändertem Feld der Wert vorher → nachher.")

users, tables = data.read(queries.audit_filter_options)
c1, c2, c3 = st.columns(3)
username = (
    c1.selectbox("Benutzer", ["", *users], format_func=lambda u: u or "Alle", key="audit_user")
    or None
)
table_name = (
    c2.selectbox(
        "Art des Datensatzes",
        ["", *sorted(tables, key=labels.record_name)],
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


def _change(row) -> str:
    before = labels.value_text(row.table_name, row.field, row.old)
    after = labels.value_text(row.table_name, row.field, row.new)
    if row.field == "password_hash":
        return "neu gesetzt"
    return f"{before} → {after}"


def _title(row) -> str:
    if row.record_title is None:
        return f"Nr. {row.record_id}"
    if row.record_day is None or row.record_day != row.record_day:  # None or NaT
        return str(row.record_title)
    return f"{row.record_title} ({fmt.date(row.record_day)})"


rows = list(changes.itertuples(index=False))
view = changes.assign(
    Zeitpunkt=changes["at"].map(fmt.datetime),
    Benutzer=changes["username"],
    Aktion=changes["action"].map(lambda a: labels.ACTIONS.get(a, a)),
    Datensatz=changes["table_name"].map(labels.record_name),
    Bezeichnung=[_title(r) for r in rows],
    Feld=[labels.field_label(r.table_name, r.field) if r.field else "–" for r in rows],
    Änderung=[_change(r) if r.field else "–" for r in rows],
)[["Zeitpunkt", "Benutzer", "Aktion", "Datensatz", "Bezeichnung", "Feld", "Änderung"]]
st.dataframe(view, hide_index=True, width="stretch")
st.caption(
    f"{fmt.number(len(view))} Felder in {fmt.number(changes['id'].nunique())} Einträgen "
    "(höchstens 500 Einträge, die neuesten zuerst)."
)
