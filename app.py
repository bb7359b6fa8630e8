"""The frame: page config, sign-in, navigation by role, shared sidebar."""

import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import auth, database, forms, navigation, projector, run_context
from db import logs
from db.config import PROJECT_ROOT, ConfigError

logs.configure()
st.set_page_config(
    page_title="Hessische Integrationskonferenz",
    page_icon=str(PROJECT_ROOT / "components" / "assets" / "favicon.png"),
    layout="wide",
)

st.session_state[navigation.FRAME_FLAG] = True
try:
    if projector.TOKEN_PARAM in st.query_params:
        # A projector link: the Beamer view and nothing else, whoever is signed in.
        beamer = st.Page(str(PROJECT_ROOT / "pages" / "beamer.py"), title="Beamer")
        st.navigation([beamer], position="hidden").run()
        st.stop()
    actor = auth.current_actor()
    run_context.set_actor(actor)
    if actor is None:
        page = st.navigation([st.Page(auth.sign_in_page, title="Anmeldung")], position="hidden")
    else:
        page = st.navigation(navigation.pages_for(actor), expanded=True)
        navigation.sidebar(actor, st.session_state.get(auth.DISPLAY_NAME_KEY))
        if auth.database_away():
            st.warning(database.DB_AWAY_KEPT, icon=":material/cloud_off:")
        forms.show_flash()
    page.run()
except ConfigError as exc:
    st.error(str(exc), icon=":material/settings:")
except DBAPIError as exc:
    logs.error("database_unavailable", exc, user=st.session_state.get("username"))
    st.error(database.DB_DOWN, icon=":material/cloud_off:")
finally:
    st.session_state.pop(navigation.FRAME_FLAG, None)
