"""No upload can keep the server busy or fill its memory: a spreadsheet is
checked against the import's limits (unzipped size, each sheet's stated size,
rows and columns counted while reading) before it is parsed, and read in a
child process with a time and memory bound; whatever crosses a limit is
refused with a German message within seconds (README, "Import"; issue 16)."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing.forkserver
import sys
import threading
import time
import types
import zipfile
from collections.abc import Iterator

import pandas as pd
import psutil
import pytest

from components import exports
from db import list_files
from db.errors import InvalidInput

TOO_BIG = "Datei: Die Datei ist zu groß für den Import"
TOO_HARD = "ist zu groß oder zu aufwendig zum Einlesen"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = ["Vorname", "Nachname", "Organisation", "Bereich", "Mitglied seit",
           "Anna", "Neumann", "X", "Politik", "01.01.2025"]  # fmt: skip


def _refused(data: bytes, filename: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        list_files.read_table(data, filename)
    return str(refused.value)


def _refused_within(data: bytes, filename: str, seconds: float = 5) -> str:
    started = time.perf_counter()
    message = _refused(data, filename)
    assert time.perf_counter() - started < seconds, message
    return message


def _members(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"Vorname": ["Anna"] * rows, "Nachname": ["Neumann"] * rows, "Organisation": ["X"] * rows,
         "Bereich": ["Politik"] * rows, "Mitglied seit": ["01.01.2025"] * rows}
    )  # fmt: skip


# --- Crafted and oversized workbooks, built from their XML (also used by
# --- tests/e2e/test_import_bounds.py) -----------------------------------------


def workbook(sheet_xml: bytes | Iterator[bytes]) -> bytes:
    """An .xlsx (the export's parts and a shared-strings table of STRINGS) whose
    first sheet is SHEET_XML, streamed into the zip when it is an iterator."""
    template = zipfile.ZipFile(io.BytesIO(exports.excel_bytes(_members(1))))
    shared = (
        f'<sst xmlns="{MAIN_NS}" count="{len(STRINGS)}" uniqueCount="{len(STRINGS)}">'
        + "".join(f"<si><t>{s}</t></si>" for s in STRINGS)
        + "</sst>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for info in template.infolist():
            part = template.read(info)
            if info.filename == SHEET:
                with book.open(SHEET, "w") as target:
                    for chunk in [sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml:
                        target.write(chunk)
                continue
            if info.filename == "[Content_Types].xml":
                part = part.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
                    b"</Types>",
                )
            book.writestr(info.filename, part)
        book.writestr("xl/sharedStrings.xml", shared)
    return buffer.getvalue()


def member_sheet(lines: int, dimension: str | None, columns: int = 5) -> Iterator[bytes]:
    """The XML of a member sheet of LINES lines (the header, then LINES - 1
    people) in shared strings, stating DIMENSION (none when None)."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'.encode()
    if dimension is not None:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    header = "".join(f'<c t="s"><v>{i % 5}</v></c>' for i in range(columns))
    person = "".join(f'<c t="s"><v>{5 + i % 5}</v></c>' for i in range(columns))
    yield f"<row>{header}</row>".encode()
    for start in range(0, lines - 1, 10_000):
        yield f"<row>{person}</row>".encode() * min(10_000, lines - 1 - start)
    yield b"</sheetData></worksheet>"


def rows_xlsx(lines: int, dimension: str | None = "true") -> bytes:
    """A member list of LINES lines as Excel saves it (shared strings and a true
    <dimension>), or stating DIMENSION instead (none when None)."""
    return workbook(member_sheet(lines, f"A1:E{lines}" if dimension == "true" else dimension))


def rows_csv(lines: int) -> bytes:
    """A member list of LINES lines (with the header) as a German Excel CSV."""
    return ("Vorname;Nachname;Organisation;Bereich;Mitglied seit\n"
            + "Anna;Neumann;X;Politik;01.01.2025\n" * (lines - 1)).encode()  # fmt: skip


def crafted_xlsx() -> bytes:
    """The attack of issue 16: an .xlsx of a few megabytes whose sheet unzips to
    a gigabyte of identical rows."""

    def sheet() -> Iterator[bytes]:
        yield f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        row = b'<row><c t="s"><v>5</v></c><c t="s"><v>6</v></c></row>'
        chunk = row * (1024 * 1024 // len(row) + 1)
        for _ in range(1024):
            yield chunk
        yield b"</sheetData></worksheet>"

    return workbook(sheet())


def wide_row_xlsx(cells: int = 1_500_000) -> bytes:
    """A crafted .xlsx that passes every check before parsing (80 kB, 30 MB
    unzipped, no dimension): one row of CELLS cells, which openpyxl builds in
    full before the column limit can see it."""

    def sheet() -> Iterator[bytes]:
        yield f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData><row>'.encode()
        for _ in range(cells // 10_000):
            yield b'<c t="s"><v>0</v></c>' * 10_000
        yield b"</row></sheetData></worksheet>"

    return workbook(sheet())


def understated(data: bytes, name: str, size: int) -> bytes:
    """DATA with the unpacked size of its member NAME stated as SIZE (local header
    and central directory), as a crafted zip may lie."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    out[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    end = out.rindex(b"PK\x05\x06")
    at = int.from_bytes(out[end + 16 : end + 20], "little")  # the central directory
    while out[at : at + 4] == b"PK\x01\x02":
        lengths = [int.from_bytes(out[at + i : at + i + 2], "little") for i in (28, 30, 32)]
        if out[at + 46 : at + 46 + lengths[0]] == name.encode():
            out[at + 24 : at + 28] = size.to_bytes(4, "little")
        at += 46 + sum(lengths)
    return bytes(out)


@pytest.fixture(scope="module", autouse=True)
def _fork_server_running():
    """The first file a process reads starts the fork server (about a second);
    the timings below are of reading the file."""
    list_files.read_table(rows_csv(2), "warm.csv")


@pytest.fixture(scope="module")
def crafted() -> bytes:
    return crafted_xlsx()


# --- Checked before parsing ---------------------------------------------------


def test_a_zip_that_unpacks_to_far_more_than_it_weighs_is_refused_unopened():
    """A crafted .xlsx: a few hundred kilobytes that unzip to ~45 MB of rows."""
    head = '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    row = '<row><c t="inlineStr"><is><t>Anna</t></is></c></row>'
    body = head + row * (45 * 1024 * 1024 // len(row)) + "</sheetData></worksheet>"
    source = zipfile.ZipFile(io.BytesIO(exports.excel_bytes(_members(1))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            bomb.writestr(info.filename, body if info.filename == SHEET else source.read(info))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024 < list_files.MAX_UNPACKED
    assert TOO_BIG in _refused(data, "liste.xlsx")


def test_a_crafted_xlsx_that_unpacks_to_a_gigabyte_is_refused_within_seconds(crafted):
    assert len(crafted) < 10 * 1024 * 1024  # under the upload limit
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(crafted)).infolist()) > 1024**3
    assert TOO_BIG in _refused_within(crafted, "bombe.xlsx")


def test_a_zip_that_understates_the_unpacked_size_is_read_no_further_than_stated(crafted):
    """Its directory says 2 kB: unpacking stops there (and the checksum fails)."""
    data = understated(crafted, SHEET, 2048)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 1024**2
    message = _refused_within(data, "bombe.xlsx")
    assert "Die Excel-Datei lässt sich nicht lesen" in message


def test_a_200000_row_xlsx_is_refused_by_its_stated_dimension_before_it_is_parsed():
    data = rows_xlsx(200_001)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < (
        list_files.MAX_UNPACKED
    )  # under the size limit: the dimension refuses it
    with pytest.raises(InvalidInput, match=TOO_BIG):
        list_files._check_xlsx(data)  # reads the first bytes of the sheet only
    assert TOO_BIG in _refused_within(data, "liste.xlsx")


@pytest.mark.parametrize("dimension", ["A1:E3", "A1", None], ids=["false", "one-cell", "none"])
def test_a_200000_row_xlsx_with_a_false_or_missing_dimension_is_stopped_at_the_row_limit(
    dimension,
):
    data = rows_xlsx(200_001, dimension)
    list_files._check_xlsx(data)  # nothing to see before parsing
    assert TOO_BIG in _refused_within(data, "liste.xlsx")


def test_a_dimension_wider_than_the_column_limit_is_refused_before_parsing():
    data = rows_xlsx(3, f"A1:{'BZ'}3")
    with pytest.raises(InvalidInput, match=TOO_BIG):
        list_files._check_xlsx(data)


def test_a_dimension_smaller_than_the_sheet_cuts_no_row_or_column_off():
    """openpyxl trusts the dimension in read-only mode; the import reads to the real end."""
    for dimension in ("A1", "A1:B2", None):
        table = list_files.read_table(rows_xlsx(4, dimension), "liste.xlsx")
        assert list(table.columns) == STRINGS[:5]
        assert (
            table.values.tolist() == [["Anna", "Neumann", "X", "Politik", dt.date(2025, 1, 1)]] * 3
        )


def test_a_200000_line_csv_is_refused_before_it_is_parsed():
    data = ("Vorname;Nachname\n" + "Anna;Neumann\n" * 200_000).encode()
    assert TOO_BIG in _refused_within(data, "liste.csv")


def test_a_200000_row_member_csv_is_refused_within_seconds():
    assert TOO_BIG in _refused_within(rows_csv(200_001), "mitglieder.csv")


def test_a_csv_header_with_a_million_columns_is_refused_before_pandas_reads_it():
    data = ("Vorname;Nachname;Organisation;Bereich;Mitglied seit" + ";x" * 1_000_000).encode()
    assert TOO_BIG in _refused_within(data, "liste.csv")


def test_line_breaks_inside_cells_do_not_count_as_rows():
    """Rows are counted as the CSV reader sees them, not by line breaks."""
    full = _members(list_files.MAX_ROWS).assign(Vorname="Anna\nMaria")
    table = list_files.read_table(exports.csv_bytes(full), "liste.csv")
    assert len(table) == list_files.MAX_ROWS
    assert table["Vorname"].iloc[-1] == "Anna\nMaria"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_list_longer_than_the_limit_is_refused(suffix):
    big = _members(list_files.MAX_ROWS + 1)
    data = exports.csv_bytes(big) if suffix == "csv" else exports.excel_bytes(big)
    assert TOO_BIG in _refused(data, f"liste.{suffix}")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_sheet_wider_than_the_limit_is_refused(suffix):
    wide = _members(3).assign(**{f"Extra {i}": "x" for i in range(list_files.MAX_COLUMNS)})
    data = exports.csv_bytes(wide) if suffix == "csv" else exports.excel_bytes(wide)
    assert TOO_BIG in _refused(data, f"liste.{suffix}")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_list_at_the_limit_is_read(suffix):
    full = _members(list_files.MAX_ROWS)
    data = exports.csv_bytes(full) if suffix == "csv" else exports.excel_bytes(full)
    assert len(list_files.read_table(data, f"liste.{suffix}")) == list_files.MAX_ROWS


# --- Read in a child process with a time and memory bound -----------------------


def _descendants_settle() -> list[psutil.Process]:
    """This process's children other than the fork server and the resource
    tracker, once the fork server has reaped what it forked (zombies included)."""
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    deadline = time.monotonic() + 5
    while True:
        left = [p for p in psutil.Process().children(recursive=True) if p.ppid() == server]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)  # the fork server reaps on SIGCHLD


@pytest.fixture
def stopped(monkeypatch) -> list[str]:
    """The reasons logged for readings that were stopped."""
    reasons: list[str] = []

    def event(name, level=None, **fields):
        if name == "import_file_stopped":
            reasons.append(fields["reason"])

    monkeypatch.setattr(list_files.logs, "event", event)
    return reasons


def test_a_reading_that_takes_too_long_is_stopped_and_refused(monkeypatch, stopped):
    monkeypatch.setattr(list_files, "PARSE_SECONDS", 0.05)
    data = exports.excel_bytes(_members(2_000))
    message = _refused_within(data, "langsam.xlsx")
    assert TOO_HARD in message and "„langsam.xlsx“" in message
    assert "0,05 Sekunden" in message and "10.000 Zeilen und 50 Spalten" in message
    assert stopped == ["timeout"]
    assert _descendants_settle() == []  # killed and reaped, no zombie


def test_a_reading_that_needs_too_much_memory_is_stopped_and_refused(monkeypatch, stopped):
    monkeypatch.setattr(list_files, "PARSE_MEMORY", 8 * 1024 * 1024)
    data = exports.csv_bytes(_members(list_files.MAX_ROWS))
    message = _refused_within(data, "gross.csv")
    assert TOO_HARD in message and "8 MB Arbeitsspeicher" in message
    assert stopped == ["memory"]
    assert _descendants_settle() == []


def test_a_crafted_sheet_that_passes_the_checks_is_stopped_by_the_memory_bound(stopped):
    data = wide_row_xlsx()
    list_files._check_xlsx(data)  # nothing to see before parsing
    message = _refused_within(data, "eine-zeile.xlsx", seconds=list_files.PARSE_SECONDS)
    assert TOO_HARD in message and "160 MB Arbeitsspeicher" in message
    assert stopped in (["memory"], ["crashed"])  # a MemoryError in expat may end the child
    assert _descendants_settle() == []


def test_a_csv_at_the_limits_is_read_within_the_bound():
    """10.000 rows x 50 columns, 9 MB (the upload limit is 10 MB)."""
    full = _members(list_files.MAX_ROWS).assign(
        **{f"Extra {i}": [f"Wert {i} {n:06d}xyzab" for n in range(list_files.MAX_ROWS)]
           for i in range(list_files.MAX_COLUMNS - 5)}
    )  # fmt: skip
    data = exports.csv_bytes(full)
    assert 8 * 1024 * 1024 < len(data) < 10 * 1024 * 1024
    assert list_files.read_table(data, "voll.csv").shape == (list_files.MAX_ROWS, 50)


def test_a_child_that_dies_is_refused_and_reaped(stopped):
    """A reading killed from outside (or crashing) ends in the same refusal."""
    server = multiprocessing.forkserver._forkserver._forkserver_pid

    def kill_the_reader():
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            for child in psutil.Process(server).children():
                child.kill()
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_the_reader)
    killer.start()
    message = _refused_within(exports.excel_bytes(_members(2_000)), "liste.xlsx")
    killer.join()
    assert TOO_HARD in message
    assert stopped == ["crashed"]
    assert _descendants_settle() == []


def test_one_file_at_a_time_and_the_next_waits_its_turn_or_is_told_to_retry(monkeypatch):
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(list_files, "_SLOTS", slots)
    monkeypatch.setattr(list_files, "PARSE_SECONDS", 0.1)
    slots.acquire()  # another upload is being read
    message = _refused_within(rows_csv(3), "liste.csv")
    assert "Gerade wird eine andere Datei eingelesen" in message
    monkeypatch.setattr(list_files, "PARSE_SECONDS", 5.0)
    threading.Timer(0.5, slots.release).start()  # its turn comes within the wait
    assert len(list_files.read_table(rows_csv(3), "liste.csv")) == 2


def test_the_child_neither_runs_the_servers_main_script_nor_outlives_the_reading(
    monkeypatch, tmp_path
):
    """Under Streamlit `sys.modules["__main__"]` is the app's script (serve.py);
    multiprocessing would run it again in each child."""
    marker = tmp_path / "ran"
    script = tmp_path / "serve.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    assert len(list_files.read_table(rows_csv(3), "liste.csv")) == 2
    assert not marker.exists()
    assert _descendants_settle() == []


def test_files_read_in_the_child_are_exactly_what_reading_in_process_gives():
    members = pd.DataFrame(
        {"ID": ["7", None], "Vorname": ["Jürgen", "=Anna"], "Nachname": ["Öz", "Ünal"],
         "Organisation": ["Stadt", "Verein"], "Bereich": ["Politik", "Bildung"],
         "Mitglied seit": [dt.date(2024, 3, 1), "01.02.2025"], "Mitglied bis": [None, None],
         "E-Mail": ["j@example.org", None]}
    )  # fmt: skip
    for data, name in (
        (exports.excel_bytes(members), "liste.xlsx"),
        (exports.csv_bytes(members), "liste.csv"),
        (b"Titel;Themenbereich;Status\nA;B;C\n\n;;\nD;E;F\n\n", "liste.csv"),
        (rows_xlsx(5, "A1"), "liste.xlsx"),
    ):
        child = list_files.read_table(data, name)
        pd.testing.assert_frame_equal(child, list_files._read_table(data, name))
        assert all(pd.api.types.is_object_dtype(d) for d in child.dtypes)
