"""The frame: page config, database check, navigation. Nothing else."""

import streamlit as st

from components import data

st.set_page_config(
    page_title="Hessische Integrationskonferenz",
    page_icon=":material/groups:",
    layout="wide",
)

if not data.ensure_reachable():
    st.stop()

pages = [
    st.Page("pages/overview.py", title="Übersicht", icon=":material/dashboard:", default=True),
]
st.navigation(pages).run()
