"""Reading an uploaded member or measure list (Excel or CSV) into a DataFrame.

`read_table` turns the file into one row per spreadsheet line with the
header canonicalised (spacing and case as in the export) and every cell as
text, a date or None; the import's preview (`db.list_import`) resolves and
validates the rows.

No upload can keep the server busy or fill its memory (README, "Import"): the
file is checked against the limits before it is parsed (an .xlsx by its zip
directory and each sheet's stated size, both read without unpacking a sheet),
rows are counted while they are read, and the whole reading runs in a child
process with a time and memory bound, so the server's script threads only wait
on a pipe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import multiprocessing
import numbers
import os
import re
import resource
import threading
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from multiprocessing import context as mp_context
from multiprocessing import forkserver, popen_forkserver, spawn
from multiprocessing import util as mp_util
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from db import fields, logs
from db.errors import InvalidInput

MEMBER_COLUMNS = fields.MEMBER.headers
MEASURE_COLUMNS = fields.MEASURE.headers
# Members' answers to the invitation to a meeting (db.response_list); a list for one
# meeting may leave out "Termin-ID", a member is found by ID, e-mail or name.
RESPONSE_COLUMNS = [
    "Termin-ID", "Termin", "Mitglied-ID", "Vorname", "Nachname", "Organisation", "E-Mail",
    "Rückmeldung", "Vertretung", "Eingegangen am", "Version",
]  # fmt: skip
COLUMNS = {"members": MEMBER_COLUMNS, "measures": MEASURE_COLUMNS, "responses": RESPONSE_COLUMNS}
REQUIRED = {
    "members": fields.MEMBER.required_headers,
    "measures": fields.MEASURE.required_headers,
    "responses": ["Rückmeldung"],
}
DATE_COLUMNS = {f.header for e in (fields.MEMBER, fields.MEASURE) for f in e if f.kind == "date"}
DATE_COLUMNS.add("Eingegangen am")

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
# The bound on reading one file, in a child process (`read_table`): wall-clock
# seconds, and address space the child may add to what it starts with (the
# preloaded libraries: about 380 MB of address space, 65 MB resident). Measured
# under this bound: a list of 10.000 rows x 12 columns takes 2-4 s and adds
# 16 MB (.xlsx) or 42 MB (.csv); a 9 MB CSV at the limits (10.000 x 50) adds
# 120 MB, and the same as .xlsx takes about 11 s. A crafted sheet that passes
# the checks above (one row of 1.5 million cells, 80 kB zipped) is stopped after
# about 3 s, when the child has 290 MB resident.
PARSE_SECONDS = 15.0
PARSE_MEMORY = 160 * 1024 * 1024
PARSE_SLOTS = 1  # files read at the same time per server process; others wait their turn
TOO_HARD = (
    "Datei: Die Datei „{name}“ ist zu groß oder zu aufwendig zum Einlesen: Das Einlesen darf "
    "höchstens {seconds} Sekunden dauern und {memory} MB Arbeitsspeicher belegen. Erlaubt "
    "sind höchstens {rows} Zeilen und {columns} Spalten (eine Excel-Datei entpackt höchstens "
    "{unpacked} MB). Bitte die Liste teilen oder als CSV speichern."
)
BUSY = (
    "Datei: Gerade wird eine andere Datei eingelesen. Bitte die Datei in einigen Sekunden "
    "erneut hochladen."
)
UNREADABLE_XLSX = "Datei: Die Excel-Datei lässt sich nicht lesen (beschädigt oder kein .xlsx)."
UNREADABLE_CSV = (
    "Datei: Die CSV-Datei lässt sich nicht lesen (z. B. mehr Werte in einer Zeile als Spalten "
    "in der Kopfzeile). Bitte als CSV mit Semikolon oder als Excel-Datei speichern."
)
# How much of a sheet's XML is searched for its <dimension ref="A1:L80"> (it
# comes right after the sheet's properties, before any cell).
DIMENSION_SCAN = 64 * 1024
WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")

# The CSV export puts an apostrophe before cells a spreadsheet would read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")

_CANONICAL = {
    " ".join(c.split()).casefold(): c for c in MEMBER_COLUMNS + MEASURE_COLUMNS + RESPONSE_COLUMNS
}


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
    shared = {c for c in _CANONICAL.values() if sum(c in cols for cols in COLUMNS.values()) > 1}
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


def _check_xlsx(data: bytes) -> None:
    """Refuse an .xlsx whose parts unzip to more than MAX_UNPACKED (from the zip's
    own directory) or one of whose sheets states more rows or columns than the
    limits (its <dimension>, from the first bytes of the sheet), before anything
    is parsed. Python's zipfile never unpacks more than the directory states."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(info.file_size for info in members) > MAX_UNPACKED:
                raise _too_big()
            for info in members:
                if WORKSHEET.match(info.filename):
                    _check_dimension(archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise InvalidInput([UNREADABLE_XLSX]) from exc


def _check_dimension(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse the sheet INFO when its <dimension> states more than MAX_ROWS data
    rows or MAX_COLUMNS columns; read in chunks, at most DIMENSION_SCAN bytes.
    A missing, unreadable or false dimension is left to the count while reading."""
    head = b""
    with archive.open(info) as sheet:
        while len(head) < DIMENSION_SCAN:
            chunk = sheet.read(4096)
            if not chunk:
                break
            head += chunk
            if DIMENSION.search(head) or SHEET_DATA.search(head):
                break
    match = DIMENSION.search(head)
    if match is None:
        return
    try:
        _min_col, _min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return
    if (max_row or 0) > MAX_ROWS + 1 or (max_col or 0) > MAX_COLUMNS:
        raise _too_big()


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    _check_xlsx(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput([UNREADABLE_XLSX]) from exc
    try:
        sheet = workbook.worksheets[0]
        # The sheet's own size claim is not trusted: read to its real end (a
        # <dimension> smaller than the sheet would otherwise cut rows off), row
        # by row, and stop at the limit.
        sheet.reset_dimensions()
        rows = []
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
        try:
            row = next(csv.reader([first], delimiter=sep), [])
        except csv.Error:  # a field longer than the csv module's limit
            return 0
        return sum(canonical_header(h) in _CANONICAL.values() for h in row)

    return "," if known(",") > known(";") else ";"


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    if not text.strip():
        raise InvalidInput(["Datei: Die Datei ist leer."])
    sep = _separator(text)
    try:
        header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")], delimiter=sep), [])
    except csv.Error as exc:  # a header cell of more than 128 KB
        raise InvalidInput([UNREADABLE_CSV]) from exc
    if len(header) > MAX_COLUMNS:
        raise _too_big()  # before pandas makes a column of each
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            nrows=MAX_ROWS + 2,  # header, the limit and one more: reading stops there
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InvalidInput([UNREADABLE_CSV]) from exc
    if df.shape[1] > MAX_COLUMNS or len(df) > MAX_ROWS + 1:
        raise _too_big()
    rows = [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]
    while len(rows) > 1 and not any(parse_cell(v) is not None for v in rows[-1]):
        rows.pop()  # trailing blank lines
    return rows


def _read_table(data: bytes, filename: str, kind: str | None = None) -> pd.DataFrame:
    """`read_table` in this process, without the time and memory bound."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise InvalidInput(["Datei: Bitte eine Excel-Datei (.xlsx) oder eine CSV-Datei hochladen."])
    return _table(rows, kind)


def read_table(data: bytes, filename: str, kind: str | None = None) -> pd.DataFrame:
    """The table in an .xlsx or .csv file: cells as text or dates, empty cells None.

    Row i of the result is line i + 2 of the spreadsheet (line 1 is the header);
    blank lines stay in as empty rows. KIND ("members"/"measures") names the
    columns that must be there; without it the header decides.

    The file is read in a child process that may take PARSE_SECONDS and
    PARSE_MEMORY; one that needs more is stopped and refused with TOO_HARD,
    as is one whose reading crashes. One file at a time per server process
    (PARSE_SLOTS); a file that waits longer than a reading may take for its
    turn is refused with BUSY.
    """
    if not filename.lower().endswith((".xlsx", ".csv")):
        return _read_table(data, filename, kind)  # the German refusal, nothing read
    if not _SLOTS.acquire(timeout=PARSE_SECONDS + 2):
        raise InvalidInput([BUSY])
    try:
        outcome, value = _read_in_child(data, filename, kind)
    finally:
        _SLOTS.release()
    if outcome == "table":
        return value
    if outcome == "refused":
        raise InvalidInput(value)
    if outcome == "unreadable":
        xlsx = filename.lower().endswith(".xlsx")
        raise InvalidInput([UNREADABLE_XLSX if xlsx else UNREADABLE_CSV])
    logs.event("import_file_stopped", logging.WARNING, reason=outcome, bytes=len(data))
    raise InvalidInput(
        [
            TOO_HARD.format(
                name=filename,
                seconds=f"{PARSE_SECONDS:g}".replace(".", ","),
                memory=PARSE_MEMORY // (1024 * 1024),
                rows=f"{MAX_ROWS:,}".replace(",", "."),
                columns=MAX_COLUMNS,
                unpacked=MAX_UNPACKED // (1024 * 1024),
            )
        ]
    )


# The child processes come from a fork server: a clean process started once,
# with this module (pandas, openpyxl) already imported, that forks a child per
# file in a few milliseconds. Forking the threaded server itself is unsafe, and
# the fork server reaps the children it forks, so none is left as a zombie.
_SLOTS = threading.BoundedSemaphore(PARSE_SLOTS)
_CONTEXT_LOCK = threading.Lock()
_context: mp_context.ForkServerContext | None = None


class _ForkServerPopen(popen_forkserver.Popen):
    """The fork server's Popen without the parent's `__main__` in what the child
    prepares. Under Streamlit `sys.modules["__main__"]` is the app's script
    (serve.py, with its `__file__`), and multiprocessing would run it again in
    every child before the parse. The rest is `popen_forkserver.Popen._launch`
    as in Python 3.11-3.13."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        mp_context.set_spawning_popen(self)
        try:
            mp_context.reduction.dump(prep_data, buf)
            mp_context.reduction.dump(process_obj, buf)
        finally:
            mp_context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        # The child watches a duplicate of the data pipe's write end to notice
        # that its parent is gone.
        parent_w = os.dup(w)
        self.finalizer = mp_util.Finalize(self, mp_util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Child(mp_context.ForkServerProcess):
    """A process forked by the fork server, started with `_ForkServerPopen`."""

    @staticmethod
    def _Popen(process_obj: Any) -> _ForkServerPopen:  # multiprocessing's name
        return _ForkServerPopen(process_obj)


def _child_context() -> mp_context.ForkServerContext:
    """The fork server's context; its server preloads this module when it starts."""
    global _context
    with _CONTEXT_LOCK:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload([__name__])
        return _context


def _read_in_child(data: bytes, filename: str, kind: str | None) -> tuple[str, Any]:
    """(outcome, value) of reading the file in a child process: ("table", the
    DataFrame), ("refused", German messages), ("unreadable", None), or "timeout",
    "memory", "crashed" when the child was stopped or died."""
    context = _child_context()
    receiver, sender = context.Pipe(duplex=False)
    limits = {"MAX_ROWS": MAX_ROWS, "MAX_COLUMNS": MAX_COLUMNS, "MAX_UNPACKED": MAX_UNPACKED,
              "PARSE_SECONDS": PARSE_SECONDS, "PARSE_MEMORY": PARSE_MEMORY}  # fmt: skip
    child = _Child(
        target=_child_main,
        args=(sender, data, filename, kind, limits),
        name="import-read-table",
        daemon=True,
    )
    outcome: tuple[str, Any] = ("crashed", None)
    try:
        child.start()
        sender.close()  # the child's end: EOF here when the child dies
        if not receiver.poll(PARSE_SECONDS):
            outcome = ("timeout", None)
        else:
            try:
                outcome = receiver.recv()
            except (EOFError, OSError):
                outcome = ("crashed", None)
    finally:
        receiver.close()
        sender.close()
        if child.pid is not None:
            if outcome[0] in {"timeout", "crashed"}:
                child.kill()
            child.join(timeout=1)  # it exits right after sending
            if child.exitcode is None:
                child.kill()
                child.join()
        child.close()
    return outcome


def _child_main(
    sender: Any, data: bytes, filename: str, kind: str | None, limits: dict[str, Any]
) -> None:
    """In the child: bound it, read the file, send (outcome, value) to the parent."""
    globals().update(limits)  # the parent's limits (tests change them)
    # Without a <dimension>, openpyxl would parse the whole sheet for one when it
    # opens it; `_xlsx_rows` reads to the sheet's real end without it anyway.
    ReadOnlyWorksheet._get_size = lambda _self: None
    _bound_child()
    try:
        result: tuple[str, Any] = ("table", _read_table(data, filename, kind))
    except InvalidInput as exc:
        result = ("refused", list(exc.messages))
    except MemoryError:
        result = ("memory", None)
    except Exception as exc:  # a sheet that breaks the parser
        memory = "out of memory" in str(exc) or "no memory" in str(exc)
        result = ("memory", None) if memory else ("unreadable", None)
    try:
        sender.send(result)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()


def _bound_child() -> None:
    """Limit this process's address space to what it has now plus PARSE_MEMORY,
    and its CPU time to a little over PARSE_SECONDS (in case the parent is gone
    and cannot stop it)."""
    for kind, limit in ((resource.RLIMIT_AS, None), (resource.RLIMIT_CPU, int(PARSE_SECONDS) + 2)):
        try:
            if limit is None:
                with open("/proc/self/statm", encoding="ascii") as statm:  # Linux
                    limit = int(statm.read().split()[0]) * resource.getpagesize() + PARSE_MEMORY
            _soft, hard = resource.getrlimit(kind)
            resource.setrlimit(
                kind, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard)
            )
        except (OSError, ValueError):  # pragma: no cover - not Linux (a developer's Mac)
            continue  # the parent's wall-clock bound still holds
