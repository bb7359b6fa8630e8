"""Import of the staff's member and measure lists (Excel or CSV).

The export (`db.list_export`) writes the same columns the import reads, so
a list can be exported, edited in a spreadsheet and imported back. An import
runs in two steps: `read_table` (`db.list_files`) reads the file, then
`preview_*` resolves names to ids and validates every row without writing;
`apply_import` then checks every row again against the write services' rules
and writes all of them in the caller's transaction, or nothing at all: bulk
statements a chunk of rows at a time, their audit entries in bulk too, a
progress callback after each chunk, and one `import` log line with the counts
after the commit (not one line, audit insert and data-version bump per row;
the data version is bumped once, after the commit).
This module re-exports the names the import page uses.

Rules: a row with an ID changes that record (its Version must still match the
database), a row without an ID is new; rows missing from the file are not
deleted; a column missing from the file leaves that field of existing records
as it is.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db import audit, fields, form_data, logs
from db.errors import Conflict, DomainError, InvalidInput, NotFound, ValidationError
from db.list_export import export, export_measures, export_members, plain
from db.list_files import (
    MEASURE_COLUMNS,
    MEMBER_COLUMNS,
    canonical_header,
    parse_cell,
    parse_date,
    read_table,
    require_columns,
)
from db.models import (
    Measure,
    MeasureStatus,
    Meeting,
    Member,
    Need,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)
from db.permissions import Actor, require
from db.services.core import INTEGRITY, apply, touch
from db.validation import MeasureInput, MemberInput, check
from db.versioning import bump_after_commit

__all__ = [
    "MEASURE_COLUMNS",
    "MEMBER_COLUMNS",
    "ImportPreview",
    "RowResult",
    "apply_import",
    "export",
    "export_measures",
    "export_members",
    "parse_date",
    "preview",
    "preview_frame",
    "preview_measures",
    "preview_members",
    "read_table",
    "summary",
]

# Columns that identify a row in the preview table, next to its line number.
IDENTIFYING = {
    "members": ["ID", "Vorname", "Nachname", "Organisation"],
    "measures": ["ID", "Titel", "Themenbereich", "Status"],
}
ACTIONS = ("neu", "ändern", "unverändert")
# Field kinds read from their own cell alone (the others look up names or ids).
PLAIN_KINDS = {"text", "longtext", "email", "date", "choice", "percent"}
WHOLE_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]0+)?$")
LIST_SEPARATOR = re.compile(r"[,;]")


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
    return pd.DataFrame(
        rows, columns=["Zeile", "Aktion", "Fehler", "Hinweise", *idents], dtype=object
    )


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

    def plain(self, declared: fields.Field) -> Any:
        """The cell of a DECLARED field that needs no lookup (PLAIN_KINDS)."""
        column = declared.header
        match declared.kind:
            case "date":
                return self.date(column)
            case "choice":
                return self.choice(column, declared)
            case "percent":
                return self.integer(column)
        return self.text(column)

    def choice(self, column: str, declared: fields.Field) -> str | None:
        """The code of the choice named in COLUMN (its German word or the code itself,
        any case); an unknown word is an error listing the ones there are."""
        value = self.text(column)
        if value is None:
            return None
        codes = {_key(word): code for code, word in declared.choices.items()}
        codes |= {_key(code): code for code in declared.choices}
        found = codes.get(_key(str(value)))
        if found is None:
            words = ", ".join(f"„{word}“" for word in declared.choices.values())
            self.error(column, f"„{value}“ ist keine der vorgesehenen Angaben ({words}).")
        return found

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
        cells = {c: parse_cell(v) for c, v in zip(columns, values, strict=True)}
        if any(v is not None for v in cells.values()):
            yield position + 2, cells


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


# The payload of the write services: what a row sets and what "unverändert" compares.
MEMBER_FIELDS = fields.MEMBER.names
MEASURE_FIELDS = fields.MEASURE.names


def _states(
    frame: pd.DataFrame, fields: tuple[str, ...]
) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    """FIELDS of each record in FRAME (from `db.form_data`) and its version, by id in id order."""
    states, versions = {}, {}
    for record in sorted(frame.to_dict("records"), key=lambda r: r["id"]):
        record_id = int(record["id"])
        states[record_id] = {f: plain(record[f]) for f in fields}
        versions[record_id] = int(record["version"])
    return states, versions


def preview_members(session: Session, df: pd.DataFrame) -> ImportPreview:
    """What importing DF (the member columns) would do; writes nothing."""
    columns = require_columns(df, "members")
    df = df.rename(columns=canonical_header)
    organisations = {
        _key(name): (org_id, sector_id, name)
        for org_id, name, sector_id in session.execute(
            select(Organisation.id, Organisation.name, Organisation.sector_id)
        )
    }
    sectors = _names(session, Sector, Sector.name)
    sector_names = dict(session.execute(select(Sector.id, Sector.name)).all())
    areas = _names(session, ThematicArea, ThematicArea.short_name, ThematicArea.name)
    current, versions = _states(form_data.members(session), MEMBER_FIELDS)
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
        org = None
        for f in fields.MEMBER:
            if not row.has(f.header):
                continue
            column = f.header
            match f.kind:
                case kind if kind in PLAIN_KINDS:
                    payload[f.name] = row.plain(f)
                case "organisation":
                    value = row.text(column)
                    org = organisations.get(_key(str(value))) if value is not None else None
                    if value is None:
                        row.error(column, "ist ein Pflichtfeld.")
                    elif org is None:
                        row.error(column, f"„{value}“ gibt es nicht.")
                    payload[f.name] = org[0] if org else None
                case "sector":
                    payload[f.name] = row.lookup(column, sectors, f.label)
                case "member":
                    deputy_for = row.integer(column, f.label)
                    if deputy_for is not None and deputy_for == row.result.record_id:
                        row.error(column, "Ein Mitglied kann sich nicht selbst vertreten.")
                    elif deputy_for is not None and deputy_for not in current:
                        row.error(column, f"Ein Mitglied mit der ID {deputy_for} gibt es nicht.")
                    payload[f.name] = deputy_for
                case "areas":
                    payload[f.name] = _groups(row, column, areas)
        sector = fields.MEMBER["sector_id"].header
        if org and payload["sector_id"] is not None and org[1] != payload["sector_id"]:
            row.error(
                sector,
                f"„{row.text(sector)}“ passt nicht zur Organisation „{org[2]}“ "
                f"(Bereich „{sector_names[org[1]]}“).",
            )
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
    return dict.fromkeys(MEMBER_FIELDS) | {"area_ids": ()}


def _groups(row: _Row, column: str, areas: dict[str, int]) -> tuple[int, ...]:
    value = row.text(column)
    ids: set[int] = set()
    for part in LIST_SEPARATOR.split(str(value or "")):
        name = part.strip()
        if not name:
            continue
        if _key(name) in areas:
            ids.add(areas[_key(name)])
        else:
            row.error(column, f"„{name}“ gibt es nicht.")
    return tuple(sorted(ids))


def preview_measures(
    session: Session, df: pd.DataFrame, today: dt.date | None = None
) -> ImportPreview:
    """What importing DF (the measure columns) would do; writes nothing."""
    today = today or dt.date.today()
    columns = require_columns(df, "measures")
    df = df.rename(columns=canonical_header)
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
    current, versions = _states(form_data.measures(session), MEASURE_FIELDS)
    titles = {(s["area_id"], _key(s["title"])): measure_id for measure_id, s in current.items()}
    in_file: dict[tuple[int, str], int] = {}
    seen: dict[int, int] = {}
    rows = []
    for line, cells in _rows(df):
        row = _Row(line, cells, columns)
        before = _identify(row, current, versions, seen, "Die Maßnahme")
        payload = dict(before) if before else _empty_measure()
        for f in fields.MEASURE.listed:
            if not row.has(f.header):
                continue
            column = f.header
            match f.kind:
                case kind if kind in PLAIN_KINDS:
                    payload[f.name] = row.plain(f)
                case "area":
                    payload[f.name] = row.lookup(column, areas, f.label)
                case "status":
                    payload[f.name] = row.lookup(column, statuses, f.label)
                case "meeting":
                    meeting_id = row.integer(column, f.label)
                    if meeting_id is not None and meeting_id not in meetings:
                        row.error(column, f"Einen Termin mit der ID {meeting_id} gibt es nicht.")
                    payload[f.name] = meeting_id
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
    return dict.fromkeys(MEASURE_FIELDS)


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
    """The preview of KIND ("members", "measures" or "responses")."""
    if kind == "responses":
        from db import response_list  # builds on this module (rows, preview)

        return response_list.preview_responses(session, df)
    return {"members": preview_members, "measures": preview_measures}[kind](session, df)


# --------------------------------------------------------------------------- apply

CHUNK = 200  # rows per bulk statement, and how often the progress callback hears of them
CONFLICT = "Der Datensatz wurde seit der Vorschau geändert. Bitte die Datei erneut hochladen."
_LOG_KEY = "imports_to_log"


def _messages(exc: DomainError) -> list[str]:
    if isinstance(exc, Conflict):
        return [CONFLICT]
    if isinstance(exc, InvalidInput):
        return exc.messages
    return [str(exc)]


def _gone(what: str) -> NotFound:
    """The words of `db.services.core.load` for a record that is not there (any more)."""
    return NotFound(f"{what} gibt es nicht (mehr).")


def _by_id(session: Session, model: Any, ids: list[int]) -> dict[int, Any]:
    """The records of MODEL with IDS, a few statements for all of them."""
    found: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        stmt = select(model).where(model.id.in_(ids[start : start + 500]))
        found |= {record.id: record for record in session.scalars(stmt)}
    return found


def _insert(
    session: Session, model: Any, rows: list[dict[str, Any]], returning: bool = True
) -> list[dict[str, Any]]:
    """Insert ROWS (values by attribute name) into MODEL's table with one bulk
    statement, and audit them with one more.

    Returns the rows as stored, in the order given: with RETURNING, ids and
    defaults filled in (what the audit trail records); without, as given.
    A Core insert on the session's connection: every row sets the same columns
    (the ORM's bulk insert splits the rows by which values are None).
    """
    if not rows:
        return []
    attrs = {attr.columns[0].key: attr.key for attr in inspect(model).column_attrs}
    columns = {key: name for name, key in attrs.items()}
    table = model.__table__
    values = [{columns[key]: value for key, value in row.items()} for row in rows]
    if returning:
        stmt = insert(table).returning(*table.c, sort_by_parameter_order=True)
        result = session.connection().execute(stmt, values).mappings()
        rows = [{attrs[name]: value for name, value in row.items()} for row in result]
    else:
        session.connection().execute(insert(table), values)
    audit.record_inserts(session, model, rows)
    return rows


class _Writer:
    """Checks and writes the rows of one import.

    `check` applies the rules of the write services to one row, against what
    `__init__` loaded once for all rows (not a query per row), and raises their
    domain error with their words; `write` saves a chunk of checked rows:
    changes through the ORM (one flush; the audit trail's flush listener
    records old and new values), new records with bulk inserts audited by
    `audit.record_inserts`.
    """

    what = ""
    model: Any = None

    def __init__(self, session: Session, actor: Actor, rows: list[RowResult]) -> None:
        self.session = session
        self.actor = actor
        changing = [row.record_id for row in rows if row.action == "ändern"]
        self.records = _by_id(session, self.model, changing)

    def record(self, row: RowResult) -> Any:
        """The record a changing row edits: still there, at the version previewed."""
        record = self.records.get(row.record_id)
        if record is None:
            raise _gone(self.what)
        if row.version is not None and record.version != row.version:
            raise Conflict(self.what, None, None, {})
        return record

    def check(self, row: RowResult) -> Any:
        raise NotImplementedError

    def write(self, checked: list[tuple[RowResult, Any]]) -> None:
        raise NotImplementedError


class _Members(_Writer):
    """The rules and writes of `create_member` and `update_member`."""

    what = "Das Mitglied"
    model = Member

    def __init__(self, session: Session, actor: Actor, rows: list[RowResult]) -> None:
        super().__init__(session, actor, rows)
        self.organisations = dict(
            session.execute(select(Organisation.id, Organisation.sector_id)).tuples().all()
        )
        self.sectors = set(session.scalars(select(Sector.id)))
        self.areas = set(session.scalars(select(ThematicArea.id)))
        self.members = set(session.scalars(select(Member.id)))
        self.groups: dict[int, dict[int, WorkingGroupMembership]] = {}
        ids = list(self.records)
        for start in range(0, len(ids), 500):
            stmt = select(WorkingGroupMembership).where(
                WorkingGroupMembership.member_id.in_(ids[start : start + 500])
            )
            for membership in session.scalars(stmt):
                self.groups.setdefault(membership.member_id, {})[membership.area_id] = membership

    def check(self, row: RowResult) -> MemberInput:
        payload = check(MemberInput, row.data)
        own_id = None
        if row.action == "ändern":
            member = self.record(row)
            own_id = member.id
            if member.anonymised_at is not None:
                raise ValidationError(
                    "Mitglied", "ist anonymisiert und kann nicht mehr bearbeitet werden."
                )
        if payload.organisation_id not in self.organisations:
            raise _gone("Die Organisation")
        if payload.sector_id not in self.sectors:
            raise _gone("Der Bereich")
        if self.organisations[payload.organisation_id] != payload.sector_id:
            raise ValidationError("Bereich", "passt nicht zum Bereich der gewählten Organisation.")
        if payload.deputy_for_id is not None:
            if payload.deputy_for_id == own_id:
                raise ValidationError(
                    "Stellvertretung für", "ein Mitglied kann sich nicht selbst vertreten."
                )
            if payload.deputy_for_id not in self.members:
                raise _gone("Das vertretene Mitglied")
        if any(area_id not in self.areas for area_id in payload.area_ids):
            raise _gone("Der Themenbereich")
        return payload

    def write(self, checked: list[tuple[RowResult, MemberInput]]) -> None:
        new = [payload for row, payload in checked if row.action == "neu"]
        for row, payload in checked:
            if row.action == "ändern":
                self._change(self.records[row.record_id], payload)
        self.session.flush()
        stored = _insert(self.session, Member, [p.model_dump(exclude={"area_ids"}) for p in new])
        groups = [
            {"member_id": member["id"], "area_id": area_id}
            for member, payload in zip(stored, new, strict=True)
            for area_id in sorted(set(payload.area_ids))
        ]
        _insert(self.session, WorkingGroupMembership, groups, returning=False)

    def _change(self, member: Member, payload: MemberInput) -> None:
        changed = apply(member, payload, skip=("area_ids",))
        current = self.groups.setdefault(member.id, {})
        before, wanted = set(current), set(payload.area_ids)
        for area_id in before - wanted:
            self.session.delete(current.pop(area_id))
        for area_id in sorted(wanted - before):
            current[area_id] = WorkingGroupMembership(member_id=member.id, area_id=area_id)
            self.session.add(current[area_id])
        if wanted != before and not changed:
            touch(member)


class _Measures(_Writer):
    """The rules and writes of `create_measure` and `update_measure`."""

    what = "Die Maßnahme"
    model = Measure

    def __init__(self, session: Session, actor: Actor, rows: list[RowResult]) -> None:
        super().__init__(session, actor, rows)
        self.areas = set(session.scalars(select(ThematicArea.id)))
        self.statuses = set(session.scalars(select(MeasureStatus.id)))
        self.meetings = set(session.scalars(select(Meeting.id)))
        self.needs = set(session.scalars(select(Need.id)))
        # (area, title in lower case) -> id, as `ensure_unique` compares; 0 for a new row
        self.keys = {
            measure_id: (area_id, title.lower())
            for measure_id, area_id, title in session.execute(
                select(Measure.id, Measure.area_id, Measure.title)
            )
        }
        self.titles = {key: measure_id for measure_id, key in self.keys.items()}
        self.today = dt.date.today()

    def check(self, row: RowResult) -> MeasureInput:
        payload = check(MeasureInput, row.data)
        own_id = self.record(row).id if row.action == "ändern" else None
        if payload.area_id not in self.areas:
            raise _gone("Der Themenbereich")
        if payload.status_id not in self.statuses:
            raise _gone("Der Status")
        meeting_id = payload.proposed_at_meeting_id
        if meeting_id is not None and meeting_id not in self.meetings:
            raise _gone("Der Termin")
        if payload.need_id is not None and payload.need_id not in self.needs:
            raise _gone("Der Handlungsbedarf")
        key = (payload.area_id, payload.title.lower())
        if self.titles.get(key, own_id) != own_id:
            raise ValidationError("Titel", f"„{payload.title}“ gibt es schon.")
        # The rows after this one see its title as taken (as one service call after another).
        if own_id is not None:
            if self.titles.get(self.keys[own_id]) == own_id:
                del self.titles[self.keys[own_id]]
            self.keys[own_id] = key
        self.titles[key] = own_id or 0
        return payload

    def write(self, checked: list[tuple[RowResult, MeasureInput]]) -> None:
        new = [payload for row, payload in checked if row.action == "neu"]
        for row, payload in checked:
            if row.action == "ändern":
                self._change(self.records[row.record_id], payload)
        self.session.flush()
        stored = _insert(self.session, Measure, [p.model_dump() for p in new])
        _insert(
            self.session, ProgressUpdate, [self._history(m, "Maßnahme angelegt.") for m in stored]
        )

    def _change(self, measure: Measure, payload: MeasureInput) -> None:
        moved = (measure.status_id, measure.progress) != (payload.status_id, payload.progress)
        apply(measure, payload)
        if moved:
            values = {
                "id": measure.id,
                "status_id": measure.status_id,
                "progress": measure.progress,
            }
            self.session.add(ProgressUpdate(**self._history(values, "Im Stammblatt geändert.")))

    def _history(self, measure: dict[str, Any], note: str) -> dict[str, Any]:
        """A progress update recording MEASURE's state (as the services' history entry)."""
        return {
            "measure_id": measure["id"],
            "date": self.today,
            "progress": measure["progress"],
            "status_id": measure["status_id"],
            "note": note,
            "author": self.actor.username,
        }


WRITERS: dict[str, type[_Writer]] = {"members": _Members, "measures": _Measures}


def apply_import(
    session: Session,
    actor: Actor,
    kind: str,
    preview: ImportPreview,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write every new or changed row of PREVIEW, with the write services' rules.

    All rows or none: a preview with errors is refused, every row is checked
    again against the database before anything is written, and any refusal
    raises InvalidInput naming the line and field, so the caller's
    transaction rolls everything back. Rows are written CHUNK at a time with
    bulk statements, their audit entries too; PROGRESS, when given, is called
    with (rows written, rows to write) before the first chunk and after each.
    One `import` log line with the counts follows the commit. Returns
    {"neu": n, "ändern": m}.
    """
    require(actor, "editor")
    if kind == "responses":
        from db import response_list  # builds on this module (rows, preview)

        WRITERS.setdefault(kind, response_list.ResponseWriter)
    if kind not in WRITERS:
        raise ValueError(f"unknown import kind {kind!r}")
    if preview.kind and preview.kind != kind:
        raise ValueError(f"preview of {preview.kind!r} applied as {kind!r}")
    started = time.perf_counter()
    try:
        counts = _write_all(session, actor, kind, preview, progress)
    except InvalidInput as exc:
        rows = len(preview.rows)
        logs.event(
            "import_refused", user=actor.username, kind=kind, rows=rows, errors=len(exc.messages)
        )
        raise
    session.info.setdefault(_LOG_KEY, []).append(
        {
            "user": actor.username,
            "kind": kind,
            "rows": len(preview.rows),
            "inserted": counts["neu"],
            "updated": counts["ändern"],
            "unchanged": len(preview.rows) - counts["neu"] - counts["ändern"],
            "started": started,
        }
    )
    return counts


def _write_all(
    session: Session,
    actor: Actor,
    kind: str,
    preview: ImportPreview,
    progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    if not preview.ok:
        raise InvalidInput(
            [f"Zeile {row.line}: {message}" for row in preview.rows for message in row.errors]
        )
    session.info[audit.ACTOR_KEY] = actor
    rows = [row for row in preview.rows if row.action in ("neu", "ändern")]
    writer = WRITERS[kind](session, actor, rows)
    checked = []
    for row in rows:
        try:
            checked.append((row, writer.check(row)))
        except (InvalidInput, NotFound, Conflict) as exc:
            raise InvalidInput([f"Zeile {row.line}: {m}" for m in _messages(exc)]) from exc
    total = len(checked)
    if progress is not None:
        progress(0, total)
    try:
        for start in range(0, total, CHUNK):
            writer.write(checked[start : start + CHUNK])
            if progress is not None:
                progress(min(start + CHUNK, total), total)
    except IntegrityError as exc:
        raise InvalidInput([INTEGRITY]) from exc
    except StaleDataError as exc:
        raise InvalidInput([CONFLICT]) from exc
    if total:
        bump_after_commit(session)  # after the commit: see db.versioning
    return {action: sum(row.action == action for row in rows) for action in ("neu", "ändern")}


@event.listens_for(Session, "after_commit")
def _log_committed_imports(session: Session) -> None:
    for entry in session.info.pop(_LOG_KEY, []):
        started = entry.pop("started")
        logs.event("import", **entry, ms=round((time.perf_counter() - started) * 1000))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_imports(session: Session) -> None:
    session.info.pop(_LOG_KEY, None)
