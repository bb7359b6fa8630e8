"""Pure functions DataFrame -> alt.Chart: German labels and number formats,
one theme, a colour-blind-safe palette (Okabe–Ito)."""

from __future__ import annotations

import altair as alt
import pandas as pd

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

GERMAN_LOCALE = {
    "number": {
        "decimal": ",",
        "thousands": ".",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
    },
    "time": {
        "dateTime": "%A, der %e. %B %Y, %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
        "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        "months": [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],
        "shortMonths": [
            "Jan",
            "Feb",
            "Mrz",
            "Apr",
            "Mai",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Okt",
            "Nov",
            "Dez",
        ],
    },
}


def _finish(chart: alt.Chart | alt.LayerChart, title: str, description: str) -> alt.Chart:
    """Title, text alternative (description) and the German locale on every chart."""
    return (
        chart.properties(title=title, description=description)
        .configure(
            locale=GERMAN_LOCALE,
            font="Source Sans Pro, Arial, sans-serif",
            range={"category": PALETTE},
        )
        .configure_axis(labelFontSize=13, titleFontSize=13)
        .configure_title(fontSize=16, anchor="start")
        .configure_view(stroke=None)
    )


def members_by_sector(df: pd.DataFrame) -> alt.Chart:
    """Horizontal bars: members per sector, with share in the tooltip."""
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort="-x", title=None),
        x=alt.X("Mitglieder:Q", title="Mitglieder", axis=alt.Axis(format="d", tickMinStep=1)),
    )
    bars = base.mark_bar(color=PALETTE[0]).encode(
        tooltip=[
            alt.Tooltip("Bereich:N"),
            alt.Tooltip("Mitglieder:Q", format="d"),
            alt.Tooltip("Anteil:Q", format=".1%"),
        ]
    )
    labels = base.mark_text(align="left", dx=4, fontSize=13).encode(text=alt.Text("Mitglieder:Q"))
    return _finish(
        bars + labels,
        "Mitglieder nach Bereich",
        "Balkendiagramm: Anzahl der aktiven Mitglieder je Bereich.",
    )
