"""Reading an uploaded member or measure list (Excel or CSV) into a DataFrame.

`read_table` turns the file into one row per spreadsheet line with the
header canonicalised (spacing and case as in the export) and every cell as
text, a date or None; the import's preview (`db.importer`) resolves and
validates the rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import numbers
import re
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from db.errors import InvalidInput

MEMBER_COLUMNS = [
    "ID",
    "Vorname",
    "Nachname",
    "Funktion",
    "E-Mail",
    "Organisation",
    "Bereich",
    "Mitglied seit",
    "Mitglied bis",
    "Stellvertretung für (ID)",
    "Arbeitsgruppen",
    "Version",
]
MEASURE_COLUMNS = [
    "ID",
    "Titel",
    "Beschreibung",
    "Themenbereich",
    "Status",
    "Fortschritt (%)",
    "Verantwortlich",
    "Beginn",
    "Fällig am",
    "Vorgeschlagen in (Termin-ID)",
    "Version",
]
COLUMNS = {"members": MEMBER_COLUMNS, "measures": MEASURE_COLUMNS}
REQUIRED = {
    "members": ["Vorname", "Nachname", "Organisation", "Bereich", "Mitglied seit"],
    "measures": ["Titel", "Themenbereich", "Status"],
}
DATE_COLUMNS = {"Mitglied seit", "Mitglied bis", "Beginn", "Fällig am"}

# Limits checked before a file is parsed, so that no upload can keep the server
# busy or fill its memory (a crafted .xlsx is a zip that may expand a
# thousandfold; README, "Import"). Far above the ~80 members and few hundred
# measures the conference has.
MAX_ROWS = 10_000  # data rows
MAX_COLUMNS = 50
MAX_UNPACKED = 40 * 1024 * 1024  # bytes of an .xlsx once unzipped
TOO_BIG = (
    "Datei: Die Datei ist zu groß für den Import (höchstens {rows} Zeilen und {columns} "
    "Spalten). Bitte die Liste teilen."
)

# The CSV export puts an apostrophe before cells a spreadsheet would read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")

_CANONICAL = {" ".join(c.split()).casefold(): c for c in MEMBER_COLUMNS + MEASURE_COLUMNS}


def _unneutralise(text: str) -> str:
    """Drop the apostrophe the CSV export put before a formula-like cell."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def parse_date(value: Any) -> Any:
    """VALUE as a date when it is one (dd.mm.yyyy, dd.mm.yy, ISO); else unchanged."""
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if match := GERMAN_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        if match := ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        pass  # 31.02.2025: left as text, validation names the field
    return value


def parse_cell(value: Any) -> str | dt.date | None:
    """One spreadsheet cell as text or date; empty cells are None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = _unneutralise(value.strip())
        return text.strip() or None
    if isinstance(value, bool):
        return "Ja" if value else "Nein"
    if isinstance(value, dt.datetime):
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if value.time() == dt.time(0, 0):
            return value.date()
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, Decimal | numbers.Real):
        if pd.isna(value):
            return None
        number = float(value)
        return str(int(number)) if number.is_integer() else str(value)
    return str(value).strip() or None


def canonical_header(header: Any) -> str:
    """HEADER spelt as in the export when it names a known column (any case and spacing)."""
    text = parse_cell(header)
    if text is None:
        return ""
    text = str(text)
    return _CANONICAL.get(" ".join(text.split()).casefold(), text)


def _guess_kind(headers: list[str]) -> str | None:
    shared = set(MEMBER_COLUMNS) & set(MEASURE_COLUMNS)
    scores = {kind: len((set(cols) - shared) & set(headers)) for kind, cols in COLUMNS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


def _check_required(headers: Iterable[str], kind: str) -> None:
    """Refuse a header without every column KIND requires."""
    present = set(headers)
    missing = [c for c in REQUIRED[kind] if c not in present]
    if missing:
        names = ", ".join(f"„{c}“" for c in missing)
        words = "fehlt die Spalte" if len(missing) == 1 else "fehlen die Spalten"
        raise InvalidInput(
            [f"Datei: Es {words} {names}. Die Kopfzeile muss wie im Export aussehen."]
        )


def require_columns(df: pd.DataFrame, kind: str) -> set[str]:
    """The canonical names of DF's columns; refused when one KIND requires is missing."""
    columns = {canonical_header(c) for c in df.columns}
    _check_required(columns, kind)
    return columns


def _table(rows: list[list[Any]], kind: str | None) -> pd.DataFrame:
    """Header row + data rows -> a DataFrame of text/date cells, one row per line."""
    if not rows or not any(parse_cell(v) is not None for v in rows[0]):
        raise InvalidInput(["Datei: Die erste Zeile muss die Spaltenüberschriften enthalten."])
    headers = [canonical_header(h) for h in rows[0]]
    keep = [i for i, h in enumerate(headers) if h]
    names = [headers[i] for i in keep]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise InvalidInput([f"Datei: Die Spalte „{doubled[0]}“ kommt mehrfach vor."])
    kind = kind or _guess_kind(names)
    if kind is None:
        raise InvalidInput(
            [
                "Datei: Keine bekannte Spalte gefunden. Bitte die Kopfzeile wie im Export "
                "verwenden (z. B. „Vorname“, „Nachname“ oder „Titel“, „Themenbereich“)."
            ]
        )
    _check_required(names, kind)
    data = []
    for raw in rows[1:]:
        cells = [raw[i] if i < len(raw) else None for i in keep]
        values = [parse_cell(v) for v in cells]
        data.append(
            [parse_date(v) if n in DATE_COLUMNS else v for n, v in zip(names, values, strict=True)]
        )
    return pd.DataFrame(data, columns=names, dtype=object)


def _too_big() -> InvalidInput:
    return InvalidInput(
        [TOO_BIG.format(rows=f"{MAX_ROWS:,}".replace(",", "."), columns=MAX_COLUMNS)]
    )


def _check_unpacked_size(data: bytes) -> None:
    """Refuse an .xlsx whose parts unzip to more than MAX_UNPACKED, from the zip's
    own directory, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            ["Datei: Die Excel-Datei lässt sich nicht lesen (beschädigt oder kein .xlsx)."]
        ) from exc
    if unpacked > MAX_UNPACKED:
        raise _too_big()


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    _check_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            ["Datei: Die Excel-Datei lässt sich nicht lesen (beschädigt oder kein .xlsx)."]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        # Streamed row by row and stopped at the limit: the sheet's own size claim
        # (its <dimension>) may be false.
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS or len(row) > MAX_COLUMNS:
                raise _too_big()
            rows.append(list(row))
        return rows
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    """UTF-8 with or without BOM; Windows-1252 (older German Excel) as fallback."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(["Datei: Die Zeichenkodierung ist unbekannt. Bitte als UTF-8 speichern."])


def _separator(text: str) -> str:
    """`;` (German Excel) unless `,` splits the header into more known columns."""
    first = text.split("\n", 1)[0].rstrip("\r")

    def known(sep: str) -> int:
        row = next(csv.reader([first], delimiter=sep), [])
        return sum(canonical_header(h) in _CANONICAL.values() for h in row)

    return "," if known(",") > known(";") else ";"


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    if not text.strip():
        raise InvalidInput(["Datei: Die Datei ist leer."])
    if text.count("\n") > MAX_ROWS + 1:
        raise _too_big()
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=_separator(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InvalidInput(
            [
                "Datei: Die CSV-Datei lässt sich nicht lesen (z. B. mehr Werte in einer Zeile "
                "als Spalten in der Kopfzeile). Bitte als CSV mit Semikolon oder als Excel-"
                "Datei speichern."
            ]
        ) from exc
    if df.shape[1] > MAX_COLUMNS:
        raise _too_big()
    rows = [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]
    while len(rows) > 1 and not any(parse_cell(v) is not None for v in rows[-1]):
        rows.pop()  # trailing blank lines
    return rows


def read_table(data: bytes, filename: str, kind: str | None = None) -> pd.DataFrame:
    """The table in an .xlsx or .csv file: cells as text or dates, empty cells None.

    Row i of the result is line i + 2 of the spreadsheet (line 1 is the header);
    blank lines stay in as empty rows. KIND ("members"/"measures") names the
    columns that must be there; without it the header decides.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise InvalidInput(["Datei: Bitte eine Excel-Datei (.xlsx) oder eine CSV-Datei hochladen."])
    return _table(rows, kind)
