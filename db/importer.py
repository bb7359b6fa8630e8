"""Import of the staff's member and measure lists (Excel or CSV).

The export writes the same columns the import reads, so a list can be
exported, edited in a spreadsheet and imported back. An import runs in two
steps: `preview_*` reads the table, resolves names to ids and validates every
row without writing; `apply_import` then writes all rows through the write
services in the caller's transaction, or nothing at all.

Rules: a row with an ID changes that record (its Version must still match the
database), a row without an ID is new; rows missing from the file are not
deleted; a column missing from the file leaves that field of existing records
as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import numbers
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import Conflict, DomainError, InvalidInput, NotFound
from db.models import (
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Organisation,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)
from db.permissions import Actor, require
from db.services import create_measure, create_member, update_measure, update_member
from db.validation import MeasureInput, MemberInput, check

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
KIND_LABELS = {"members": "Mitglieder", "measures": "Maßnahmen"}
# Columns that identify a row in the preview table, next to its line number.
IDENTIFYING = {
    "members": ["ID", "Vorname", "Nachname", "Organisation"],
    "measures": ["ID", "Titel", "Themenbereich", "Status"],
}
DATE_COLUMNS = {"Mitglied seit", "Mitglied bis", "Beginn", "Fällig am"}
ACTIONS = ("neu", "ändern", "unverändert")

# The CSV export puts an apostrophe before cells a spreadsheet would read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
WHOLE_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]0+)?$")
LIST_SEPARATOR = re.compile(r"[,;]")

_CANONICAL = {" ".join(c.split()).casefold(): c for c in MEMBER_COLUMNS + MEASURE_COLUMNS}


# --------------------------------------------------------------------------- export


def _frame(rows: Iterable[Sequence[Any]], columns: list[str]) -> pd.DataFrame:
    """A DataFrame of plain Python values (object columns: ints stay ints, None stays None)."""
    return pd.DataFrame([list(r) for r in rows], columns=columns, dtype=object)


def _group_names(session: Session) -> dict[int, list[str]]:
    """Short names of each member's working groups, in the areas' order."""
    stmt = (
        select(WorkingGroupMembership.member_id, ThematicArea.short_name)
        .join(ThematicArea, ThematicArea.id == WorkingGroupMembership.area_id)
        .order_by(ThematicArea.sort_order, ThematicArea.short_name)
    )
    groups: dict[int, list[str]] = {}
    for member_id, short_name in session.execute(stmt):
        groups.setdefault(member_id, []).append(short_name)
    return groups


def export_members(session: Session) -> pd.DataFrame:
    """All members (deputies too) in the import's columns, by last and first name."""
    stmt = (
        select(
            Member.id,
            Member.first_name,
            Member.last_name,
            Member.function,
            Member.email,
            Organisation.name,
            Sector.name,
            Member.active_from,
            Member.active_to,
            Member.deputy_for_id,
            Member.version,
        )
        .join(Organisation, Organisation.id == Member.organisation_id)
        .join(Sector, Sector.id == Member.sector_id)
        .order_by(Member.last_name, Member.first_name, Member.id)
    )
    groups = _group_names(session)
    rows = [
        (*row[:10], ", ".join(groups.get(row[0], [])) or None, row[10])
        for row in session.execute(stmt)
    ]
    return _frame(rows, MEMBER_COLUMNS)


def export_measures(session: Session) -> pd.DataFrame:
    """All measures that are not archived, in the import's columns, by area and title.

    Fortschritt None means unknown (not 0 %).
    """
    stmt = (
        select(
            Measure.id,
            Measure.title,
            Measure.description,
            ThematicArea.name,
            MeasureStatus.name,
            Measure.progress,
            Measure.responsible,
            Measure.start_date,
            Measure.due_date,
            Measure.proposed_at_meeting_id,
            Measure.version,
        )
        .join(ThematicArea, ThematicArea.id == Measure.area_id)
        .join(MeasureStatus, MeasureStatus.id == Measure.status_id)
        .where(Measure.archived.is_(False))
        .order_by(ThematicArea.sort_order, ThematicArea.name, Measure.title, Measure.id)
    )
    return _frame(session.execute(stmt), MEASURE_COLUMNS)


def export(session: Session, kind: str) -> pd.DataFrame:
    """The export of KIND ("members" or "measures")."""
    return {"members": export_members, "measures": export_measures}[kind](session)


# --------------------------------------------------------------------------- reading files


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


def _cell(value: Any) -> str | dt.date | None:
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


def _canonical(header: Any) -> str:
    text = _cell(header)
    if text is None:
        return ""
    text = str(text)
    return _CANONICAL.get(" ".join(text.split()).casefold(), text)


def _guess_kind(headers: list[str]) -> str | None:
    shared = set(MEMBER_COLUMNS) & set(MEASURE_COLUMNS)
    scores = {kind: len((set(cols) - shared) & set(headers)) for kind, cols in COLUMNS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


def _missing_columns(headers: Iterable[str], kind: str) -> list[str]:
    present = set(headers)
    return [c for c in REQUIRED[kind] if c not in present]


def _missing_message(missing: list[str]) -> str:
    names = ", ".join(f"„{c}“" for c in missing)
    words = "fehlt die Spalte" if len(missing) == 1 else "fehlen die Spalten"
    return f"Datei: Es {words} {names}. Die Kopfzeile muss wie im Export aussehen."


def _table(rows: list[list[Any]], kind: str | None) -> pd.DataFrame:
    """Header row + data rows -> a DataFrame of text/date cells, one row per line."""
    if not rows or not any(_cell(v) is not None for v in rows[0]):
        raise InvalidInput(["Datei: Die erste Zeile muss die Spaltenüberschriften enthalten."])
    headers = [_canonical(h) for h in rows[0]]
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
    missing = _missing_columns(names, kind)
    if missing:
        raise InvalidInput([_missing_message(missing)])
    data = []
    for raw in rows[1:]:
        cells = [raw[i] if i < len(raw) else None for i in keep]
        values = [_cell(v) for v in cells]
        data.append(
            [parse_date(v) if n in DATE_COLUMNS else v for n, v in zip(names, values, strict=True)]
        )
    return pd.DataFrame(data, columns=names, dtype=object)


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            ["Datei: Die Excel-Datei lässt sich nicht lesen (beschädigt oder kein .xlsx)."]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
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
        return sum(_canonical(h) in _CANONICAL.values() for h in row)

    return "," if known(",") > known(";") else ";"


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    if not text.strip():
        raise InvalidInput(["Datei: Die Datei ist leer."])
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
    rows = [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]
    while len(rows) > 1 and not any(_cell(v) is not None for v in rows[-1]):
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


# --------------------------------------------------------------------------- preview


@dataclass
class RowResult:
    """What the import would do with one line of the file."""

    line: int
    action: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record_id: int | None = None
    version: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPreview:
    """Every non-empty line of a file with its action, errors and payload."""

    rows: list[RowResult]
    kind: str = ""

    @property
    def ok(self) -> bool:
        return not any(row.errors for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per action (rows with errors only under "Fehler")."""
        counts = dict.fromkeys((*ACTIONS, "Fehler"), 0)
        for row in self.rows:
            counts["Fehler" if row.errors else row.action] += 1
        return counts

    @property
    def error_lines(self) -> list[int]:
        return [row.line for row in self.rows if row.errors]

    @property
    def changes(self) -> int:
        """Rows that would be written."""
        return sum(row.action in ("neu", "ändern") for row in self.rows if not row.errors)


def summary(preview: ImportPreview) -> str:
    """'3 neu, 1 geändert, 5 unverändert, 0 Fehler'."""
    c = preview.counts
    return (
        f"{c['neu']} neu, {c['ändern']} geändert, {c['unverändert']} unverändert, "
        f"{c['Fehler']} Fehler"
    )


def _display(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return value


def preview_frame(preview: ImportPreview) -> pd.DataFrame:
    """The preview as a table: line, action, errors, notes and identifying columns."""
    idents = IDENTIFYING.get(preview.kind, [])
    rows = [
        [
            row.line,
            "Fehler" if row.errors else row.action,
            "; ".join(row.errors),
            "; ".join(row.warnings),
            *(_display(row.cells.get(c)) for c in idents),
        ]
        for row in preview.rows
    ]
    return _frame(rows, ["Zeile", "Aktion", "Fehler", "Hinweise", *idents])


class _Row:
    """One line of the file being resolved: its cells and the findings so far."""

    def __init__(self, line: int, cells: dict[str, Any], columns: set[str]) -> None:
        self.cells = cells
        self.columns = columns
        self.result = RowResult(line=line, action="neu", cells=cells)
        self.reported: set[str] = set()  # fields with an error of ours (skip pydantic's)

    def has(self, column: str) -> bool:
        return column in self.columns

    def error(self, column: str, message: str, field_title: str | None = None) -> None:
        self.result.errors.append(f"{column}: {message}")
        self.reported.add(field_title or column)

    def text(self, column: str) -> Any:
        value = self.cells.get(column)
        return value.strip() or None if isinstance(value, str) else value

    def date(self, column: str) -> Any:
        return parse_date(self.text(column))

    def integer(self, column: str, field_title: str | None = None) -> int | None:
        """A whole number; decimal comma and a trailing % are accepted."""
        value = self.text(column)
        if value is None:
            return None
        text = str(value).removesuffix("%").strip().replace(" ", "")
        if not WHOLE_NUMBER.match(text):
            self.error(column, "muss eine ganze Zahl sein.", field_title)
            return None
        return int(re.split(r"[.,]", text)[0])

    def lookup(self, column: str, table: dict[str, int], field_title: str) -> int | None:
        """The id of the name in COLUMN; an unknown or missing name is an error."""
        value = self.text(column)
        if value is None:
            self.error(column, "ist ein Pflichtfeld.", field_title)
            return None
        found = table.get(_key(str(value)))
        if found is None:
            self.error(column, f"„{value}“ gibt es nicht.", field_title)
        return found


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _rows(df: pd.DataFrame) -> Iterable[tuple[int, dict[str, Any]]]:
    """(line, cells) of each non-empty row; the header is line 1."""
    columns = [str(c) for c in df.columns]
    for position, values in enumerate(df.itertuples(index=False, name=None)):
        cells = {c: _cell(v) for c, v in zip(columns, values, strict=True)}
        if any(v is not None for v in cells.values()):
            yield position + 2, cells


def _require_columns(df: pd.DataFrame, kind: str) -> set[str]:
    columns = {_canonical(c) for c in df.columns}
    missing = _missing_columns(columns, kind)
    if missing:
        raise InvalidInput([_missing_message(missing)])
    return columns


def _identify(
    row: _Row,
    current: dict[int, dict[str, Any]],
    versions: dict[int, int],
    seen: dict[int, int],
    what: str,
) -> dict[str, Any] | None:
    """Resolve ID and Version: the current values of the record, or None for a new one."""
    record_id = row.integer("ID") if row.has("ID") else None
    version = row.integer("Version") if row.has("Version") else None
    result = row.result
    if record_id is None:
        return None
    result.action = "ändern"
    result.record_id = record_id
    if record_id in seen:
        row.error("ID", f"kommt in der Datei mehrfach vor (auch in Zeile {seen[record_id]}).")
    seen.setdefault(record_id, result.line)
    if record_id not in current:
        row.error(
            "ID", f"{what} mit der ID {record_id} gibt es nicht. Für neue Einträge ID leer lassen."
        )
        return None
    result.version = versions[record_id]
    if version is not None and version != versions[record_id]:
        row.error(
            "Version",
            f"{what} wurde inzwischen geändert (Datei: Version {version}, Datenbank: Version "
            f"{versions[record_id]}). Bitte neu exportieren und die Änderung dort eintragen.",
        )
    return current[record_id]


def _validate(row: _Row, schema: type, payload: dict[str, Any], before: dict | None) -> None:
    """Validate PAYLOAD with SCHEMA; store it, or mark the row unchanged."""
    result = row.result
    if before is not None and not result.errors and payload == before:
        result.action = "unverändert"
        result.data = payload
        return
    try:
        model = check(schema, payload)
    except InvalidInput as exc:
        result.errors += [
            m for m in exc.messages if not any(m.startswith(f"{t}:") for t in row.reported)
        ]
        result.data = payload
        return
    result.data = model.model_dump()
    if before is not None and not result.errors and _comparable(result.data) == before:
        result.action = "unverändert"


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    if "area_ids" in data:
        return {**data, "area_ids": tuple(sorted(set(data["area_ids"])))}
    return data


def _names(session: Session, model: Any, *columns: Any) -> dict[str, int]:
    """Case-insensitive lookup name -> id over COLUMNS of MODEL."""
    table: dict[str, int] = {}
    for column in columns:
        for record_id, name in session.execute(select(model.id, column)):
            table.setdefault(_key(name), record_id)
    return table


def _member_states(session: Session) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    stmt = select(
        Member.id,
        Member.first_name,
        Member.last_name,
        Member.function,
        Member.email,
        Member.organisation_id,
        Member.sector_id,
        Member.active_from,
        Member.active_to,
        Member.deputy_for_id,
        Member.version,
    )
    groups: dict[int, set[int]] = {}
    for member_id, area_id in session.execute(
        select(WorkingGroupMembership.member_id, WorkingGroupMembership.area_id)
    ):
        groups.setdefault(member_id, set()).add(area_id)
    states, versions = {}, {}
    for row in session.execute(stmt):
        values = row._asdict()
        member_id, versions[row.id] = values.pop("id"), values.pop("version")
        values["area_ids"] = tuple(sorted(groups.get(member_id, set())))
        states[member_id] = values
    return states, versions


def preview_members(session: Session, df: pd.DataFrame) -> ImportPreview:
    """What importing DF (the member columns) would do; writes nothing."""
    columns = _require_columns(df, "members")
    df = df.rename(columns=_canonical)
    organisations = {
        _key(name): (org_id, sector_id, name)
        for org_id, name, sector_id in session.execute(
            select(Organisation.id, Organisation.name, Organisation.sector_id)
        )
    }
    sectors = _names(session, Sector, Sector.name)
    sector_names = dict(session.execute(select(Sector.id, Sector.name)).all())
    areas = _names(session, ThematicArea, ThematicArea.short_name, ThematicArea.name)
    current, versions = _member_states(session)
    people = {
        (_key(s["first_name"]), _key(s["last_name"]), s["organisation_id"]): member_id
        for member_id, s in current.items()
    }
    seen: dict[int, int] = {}
    rows = []
    for line, cells in _rows(df):
        row = _Row(line, cells, columns)
        before = _identify(row, current, versions, seen, "Das Mitglied")
        payload = dict(before) if before else _empty_member()
        texts = {"Vorname": "first_name", "Nachname": "last_name"}
        texts |= {"Funktion": "function", "E-Mail": "email"}
        for column, key in texts.items():
            if row.has(column):
                payload[key] = row.text(column)
        for column, key in {"Mitglied seit": "active_from", "Mitglied bis": "active_to"}.items():
            if row.has(column):
                payload[key] = row.date(column)
        org = None
        if row.has("Organisation"):
            value = row.text("Organisation")
            org = organisations.get(_key(str(value))) if value is not None else None
            if value is None:
                row.error("Organisation", "ist ein Pflichtfeld.")
            elif org is None:
                row.error("Organisation", f"„{value}“ gibt es nicht.")
            payload["organisation_id"] = org[0] if org else None
        if row.has("Bereich"):
            payload["sector_id"] = row.lookup("Bereich", sectors, "Bereich")
        if org and payload["sector_id"] is not None and org[1] != payload["sector_id"]:
            row.error(
                "Bereich",
                f"„{row.text('Bereich')}“ passt nicht zur Organisation „{org[2]}“ "
                f"(Bereich „{sector_names[org[1]]}“).",
            )
        if row.has("Stellvertretung für (ID)"):
            column = "Stellvertretung für (ID)"
            deputy_for = row.integer(column, "Stellvertretung für")
            if deputy_for is not None and deputy_for == row.result.record_id:
                row.error(column, "Ein Mitglied kann sich nicht selbst vertreten.")
            elif deputy_for is not None and deputy_for not in current:
                row.error(column, f"Ein Mitglied mit der ID {deputy_for} gibt es nicht.")
            payload["deputy_for_id"] = deputy_for
        if row.has("Arbeitsgruppen"):
            payload["area_ids"] = _groups(row, areas)
        _validate(row, MemberInput, payload, before)
        if row.result.action == "neu" and not row.result.errors:
            twin = people.get(
                (_key(payload["first_name"]), _key(payload["last_name"]), org and org[0])
            )
            if twin is not None:
                row.result.warnings.append(
                    f"Ein Mitglied mit diesem Namen und dieser Organisation gibt es schon "
                    f"(ID {twin}); die Zeile legt ein weiteres an."
                )
        rows.append(row.result)
    return ImportPreview(rows, "members")


def _empty_member() -> dict[str, Any]:
    keys = ("first_name", "last_name", "function", "email", "organisation_id", "sector_id")
    keys += ("active_from", "active_to", "deputy_for_id")
    return dict.fromkeys(keys) | {"area_ids": ()}


def _groups(row: _Row, areas: dict[str, int]) -> tuple[int, ...]:
    value = row.text("Arbeitsgruppen")
    ids: set[int] = set()
    for part in LIST_SEPARATOR.split(str(value or "")):
        name = part.strip()
        if not name:
            continue
        if _key(name) in areas:
            ids.add(areas[_key(name)])
        else:
            row.error("Arbeitsgruppen", f"„{name}“ gibt es nicht.")
    return tuple(sorted(ids))


def _measure_states(session: Session) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    stmt = select(
        Measure.id,
        Measure.title,
        Measure.description,
        Measure.area_id,
        Measure.proposed_at_meeting_id,
        Measure.need_id,
        Measure.responsible,
        Measure.status_id,
        Measure.progress,
        Measure.start_date,
        Measure.due_date,
        Measure.version,
    )
    states, versions = {}, {}
    for row in session.execute(stmt):
        values = row._asdict()
        measure_id, versions[row.id] = values.pop("id"), values.pop("version")
        states[measure_id] = values
    return states, versions


def preview_measures(
    session: Session, df: pd.DataFrame, today: dt.date | None = None
) -> ImportPreview:
    """What importing DF (the measure columns) would do; writes nothing."""
    today = today or dt.date.today()
    columns = _require_columns(df, "measures")
    df = df.rename(columns=_canonical)
    areas = _names(session, ThematicArea, ThematicArea.name, ThematicArea.short_name)
    area_names = dict(session.execute(select(ThematicArea.id, ThematicArea.name)).all())
    statuses = _names(session, MeasureStatus, MeasureStatus.name)
    finished = set(
        session.scalars(
            select(MeasureStatus.id).where(
                MeasureStatus.is_done.is_(True) | MeasureStatus.is_discontinued.is_(True)
            )
        )
    )
    meetings = set(session.scalars(select(Meeting.id)))
    current, versions = _measure_states(session)
    titles = {(s["area_id"], _key(s["title"])): measure_id for measure_id, s in current.items()}
    in_file: dict[tuple[int, str], int] = {}
    seen: dict[int, int] = {}
    rows = []
    for line, cells in _rows(df):
        row = _Row(line, cells, columns)
        before = _identify(row, current, versions, seen, "Die Maßnahme")
        payload = dict(before) if before else _empty_measure()
        texts = {"Titel": "title", "Beschreibung": "description", "Verantwortlich": "responsible"}
        for column, key in texts.items():
            if row.has(column):
                payload[key] = row.text(column)
        for column, key in {"Beginn": "start_date", "Fällig am": "due_date"}.items():
            if row.has(column):
                payload[key] = row.date(column)
        if row.has("Themenbereich"):
            payload["area_id"] = row.lookup("Themenbereich", areas, "Themenbereich")
        if row.has("Status"):
            payload["status_id"] = row.lookup("Status", statuses, "Status")
        if row.has("Fortschritt (%)"):
            payload["progress"] = row.integer("Fortschritt (%)")
        if row.has("Vorgeschlagen in (Termin-ID)"):
            column = "Vorgeschlagen in (Termin-ID)"
            meeting_id = row.integer(column, "Vorgeschlagen in")
            if meeting_id is not None and meeting_id not in meetings:
                row.error(column, f"Einen Termin mit der ID {meeting_id} gibt es nicht.")
            payload["proposed_at_meeting_id"] = meeting_id
        _unique_title(row, payload, titles, in_file, area_names)
        _validate(row, MeasureInput, payload, before)
        due = row.result.data.get("due_date")
        if (
            row.result.action != "unverändert"
            and not row.result.errors
            and isinstance(due, dt.date)
            and due < today
            and row.result.data.get("status_id") not in finished
        ):
            row.result.warnings.append(
                "Fällig am: liegt in der Vergangenheit, die Maßnahme ist aber nicht umgesetzt."
            )
        rows.append(row.result)
    return ImportPreview(rows, "measures")


def _empty_measure() -> dict[str, Any]:
    keys = ("title", "description", "area_id", "proposed_at_meeting_id", "need_id")
    keys += ("responsible", "status_id", "progress", "start_date", "due_date")
    return dict.fromkeys(keys)


def _unique_title(
    row: _Row,
    payload: dict[str, Any],
    titles: dict[tuple[int, str], int],
    in_file: dict[tuple[int, str], int],
    area_names: dict[int, str],
) -> None:
    """A title must be unique within its thematic area (database and file)."""
    title, area_id = payload.get("title"), payload.get("area_id")
    if not isinstance(title, str) or area_id is None:
        return
    key = (area_id, _key(title))
    other = titles.get(key)
    if other is not None and other != row.result.record_id:
        row.error(
            "Titel",
            f"„{title}“ gibt es im Themenbereich „{area_names[area_id]}“ schon (ID {other}).",
        )
    elif key in in_file:
        row.error("Titel", f"„{title}“ steht schon in Zeile {in_file[key]}.")
    in_file.setdefault(key, row.result.line)


def preview(session: Session, kind: str, df: pd.DataFrame) -> ImportPreview:
    """The preview of KIND ("members" or "measures")."""
    return {"members": preview_members, "measures": preview_measures}[kind](session, df)


# --------------------------------------------------------------------------- apply

SERVICES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "members": (create_member, update_member),
    "measures": (create_measure, update_measure),
}


def _messages(exc: DomainError) -> list[str]:
    if isinstance(exc, Conflict):
        return ["Der Datensatz wurde seit der Vorschau geändert. Bitte die Datei erneut hochladen."]
    if isinstance(exc, InvalidInput):
        return exc.messages
    return [str(exc)]


def apply_import(
    session: Session, actor: Actor, kind: str, preview: ImportPreview
) -> dict[str, int]:
    """Write every new or changed row of PREVIEW through the write services.

    All rows or none: a preview with errors is refused, and any refusal of a
    service raises, so the caller's transaction rolls everything back.
    Returns {"neu": n, "ändern": m}.
    """
    require(actor, "editor")
    if kind not in SERVICES:
        raise ValueError(f"unknown import kind {kind!r}")
    if preview.kind and preview.kind != kind:
        raise ValueError(f"preview of {preview.kind!r} applied as {kind!r}")
    if not preview.ok:
        raise InvalidInput(
            [f"Zeile {row.line}: {message}" for row in preview.rows for message in row.errors]
        )
    create, update = SERVICES[kind]
    counts = {"neu": 0, "ändern": 0}
    for row in preview.rows:
        if row.action not in counts:
            continue
        try:
            if row.action == "neu":
                create(session, actor, row.data)
            else:
                update(session, actor, row.record_id, row.data, row.version)
        except (InvalidInput, NotFound, Conflict) as exc:
            raise InvalidInput([f"Zeile {row.line}: {m}" for m in _messages(exc)]) from exc
        counts[row.action] += 1
    return counts
