"""No upload can keep the server busy or fill its memory: a spreadsheet is
checked against the import's limits (rows, columns, unzipped size) before it
is parsed, and refused with a German message (README, "Import")."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from components import exports
from db import import_files
from db.errors import InvalidInput

TOO_BIG = "Datei: Die Datei ist zu groß für den Import"


def _refused(data: bytes, filename: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        import_files.read_table(data, filename)
    return str(refused.value)


def _members(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"Vorname": ["Anna"] * rows, "Nachname": ["Neumann"] * rows, "Organisation": ["X"] * rows,
         "Bereich": ["Politik"] * rows, "Mitglied seit": ["01.01.2025"] * rows}
    )  # fmt: skip


def test_a_zip_that_unpacks_to_far_more_than_it_weighs_is_refused_unopened():
    """A crafted .xlsx: a few hundred kilobytes that unzip to ~45 MB of rows."""
    sheet = "xl/worksheets/sheet1.xml"
    head = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    row = '<row><c t="inlineStr"><is><t>Anna</t></is></c></row>'
    body = head + row * (45 * 1024 * 1024 // len(row)) + "</sheetData></worksheet>"
    source = zipfile.ZipFile(io.BytesIO(exports.excel_bytes(_members(1))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            bomb.writestr(info.filename, body if info.filename == sheet else source.read(info))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024 < import_files.MAX_UNPACKED
    assert TOO_BIG in _refused(data, "liste.xlsx")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_list_longer_than_the_limit_is_refused(suffix):
    big = _members(import_files.MAX_ROWS + 1)
    data = exports.csv_bytes(big) if suffix == "csv" else exports.excel_bytes(big)
    assert TOO_BIG in _refused(data, f"liste.{suffix}")


def test_a_200000_line_csv_is_refused_before_it_is_parsed():
    data = ("Vorname;Nachname\n" + "Anna;Neumann\n" * 200_000).encode()
    assert TOO_BIG in _refused(data, "liste.csv")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_sheet_wider_than_the_limit_is_refused(suffix):
    wide = _members(3).assign(**{f"Extra {i}": "x" for i in range(import_files.MAX_COLUMNS)})
    data = exports.csv_bytes(wide) if suffix == "csv" else exports.excel_bytes(wide)
    assert TOO_BIG in _refused(data, f"liste.{suffix}")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_list_at_the_limit_is_read(suffix):
    full = _members(import_files.MAX_ROWS)
    data = exports.csv_bytes(full) if suffix == "csv" else exports.excel_bytes(full)
    assert len(import_files.read_table(data, f"liste.{suffix}")) == import_files.MAX_ROWS
