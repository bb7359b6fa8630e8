"""The briefing for the minister's office as an A4 PDF (fpdf2): page 1 the
key figures with their change since the last plenary sitting, then one page
per thematic area. German throughout: decimal comma, dd.mm.yyyy, „quotes“.

No Streamlit here: a `db.briefing_figures.Briefing` in, bytes out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from components import fmt
from components.deck_export import FONT, add_fonts
from db.briefing_figures import AreaBriefing, AreaProgress, Briefing
from db.models import BERLIN

TITLE = "Lagebild Hessische Integrationskonferenz"
MARGIN = 20  # mm
BODY_PT = 10
TABLE_PT = 9.5
LINE = 4.6  # mm per table line
GREY = (90, 90, 90)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(232, 238, 245))
PROGRESS_NOTE = (
    "Fortschritt: Mittelwert des bekannten Fortschritts der aktiven Maßnahmen "
    "(nicht zurückgestellt, nicht archiviert). Maßnahmen mit unbekanntem Stand werden "
    "gezählt, nicht als 0 % gewertet."
)


# --------------------------------------------------------------------------- wording


def count_change(now: float | None, then: float | None) -> str:
    """'+3', '−2', '±0'; '–' without a comparison."""
    return fmt.count_change(now, then) or "–"


def points_change(now: float | None, then: float | None, scale: float = 100) -> str:
    """Change in percentage points, '+2,5 Pp.' ('–' without a comparison)."""
    return fmt.points_change(now, then, scale) or "–"


def _progress(value: AreaProgress | None) -> str:
    """An area's mean progress with one decimal, as on the Maßnahmen page."""
    if value is None or value.mean is None or pd.isna(value.mean):
        return "–"
    return fmt.percent(value.mean / 100, 1)


def _measures(n: int) -> str:
    return f"{fmt.number(n)} {'Maßnahme' if n == 1 else 'Maßnahmen'}"


def _progress_sentence(value: AreaProgress) -> str:
    """'35 % (Mittelwert aus 11 Maßnahmen mit bekanntem Stand, 1 unbekannt)'."""
    if value.mean is None:
        return f"kein bekannter Stand ({_measures(value.unknown)} mit unbekanntem Stand)"
    unknown = f", {fmt.number(value.unknown)} unbekannt" if value.unknown else ""
    return (
        f"{_progress(value)} (Mittelwert aus {_measures(value.known)} mit bekanntem Stand{unknown})"
    )


def _unknown_note(n: int) -> str:
    return f"{_measures(n)} mit unbekanntem Stand – nicht als 0 % gewertet"


# --------------------------------------------------------------------------- layout


class _Document(FPDF):
    def __init__(self, stand: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.stand = stand

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{TITLE} · Stand: {self.stand}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _text(pdf: FPDF, text: str, size: float = BODY_PT, style: str = "", grey: bool = False) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*(GREY if grey else (0, 0, 0)))
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str, size: float = 12) -> None:
    pdf.ln(3)
    _text(pdf, text, size, "B")
    pdf.ln(1)


def _widths(
    pdf: FPDF, headings: Sequence[str], rows: Sequence[Sequence[str]], flexible: int | None
) -> list[float]:
    """Column widths (mm) that need no break inside a word: each column as wide as
    its longest cell (headings may wrap between words); column FLEXIBLE takes the
    rest of the line (its text wraps), else all columns share the rest."""
    padding = 3.5
    natural = []
    for i, heading in enumerate(headings):
        pdf.set_font(FONT, "B", TABLE_PT)
        width = max(pdf.get_string_width(word) for word in heading.split())
        pdf.set_font(FONT, "", TABLE_PT)
        width = max([width, *(pdf.get_string_width(row[i]) for row in rows)])
        natural.append(width + padding)
    if flexible is not None:
        others = sum(w for i, w in enumerate(natural) if i != flexible)
        natural[flexible] = max(pdf.epw - others, 0.3 * pdf.epw)
        return natural
    spare = max(pdf.epw - sum(natural), 0) / len(natural)
    return [w + spare for w in natural]


def _table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    align: Sequence[str],
    flexible: int | None = 0,
) -> None:
    widths = _widths(pdf, headings, rows, flexible)
    pdf.set_font(FONT, "", TABLE_PT)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=tuple(align),
        headings_style=HEADINGS,
        borders_layout="HORIZONTAL_LINES",
        line_height=LINE,
        padding=(0.9, 1.5),
        width=pdf.epw,
        align="LEFT",
    ) as table:
        for values in [headings, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(1)


def _cover(pdf: FPDF, briefing: Briefing) -> None:
    pdf.add_page()
    _text(pdf, TITLE, 19, "B")
    pdf.ln(1)
    _text(pdf, f"Stand: {fmt.date(briefing.today)}", 12)
    if briefing.last_plenary_day:
        _text(
            pdf,
            "Veränderungen seit der letzten Plenarsitzung am "
            f"{fmt.date(briefing.last_plenary_day)} („{briefing.last_plenary_title}“)",
            grey=True,
        )
    else:
        _text(pdf, "Noch keine Plenarsitzung: Veränderungen werden nicht ausgewiesen.", grey=True)

    _heading(pdf, "Kennzahlen")
    _table(
        pdf,
        ["Kennzahl", "Aktuell", "Vergleich", "Veränderung"],
        [
            [
                f.label,
                fmt.key_figure(f.value, f.total, f.kind),
                fmt.key_figure(f.previous, f.previous_total, f.kind),
                fmt.key_figure_change(f.value, f.previous, f.kind) or "–",
            ]
            for f in briefing.figures
        ],
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
    )
    notes = [f"{f.label}: {f.note}." for f in briefing.figures if f.note]
    notes.insert(0, "Vergleich: Stand bei der letzten Plenarsitzung, soweit nicht anders genannt.")
    for note in notes:
        _text(pdf, note, 8.5, grey=True)

    _heading(pdf, "Fortschritt je Themenbereich")
    _table(
        pdf,
        ["Themenbereich", "Aktuell", "Letzte Plenarsitzung", "Veränderung", "Stand unbekannt"],
        [
            [
                area.name,
                _progress(area.now),
                _progress(area.then),
                points_change(area.now.mean, area.then.mean if area.then else None, scale=1),
                _measures(area.now.unknown),
            ]
            for area in briefing.areas
        ],
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    _text(pdf, PROGRESS_NOTE, 8.5, grey=True)


def _area_page(pdf: FPDF, area: AreaBriefing, briefing: Briefing) -> None:
    pdf.add_page()
    _text(pdf, area.name, 16, "B")

    _heading(pdf, "Fortschritt")
    _text(pdf, f"Aktuell: {_progress_sentence(area.now)}")
    if area.then is not None:
        change = points_change(area.now.mean, area.then.mean, scale=1)
        _text(
            pdf,
            f"Bei der letzten Plenarsitzung am {fmt.date(briefing.last_plenary_day)}: "
            f"{_progress_sentence(area.then)} – Veränderung {change}",
        )
    if area.now.unknown:
        _text(pdf, _unknown_note(area.now.unknown))

    _heading(pdf, "Maßnahmen nach Status")
    total = sum(n for _, n in area.statuses)
    _table(
        pdf,
        [*(name for name, _ in area.statuses), "Gesamt"],
        [[*(fmt.number(n) for _, n in area.statuses), fmt.number(total)]],
        align=["CENTER"] * (len(area.statuses) + 1),
        flexible=None,
    )

    _heading(pdf, f"Überfällige Maßnahmen ({fmt.number(len(area.overdue))})")
    if area.overdue:
        _table(
            pdf,
            ["Maßnahme", "Fällig", "Status"],
            [[m.title, fmt.date(m.due_date), m.status] for m in area.overdue],
            align=("LEFT", "RIGHT", "LEFT"),
        )
    else:
        _text(pdf, "keine")

    _heading(pdf, f"Ohne aktuelle Meldung seit der letzten AG-Sitzung ({len(area.stale)})")
    if area.stale:
        _table(
            pdf,
            ["Maßnahme", "Letzte Meldung"],
            [[m.title, fmt.date(m.last_update) if m.last_update else "nie"] for m in area.stale],
            align=("LEFT", "RIGHT"),
        )
    else:
        _text(pdf, "keine")

    _heading(pdf, "Nächster Termin")
    meeting = area.next_meeting
    if meeting is None:
        _text(pdf, "kein Termin geplant")
    else:
        start = meeting.starts_at.astimezone(BERLIN)
        _text(pdf, f"{fmt.weekday_date(start)}, {start:%H:%M} Uhr: {meeting.title}")
        _text(pdf, meeting.location or "Ort noch offen", grey=True)


def briefing_pdf(briefing: Briefing) -> bytes:
    """The briefing as an A4 portrait PDF: a cover page, then one page per area."""
    pdf = _Document(fmt.date(briefing.today))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_lang("de-DE")
    pdf.set_title(f"{TITLE} – Stand {fmt.date(briefing.today)}")
    pdf.set_creator("Dashboard der Hessischen Integrationskonferenz")
    add_fonts(pdf)
    _cover(pdf, briefing)
    for area in briefing.areas:
        _area_page(pdf, area, briefing)
    return bytes(pdf.output())
