"""Every chart and every slide, rendered with the demo data at the widths the
pages give them and measured in Chromium: no text leaves the chart, none is cut
to "…", no white figure sits off its mark, no two texts overlap, every chart
with several colour series has a legend, and percents read '19 %'."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from components import charts, deck_slides, tables
from components.exports import chart_svg
from db import dashboard_data, participation, progress, responses
from db import deck_data as deck_db
from db.demo import load_demo
from db.engine import make_engine, session_scope
from db.models import BERLIN
from tests.browser import CHROMIUM, CHROMIUM_ARGS, missing
from tests.chart_layout import chart_problems, measure
from tests.conftest import TODAY

# Column widths (px) of the pages that show each chart: the overview's narrow
# columns at 1366 px, the halves of the other pages, a full page at 1366 and 1920.
NARROW, HALF, FULL, WIDE = 340, 480, 900, 1500
SLIDE_ON_SCREEN = [(1500, 680), (1850, 680)]  # the deck page, normal and full screen


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template) -> dict[str, Any]:
    """The demo data the pages read, once for the module (SQLite)."""
    path = tmp_path_factory.mktemp("layout") / "demo.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with session_scope(engine) as s:
        load_demo(s, today=TODAY)
    with session_scope(engine) as s:
        plenaries = dashboard_data.held_plenaries(s, TODAY)
        last = plenaries.iloc[0]["starts_at"].date()
        attendance = participation.attendance_by_sector(s)
        meeting = attendance[attendance["kind"] == "plenary"]["meeting_id"].iloc[-1]
        found = {
            "members": participation.seats_per_sector(s, TODAY),
            "composition": participation.composition(s, TODAY),
            "attendance": attendance,
            "shares": participation.representation(attendance[attendance["meeting_id"] == meeting]),
            "progress": progress.area_progress(s, [TODAY, last]),
            "status_counts": progress.status_counts(s),
            "statuses": progress.statuses(s),
            "series": progress.progress_series(s, TODAY),
            "plenaries": plenaries,
            "last": last,
            "deck": deck_db.deck_data(s, TODAY, int(plenaries.iloc[0]["id"])),
            "expected": responses.expected_by_sector(
                s, responses.next_planned(s, dt.datetime.now(BERLIN)), 0.5
            ),
        }
    engine.dispose()
    return found


def _moved(progress_now_then: pd.DataFrame) -> pd.DataFrame:
    """The demo progress with a known change since the last sitting: one area up
    12,5 points, one down 4,3, one unchanged."""
    moved = progress_now_then.copy()
    today = moved["day"] == TODAY
    then = moved[~today].set_index("area_id")["mean"]
    moved.loc[today, "mean"] = (
        moved.loc[today, "area_id"].map(then).fillna(0).values
        + [12.5, -4.3, 0.0][: int(today.sum())]
    )
    return moved


CHARTS: dict[str, tuple[Callable[[dict[str, Any]], Any], list[int]]] = {
    "members_by_sector": (lambda d: charts.members_by_sector(d["members"]), [NARROW, HALF]),
    "composition_heatmap": (lambda d: charts.composition_heatmap(d["composition"]), [HALF]),
    "attendance_heatmap": (lambda d: charts.attendance_heatmap(d["attendance"]), [FULL, WIDE]),
    "attendance_trend": (lambda d: charts.attendance_trend(d["attendance"]), [FULL, WIDE]),
    "representation": (lambda d: charts.representation(d["shares"]), [FULL, WIDE]),
    "area_progress": (
        lambda d: charts.area_progress(d["progress"][d["progress"]["day"] == TODAY]),
        [NARROW, HALF],
    ),
    "area_change": (
        lambda d: charts.area_change(_moved(d["progress"]), TODAY, d["last"]),
        [HALF, FULL],
    ),
    "status_distribution": (
        lambda d: charts.status_distribution(d["status_counts"], d["statuses"]),
        [HALF, FULL],
    ),
    "progress_over_time": (
        lambda d: charts.progress_over_time(d["series"], d["plenaries"]),
        [FULL, WIDE],
    ),
    "expected_representation": (
        lambda d: charts.expected_representation(d["expected"], 0.5),
        [FULL, WIDE],
    ),
    "text_list": (
        lambda d: charts.text_list(["Eine Zeile"] * 3, "Liste", "Drei Zeilen."),
        [HALF],
    ),
}


@pytest.fixture(scope="module")
def page(playwright):
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # no Chromium on this machine
        missing(f"Chromium not available at {CHROMIUM}: {exc}")
    page = browser.new_page()
    yield page
    browser.close()


def test_every_chart_function_is_checked() -> None:
    made = {
        name
        for name, value in vars(charts).items()
        if callable(value)
        and getattr(value, "__module__", "") == charts.__name__
        and value.__annotations__.get("return", "").startswith("alt.TopLevelMixin")
        and name not in {"finish", "projector"}
    }
    assert made == set(CHARTS)


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_text_stays_inside_and_whole(page, demo, name) -> None:
    build, widths = CHARTS[name]
    chart = build(demo)
    for width in [None, *widths]:  # None: the PNG/SVG download, at the chart's own size
        assert chart_problems(page, chart, width) == [], f"{name} at {width or 'own'} px"


@pytest.mark.parametrize("key", [s.key for s in deck_slides.SLIDES])
def test_slide_text_stays_inside_and_whole(page, demo, key) -> None:
    exported = deck_slides.chart_for(key, demo["deck"], for_export=True)
    assert chart_problems(page, exported) == [], f"{key} as exported"
    on_screen = deck_slides.chart_for(key, demo["deck"])
    if on_screen is not None:
        for width, height in SLIDE_ON_SCREEN:
            problems = chart_problems(page, on_screen, width, height)
            assert problems == [], f"{key} on screen at {width}x{height}"


def test_slide_with_a_change_fits(page, demo) -> None:
    moved = dict(demo["deck"], progress=_moved(demo["deck"]["progress"]))
    chart = deck_slides.chart_for("veraenderung", moved, for_export=True)
    assert chart_problems(page, chart) == []


def test_multi_series_charts_have_a_legend_naming_every_series(page, demo) -> None:
    for name, series in [("attendance_trend", "Bereich"), ("progress_over_time", None)]:
        chart = CHARTS[name][0](demo)
        svg = chart_svg_text(chart)
        _, _, texts, _ = measure(page, svg)
        legend = {t.text for t in texts if t.role == "legend-label"}
        expected = (
            set(demo["attendance"]["sector"])
            if series
            else set(demo["series"].dropna(subset=["mean"])["area"])
        )
        assert expected <= legend, name


def chart_svg_text(chart: Any) -> str:
    return chart_svg(chart).decode("utf-8")


PERCENT_WITHOUT_SPACE = re.compile(r"\d%")


@pytest.mark.parametrize("name", list(CHARTS))
def test_percents_are_german_with_a_space(page, demo, name) -> None:
    """'19 %' as in the tables, never d3's '19%' or '0.19'."""
    _, _, texts, _ = measure(page, chart_svg_text(CHARTS[name][0](demo)))
    assert not [t.text for t in texts if PERCENT_WITHOUT_SPACE.search(t.text)]
    assert not [t.text for t in texts if re.search(r"\d\.\d+\s*%", t.text)]  # decimal comma


def test_no_change_is_a_sentence_not_an_empty_chart(demo) -> None:
    flat = demo["progress"].copy()
    then = flat[flat["day"] == demo["last"]].set_index("area_id")["mean"]
    today = flat["day"] == TODAY
    flat.loc[today, "mean"] = flat.loc[today, "area_id"].map(then).values
    assert charts.area_change(flat, TODAY, demo["last"]) is None
    changes = charts.area_changes(flat, TODAY, demo["last"])
    assert charts.change_note(changes) == charts.NO_CHANGE
    dated = charts.change_note(changes, demo["last"])
    assert dated.startswith("Seit der letzten Plenarsitzung am ") and "kein Fortschritt" in dated
    slide = deck_slides.chart_for("veraenderung", dict(demo["deck"], progress=flat))
    assert dated in slide.to_json()
    moved = charts.area_changes(_moved(demo["progress"]), TODAY, demo["last"])
    assert charts.change_note(moved) is None
    assert list(moved["Beschriftung"])[:2] == ["+12,5\u00a0Pp.", "\u22124,3\u00a0Pp."]


def test_no_comparison_says_so() -> None:
    empty = charts.area_changes(
        pd.DataFrame(columns=["day", "area_id", "area", "mean"]), TODAY, dt.date(2025, 9, 1)
    )
    assert charts.change_note(empty) == charts.NO_COMPARISON


def test_the_change_chart_says_what_the_progress_table_says(demo) -> None:
    """Slide and chart labels are the change of the values as shown in the table
    of the Maßnahmen page (components.tables.progress_since), so they never differ."""
    changes = charts.area_changes(demo["progress"], TODAY, demo["last"])
    table = tables.progress_since(demo["progress"], TODAY, demo["last"])
    assert list(changes["Beschriftung"]) == list(table["Veränderung"])
    assert list(changes["Themenbereich"]) == list(table["Themenbereich"])
