"""Print and slide exports of the presentation mode: the deck as PDF and as a
ZIP of 1920x1080 PNGs, and the briefing for the minister's office, checked by
opening the files (Pillow, pypdf) and against figures computed from raw rows."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import charts, deck_export, deck_slides, fmt
from components.briefing_pdf import briefing_pdf, count_change, points_change
from components.deck_export import Slide, deck_pdf, deck_png_zip, pdf_png_zip
from db import deck_data as deck_db
from db import participation, progress
from db.briefing_figures import build_briefing
from db.engine import session_scope
from db.models import Measure, Member, ThematicArea
from tests import raw
from tests.conftest import TODAY

TITLES = [
    "Mitglieder nach Bereich",
    "Maßnahmen nach Status",
    "Fortschritt je Themenbereich – „Stand heute“",
]
DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")


def _footer(number: int, total: int) -> str:
    return f"Stand: {fmt.date(TODAY)} · Folie {number} von {total}"


def _text(page) -> str:
    """Page text with all whitespace (line breaks, no-break spaces) as single spaces."""
    return " ".join(page.extract_text().split())


def _small_chart():
    df = pd.DataFrame({"sector": ["Politik", "Verwaltung"], "members": [3, 5]})
    df["share"] = df["members"] / df["members"].sum()
    return charts.members_by_sector(df)


@pytest.fixture
def slides(demo_engine) -> list[Slide]:
    with session_scope(demo_engine) as s:
        figures = [
            charts.members_by_sector(participation.seats_per_sector(s, TODAY)),
            charts.status_distribution(progress.status_counts(s), progress.statuses(s)),
            charts.area_progress(progress.area_progress(s, [TODAY]).drop(columns="day")),
        ]
    return [
        Slide(title, chart, _footer(i, len(TITLES)))
        for i, (title, chart) in enumerate(zip(TITLES, figures, strict=True), start=1)
    ]


# --------------------------------------------------------------------------- deck


def test_png_zip_holds_one_1920x1080_png_per_slide(slides) -> None:
    with zipfile.ZipFile(io.BytesIO(deck_png_zip(slides))) as archive:
        assert archive.namelist() == ["folie-01.png", "folie-02.png", "folie-03.png"]
        for name in archive.namelist():
            with Image.open(io.BytesIO(archive.read(name))) as image:
                assert image.format == "PNG"
                assert image.size == (1920, 1080)
                grey = image.convert("L")
                # White background; dark title text at the top left; the chart below.
                assert grey.getpixel((5, 5)) == 255
                assert grey.crop((64, 48, 900, 118)).getextrema()[0] < 60
                assert grey.crop((64, 150, 1856, 980)).getextrema()[0] < 128


def test_deck_pdf_has_one_16_9_page_per_slide_with_title_and_footer(slides) -> None:
    reader = PdfReader(io.BytesIO(deck_pdf(slides)))
    assert len(reader.pages) == len(slides)
    for i, (page, slide) in enumerate(zip(reader.pages, slides, strict=True), start=1):
        assert float(page.mediabox.width) / float(page.mediabox.height) == pytest.approx(16 / 9)
        assert float(page.mediabox.width) > float(page.mediabox.height)
        text = _text(page)
        assert slide.title in text
        assert f"Stand: {fmt.date(TODAY)} · Folie {i} von 3" in text
    assert "Maßnahmen nach Status" in _text(reader.pages[1])
    assert "„Stand heute“" in _text(reader.pages[2])


def test_a_long_title_is_shortened_to_one_line() -> None:
    long_title = "Überlange Überschrift " * 12
    reader = PdfReader(io.BytesIO(deck_pdf([Slide(long_title, _small_chart(), "Fußzeile")])))
    text = _text(reader.pages[0])
    assert "Überlange Überschrift" in text and "…" in text
    assert "Fußzeile" in text


def test_png_zip_from_an_existing_deck_pdf() -> None:
    document = deck_pdf([Slide("Eine Folie", _small_chart(), "Fuß")] * 2)
    with zipfile.ZipFile(io.BytesIO(pdf_png_zip(document))) as archive:
        assert archive.namelist() == ["folie-01.png", "folie-02.png"]
        for name in archive.namelist():
            assert Image.open(io.BytesIO(archive.read(name))).size == (1920, 1080)


def test_charts_are_embedded_sharp_but_not_oversized() -> None:
    """About 1.5 PNG pixels per slide pixel in the ~1790x840 px chart area, whether
    the chart is small (enlarged) or already sized for the slide."""
    small = _small_chart()
    sized = _small_chart().properties(width=1760, height=820)
    reader = PdfReader(io.BytesIO(deck_pdf([Slide("Klein", small, ""), Slide("Groß", sized, "")])))
    for page in reader.pages:
        (image,) = page.images
        width, height = image.image.size
        assert width >= 1792 or height >= 836  # never enlarged on the slide
        assert width <= 1.5 * 1.25 * 1792 and height <= 1.5 * 1.25 * 1080


def test_no_slides_is_an_error() -> None:
    with pytest.raises(ValueError):
        deck_pdf([])


def test_a_missing_font_is_named(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(deck_export, "FONT_DIRS", (tmp_path,))
    with pytest.raises(RuntimeError, match=r"DejaVuSans\.ttf.*fonts-dejavu-core"):
        deck_pdf([Slide("Titel", _small_chart(), "Fuß")])


# --------------------------------------------------------------------------- briefing


def raw_active_members(s: Session, day: dt.date) -> int:
    return sum(
        m.active_from <= day and (m.active_to is None or m.active_to >= day)
        for m in s.scalars(select(Member).where(Member.deputy_for_id.is_(None)))
    )


def raw_overdue(s: Session, area_name: str) -> list[str]:
    return sorted(
        m.title
        for m in s.scalars(select(Measure).join(ThematicArea).where(ThematicArea.name == area_name))
        if m.due_date is not None
        and m.due_date < TODAY
        and not (m.archived or m.status.is_done or m.status.is_discontinued)
    )


def test_briefing_figures_match_the_raw_rows(demo_engine) -> None:
    with session_scope(demo_engine) as s:
        briefing = build_briefing(s, TODAY)
        last_day = briefing.last_plenary_day
        assert last_day is not None and last_day < TODAY
        figures = {f.label: f for f in briefing.figures}
        assert figures["Aktive Mitglieder"].value == raw_active_members(s, TODAY)
        assert figures["Aktive Mitglieder"].previous == raw_active_members(s, last_day)
        areas = list(s.scalars(select(ThematicArea.name).order_by(ThematicArea.sort_order)))
        assert [a.name for a in briefing.areas] == areas
        for area in briefing.areas:
            for day, value in ((TODAY, area.now), (last_day, area.then)):
                mean, known, unknown = raw.area_progress(s, area.name, day)
                assert (value.known, value.unknown) == (known, unknown)
                assert value.mean == pytest.approx(mean)
            assert sorted(m.title for m in area.overdue) == raw_overdue(s, area.name)
            assert all(m.due_date < TODAY for m in area.overdue)
    overdue = sum(len(a.overdue) for a in briefing.areas)
    assert figures["Überfällige Maßnahmen"].value == overdue


def test_briefing_pdf_is_german_with_one_page_per_area(demo_engine) -> None:
    with session_scope(demo_engine) as s:
        briefing = build_briefing(s, TODAY)
    reader = PdfReader(io.BytesIO(briefing_pdf(briefing)))
    pages = [_text(page) for page in reader.pages]
    assert len(pages) == 1 + len(briefing.areas)
    assert pages[0].startswith("Lagebild Hessische Integrationskonferenz")
    assert f"Stand: {fmt.date(TODAY)}" in pages[0]
    assert f"letzten Plenarsitzung am {fmt.date(briefing.last_plenary_day)}" in pages[0]
    for page_no, text in enumerate(pages, start=1):
        assert f"Seite {page_no} von {len(pages)}" in text
    for area, text in zip(briefing.areas, pages[1:], strict=True):
        assert text.startswith(area.name)
        assert "Überfällige Maßnahmen" in text and "Nächster Termin" in text
        assert DATE.search(text)
        for measure in area.overdue:
            assert f"{fmt.date(measure.due_date)}" in text
        if area.now.unknown:
            assert "mit unbekanntem Stand – nicht als 0 % gewertet" in text
    members = next(f for f in briefing.figures if f.label == "Aktive Mitglieder")
    assert f"Aktive Mitglieder {members.value} {members.previous}" in pages[0]


def test_briefing_of_an_empty_database(engine) -> None:
    with session_scope(engine) as s:
        briefing = build_briefing(s, TODAY)
    assert briefing.last_plenary_day is None
    assert all(f.previous is None for f in briefing.figures)
    reader = PdfReader(io.BytesIO(briefing_pdf(briefing)))
    assert len(reader.pages) == 1 + len(briefing.areas)
    text = _text(reader.pages[0])
    assert "Noch keine Plenarsitzung" in text
    for area, page in zip(briefing.areas, reader.pages[1:], strict=True):
        assert "Überfällige Maßnahmen (0) keine" in _text(page)
        assert area.next_meeting is None


def test_changes_are_written_the_german_way() -> None:
    assert count_change(10, 7) == "+3"
    assert count_change(5, 7) == "−2"
    assert count_change(5, 5) == "±0"
    assert count_change(5, None) == "–"
    assert points_change(0.70, 0.725) == "−2,5\u00a0Pp."
    assert points_change(45.0, 40.0, scale=1) == "+5,0\u00a0Pp."
    # the change of the values as shown ('38,3 %' against '36,7 %'), which a reader can check
    assert points_change(38.349, 36.651, scale=1) == "+1,6\u00a0Pp."


# --------------------------------------------------------------------------- type size


def _ink_rows(grey: Image.Image, box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """Runs (top, bottom) of rows with dark pixels in BOX of GREY: one run per text line."""
    region = grey.crop(box)
    dark = [
        any(region.getpixel((x, y)) < 128 for x in range(region.width))
        for y in range(region.height)
    ]
    runs, start = [], None
    for y, is_dark in enumerate([*dark, False]):
        if is_dark and start is None:
            start = y
        elif not is_dark and start is not None:
            runs.append((box[1] + start, box[1] + y))
            start = None
    return runs


def test_slide_axis_labels_measure_at_least_28_px(demo_engine) -> None:
    """The sector names on the y axis of the members slide, measured in the 1920x1080
    PNG: from the top of 'l' to the bottom of 'g' ('Religionsgemeinschaften',
    'Bildungsorganisationen'), at least 28 px, as the README promises the hall."""
    with session_scope(demo_engine) as s:
        sitting = deck_db.sittings(s, TODAY).iloc[0]["id"]
        data = deck_db.deck_data(s, TODAY, int(sitting))
    with zipfile.ZipFile(
        io.BytesIO(deck_png_zip(deck_slides.export_slides(data, ["mitglieder"])))
    ) as z:
        image = Image.open(io.BytesIO(z.read("folie-01.png"))).convert("L")
    assert image.size == (1920, 1080)
    # The left 200 px of the chart area hold only the starts of the longest sector names.
    top, bottom = 146, 1010
    lines = _ink_rows(image, (64, top, 264, bottom))
    heights = [b - a for a, b in lines]
    assert len(lines) >= 3, heights
    assert max(heights) >= 28, f"axis label ink heights {heights} px"
