import datetime as dt

import streamlit as st

from components import auth, data, database, fmt, forms, navigation, tables, ui
from db import admin_data, services, sessions, sso
from db.errors import DomainError
from db.vocabulary import ROLE_LABELS

actor = navigation.page_actor("admin")
st.title("Konten")
st.caption(
    "Konten anlegen, Rollen ändern, deaktivieren, Passwörter zurücksetzen und Anmeldungen beenden."
)

accounts = data.read_fresh(admin_data.accounts).merge(
    data.read_fresh(sso.accounts_sign_in), on="id", how="left"
)
open_sessions = data.read_fresh(sessions.open_sessions, dt.datetime.now(dt.UTC), sessions.limits())
signed_in = open_sessions.groupby("username")["id"].count()
WAYS_IN = {
    (True, True): "Dienstkonto und Passwort",
    (True, False): "Dienstkonto",
    (False, True): "Passwort",
    (False, False): "–",
}
table = accounts.assign(
    Rolle=accounts["role"].map(ROLE_LABELS),
    Status=accounts["active"].map({True: "aktiv", False: "deaktiviert"}),
    Anmeldung=[
        WAYS_IN[bool(a), bool(b)]
        for a, b in zip(accounts["sso"], accounts["password"], strict=True)
    ],
    Zuletzt=accounts["last_sign_in_at"].map(fmt.datetime, na_action="ignore").fillna("–"),
    Anmeldungen=accounts["username"].map(signed_in).fillna(0).astype(int),
)[
    ["username", "display_name", "email", "Rolle", "Status", "Anmeldung", "Zuletzt", "Anmeldungen"]
].rename(
    columns={
        "username": "Benutzername",
        "display_name": "Name",
        "email": "E-Mail",
        "Anmeldung": "Anmeldung über",
        "Zuletzt": "Letzte Anmeldung",
        "Anmeldungen": "Offene Anmeldungen",
    }
)
ui.frame(table)
st.caption(
    "„Dienstkonto“: das Konto hat sich schon einmal über den Identitätsdienst des "
    "Ministeriums angemeldet. Eine Anmeldung dort wird dem Konto mit derselben "
    "E-Mail-Adresse zugeordnet."
)

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
        email = st.text_input(
            "E-Mail (für die Anmeldung mit dem Dienstkonto)",
            value=row["email"] if isinstance(row["email"], str) else "",
            max_chars=200,
        )
        active = st.checkbox("Aktiv", value=bool(row["active"]))
        submitted = st.form_submit_button("Speichern")
    if submitted:
        try:
            if new_role != row["role"]:
                database.write(actor, services.change_role, int(chosen), new_role)
            if email.strip().lower() != (row["email"] if isinstance(row["email"], str) else ""):
                database.write(actor, services.set_email, int(chosen), email)
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
shown_sessions = tables.sign_in_sessions(open_sessions, auth.current_session_id())
shown_sessions.insert(2, "Über", open_sessions["sso"].map({True: "Dienstkonto", False: "Passwort"}))
ui.frame(shown_sessions)
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
