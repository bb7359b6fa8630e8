"""The floor: a bare script that renders the same charts and tables as a page
from DataFrames already in memory (no sign-in, no database, no cache lookups)."""

import streamlit as st

from bench import floor_data
from components import charts

page = floor_data.PAGE
d = floor_data.frames()
if page == "overview":
    st.altair_chart(charts.members_by_sector(d["members"]), theme=None)
    st.altair_chart(charts.area_progress(d["now"]), theme=None)
elif page == "participation":
    st.altair_chart(charts.members_by_sector(d["members"]), theme=None)
    st.altair_chart(charts.composition_heatmap(d["composition"]), theme=None)
    st.altair_chart(charts.attendance_heatmap(d["recent"]), theme=None)
    st.altair_chart(charts.attendance_trend(d["attendance"]), theme=None)
    st.dataframe(d["sector_totals"])
elif page == "measures":
    st.altair_chart(charts.area_progress(d["now"]), theme=None)
    st.altair_chart(charts.status_distribution(d["status_counts"], d["statuses"]), theme=None)
    st.altair_chart(charts.progress_over_time(d["series"], d["plenaries"]), theme=None)
    st.dataframe(d["measures"])
elif page == "calendar":
    st.dataframe(d["meetings"])
elif page == "presentation":
    st.altair_chart(charts.projector(charts.members_by_sector(d["members"])), theme=None)
