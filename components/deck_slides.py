"""The presentation deck: which slides exist, and each slide's chart built
from the frozen deck data (db.deck_data.deck_data)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
from PIL import Image

from components import charts, data, deck_export, exports, fmt
from components.briefing_pdf import briefing_pdf
from db.briefing_figures import build_briefing

SLIDE_SIZE = deck_export.CHART_BOX  # chart area of a 1920x1080 slide, for the exports


@dataclass(frozen=True)
class SlideSpec:
    key: str
    title: str
    build: Callable[[dict[str, Any]], alt.TopLevelMixin | None]


def _members(d: dict[str, Any]) -> alt.TopLevelMixin | None:
    if d["members"]["members"].sum() == 0:
        return None
    return charts.members_by_sector(d["members"])


def _representation(d: dict[str, Any]) -> alt.TopLevelMixin | None:
    return None if d["representation"] is None else charts.representation(d["representation"])


def _progress(d: dict[str, Any]) -> alt.TopLevelMixin | None:
    now = d["progress"][d["progress"]["day"] == d["today"]]
    return charts.area_progress(now) if now["measures"].sum() else None


def _change(d: dict[str, Any]) -> alt.TopLevelMixin | None:
    if d["baseline_day"] is None:
        return None
    changes = charts.area_changes(d["progress"], d["today"], d["baseline_day"])
    note = charts.change_note(changes, d["baseline_day"])
    if note is not None:  # no empty chart with a zero axis: say it
        return charts.text_list([note], "Veränderung seit der letzten Sitzung", note)
    return charts.area_change(d["progress"], d["today"], d["baseline_day"])


def _status(d: dict[str, Any]) -> alt.TopLevelMixin | None:
    if d["status_counts"].empty:
        return None
    return charts.status_distribution(d["status_counts"], d["statuses"])


OVERDUE_LINES = 8  # two lines each at most: all of them fit on a 1080p slide


def _overdue(d: dict[str, Any]) -> alt.TopLevelMixin:
    lines = [
        f"fällig {fmt.date(r.due_date)} · {r.title} ({r.area})"
        for r in d["overdue"].head(OVERDUE_LINES).itertuples()
    ]
    more = len(d["overdue"]) - len(lines)
    if more > 0:
        lines.append(f"… und {more} weitere")
    return charts.text_list(
        lines,
        f"Überfällige Maßnahmen: {len(d['overdue'])}",
        "Liste der Maßnahmen, deren Fälligkeitsdatum überschritten ist, mit Datum und Themenbereich.",
    )


def _next(d: dict[str, Any]) -> alt.TopLevelMixin:
    lines = [
        f"{fmt.weekday_date(r.starts_at)}, {r.starts_at:%H:%M} Uhr · {r.title}"
        + (f" · {r.location}" if fmt.or_none(r.location) else "")
        for r in d["next_meetings"].itertuples()
    ]
    return charts.text_list(
        lines, "Die nächsten Termine", "Liste der nächsten Termine mit Datum, Uhrzeit und Ort."
    )


SLIDES: list[SlideSpec] = [
    SlideSpec("mitglieder", "Mitglieder nach Bereich", _members),
    SlideSpec("teilnahme", "Teilnahme der Bereiche an der Sitzung", _representation),
    SlideSpec("fortschritt", "Fortschritt je Themenbereich", _progress),
    SlideSpec("veraenderung", "Veränderung seit der letzten Sitzung", _change),
    SlideSpec("status", "Maßnahmen nach Status", _status),
    SlideSpec("ueberfaellig", "Überfällige Maßnahmen", _overdue),
    SlideSpec("termine", "Die nächsten Termine", _next),
]
BY_KEY = {s.key: s for s in SLIDES}


NO_DATA = "Für diese Folie liegen noch keine Daten vor."


def slide_title(key: str, deck_data: dict[str, Any]) -> str:
    """The title of slide KEY as the hall reads it: which sitting, since when, how many."""
    title = BY_KEY[key].title
    day, baseline = deck_data.get("sitting_day"), deck_data.get("baseline_day")
    if key == "teilnahme" and day is not None:
        sitting = str(deck_data["sitting_title"]).split(" der ")[0]
        return f"Teilnahme der Bereiche an der {sitting} am {fmt.date(day)}"
    if key == "veraenderung" and baseline is not None:
        return f"Veränderung seit der Sitzung am {fmt.date(baseline)}"
    if key == "ueberfaellig":
        return f"Überfällige Maßnahmen: {fmt.number(len(deck_data['overdue']))}"
    return title


def chart_for(key: str, deck_data: dict[str, Any], for_export: bool = False) -> Any:
    """The projector-styled chart of slide KEY; None (on screen) or a note (in an
    export) when there is no data for it."""
    chart = BY_KEY[key].build(deck_data)
    if chart is None:
        if not for_export:
            return None
        chart = charts.text_list([NO_DATA], slide_title(key, deck_data), NO_DATA)
    chart = chart.properties(title="")  # the slide carries the title
    if for_export:
        # The whole chart (axes and legend included) fills the slide's chart area at
        # scale 1, so its type keeps the size set by charts.projector on the slide.
        chart = chart.properties(
            width=SLIDE_SIZE[0],
            height=SLIDE_SIZE[1],
            autosize=alt.AutoSizeParams(type="fit", contains="padding"),
        )
    return charts.projector(chart)


def slide_image(
    key: str, deck_data: dict[str, Any], max_width: int | None = None
) -> tuple[bytes, str]:
    """Slide KEY's chart as PNG at the slide's chart size (as in the exports), with
    its text alternative: on screen it is scaled to the width it gets, so a live
    chart's 32 px type cannot overflow a smaller screen. With MAX_WIDTH, a wider
    image is scaled down to it (for the screen: see SCREEN_WIDTH)."""
    chart = chart_for(key, deck_data, for_export=True)
    alt_text = deck_export.description(chart) or slide_title(key, deck_data)
    png = exports.chart_png(chart, scale=1.0)
    return (png if max_width is None else _at_most(png, max_width)), alt_text


# Streamlit's widest image (2 x 730 px): st.image scales a wider one down, and
# encodes it anew, on every run; done once here, a rerun sends the bytes as they are.
SCREEN_WIDTH = 1460


def _at_most(png: bytes, width: int) -> bytes:
    """PNG scaled down to WIDTH px (bilinear, as st.image would), if it is wider."""
    image = Image.open(io.BytesIO(png))
    if image.width <= width:
        return png
    height = round(image.height * width / image.width)
    out = io.BytesIO()
    image.resize((width, height), resample=Image.Resampling.BILINEAR).save(out, format="PNG")
    return out.getvalue()


def footer(deck_data: dict[str, Any], number: int, total: int) -> str:
    return f"Stand: {fmt.date(deck_data['today'])} · Folie {number} von {total}"


def export_slides(deck_data: dict[str, Any], keys: list[str]) -> list[deck_export.Slide]:
    return [
        deck_export.Slide(
            slide_title(key, deck_data),
            chart_for(key, deck_data, for_export=True),
            footer(deck_data, i, len(keys)),
        )
        for i, key in enumerate(keys, start=1)
    ]


def downloads(deck_data: dict[str, Any], keys: list[str]) -> list[tuple[str, str, str, Callable]]:
    """(label, file name, MIME type, maker) of the deck's downloads; made on click."""
    stamp = deck_data["today"].strftime("%Y-%m-%d")
    return [
        ("Folien als PNG (ZIP)", f"praesentation-{stamp}.zip", "application/zip",
         lambda: deck_export.deck_png_zip(export_slides(deck_data, keys))),
        ("Folien als PDF", f"praesentation-{stamp}.pdf", "application/pdf",
         lambda: deck_export.deck_pdf(export_slides(deck_data, keys))),
        ("Lagebild (PDF)", f"lagebild-{stamp}.pdf", "application/pdf",
         lambda: briefing_pdf(data.read_fresh(build_briefing, deck_data["today"]))),
    ]  # fmt: skip
