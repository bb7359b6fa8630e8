import datetime as dt

import streamlit as st

from components import charts, data, fmt, navigation
from db.models import BERLIN

navigation.page_actor("viewer")

today = dt.date.today()
now = dt.datetime.now(BERLIN)

st.title("Hessische Integrationskonferenz")
st.caption(f"Stand: {fmt.date(today)}")

counts = data.read("headline_counts", today)
by_sector = data.read("members_per_sector", today)
upcoming = data.read("next_meetings", now, 5)

if counts["members"] == 0:
    st.info("Noch keine Mitglieder erfasst. Sobald Daten vorliegen, erscheint hier die Übersicht.")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Aktive Mitglieder", fmt.number(counts["members"]))
c2.metric("Stellvertretungen", fmt.number(counts["deputies"]))
c3.metric("Organisationen", fmt.number(counts["organisations"]))
c4.metric("Bereiche", fmt.number(counts["sectors"]))

left, right = st.columns([3, 2])
with left:
    if counts["members"]:
        st.altair_chart(charts.members_by_sector(by_sector), theme=None, width="stretch")
with right:
    st.subheader("Nächste Termine")
    if upcoming.empty:
        st.info("Keine Termine geplant.")
    for row in upcoming.itertuples():
        with st.container(border=True):
            st.text(row.title)
            where = row.location or "Ort offen"
            st.caption(f"{fmt.weekday_date(row.starts_at)}, {row.starts_at:%H:%M} Uhr · {where}")
