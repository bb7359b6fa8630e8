import datetime as dt

import streamlit as st

from components import auth, data, database, fmt, forms, navigation, tables, ui
from db import admin_data, services, sessions
from db.errors import DomainError
from db.vocabulary import ROLE_LABELS

actor = navigation.page_actor("admin")
st.title("Konten")
st.caption(
    "Konten anlegen, Rollen ändern, deaktivieren, Passwörter zurücksetzen und Anmeldungen beenden."
)

accounts = data.read_fresh(admin_data.accounts)
open_sessions = data.read_fresh(sessions.open_sessions, dt.datetime.now(dt.UTC), sessions.limits())
signed_in = open_sessions.groupby("username")["id"].count()
table = accounts.assign(
    Rolle=accounts["role"].map(ROLE_LABELS),
    Status=accounts["active"].map({True: "aktiv", False: "deaktiviert"}),
    Anmeldungen=accounts["username"].map(signed_in).fillna(0).astype(int),
)[["username", "display_name", "Rolle", "Status", "Anmeldungen"]].rename(
    columns={
        "username": "Benutzername",
        "display_name": "Name",
        "Anmeldungen": "Offene Anmeldungen",
    }
)
ui.frame(table)

left, right = st.columns(2)
with left:
    with st.form("accounts_create", clear_on_submit=True, border=True):
        st.subheader("Neues Konto")
        username = st.text_input("Benutzername")
        display_name = st.text_input("Name")
        role = st.selectbox("Rolle", list(ROLE_LABELS), format_func=ROLE_LABELS.get)
        password = st.text_input("Passwort", type="password")
        repeat = st.text_input("Passwort wiederholen", type="password")
        submitted = st.form_submit_button("Konto anlegen", type="primary")
    if submitted:
        try:
            forms.require_same_password(password, repeat)
            database.write(actor, services.create_account, username, display_name, role, password)
        except DomainError as exc:
            st.error(fmt.md(exc))
        else:
            forms.done(f"Konto „{username.strip().lower()}“ angelegt.")

with right, st.container(border=True):
    st.subheader("Konto bearbeiten")
    if accounts.empty:
        st.info("Noch keine Konten.")
        st.stop()
    chosen = st.selectbox(
        "Konto",
        accounts["id"].tolist(),
        format_func=lambda i: accounts.set_index("id").loc[i, "username"],
        key="accounts_selected",
    )
    row = accounts.set_index("id").loc[chosen]
    with st.form("accounts_edit"):
        new_role = st.selectbox(
            "Rolle",
            list(ROLE_LABELS),
            index=list(ROLE_LABELS).index(row["role"]),
            format_func=ROLE_LABELS.get,
        )
        active = st.checkbox("Aktiv", value=bool(row["active"]))
        submitted = st.form_submit_button("Speichern")
    if submitted:
        try:
            if new_role != row["role"]:
                database.write(actor, services.change_role, int(chosen), new_role)
            if active != bool(row["active"]):
                database.write(actor, services.set_active, int(chosen), active)
        except DomainError as exc:
            st.error(fmt.md(exc))
        else:
            forms.done("Gespeichert.")
    with st.form("accounts_password", clear_on_submit=True):
        new_password = st.text_input("Neues Passwort", type="password")
        new_repeat = st.text_input("Neues Passwort wiederholen", type="password")
        submitted = st.form_submit_button("Passwort zurücksetzen")
    if submitted:
        try:
            forms.require_same_password(new_password, new_repeat)
            database.write(actor, services.reset_password, int(chosen), new_password)
        except DomainError as exc:
            st.error(fmt.md(exc))
        else:
            forms.done("Passwort zurückgesetzt; alle Anmeldungen des Kontos sind beendet.")

st.subheader("Offene Anmeldungen")
st.caption(
    "Wer wo angemeldet ist. Eine beendete Anmeldung führt beim nächsten Klick zur "
    "Anmeldeseite; das Konto bleibt aktiv."
)
ui.frame(tables.sign_in_sessions(open_sessions, auth.current_session_id()))
if not open_sessions.empty:
    with st.form("accounts_end_session"):
        ended = st.selectbox(
            "Anmeldung",
            open_sessions["id"].tolist(),
            format_func=lambda i: tables.sign_in_session_label(open_sessions, i),
        )
        submitted = st.form_submit_button("Anmeldung beenden")
    if submitted:
        try:
            database.write(actor, services.end_session, int(ended))
        except DomainError as exc:
            st.error(fmt.md(exc))
        else:
            forms.done("Anmeldung beendet.")
