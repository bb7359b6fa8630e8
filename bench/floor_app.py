"""The floor: a bare script that shows the same charts and tables as one page
(BENCH_PAGE) from what is already in memory: chart specs built once per process
(bench/floor_data.py, with the app's components.ui._spec) and DataFrames read
once per process (or unpickled from BENCH_FLOOR_FILE). No sign-in, no database,
no cache lookups, nothing else."""

import streamlit as st

from bench import floor_data

for item in floor_data.content():
    if item.kind == "chart":
        st.vega_lite_chart(item.value, theme=None, width="stretch", **item.options)
    else:
        st.dataframe(item.value, hide_index=True, width="stretch", **item.options)
