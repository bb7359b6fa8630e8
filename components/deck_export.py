"""The presentation deck as files: a PDF with one 16:9 page per slide, and a
ZIP of 1920x1080 PNGs for projectors and slide software.

One layout for both: the PDF page is laid out in pixels of a 1920x1080 slide
(fpdf2), and the PNGs are that page rasterised (PDFium). Charts are rendered
offline by vl-convert (components.exports.chart_png). Text is set in DejaVu
Sans, so German quotes, dashes and umlauts come out as typed.

No Streamlit here: data in, bytes out.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image

from components.exports import chart_png

# Where the Debian package fonts-dejavu-core (and other distributions) put the font.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),  # older Fedora, openSUSE
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"

WIDTH, HEIGHT = 1920, 1080  # the slide, in pixels (= PDF user units)
PX = 0.75  # PDF points per pixel: 1920 px = 1440 pt = 20 in at 96 dpi
MARGIN = 64
TITLE_PX = 56
FOOTER_PX = 24
TITLE_TOP = 48
FOOTER_BOTTOM = 40
GAP = 28
# Chart PNGs get about OVERSAMPLE pixels per slide pixel once fitted into the
# chart area: sharp on the 1920x1080 PNG and in the PDF at 150 % zoom. More
# costs time for nothing (fpdf2 re-compresses every pixel).
OVERSAMPLE = 1.5
MIN_SCALE, MAX_SCALE = 1.0, 6.0
ASSUMED_SIZE = (400.0, 300.0)  # px at scale 1 of a chart without a numeric width/height
# The area between title and footer that a chart is fitted into (see _slide).
CHART_BOX = (
    WIDTH - 2 * MARGIN,
    int(HEIGHT - FOOTER_BOTTOM - FOOTER_PX * 1.25 - GAP - (TITLE_TOP + TITLE_PX * 1.25 + GAP)),
)
TEXT_COLOUR = (0, 0, 0)
FOOTER_COLOUR = (85, 85, 85)

# PDFium is not thread-safe, and Streamlit serves each session in a thread.
_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Slide:
    title: str  # e.g. "Mitglieder nach Bereich"
    chart: Any  # an Altair chart (has .to_dict()), already styled for the projector
    footer: str  # e.g. "Stand: 26.11.2026 · Folie 3 von 7"


# --------------------------------------------------------------------------- fonts


def font_file(name: str) -> Path:
    """Path of the font file NAME (e.g. DejaVuSans.ttf) in the first of FONT_DIRS holding it."""
    for folder in FONT_DIRS:
        path = folder / name
        if path.is_file():
            return path
    looked = ", ".join(str(folder) for folder in FONT_DIRS)
    raise RuntimeError(
        f"Font {name} (DejaVu Sans) not found; looked in {looked}. "
        "Install it, on Debian/Ubuntu: apt-get install fonts-dejavu-core"
    )


def add_fonts(pdf: FPDF) -> None:
    """Register DejaVu Sans (regular and bold) as family FONT in PDF."""
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, font_file(name))


def fit_text(pdf: FPDF, text: str, width: float, size: float, min_size: float) -> str:
    """Set the largest font size from SIZE down to MIN_SIZE (pt) at which TEXT
    fits WIDTH; if it still does not, cut TEXT with an ellipsis. Returns the text."""
    while size > min_size and pdf.get_string_width(text) > width:
        size = max(size - 1, min_size)
        pdf.set_font_size(size)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


# --------------------------------------------------------------------------- PDF


def _declared(chart: Any, name: str, default: float) -> float:
    value = getattr(chart, name, None)  # alt.Undefined or alt.Step when not a number
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return float(value) if ok else default


def _fit(width: float, height: float, box_width: float, box_height: float) -> float:
    return min(box_width / width, box_height / height)


def _chart_image(chart: Any, box_width: float, box_height: float) -> Image.Image:
    """The chart's PNG at a scale that gives about OVERSAMPLE pixels per slide
    pixel when fitted into the box. The scale is estimated from the chart's
    declared size; a chart that turns out smaller is rendered again, larger."""

    def render(scale: float) -> Image.Image:
        return Image.open(io.BytesIO(chart_png(chart, scale=scale)))

    def clamp(scale: float) -> float:
        return round(min(max(scale, MIN_SCALE), MAX_SCALE), 2)

    size = (_declared(chart, "width", ASSUMED_SIZE[0]), _declared(chart, "height", ASSUMED_SIZE[1]))
    scale = clamp(OVERSAMPLE * _fit(*size, box_width, box_height))
    image = render(scale)
    # Slide pixels per chart pixel at scale 1; above SCALE the PNG would be enlarged.
    needed = _fit(image.width / scale, image.height / scale, box_width, box_height)
    if needed > scale and scale < MAX_SCALE:
        scale = clamp(OVERSAMPLE * needed)
        image = render(scale)
    return image


def description(chart: Any) -> str | None:
    """The chart's text alternative (set by components.charts.finish), if any."""
    text = getattr(chart, "description", None)
    return text if isinstance(text, str) and text else None


def _slide(pdf: FPDF, slide: Slide) -> None:
    pdf.add_page()
    text_width = WIDTH - 2 * MARGIN

    pdf.set_text_color(*TEXT_COLOUR)
    pdf.set_font(FONT, "B", TITLE_PX * PX)
    title = fit_text(pdf, slide.title, text_width, TITLE_PX * PX, 0.7 * TITLE_PX * PX)
    title_height = TITLE_PX * 1.25
    pdf.set_xy(MARGIN, TITLE_TOP)
    pdf.cell(text_width, title_height, title)

    pdf.set_text_color(*FOOTER_COLOUR)
    pdf.set_font(FONT, "", FOOTER_PX * PX)
    footer = fit_text(pdf, slide.footer, text_width, FOOTER_PX * PX, 0.75 * FOOTER_PX * PX)
    footer_height = FOOTER_PX * 1.25
    footer_top = HEIGHT - FOOTER_BOTTOM - footer_height
    pdf.set_xy(MARGIN, footer_top)
    pdf.cell(text_width, footer_height, footer)

    # The chart, fitted into the area between title and footer, centred.
    box_top = TITLE_TOP + title_height + GAP
    box_width, box_height = text_width, footer_top - GAP - box_top
    image = _chart_image(slide.chart, box_width, box_height)
    px_width, px_height = image.size
    factor = _fit(px_width, px_height, box_width, box_height)
    width, height = px_width * factor, px_height * factor
    pdf.image(
        image,
        x=MARGIN + (box_width - width) / 2,
        y=box_top + (box_height - height) / 2,
        w=width,
        h=height,
        alt_text=description(slide.chart) or slide.title,
    )


def deck_pdf(slides: list[Slide]) -> bytes:
    """A PDF with one 16:9 landscape page (20 x 11.25 in) per slide."""
    if not slides:
        raise ValueError("deck_pdf needs at least one slide")
    # fpdf2 takes the format short side first and turns it for "L".
    pdf = FPDF(orientation="L", unit=PX, format=(HEIGHT, WIDTH))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, TITLE_TOP, MARGIN)
    pdf.set_lang("de-DE")
    pdf.set_title("Hessische Integrationskonferenz – Präsentation")
    pdf.set_creator("Dashboard der Hessischen Integrationskonferenz")
    add_fonts(pdf)
    for slide in slides:
        _slide(pdf, slide)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- PNG


def _page_png(page: pdfium.PdfPage) -> bytes:
    """The page rasterised at exactly WIDTH x HEIGHT pixels on white."""
    bitmap = page.render(scale=WIDTH / page.get_width(), fill_color=(255, 255, 255, 255))
    image = bitmap.to_pil().convert("RGB")
    if image.size != (WIDTH, HEIGHT):  # guard against rounding in the page size
        image = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)  # level 6 is twice as slow, no smaller
    return out.getvalue()


def pdf_png_zip(document: bytes) -> bytes:
    """A ZIP with folie-01.png, folie-02.png, ...: each page of the deck PDF
    DOCUMENT (from `deck_pdf`) rasterised at 1920x1080. Lets a page that offers
    both downloads render the charts only once."""
    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(document)
        try:
            pngs = [_page_png(pdf[i]) for i in range(len(pdf))]
        finally:
            pdf.close()
    buffer = io.BytesIO()
    # PNG data is compressed already: store it as it is.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, png in enumerate(pngs, start=1):
            archive.writestr(f"folie-{number:02d}.png", png)
    return buffer.getvalue()


def deck_png_zip(slides: list[Slide]) -> bytes:
    """A ZIP with folie-01.png, folie-02.png, ...: each slide as a 1920x1080 PNG
    (the pages of `deck_pdf`, rasterised)."""
    return pdf_png_zip(deck_pdf(slides))
