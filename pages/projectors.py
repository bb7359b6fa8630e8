import datetime as dt

import streamlit as st

from components import data, database, fmt, forms, navigation, tables, ui
from components.projector import TOKEN_PARAM
from db import projection
from db.errors import DomainError
from db.models import BERLIN

actor = navigation.page_actor("admin")
now = dt.datetime.now(BERLIN)

st.title("Beamer-Links")
st.caption(
    "Ein Beamer-Link ist für den Rechner hinter einem Beamer: Er zeigt nur die Folie, die "
    "die vortragende Person auf den Beamer legt, und sonst nichts, ohne persönliches Konto."
)

links = data.read_fresh(projection.links, now)
if links.empty:
    ui.empty("Noch kein Beamer-Link angelegt.")
else:
    ui.frame(tables.projector_links(links))

left, right = st.columns(2)
with left, st.form("projectors_new"):
    st.markdown("**Neuer Beamer-Link**")
    k = lambda f: forms.widget_key("projectors_new", 0, f)  # noqa: E731
    label = st.text_input(
        "Bezeichnung", placeholder="z. B. Plenarsaal oder Nebenraum", key=k("label")
    )
    days = forms.number_field("Gültig für (Tage)", projection.LINK_DAYS_DEFAULT, k("days"))
    submitted = st.form_submit_button("Link anlegen", type="primary")
if submitted:
    try:
        number = int(days.strip())
    except ValueError:
        st.error(fmt.md("Gültig für (Tage): muss eine ganze Zahl sein."), icon=":material/error:")
    else:
        try:
            token = database.write(actor, projection.create_link, label, number, now)
        except DomainError as exc:
            st.error(fmt.md(str(exc)), icon=":material/error:")
        else:
            st.session_state["projectors_new_token"] = token
            forms.reload("projectors_new", 0)  # an empty form for the next link
            st.rerun()
token = st.session_state.pop("projectors_new_token", None)
if token:
    st.success(
        "Der Link ist angelegt. Er wird nur jetzt angezeigt: Bitte auf dem Beamer-Rechner "
        "öffnen oder sicher weitergeben.",
        icon=":material/link:",
    )
    here = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]  # the app's address
    st.code(f"{here}/?{TOKEN_PARAM}={token}", language=None)

active = links[links["state"] == "active"] if not links.empty else links
with right:
    if not active.empty:
        with st.form("projectors_revoke"):
            st.markdown("**Link zurückziehen**")
            link_id = forms.choice(
                "Beamer-Link",
                active.rename(columns={"label": "name"}),
                None,
                "projectors_revoke_id",
            )
            revoked = st.form_submit_button("Zurückziehen")
        if revoked:
            forms.save(
                actor,
                projection.revoke_link,
                link_id,
                now,
                success="Beamer-Link zurückgezogen: Der Beamer zeigt ab sofort nichts mehr.",
            )
