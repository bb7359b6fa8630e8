"""Pure functions DataFrame -> alt.Chart: German labels and number formats,
one theme, a colour-blind-safe palette (Okabe–Ito). Every chart carries a
title and a description (its text alternative), and figures are written on
the marks, so no information is carried by colour alone."""

from __future__ import annotations

import altair as alt
import pandas as pd

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# For the projector: every colour at least 3:1 against white (WCAG 1.4.11) and the
# colours kept apart under protan-, deutan- and tritanopia (tests/test_palette.py).
HIGH_CONTRAST = ["#332288", "#CC6677", "#6F4E00", "#8073AC", "#000000"]
PROJECTOR_FONT = 30  # px on a 1920x1080 slide; the issue asks for at least 28
SEQUENTIAL = "blues"
# German percent in Vega expressions: '19 %' (d3-format writes '19%').
PCT = "format({field} * 100, '.0f') + '\u00a0%'"
# Break 'Rassismus & frühkindliche Bildung' into two lines on axes.
TWO_LINES = "split(replace(datum.label, ' & ', ' &|'), '|')"
FONT = "Source Sans Pro, Arial, sans-serif"

GERMAN_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]},
    "time": {
        "dateTime": "%A, der %e. %B %Y, %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
        "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        "months": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                   "September", "Oktober", "November", "Dezember"],
        "shortMonths": ["Jan", "Feb", "Mrz", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt",
                        "Nov", "Dez"],
    },
}  # fmt: skip


def finish(chart: alt.TopLevelMixin, title: str, description: str) -> alt.TopLevelMixin:
    """Title, text alternative and the German locale and theme on every chart."""
    return (
        chart.properties(title=title, description=description)
        .configure(locale=GERMAN_LOCALE, font=FONT, range={"category": PALETTE})
        .configure_axis(labelFontSize=13, titleFontSize=13, labelLimit=260)
        .configure_legend(labelFontSize=13, titleFontSize=13, orient="bottom", columns=4)
        .configure_title(fontSize=17, anchor="start", offset=12)
        .configure_text(fontSize=13)
        .configure_point(size=160)
        .configure_view(stroke=None)
    )


def projector(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The same chart for a hall: at 1920x1080, labels and legends at least 28 px,
    titles larger, thick marks (the palette stays colour-blind safe)."""
    size = PROJECTOR_FONT
    return (
        chart.configure_axis(
            labelFontSize=size, titleFontSize=size, labelLimit=700, tickSize=8, domainWidth=2
        )
        .configure_legend(
            labelFontSize=size, titleFontSize=size, symbolSize=500, orient="bottom", columns=3,
            labelLimit=500,
        )
        .configure_title(fontSize=size + 10, anchor="start", offset=20)
        .configure_text(fontSize=size)
        .configure_line(strokeWidth=6)
        .configure_point(size=400)
        .configure_range(category=HIGH_CONTRAST)
    )  # fmt: skip


def area_change(progress: pd.DataFrame, today, since) -> alt.TopLevelMixin:
    """Change of each area's progress between SINCE and TODAY, in percentage points
    (from progress.area_progress for both days)."""
    now = progress[progress["day"] == today].set_index("area_id")
    then = progress[progress["day"] == since].set_index("area_id")
    df = pd.DataFrame(
        {
            "Themenbereich": now["area"],
            "Veränderung": (now["mean"] - then["mean"].reindex(now.index)).astype(float),
        }
    ).dropna()
    df["Beschriftung"] = df["Veränderung"].map(
        lambda v: f"{'+' if v >= 0 else '−'}{abs(v):.1f} Pp.".replace(".", ",", 1)
    )
    base = alt.Chart(df).encode(
        y=alt.Y("Themenbereich:N", sort=None, title=None, axis=alt.Axis(labelExpr=TWO_LINES)),
        x=alt.X("Veränderung:Q", title="Veränderung (Prozentpunkte)"),
        tooltip=["Themenbereich:N", alt.Tooltip("Veränderung:Q", format="+.1f")],
    )
    bars = base.mark_bar().encode(
        color=alt.condition(
            "datum['Veränderung'] >= 0", alt.value(PALETTE[2]), alt.value(PALETTE[5])
        )
    )
    labels = base.mark_text(align="left", dx=6).encode(text="Beschriftung:N")
    return finish(
        (bars + labels).properties(height=alt.Step(60)),
        "Veränderung des Fortschritts seit der letzten Sitzung",
        "Balkendiagramm: Veränderung des mittleren bekannten Fortschritts je Themenbereich "
        "in Prozentpunkten; der Wert steht neben jedem Balken.",
    )


def text_list(lines: list[str], title: str, description: str) -> alt.TopLevelMixin:
    """A list of lines as a chart, for slides that show a list (overdue measures,
    next meetings); empty lists say so."""
    df = pd.DataFrame({"Zeile": lines or ["– keine –"]})
    df["Nr"] = range(len(df))
    chart = (
        alt.Chart(df)
        .mark_text(align="left", baseline="middle", limit=1700)
        .encode(
            y=alt.Y("Nr:O", axis=None),
            x=alt.value(0),
            text="Zeile:N",
        )
        .properties(height=alt.Step(48))
    )
    return finish(chart, title, description)


def members_by_sector(df: pd.DataFrame) -> alt.TopLevelMixin:
    """Horizontal bars: members per sector (columns Bereich, Mitglieder, Anteil)."""
    order = df.sort_values("Mitglieder", ascending=False)["Bereich"].tolist()
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort=order, title=None),
        x=alt.X("Mitglieder:Q", title="Mitglieder", axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[
            alt.Tooltip("Bereich:N"),
            alt.Tooltip("Mitglieder:Q", format="d"),
            alt.Tooltip("Anteil:Q", format=".1%"),
        ],
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = (
        base.mark_text(align="left", dx=4)
        .encode(text=alt.Text("Label:N"))
        .transform_calculate(
            Label="datum.Mitglieder + ' (' + " + PCT.format(field="datum.Anteil") + " + ')'"
        )
    )
    return finish(
        bars + labels,
        "Mitglieder nach Bereich",
        "Balkendiagramm: Anzahl und Anteil der aktiven Mitglieder je Bereich.",
    )


def composition_heatmap(composition: pd.DataFrame) -> alt.TopLevelMixin:
    """Sector x working group: members and share (from participation.composition)."""
    df = composition[composition["area"] != "Gesamt"].rename(
        columns={"sector": "Bereich", "area": "Arbeitsgruppe", "members": "Mitglieder",
                 "share": "Anteil"}
    )  # fmt: skip
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort=None, title=None),
        x=alt.X(
            "Arbeitsgruppe:N",
            sort=None,
            title=None,
            axis=alt.Axis(labelAngle=0, orient="top", labelExpr=TWO_LINES),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("Anteil:Q", scale=alt.Scale(scheme=SEQUENTIAL), legend=None),
        tooltip=[
            "Bereich:N",
            "Arbeitsgruppe:N",
            alt.Tooltip("Mitglieder:Q", format="d"),
            alt.Tooltip("Anteil:Q", format=".1%", title="Anteil in der Gruppe"),
        ],
    )
    text = (
        base.mark_text(fontSize=14)
        .encode(
            text=alt.Text("Label:N"),
            color=alt.condition("datum.Anteil > 0.14", alt.value("white"), alt.value("black")),
        )
        .transform_calculate(Label="datum.Mitglieder + ' · ' + " + PCT.format(field="datum.Anteil"))
    )
    return finish(
        (cells + text).properties(height=alt.Step(34)),
        "Zusammensetzung nach Bereich und Arbeitsgruppe",
        "Tabelle als Farbfläche: Mitglieder je Bereich in jeder Arbeitsgruppe, "
        "mit Anzahl und Anteil an der Gruppe.",
    )


def _attendance_frame(attendance: pd.DataFrame) -> pd.DataFrame:
    df = attendance.rename(
        columns={"sector": "Bereich", "rate": "Quote", "invited": "Eingeladen",
                 "present": "Persönlich", "deputy": "Vertreten"}
    )  # fmt: skip
    df["Datum"] = df["starts_at"].map(lambda t: t.replace(tzinfo=None))
    df["Termin"] = [
        f"{t:%d.%m.%y} {title[:26]}" for t, title in zip(df["starts_at"], df["title"], strict=True)
    ]
    return df.drop(columns=["starts_at"])


def attendance_heatmap(attendance: pd.DataFrame) -> alt.TopLevelMixin:
    """Sector x meeting: attendance rate (from participation.attendance_by_sector)."""
    df = _attendance_frame(attendance)
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort=None, title=None),
        x=alt.X(
            "Termin:N",
            sort=alt.EncodingSortField("Datum", order="ascending"),
            title=None,
            axis=alt.Axis(labelAngle=-40, labelLimit=180),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "Quote:Q",
            scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, 1]),
            legend=alt.Legend(format=".0%", title="Teilnahmequote", orient="right"),
        ),
        tooltip=[
            "Bereich:N",
            "Termin:N",
            alt.Tooltip("Datum:T", format="%d.%m.%Y"),
            alt.Tooltip("Quote:Q", format=".0%", title="Teilnahmequote"),
            alt.Tooltip("Eingeladen:Q", format="d"),
            alt.Tooltip("Persönlich:Q", format="d", title="persönlich anwesend"),
            alt.Tooltip("Vertreten:Q", format="d", title="durch Stellvertretung"),
        ],
    )
    text = (
        base.mark_text(fontSize=11)
        .transform_calculate(QuoteText=PCT.format(field="datum.Quote"))
        .encode(
            text=alt.Text("QuoteText:N"),
            color=alt.condition("datum.Quote > 0.6", alt.value("white"), alt.value("black")),
        )
    )
    return finish(
        cells + text,
        "Teilnahmequote nach Bereich und Termin",
        "Farbfläche: Anteil der Sitze je Bereich, die bei jedem Termin persönlich oder durch "
        "Stellvertretung besetzt waren; Prozentwerte stehen in den Feldern.",
    )


def attendance_trend(attendance: pd.DataFrame) -> alt.TopLevelMixin:
    """Attendance rate per sector over the plenary sittings."""
    df = _attendance_frame(attendance[attendance["kind"] == "plenary"])
    lines = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True), strokeWidth=2.5)
        .encode(
            x=alt.X("Datum:T", title=None, axis=alt.Axis(format="%d.%m.%Y", tickCount="month")),
            y=alt.Y(
                "Quote:Q",
                title="Teilnahmequote",
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("Bereich:N", title=None, sort=None),
            strokeDash=alt.StrokeDash("Bereich:N", legend=None, sort=None),
            tooltip=[
                "Bereich:N",
                alt.Tooltip("Termin:N"),
                alt.Tooltip("Datum:T", format="%d.%m.%Y"),
                alt.Tooltip("Quote:Q", format=".0%"),
            ],
        )
    )
    return finish(
        lines,
        "Teilnahme an den Plenarsitzungen im Zeitverlauf",
        "Liniendiagramm: Teilnahmequote je Bereich bei jeder Plenarsitzung.",
    )


def representation(shares: pd.DataFrame) -> alt.TopLevelMixin:
    """Share of those present against share of invited seats per sector
    (from participation.representation)."""
    df = shares.rename(columns={"sector": "Bereich", "gap": "Abweichung"}).melt(
        id_vars=["Bereich", "sector_order", "Abweichung"],
        value_vars=["share_invited", "share_attended"],
        var_name="Art",
        value_name="Anteil",
    )
    df["Art"] = df["Art"].map(
        {"share_invited": "Anteil an den Sitzen", "share_attended": "Anteil an den Anwesenden"}
    )
    base = alt.Chart(df).encode(y=alt.Y("Bereich:N", sort=None, title=None))
    rule = base.mark_rule(color="#777777", strokeWidth=2).encode(
        x=alt.X("min(Anteil):Q", title="Anteil", axis=alt.Axis(format=".0%")),
        x2="max(Anteil):Q",
    )
    dots = base.mark_point(filled=True, opacity=1).encode(
        x="Anteil:Q",
        color=alt.Color("Art:N", title=None, scale=alt.Scale(range=[PALETTE[0], PALETTE[5]])),
        shape=alt.Shape("Art:N", title=None, scale=alt.Scale(range=["circle", "diamond"])),
        tooltip=[
            "Bereich:N",
            "Art:N",
            alt.Tooltip("Anteil:Q", format=".1%"),
            alt.Tooltip("Abweichung:Q", format="+.1%", title="Abweichung (Prozentpunkte)"),
        ],
    )
    return finish(
        rule + dots,
        "Vertretung der Bereiche",
        "Punktdiagramm: je Bereich der Anteil an den Anwesenden (Raute) gegenüber dem Anteil "
        "an den eingeladenen Sitzen (Kreis); eine Linie zeigt die Abweichung.",
    )


def progress_label(mean: float | None, unknown: int) -> str:
    """'45 %' or '45 % (2 unbek.)': the unknowns are named, never counted as 0."""
    value = "–" if mean is None or pd.isna(mean) else f"{mean:.0f} %"
    return f"{value} ({unknown} unbek.)" if unknown else value


def area_progress(progress: pd.DataFrame) -> alt.TopLevelMixin:
    """Mean known progress per area on one day (from progress.area_progress)."""
    df = progress.drop(columns=["day"], errors="ignore").rename(
        columns={"area": "Themenbereich", "mean": "Fortschritt"}
    )
    df["Beschriftung"] = [
        progress_label(m, u) for m, u in zip(df["Fortschritt"], df["unknown"], strict=True)
    ]
    df = df.rename(columns={"known": "bekannt", "unknown": "unbekannt"})
    base = alt.Chart(df).encode(
        y=alt.Y("Themenbereich:N", sort=None, title=None, axis=alt.Axis(labelExpr=TWO_LINES)),
        x=alt.X("Fortschritt:Q", title="Fortschritt (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=[
            "Themenbereich:N",
            alt.Tooltip("Fortschritt:Q", format=".1f", title="Fortschritt (%)"),
            alt.Tooltip("bekannt:Q", title="Maßnahmen mit bekanntem Stand"),
            alt.Tooltip("unbekannt:Q", title="Maßnahmen mit unbekanntem Stand"),
        ],
    )
    bars = base.mark_bar(color=PALETTE[0])
    # Long bars carry their label inside (white), short ones beside them (black).
    inside = (
        base.transform_filter("datum.Fortschritt >= 35")
        .mark_text(align="left", fontWeight="bold", color="white")
        .encode(text="Beschriftung:N", x=alt.value(6))
    )
    outside = (
        base.transform_filter("!(datum.Fortschritt >= 35)")
        .mark_text(align="left", dx=5, color="black")
        .encode(text="Beschriftung:N")
    )
    labels = inside + outside
    return finish(
        (bars + labels).properties(height=alt.Step(46)),
        "Fortschritt je Themenbereich",
        "Balkendiagramm: mittlerer bekannter Fortschritt der aktiven Maßnahmen je "
        "Themenbereich; unbekannte Stände werden gezählt, nicht als 0 gewertet.",
    )


def status_distribution(
    counts: pd.DataFrame, statuses: list[str], label_color: str = "black"
) -> alt.TopLevelMixin:
    """Measures per area and status, stacked (from progress.status_counts)."""
    df = counts.rename(
        columns={"area": "Themenbereich", "status": "Status", "measures": "Maßnahmen",
                 "status_order": "Reihenfolge"}
    )  # fmt: skip
    base = alt.Chart(df).encode(
        y=alt.Y("Themenbereich:N", sort=None, title=None, axis=alt.Axis(labelExpr=TWO_LINES)),
        x=alt.X("Maßnahmen:Q", stack="zero", title="Maßnahmen", axis=alt.Axis(format="d")),
        order=alt.Order("Reihenfolge:Q"),
    )
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "Status:N",
            sort=statuses,
            scale=alt.Scale(domain=statuses),
            title=None,
            legend=alt.Legend(columns=3, labelLimit=200),
        ),
        tooltip=["Themenbereich:N", "Status:N", alt.Tooltip("Maßnahmen:Q", format="d")],
    )
    text = base.mark_text(dx=-6, align="right", color=label_color).encode(
        x=alt.X("Maßnahmen:Q", stack="zero"), text=alt.Text("Maßnahmen:Q")
    )
    return finish(
        (bars + text).properties(height=alt.Step(46)),
        "Maßnahmen nach Status",
        "Gestapeltes Balkendiagramm: Anzahl der Maßnahmen je Themenbereich und Status.",
    )


def progress_over_time(series: pd.DataFrame, plenaries: pd.DataFrame) -> alt.TopLevelMixin:
    """Area progress over time (from progress.area_progress over many days) with
    the plenary sittings marked (from queries.held_plenaries)."""
    progress = series.rename(
        columns={"day": "Datum", "area": "Themenbereich", "mean": "Fortschritt"}
    ).dropna(subset=["Fortschritt"])
    progress["Datum"] = pd.to_datetime(progress["Datum"])
    meetings = pd.DataFrame(
        {
            "Datum": [t.replace(tzinfo=None) for t in plenaries["starts_at"]],
            "Sitzung": [title.split(" der ")[0] for title in plenaries["title"]],
        }
    )
    lines = (
        alt.Chart(progress)
        .mark_line(point=alt.OverlayMarkDef(size=40, filled=True), strokeWidth=2.5)
        .encode(
            x=alt.X("Datum:T", title=None, axis=alt.Axis(format="%m.%Y", tickCount="month")),
            y=alt.Y("Fortschritt:Q", title="Fortschritt (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("Themenbereich:N", title=None, sort=None),
            strokeDash=alt.StrokeDash("Themenbereich:N", legend=None, sort=None),
            tooltip=[
                "Themenbereich:N",
                alt.Tooltip("Datum:T", format="%d.%m.%Y"),
                alt.Tooltip("Fortschritt:Q", format=".1f"),
            ],
        )
    )
    rules = (
        alt.Chart(meetings)
        .mark_rule(color="#555555", strokeDash=[4, 3])
        .encode(x="Datum:T", tooltip=["Sitzung:N", alt.Tooltip("Datum:T", format="%d.%m.%Y")])
    )
    labels = (
        alt.Chart(meetings)
        .mark_text(
            angle=270, align="left", baseline="bottom", dx=-4, dy=-3, fontSize=11, color="#333333"
        )
        .encode(x="Datum:T", y=alt.value(0), text="Sitzung:N")
    )
    return finish(
        rules + labels + lines,
        "Fortschritt im Zeitverlauf",
        "Liniendiagramm: mittlerer bekannter Fortschritt je Themenbereich am Monatsende; "
        "gestrichelte Linien markieren die Plenarsitzungen.",
    )
