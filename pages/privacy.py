import streamlit as st

from components import navigation
from db import privacy

navigation.page_actor("viewer")

st.title("Datenschutz")
st.caption(
    "Welche personenbezogenen Daten der Mitglieder dieses Dashboard speichert, wozu, wer sie "
    "sieht und wie lange sie bleiben (DSGVO, HDSIG)."
)
# Static text of db.privacy (no data), so markdown is safe here.
for heading, text in privacy.note(privacy.retention_months()):
    st.subheader(heading, anchor=False)
    st.markdown(text)
