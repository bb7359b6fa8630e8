"""The text rules of tests/e2e/look.py applied to exported files: CSV and XLSX
cells, .ics properties, PDF text, SVG text, and the slide PNGs' count and size."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import icalendar
import openpyxl
from PIL import Image
from pypdf import PdfReader

from tests.e2e.look import text_problems

SLIDE_SIZE = (1920, 1080)


def _csv(name: str, body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    found = []
    for number, row in enumerate(rows, start=1):
        found += text_problems("\n".join(row), f"{name} Zeile {number}")
    return found


def _xlsx(name: str, body: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                where = f"{name} {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    found += text_problems(cell.value, where)
                elif cell.is_date and cell.number_format == "General":
                    found.append(f"{where}: Datum ohne Datumsformat")
                # an unrounded float is fine only if the cell's number format rounds it
                if (
                    isinstance(cell.value, float)
                    and re.search(r"\.\d{6,}", repr(cell.value))
                    and cell.number_format in ("General", "@")
                ):
                    found.append(f"{where}: ungerundete Zahl {cell.value!r} ohne Zahlenformat")
    return found


def _ics(name: str, body: bytes) -> list[str]:
    calendar = icalendar.Calendar.from_ical(body)
    found = []
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID"))
        for key, value in event.property_items(recursive=False):
            found += text_problems(str(value), f"{name} {uid} {key}")
    return found


def _pdf(name: str, body: bytes) -> list[str]:
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(body)).pages, start=1):
        found += text_problems(page.extract_text() or "", f"{name} Seite {number}")
    return found


def _svg(name: str, body: bytes) -> list[str]:
    root = ElementTree.fromstring(body)
    texts = [e.text or "" for e in root.iter() if e.tag.endswith("text")]
    found = text_problems("\n".join(texts), name)
    found += [f"{name}: Text abgeschnitten {t!r}" for t in texts if t.endswith("…")]
    return found


def _png(name: str, body: bytes) -> list[str]:
    with Image.open(io.BytesIO(body)) as image:
        width, height = image.size
    return [] if width >= 400 and height >= 200 else [f"{name}: Bild zu klein ({width}x{height})"]


def _zip(name: str, body: bytes) -> list[str]:
    """The deck's slides: PNGs of 1920x1080, numbered, at least one."""
    found = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".png"))
        if not names:
            found.append(f"{name}: keine Folien")
        for member in names:
            with Image.open(io.BytesIO(archive.read(member))) as image:
                if image.size != SLIDE_SIZE:
                    found.append(f"{name}/{member}: {image.size} statt {SLIDE_SIZE}")
    return found


CHECKS = {
    ".csv": _csv,
    ".xlsx": _xlsx,
    ".ics": _ics,
    ".pdf": _pdf,
    ".svg": _svg,
    ".png": _png,
    ".zip": _zip,
}


def export_problems(name: str, body: bytes) -> list[str]:
    suffix = name[name.rfind(".") :].lower()
    if suffix not in CHECKS:
        return [f"{name}: unbekanntes Format"]
    return CHECKS[suffix](name, body)
