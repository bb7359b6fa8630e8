"""Rendering helpers shared by the pages: charts and tables with their
downloads, and German empty-state notes."""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.dataframe_util import (
    convert_anything_to_arrow_bytes,
    convert_pandas_df_to_arrow_table,
)

from components import data, exports, fmt
from db.briefing_figures import KeyFigure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@functools.cache
def _slug(name: str) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", name.translate(table)).strip("-").lower() or "export"


def chart(
    build: alt.TopLevelMixin | Callable[..., alt.TopLevelMixin],
    name: str,
    key: str,
    *args: Any,
    height: int | None = None,
) -> None:
    """An Altair chart with its text alternative and PNG/SVG downloads (made on click).

    BUILD is a function that makes the chart from cached reads; with ARGS (the
    filter values it depends on) its Vega-Lite specification is built once per
    data version and shared by all sessions (data.derived), so a rerun only
    sends it. A ready chart object is rendered as it is.
    """
    if isinstance(build, alt.TopLevelMixin):
        figure = build
        build, args = (lambda: figure), ()
        spec = _spec(build)
    else:
        spec = cached_spec(key, build, *args)
    # The chart's description (set by components.charts) is its accessible name.
    st.vega_lite_chart(spec, theme=None, width="stretch", height=height or "content", key=key)
    _downloads(
        name,
        key,
        [
            ("PNG", "png", "image/png", lambda: exports.chart_png(build(*args))),
            ("SVG", "svg", "image/svg+xml", lambda: exports.chart_svg(build(*args))),
        ],
    )


def cached_spec(
    key: str, build: Callable[..., alt.TopLevelMixin | None], *args: Any
) -> dict[str, Any] | None:
    """The Vega-Lite spec of `build(*args)`, built once per data version (see chart)."""
    return data.derived(key, lambda *values: _spec(build, *values), *args)


def _spec(build: Callable[..., alt.TopLevelMixin | None], *args: Any) -> dict[str, Any] | None:
    """The Vega-Lite spec as Streamlit would draw it: without Altair's default view size.
    None when BUILD has no chart to make (no data)."""
    figure = build(*args)
    if figure is None:
        return None
    spec = figure.to_dict()
    view = spec.get("config", {}).get("view", {})
    for size in ("continuousWidth", "continuousHeight"):
        view.pop(size, None)
    # The data as Arrow bytes, the form Streamlit sends it in: converted once here,
    # not on every run (st.vega_lite_chart passes bytes through).
    spec["datasets"] = {
        name: convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
        for name, rows in spec.get("datasets", {}).items()
    }
    return spec


def table(
    df: pd.DataFrame,
    name: str,
    key: str,
    column_config: dict | None = None,
    export: pd.DataFrame | None = None,
    on_download: Callable[[], None] | None = None,
) -> None:
    """A table with CSV and Excel downloads (of EXPORT, default the table itself).

    ON_DOWNLOAD runs when a file is made (e.g. to log an export of personal data).
    """
    frame(df, column_config=column_config, key=key)
    data = df if export is None else export

    def made(make: Callable[[], bytes]) -> Callable[[], bytes]:
        def run() -> bytes:
            if on_download is not None:
                on_download()
            return make()

        return run

    _downloads(
        name,
        key,
        [
            ("CSV", "csv", "text/csv", made(lambda: exports.csv_bytes(data))),
            ("Excel", "xlsx", XLSX, made(lambda: exports.excel_bytes(data, sheet_name=name))),
        ],
    )


MISSING = "–"  # what a table shows for an empty cell (Streamlit's default is "None")


def frame(df: pd.DataFrame, **options: Any) -> None:
    """st.dataframe as every page shows a table: no index, full width, and an empty
    cell drawn as a dash. OPTIONS go to st.dataframe (key, column_config, height)."""
    st.dataframe(_arrow(df), hide_index=True, width="stretch", placeholder=MISSING, **options)


_ARROW_TABLES: dict[int, pa.Table] = {}


def _arrow(df: pd.DataFrame) -> pa.Table | Any:
    """DF as the Arrow table st.dataframe would convert it to (Streamlit's own
    conversion), converted once per frame object: a frame drawn again on a rerun
    (from data.derived: shared, never changed) costs only its serialisation.
    The entry goes when the frame does. Anything else is passed on as it is."""
    if not isinstance(df, pd.DataFrame):
        return df
    key = id(df)
    table = _ARROW_TABLES.get(key)
    if table is None:
        table = convert_pandas_df_to_arrow_table(df)
        _ARROW_TABLES[key] = table
        weakref.finalize(df, _ARROW_TABLES.pop, key, None)
    return table


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


def section(title: str) -> None:
    """A section heading on the level of the chart titles (h5), so that a page
    reads title, then sections of one size: tables, lists and charts alike."""
    st.markdown(f"##### {fmt.md(title)}")


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def metric(
    where: Any,
    label: str,
    value: str,
    change: str | None = None,
    better: str = "neither",
    help: str | None = None,
) -> None:
    """`st.metric` whose change reads right. CHANGE is a text from fmt ('+3',
    '−2,5 Pp.', '±0'): no change is grey without an arrow; otherwise the arrow
    follows its sign (Streamlit would read the typographic minus as a rise), and
    the colour is green for good news and red for bad by BETTER ("more": rising
    is good, "fewer": falling is good, i.e. inverse), grey where neither."""
    if not change:
        where.metric(label, value, help=help)
        return
    if change[0] not in "+−-":
        where.metric(label, value, change, delta_color="off", delta_arrow="off", help=help)
        return
    rising = change[0] == "+"
    good = {"more": rising, "fewer": not rising}.get(better)
    color = "gray" if good is None else "green" if good else "red"
    arrow = "up" if rising else "down"
    where.metric(label, value, change, delta_color=color, delta_arrow=arrow, help=help)


def figure_texts(figure: KeyFigure) -> tuple[str, str | None]:
    """A key figure's value ('81,8 %', '3 von 37') and its change ('+2', '−1,5 Pp.'),
    written as in the briefing PDF (components.fmt.key_figure)."""
    return (
        fmt.key_figure(figure.value, figure.total, figure.kind),
        fmt.key_figure_change(figure.value, figure.previous, figure.kind),
    )


def key_figure(where: Any, figure: KeyFigure, help: str | None = None) -> None:
    """One key figure of db.briefing as a metric with its change."""
    value, change = figure_texts(figure)
    metric(where, figure.label, value, change, figure.better, help or figure.note or None)
