"""Pure functions DataFrame -> alt.Chart: German labels and number formats,
one theme, a colour-blind-safe palette (Okabe–Ito). Every chart carries a
title and a description (its text alternative), and figures are written on
the marks, so no information is carried by colour alone."""

from __future__ import annotations

import re
import textwrap

import altair as alt
import pandas as pd

from components import fmt

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# For the projector: every colour at least 3:1 against white (WCAG 1.4.11) and the
# colours kept apart under protan-, deutan- and tritanopia (tests/test_palette.py).
HIGH_CONTRAST = ["#332288", "#CC6677", "#6F4E00", "#8073AC", "#000000"]
# One look per status, on screen, on slides and in every export. The statuses are
# data: a done status is green, a discontinued one black, the open ones take
# STATUS_OPEN in their order (sort_order). All carry white figures and stay apart
# for colour-blind viewers (tests/test_palette.py).
STATUS_OPEN = ["#8073AC", "#CC6677", "#332288"]
STATUS_DONE = "#117733"
STATUS_DISCONTINUED = "#000000"
STATUS_COLOURS = [*STATUS_OPEN, STATUS_DONE, STATUS_DISCONTINUED]
# px on a 1920x1080 slide: the ink of a label with ascenders and descenders
# ("Religionsgemeinschaften") then measures at least 28 px (tests/test_deck_export.py).
PROJECTOR_FONT = 32
SCREEN_FONT = 13
SEQUENTIAL = "blues"
# German percent in Vega expressions: '19 %' (d3-format writes '19%').
PCT = "format({field} * 100, '.0f') + '\u00a0%'"
# Axis and legend labels of a fraction (0.19 -> '19 %') and of a percent (19 -> '19 %').
SHARE_LABEL = PCT.format(field="datum.value")
PERCENT_LABEL = "format(datum.value, '.0f') + '\u00a0%'"
# Break 'Rassismus & frühkindliche Bildung' into two lines on axes.
TWO_LINES = "split(replace(datum.label, ' & ', ' &|'), '|')"
FONT = "Source Sans, Source Sans Pro, Arial, sans-serif"  # Streamlit's own font on screen
# The font size of the figures written on the marks, as a parameter: the room the
# charts keep for them (in pixels of the chart's width) follows it, and `projector`
# raises it with the rest of the type.
FIGURE_SIZE = "figure_size"
CHAR_WIDTH = 0.62  # em; a generous mean advance of digits and letters in the font

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
        chart.add_params(alt.param(name=FIGURE_SIZE, value=SCREEN_FONT))
        # A little padding: Streamlit draws without any, and the descenders of a
        # rotated axis title ('q', '(') would touch the chart's left edge.
        .properties(
            title=title,
            description=description,
            padding={"left": 5, "top": 5, "right": 5, "bottom": 5},  # Streamlit needs all four
        )
        .configure(locale=GERMAN_LOCALE, font=FONT, range={"category": PALETTE})
        .configure_axis(labelFontSize=SCREEN_FONT, titleFontSize=SCREEN_FONT, labelLimit=260)
        .configure_legend(
            labelFontSize=SCREEN_FONT, titleFontSize=SCREEN_FONT, orient="bottom", columns=4,
            labelLimit=260,
        )
        # No x label beyond the axis' ends, where the chart's edge would cut it.
        .configure_axisX(labelBound=True)
        .configure_title(fontSize=17, anchor="start", offset=12, frame="bounds")
        .configure_text(fontSize=SCREEN_FONT)
        .configure_point(size=160)
        .configure_view(stroke=None)
    )  # fmt: skip


def projector(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The same chart for a hall: at 1920x1080, labels, legends and figures at
    PROJECTOR_FONT, titles larger, thick marks (the palette stays colour-blind safe;
    status colours stay the same everywhere)."""
    size = PROJECTOR_FONT
    chart = chart.copy(deep=True)
    params = chart.params if isinstance(chart.params, list) else []
    for param in params:
        if getattr(param, "name", None) == FIGURE_SIZE:
            param.value = size
    return (
        chart.configure_axis(
            labelFontSize=size, titleFontSize=size, labelLimit=900, tickSize=8, domainWidth=2
        )
        .configure_legend(
            labelFontSize=size, titleFontSize=size, symbolSize=500, orient="bottom", columns=3,
            labelLimit=900, symbolStrokeWidth=5,
        )
        .configure_title(fontSize=size + 10, anchor="start", offset=20, frame="bounds")
        .configure_text(fontSize=size)
        .configure_line(strokeWidth=6)
        .configure_point(size=400)
        .configure_range(category=HIGH_CONTRAST)
    )  # fmt: skip


# --------------------------------------------------------------------------- helpers


def status_colours(statuses: pd.DataFrame) -> list[str]:
    """The colour of each status of STATUSES (progress.statuses: name, is_done,
    is_discontinued, in their order); open statuses beyond three repeat colours."""
    colours, open_seen = [], 0
    for done, discontinued in zip(statuses["is_done"], statuses["is_discontinued"], strict=True):
        if done:
            colours.append(STATUS_DONE)
        elif discontinued:
            colours.append(STATUS_DISCONTINUED)
        else:
            colours.append(STATUS_OPEN[open_seen % len(STATUS_OPEN)])
            open_seen += 1
    return colours


def _label_px(chars: int | str) -> str:
    """Vega expression: the width in pixels of a figure of CHARS characters, with its gap."""
    return f"(({chars}) * {CHAR_WIDTH} * {FIGURE_SIZE} + 10)"


def _with_room(low: float, high: float, chars: int) -> dict[str, alt.ExprRef]:
    """Scale domain from LOW to HIGH (data units) widened so that a figure of CHARS
    characters fits beside a bar ending at either end, whatever the chart's width."""
    low, high = float(low), float(high)
    span = max(high - low, 1e-9)
    sides = int(high > 0) + int(low < 0)
    room = f"{span} * {_label_px(chars)} / max(width - {sides} * {_label_px(chars)}, width * 0.25)"
    return {
        "domainMin": alt.ExprRef(f"{low} - {room}" if low < 0 else f"{low}"),
        "domainMax": alt.ExprRef(f"{high} + {room}" if high > 0 else f"{high}"),
    }


def _fits(cell_px: str, chars: str) -> str:
    """Vega expression: a figure of CHARS characters fits into CELL_PX pixels."""
    return f"({cell_px}) >= {_label_px(chars)}"


def percent(share: float) -> str:
    """'19,5 %' (one decimal), the percent of tables and chart tooltips."""
    return fmt.percent(share, 1)


def _signed_label() -> str:
    """Axis labels of a change: '+5', '−2,5', '0' (typographic minus)."""
    return (
        "datum.value > 0 ? '+' + format(datum.value, '.1~f') : "
        "datum.value < 0 ? '\u2212' + format(-datum.value, '.1~f') : '0'"
    )


# --------------------------------------------------------------------------- change

NO_COMPARISON = "Für den Vergleich mit der letzten Sitzung liegen keine Fortschrittsmeldungen vor."
NO_CHANGE = "Seit der letzten Sitzung hat sich der Fortschritt in keinem Themenbereich verändert."


def area_changes(progress: pd.DataFrame, today, since) -> pd.DataFrame:
    """Change of each area's progress between SINCE and TODAY, in percentage points
    (from progress.area_progress for both days): Themenbereich, Veränderung, Beschriftung."""
    now = progress[progress["day"] == today].set_index("area_id")
    then = progress[progress["day"] == since].set_index("area_id")
    df = pd.DataFrame(
        {
            "Themenbereich": now["area"],
            # the change of the values as shown (one decimal), as fmt.points_change
            "Veränderung": (
                now["mean"].astype(float).round(1)
                - then["mean"].reindex(now.index).astype(float).round(1)
            ),
        }
    ).dropna()
    df["Veränderung"] = df["Veränderung"].round(1)
    df["Beschriftung"] = [fmt.points_change(v, 0.0, scale=1) for v in df["Veränderung"]]
    return df


def change_note(changes: pd.DataFrame, since=None) -> str | None:
    """The sentence to show instead of the change chart when it would be empty or
    all zero (from area_changes), naming the sitting's day SINCE when given; None
    when there is a change to draw. Used by the pages and the deck alike."""
    if changes.empty:
        return NO_COMPARISON
    if (changes["Veränderung"] == 0).all():
        if since is None:
            return NO_CHANGE
        return (
            f"Seit der letzten Plenarsitzung am {fmt.date(since)} wurde kein Fortschritt gemeldet."
        )
    return None


def area_change(progress: pd.DataFrame, today, since) -> alt.TopLevelMixin | None:
    """Bars of each area's change since SINCE in percentage points; None when there
    is nothing to draw (show `change_note` instead)."""
    df = area_changes(progress, today, since)
    if change_note(df) is not None:
        return None
    chars = int(df["Beschriftung"].str.len().max())
    low, high = min(0.0, df["Veränderung"].min()), max(0.0, df["Veränderung"].max())
    base = alt.Chart(df).encode(
        y=alt.Y("Themenbereich:N", sort=None, title=None, axis=alt.Axis(labelExpr=TWO_LINES)),
        x=alt.X(
            "Veränderung:Q",
            title="Veränderung (Prozentpunkte)",
            scale=alt.Scale(nice=False, zero=True, **_with_room(low, high, chars)),
            axis=alt.Axis(labelExpr=_signed_label(), tickMinStep=1, labelFlush=True),
        ),
        tooltip=["Themenbereich:N", alt.Tooltip("Beschriftung:N", title="Veränderung")],
    )
    bars = base.mark_bar().encode(
        color=alt.condition(
            "datum['Veränderung'] >= 0", alt.value(PALETTE[2]), alt.value(PALETTE[5])
        )
    )
    up = (
        base.transform_filter("datum['Veränderung'] >= 0")
        .mark_text(align="left", dx=6, fontSize=alt.ExprRef(FIGURE_SIZE))
        .encode(text="Beschriftung:N")
    )
    down = (
        base.transform_filter("datum['Veränderung'] < 0")
        .mark_text(align="right", dx=-6, fontSize=alt.ExprRef(FIGURE_SIZE))
        .encode(text="Beschriftung:N")
    )
    return finish(
        (bars + up + down).properties(height=alt.Step(60)),
        "Veränderung des Fortschritts seit der letzten Sitzung",
        "Balkendiagramm: Veränderung des mittleren bekannten Fortschritts je Themenbereich "
        "in Prozentpunkten; der Wert steht neben jedem Balken.",
    )


# --------------------------------------------------------------------------- lists


def _wrap(lines: list[str], width: int) -> list[tuple[str, bool]]:
    """Each line broken at word boundaries into pieces of at most WIDTH characters;
    (piece, whether it continues the line before)."""
    out = []
    for line in lines:
        pieces = textwrap.wrap(line, width, break_long_words=False) or [""]
        out += [(piece, i > 0) for i, piece in enumerate(pieces)]
    return out


def text_list(
    lines: list[str], title: str, description: str, width: int = 100
) -> alt.TopLevelMixin:
    """A list of lines as a chart, for slides that show a list (overdue measures,
    next meetings); empty lists say so. Long lines wrap (indented), never cut."""
    rows = _wrap(lines or ["– keine –"], width)
    df = pd.DataFrame({"Zeile": [r[0] for r in rows], "Einzug": [40 * r[1] for r in rows]})
    df["Nr"] = range(len(df))
    chart = (
        alt.Chart(df)
        .mark_text(align="left", baseline="middle")
        .encode(
            y=alt.Y("Nr:O", axis=None),
            x=alt.X("Einzug:Q", scale=None),
            text="Zeile:N",
        )
        .properties(height=alt.Step(48))
    )
    return finish(chart, title, description)


# --------------------------------------------------------------------------- members


def members_by_sector(df: pd.DataFrame) -> alt.TopLevelMixin:
    """Horizontal bars: members per sector (participation.seats_per_sector: sector,
    members, share)."""
    df = df.rename(columns={"sector": "Bereich", "members": "Mitglieder", "share": "Anteil"})
    order = df.sort_values("Mitglieder", ascending=False)["Bereich"].tolist()
    df = df.assign(
        Label=[
            f"{m} ({fmt.percent(s)})" for m, s in zip(df["Mitglieder"], df["Anteil"], strict=True)
        ],
        AnteilText=df["Anteil"].map(percent),
    )
    chars = int(df["Label"].str.len().max()) if len(df) else 1
    high = float(df["Mitglieder"].max()) if len(df) else 1.0
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort=order, title=None),
        x=alt.X(
            "Mitglieder:Q",
            title="Mitglieder",
            axis=alt.Axis(format="d", tickMinStep=1, labelFlush=True),
            scale=alt.Scale(nice=False, **_with_room(0, high, chars)),
        ),
        tooltip=[
            alt.Tooltip("Bereich:N"),
            alt.Tooltip("Mitglieder:Q", format="d"),
            alt.Tooltip("AnteilText:N", title="Anteil"),
        ],
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = base.mark_text(align="left", dx=4, fontSize=alt.ExprRef(FIGURE_SIZE)).encode(
        text=alt.Text("Label:N")
    )
    return finish(
        bars + labels,
        "Mitglieder nach Bereich",
        "Balkendiagramm: Anzahl und Anteil der aktiven Mitglieder je Bereich.",
    )


# Axis labels broken at every space but the one before '&': 'Rassismus &',
# 'frühkindliche', 'Bildung'.
WORD_LINES = "split(replace(datum.label, / (?!&)/g, '|'), '|')"


def composition_heatmap(composition: pd.DataFrame) -> alt.TopLevelMixin:
    """Sector x working group: members and share (from participation.composition)."""
    df = composition[composition["area"].notna()].rename(
        columns={"sector": "Bereich", "area": "Arbeitsgruppe", "members": "Mitglieder",
                 "share": "Anteil"}
    )  # fmt: skip
    df = df.assign(
        Label=[
            f"{m} · {fmt.percent(s)}" for m, s in zip(df["Mitglieder"], df["Anteil"], strict=True)
        ],
        AnteilText=df["Anteil"].map(percent),
    )
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort=None, title=None),
        x=alt.X(
            "Arbeitsgruppe:N",
            sort=None,
            title=None,
            axis=alt.Axis(labelAngle=0, orient="bottom", labelExpr=WORD_LINES, labelPadding=6),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("Anteil:Q", scale=alt.Scale(scheme=SEQUENTIAL), legend=None),
        tooltip=[
            "Bereich:N",
            "Arbeitsgruppe:N",
            alt.Tooltip("Mitglieder:Q", format="d"),
            alt.Tooltip("AnteilText:N", title="Anteil in der Gruppe"),
        ],
    )
    # A figure is written into its cell only when it fits there; the tooltip has it always.
    text = base.mark_text(fontSize=alt.ExprRef(FIGURE_SIZE)).encode(
        text=alt.condition(
            _fits("bandwidth('x')", "length(datum.Label)"), alt.Text("Label:N"), alt.value("")
        ),
        color=alt.condition("datum.Anteil > 0.14", alt.value("white"), alt.value("black")),
    )
    return finish(
        (cells + text).properties(height=alt.Step(34), width=alt.Step(130)),
        "Zusammensetzung der Arbeitsgruppen",
        "Tabelle als Farbfläche: Mitglieder je Bereich in jeder Arbeitsgruppe, "
        "mit Anzahl und Anteil an der Gruppe.",
    )


# --------------------------------------------------------------------------- attendance


def short_title(title: str) -> str:
    """A meeting's title short enough for an axis: 'AG 1', '2. Sitzung', 'Fachtag Integration'."""
    match = re.match(r"AG \d+", title)
    if match:
        return match.group(0)
    if " der " in title:
        return title.split(" der ")[0]
    words, short = title.split(), ""
    for word in words:
        if short and len(short) + 1 + len(word) > 20:
            break
        short = f"{short} {word}".strip()
    return short


def _attendance_frame(attendance: pd.DataFrame) -> pd.DataFrame:
    df = attendance.rename(
        columns={"sector": "Bereich", "rate": "Quote", "invited": "Eingeladen",
                 "present": "Persönlich", "deputy": "Vertreten"}
    )  # fmt: skip
    df["Datum"] = df["starts_at"].map(lambda t: t.replace(tzinfo=None))
    df["Termin"] = [
        f"{t:%d.%m.%y} · {short_title(title)}"
        for t, title in zip(df["starts_at"], df["title"], strict=True)
    ]
    df["QuoteText"] = df["Quote"].map(fmt.percent)
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
            axis=alt.Axis(
                labelAngle=-90, labelAlign="right", labelBaseline="middle", labelOverlap="parity"
            ),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "Quote:Q",
            scale=alt.Scale(scheme=SEQUENTIAL, domain=[0, 1]),
            legend=alt.Legend(labelExpr=SHARE_LABEL, title="Teilnahmequote", orient="right"),
        ),
        tooltip=[
            "Bereich:N",
            "Termin:N",
            alt.Tooltip("Datum:T", format="%d.%m.%Y"),
            alt.Tooltip("QuoteText:N", title="Teilnahmequote"),
            alt.Tooltip("Eingeladen:Q", format="d"),
            alt.Tooltip("Persönlich:Q", format="d", title="persönlich anwesend"),
            alt.Tooltip("Vertreten:Q", format="d", title="durch Stellvertretung"),
        ],
    )
    # Figures only where the cells are wide enough (many meetings on a narrow screen:
    # the colour and the tooltip carry them).
    text = base.mark_text(fontSize=alt.ExprRef(f"{FIGURE_SIZE} * 0.85")).encode(
        text=alt.condition(
            _fits("bandwidth('x')", "length(datum.QuoteText) * 0.85"),
            alt.Text("QuoteText:N"),
            alt.value(""),
        ),
        color=alt.condition("datum.Quote > 0.6", alt.value("white"), alt.value("black")),
    )
    return finish(
        (cells + text).properties(height=alt.Step(30), width=alt.Step(50)),
        "Teilnahmequote nach Bereich und Termin",
        "Farbfläche: Anteil der Sitze je Bereich, die bei jedem Termin persönlich oder durch "
        "Stellvertretung besetzt waren; Prozentwerte stehen in den Feldern.",
    )


def _series_legend(field: str) -> dict:
    """Colour and dash of one series field, in one legend that shows both."""
    legend = alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolSize=400)
    return {
        "color": alt.Color(field, title=None, sort=None, legend=legend),
        "strokeDash": alt.StrokeDash(field, title=None, sort=None, legend=legend),
    }


def attendance_trend(attendance: pd.DataFrame) -> alt.TopLevelMixin:
    """Attendance rate per sector over the plenary sittings."""
    df = _attendance_frame(attendance[attendance["kind"] == "plenary"])
    lines = (
        alt.Chart(df)
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True), strokeWidth=2.5)
        .encode(
            # One tick per sitting (about once a year), the first and last points
            # moved in from the edges so that their dates have room.
            x=alt.X(
                "Datum:T",
                title=None,
                axis=alt.Axis(
                    format="%d.%m.%Y",
                    values=[
                        alt.DateTime(year=d.year, month=d.month, date=d.day)
                        for d in sorted(df["Datum"].unique())
                    ],
                    grid=False,
                ),
                scale=alt.Scale(padding=60),
            ),
            y=alt.Y(
                "Quote:Q",
                title="Teilnahmequote",
                axis=alt.Axis(labelExpr=SHARE_LABEL),
                scale=alt.Scale(domain=[0, 1]),
            ),
            **_series_legend("Bereich:N"),
            tooltip=[
                "Bereich:N",
                alt.Tooltip("Termin:N"),
                alt.Tooltip("Datum:T", format="%d.%m.%Y"),
                alt.Tooltip("QuoteText:N", title="Teilnahmequote"),
            ],
        )
    )
    return finish(
        lines.properties(width=560),
        "Teilnahme an den Plenarsitzungen im Zeitverlauf",
        "Liniendiagramm: Teilnahmequote je Bereich bei jeder Plenarsitzung.",
    )


SEATS, PRESENT = "Anteil an den Sitzen", "Anteil an den Anwesenden"


def representation(shares: pd.DataFrame) -> alt.TopLevelMixin:
    """Share of those present against share of invited seats per sector
    (from participation.representation)."""
    df = shares.rename(columns={"sector": "Bereich", "gap": "Abweichung"}).melt(
        id_vars=["Bereich", "sector_order", "Abweichung"],
        value_vars=["share_invited", "share_attended"],
        var_name="Art",
        value_name="Anteil",
    )
    df["Art"] = df["Art"].map({"share_invited": SEATS, "share_attended": PRESENT})
    df["AnteilText"] = df["Anteil"].map(percent)
    df["AbweichungText"] = [fmt.points_change(v, 0.0) for v in df["Abweichung"]]
    base = alt.Chart(df).encode(y=alt.Y("Bereich:N", sort=None, title=None))
    rule = base.mark_rule(color="#777777", strokeWidth=2).encode(
        x=alt.X(
            "min(Anteil):Q", title="Anteil", axis=alt.Axis(labelExpr=SHARE_LABEL, labelFlush=True)
        ),
        x2="max(Anteil):Q",
    )
    dots = base.mark_point(filled=True, opacity=1).encode(
        x="Anteil:Q",
        # The domain is set, so the description below stays true: seats are circles,
        # those present diamonds.
        color=alt.Color(
            "Art:N",
            title=None,
            scale=alt.Scale(domain=[SEATS, PRESENT], range=[PALETTE[0], PALETTE[5]]),
        ),
        shape=alt.Shape(
            "Art:N",
            title=None,
            scale=alt.Scale(domain=[SEATS, PRESENT], range=["circle", "diamond"]),
        ),
        tooltip=[
            "Bereich:N",
            "Art:N",
            alt.Tooltip("AnteilText:N", title="Anteil"),
            alt.Tooltip("AbweichungText:N", title="Abweichung (Prozentpunkte)"),
        ],
    )
    return finish(
        rule + dots,
        "Vertretung der Bereiche",
        "Punktdiagramm: je Bereich der Anteil an den Anwesenden (Raute) gegenüber dem Anteil "
        "an den eingeladenen Sitzen (Kreis); eine Linie zeigt die Abweichung.",
    )


# --------------------------------------------------------------------------- progress


def progress_label(mean: float | None, unknown: int) -> str:
    """'45,2 %' or '45,2 % (2 unbek.)': the unknowns are named, never counted as 0.
    One decimal, as in the tables and the Lagebild."""
    value = "–" if mean is None or pd.isna(mean) else fmt.percent(mean / 100, 1)
    return f"{value} ({unknown} unbek.)" if unknown else value


def area_progress(progress: pd.DataFrame) -> alt.TopLevelMixin:
    """Mean known progress per area on one day (from progress.area_progress)."""
    df = progress.drop(columns=["day"], errors="ignore").rename(
        columns={"area": "Themenbereich", "mean": "Fortschritt"}
    )
    # Two lines ('35 %' over '1 unbek.') keep the figure short enough for a narrow column.
    df["Beschriftung"] = [
        progress_label(m, u).replace(" (", "\n(")
        for m, u in zip(df["Fortschritt"], df["unknown"], strict=True)
    ]
    df["Zeichen"] = df["Beschriftung"].map(lambda t: max(len(line) for line in t.split("\n")))
    df["FortschrittText"] = df["Fortschritt"].map(
        lambda v: "unbekannt" if pd.isna(v) else percent(v / 100)
    )
    df["Fortschritt"] = df["Fortschritt"].round(1)
    df = df.rename(columns={"known": "bekannt", "unknown": "unbekannt"})
    base = alt.Chart(df).encode(
        y=alt.Y("Themenbereich:N", sort=None, title=None, axis=alt.Axis(labelExpr=TWO_LINES)),
        x=alt.X(
            "Fortschritt:Q",
            title="Fortschritt",
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(labelExpr=PERCENT_LABEL, values=list(range(0, 101, 20)), labelFlush=True),
        ),
        tooltip=[
            "Themenbereich:N",
            alt.Tooltip("FortschrittText:N", title="Fortschritt"),
            alt.Tooltip("bekannt:Q", title="Maßnahmen mit bekanntem Stand"),
            alt.Tooltip("unbekannt:Q", title="Maßnahmen mit unbekanntem Stand"),
        ],
    )
    bars = base.mark_bar(color=PALETTE[0])
    # A bar long enough (in pixels, at the chart's actual width) carries its figure
    # inside in white; a shorter one has it beside, in black. A two-line figure is
    # moved up by half a line (Vega centres only its first line on the bar).
    fits = _fits("(datum.Fortschritt || 0) / 100 * width", "datum.Zeichen")
    labels = []
    for lines, dy in ((1, "0"), (2, f"-({FIGURE_SIZE} + 2) / 2")):
        text = {
            "align": "left", "baseline": "middle", "lineBreak": "\n",
            "fontSize": alt.ExprRef(FIGURE_SIZE), "dy": alt.ExprRef(dy),
        }  # fmt: skip
        rows = base.transform_filter(
            f"indexof(datum.Beschriftung, '\\n') {'<' if lines == 1 else '>='} 0"
        )
        labels.append(
            rows.transform_filter(fits)
            .mark_text(**text, fontWeight="bold", color="white")
            .encode(text="Beschriftung:N", x=alt.value(6))
        )
        labels.append(
            rows.transform_filter(f"!({fits})")
            .mark_text(**text, dx=5, color="black")
            .encode(text="Beschriftung:N")
        )
    return finish(
        alt.layer(bars, *labels).properties(height=alt.Step(46)),
        "Fortschritt je Themenbereich",
        "Balkendiagramm: mittlerer bekannter Fortschritt der aktiven Maßnahmen je "
        "Themenbereich; unbekannte Stände werden gezählt, nicht als 0 gewertet.",
    )


def status_distribution(
    counts: pd.DataFrame, statuses: pd.DataFrame, label_color: str = "white"
) -> alt.TopLevelMixin:
    """Measures per area and status, stacked (from progress.status_counts), in the
    colours of `status_colours` (from progress.statuses), the same on every screen."""
    names = statuses["name"].tolist()
    df = counts.rename(
        columns={"area": "Themenbereich", "status": "Status", "measures": "Maßnahmen",
                 "status_order": "Reihenfolge"}
    )  # fmt: skip
    total = float(df.groupby("Themenbereich")["Maßnahmen"].sum().max()) if len(df) else 1.0
    base = alt.Chart(df).encode(
        y=alt.Y("Themenbereich:N", sort=None, title=None, axis=alt.Axis(labelExpr=TWO_LINES)),
        x=alt.X(
            "Maßnahmen:Q",
            stack="zero",
            title="Maßnahmen",
            axis=alt.Axis(format="d", tickMinStep=1, labelFlush=True),
            scale=alt.Scale(domain=[0, total], nice=False),
        ),
        order=alt.Order("Reihenfolge:Q"),
    )
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "Status:N",
            sort=names,
            scale=alt.Scale(domain=names, range=status_colours(statuses)),
            title=None,
            legend=alt.Legend(columns=3),
        ),
        tooltip=["Themenbereich:N", "Status:N", alt.Tooltip("Maßnahmen:Q", format="d")],
    )
    # The count inside its segment, when the segment is wide enough for it.
    fits = _fits(f"datum['Maßnahmen'] / {total} * width", "length(toString(datum['Maßnahmen']))")
    text = (
        base.transform_calculate(Zahl=f"{fits} ? toString(datum['Maßnahmen']) : ''")
        .mark_text(
            dx=-5, align="right", color=label_color, fontWeight="bold",
            fontSize=alt.ExprRef(FIGURE_SIZE),
        )
        .encode(x=alt.X("Maßnahmen:Q", stack="zero"), text=alt.Text("Zahl:N"))
    )  # fmt: skip
    return finish(
        (bars + text).properties(height=alt.Step(46)),
        "Maßnahmen nach Status",
        "Gestapeltes Balkendiagramm: Anzahl der Maßnahmen je Themenbereich und Status.",
    )


def progress_over_time(series: pd.DataFrame, plenaries: pd.DataFrame) -> alt.TopLevelMixin:
    """Area progress over time (from progress.area_progress over many days) with
    the plenary sittings marked (from dashboard_data.held_plenaries)."""
    progress = series.rename(
        columns={"day": "Datum", "area": "Themenbereich", "mean": "Fortschritt"}
    ).dropna(subset=["Fortschritt"])
    progress["Datum"] = pd.to_datetime(progress["Datum"])
    progress["Fortschritt"] = progress["Fortschritt"].round(1)
    progress["FortschrittText"] = progress["Fortschritt"].map(lambda v: percent(v / 100))
    meetings = pd.DataFrame(
        {
            "Datum": pd.to_datetime([t.replace(tzinfo=None) for t in plenaries["starts_at"]]),
            "Sitzung": [short_title(title) for title in plenaries["title"]],
        }
    )
    days = pd.concat([progress["Datum"], meetings["Datum"]])
    first, last = (days.min(), days.max()) if len(days) else (None, None)
    domain = None if first is None else [first.isoformat(), last.isoformat()]
    x_scale = alt.Scale(domain=domain) if domain else alt.Scale()
    middle = first + (last - first) / 2 if first is not None else None
    meetings["links"] = [middle is not None and d > middle for d in meetings["Datum"]]
    lines = (
        alt.Chart(progress)
        .mark_line(point=alt.OverlayMarkDef(size=40, filled=True), strokeWidth=2.5)
        .encode(
            x=alt.X(
                "Datum:T",
                title=None,
                scale=x_scale,
                axis=alt.Axis(format="%m.%Y", tickCount="month", labelOverlap=True),
            ),
            y=alt.Y(
                "Fortschritt:Q",
                title="Fortschritt",
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(labelExpr=PERCENT_LABEL),
            ),
            **_series_legend("Themenbereich:N"),
            tooltip=[
                "Themenbereich:N",
                alt.Tooltip("Datum:T", format="%d.%m.%Y"),
                alt.Tooltip("FortschrittText:N", title="Fortschritt"),
            ],
        )
    )
    rules = (
        alt.Chart(meetings)
        .mark_rule(color="#555555", strokeDash=[4, 3])
        .encode(
            x=alt.X("Datum:T", scale=x_scale),
            tooltip=["Sitzung:N", alt.Tooltip("Datum:T", format="%d.%m.%Y")],
        )
    )
    # Names inside the plot at the top, beside their rule: to the right of it in the
    # left half, to the left in the right half, so none leaves the chart.
    label = {"baseline": "top", "dy": 4, "color": "#333333", "fontSize": alt.ExprRef(FIGURE_SIZE)}
    right_of = (
        alt.Chart(meetings)
        .transform_filter("!datum.links")
        .mark_text(align="left", dx=5, **label)
        .encode(x=alt.X("Datum:T", scale=x_scale), y=alt.value(0), text="Sitzung:N")
    )
    left_of = (
        alt.Chart(meetings)
        .transform_filter("datum.links")
        .mark_text(align="right", dx=-5, **label)
        .encode(x=alt.X("Datum:T", scale=x_scale), y=alt.value(0), text="Sitzung:N")
    )
    return finish(
        (rules + right_of + left_of + lines).properties(width=560),
        "Fortschritt im Zeitverlauf",
        "Liniendiagramm: mittlerer bekannter Fortschritt je Themenbereich am Monatsende; "
        "gestrichelte Linien markieren die Plenarsitzungen.",
    )


# --------------------------------------------------------------------------- answers


def expected_representation(expected: pd.DataFrame, threshold: float) -> alt.TopLevelMixin:
    """Per sector the share of its invited seats expected at a meeting (members who
    accepted plus announced deputies), against THRESHOLD (from
    responses.expected_by_sector). One colour for every sector, as in the members per
    sector (the sector is the axis label, so no legend is needed); a flagged sector
    says so in its figure."""
    df = expected.rename(columns={"sector": "Bereich"}).assign(
        Anteil=expected["share"].astype(float),
        Label=[
            f"{e} von {i} · {fmt.percent(s)}" + (" · gefährdet" if f else "")
            for e, i, s, f in zip(
                expected["expected"], expected["invited"], expected["share"], expected["flagged"],
                strict=True,
            )
        ],
        AnteilText=expected["share"].map(percent),
    )  # fmt: skip
    chars = int(df["Label"].str.len().max()) if len(df) else 1
    base = alt.Chart(df).encode(
        y=alt.Y("Bereich:N", sort=None, title=None),
        x=alt.X(
            "Anteil:Q",
            title="Erwartete Sitze (Anteil der eingeladenen)",
            axis=alt.Axis(labelExpr=SHARE_LABEL, labelFlush=True, values=[0, 0.25, 0.5, 0.75, 1]),
            scale=alt.Scale(nice=False, **_with_room(0, 1, chars)),
        ),
        tooltip=[
            alt.Tooltip("Bereich:N"),
            alt.Tooltip("invited:Q", format="d", title="eingeladen"),
            alt.Tooltip("expected:Q", format="d", title="erwartet"),
            alt.Tooltip("AnteilText:N", title="Anteil"),
        ],
    )
    bars = base.mark_bar(color=PALETTE[0])  # one colour, as members_by_sector
    labels = base.mark_text(align="left", dx=4, fontSize=alt.ExprRef(FIGURE_SIZE)).encode(
        text=alt.Text("Label:N")
    )
    line = pd.DataFrame({"Schwelle": [threshold], "Text": [f"Schwelle {fmt.percent(threshold)}"]})
    rule = (
        alt.Chart(line)
        .mark_rule(color="#555555", strokeDash=[4, 3], strokeWidth=2)
        .encode(x=alt.X("Schwelle:Q"))
    )
    return finish(
        bars + labels + rule,
        "Erwartete Vertretung nach Bereich",
        "Balkendiagramm: je Bereich die erwarteten Sitze (Zusagen und angekündigte "
        "Vertretungen) als Anteil der eingeladenen Sitze; die gestrichelte Linie ist die "
        f"Schwelle von {fmt.percent(threshold)}, darunter gilt ein Bereich als gefährdet.",
    )
