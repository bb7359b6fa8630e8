import datetime as dt

import streamlit as st

from components import auth, data, database, fmt, forms, navigation, tables, ui
from db import services, sessions, sso
from db.errors import DomainError

actor = navigation.page_actor("viewer")
st.title("Mein Konto")
st.caption(
    "Ihre Anmeldungen auf allen Geräten und Ihr Passwort. Eine Anmeldung endet nach "
    f"{fmt.duration(sessions.limits().idle)} ohne Aktivität, spätestens nach "
    f"{fmt.duration(sessions.limits().absolute)}."
)

with st.container(border=True):
    st.subheader("Meine Anmeldungen")
    mine = data.read_fresh(
        sessions.open_sessions, dt.datetime.now(dt.UTC), sessions.limits(), actor.username
    )
    ui.frame(tables.sign_in_sessions(mine, auth.current_session_id(), with_user=False))
    st.caption(
        "Wer ein Gerät verloren hat oder sich an einem fremden Rechner nicht abgemeldet "
        "hat, beendet hier alle Anmeldungen, auch diese."
    )
    if st.button("Überall abmelden", icon=":material/devices_off:", key="account_everywhere"):
        try:
            database.write(actor, services.sign_out_everywhere)
        except DomainError as exc:
            st.error(fmt.md(exc))
        else:
            st.rerun()

has_password, by_provider = data.read_fresh(sso.way_in, actor.username)
if by_provider:
    st.info(
        "Sie melden sich mit Ihrem Dienstkonto beim Identitätsdienst des Ministeriums an; "
        "dessen Kennwort ändern Sie dort, nicht hier.",
        icon=":material/badge:",
    )
if not has_password:
    st.stop()

form_column, _rest = st.columns([1, 1])
with form_column, st.container(border=True):
    st.subheader("Passwort ändern")
    with st.form("account_password", clear_on_submit=True):
        current = st.text_input(
            "Bisheriges Passwort", type="password", autocomplete="current-password"
        )
        password = st.text_input("Neues Passwort", type="password", autocomplete="new-password")
        repeat = st.text_input(
            "Neues Passwort wiederholen", type="password", autocomplete="new-password"
        )
        submitted = st.form_submit_button("Passwort ändern", type="primary")
    if submitted:
        try:
            forms.require_same_password(password, repeat, "Neues Passwort wiederholen")
            database.write(actor, services.change_own_password, current, password)
        except DomainError as exc:
            st.error(fmt.md(exc))
        else:
            auth.start_new_session(actor.username)
            forms.done("Passwort geändert. Alle anderen Anmeldungen wurden beendet.")
