"""Rendering helpers shared by the pages: charts and tables with their
downloads, and German empty-state notes."""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _slug(name: str) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", name.translate(table)).strip("-").lower() or "export"


def chart(figure: alt.TopLevelMixin, name: str, key: str, height: int | None = None) -> None:
    """An Altair chart with its text alternative and PNG/SVG downloads (made on click)."""
    # The chart's description (set by components.charts) is its accessible name.
    st.altair_chart(figure, theme=None, width="stretch", height=height or "content", key=key)
    _downloads(
        name,
        key,
        [
            ("PNG", "png", "image/png", lambda: exports.chart_png(figure)),
            ("SVG", "svg", "image/svg+xml", lambda: exports.chart_svg(figure)),
        ],
    )


def table(
    df: pd.DataFrame,
    name: str,
    key: str,
    column_config: dict | None = None,
    export: pd.DataFrame | None = None,
) -> None:
    """A table with CSV and Excel downloads (of EXPORT, default the table itself)."""
    st.dataframe(df, hide_index=True, width="stretch", column_config=column_config, key=key)
    data = df if export is None else export
    _downloads(
        name,
        key,
        [
            ("CSV", "csv", "text/csv", lambda: exports.csv_bytes(data)),
            ("Excel", "xlsx", XLSX, lambda: exports.excel_bytes(data, sheet_name=name)),
        ],
    )


def _downloads(name: str, key: str, formats: list[tuple[str, str, str, Any]]) -> None:
    """One row of download buttons; each file is made only when clicked."""
    row = st.container(horizontal=True, gap="small")
    for label, suffix, mime, make in formats:
        row.download_button(
            label,
            data=make,
            file_name=f"{_slug(name)}.{suffix}",
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            key=f"{key}_{suffix}",
            help=f"„{name}“ als {label} herunterladen",
        )


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")
