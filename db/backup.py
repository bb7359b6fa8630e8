"""Backup and restore of the whole database into one file, for SQLite and
PostgreSQL alike (a SQLite backup restores into PostgreSQL and vice versa).

File format (format version 1): gzip-compressed JSON Lines, UTF-8, one JSON
value per line, written and read as a stream (the file is never held in
memory as a whole).

1. Header, an object::

       {"format": "hik-dashboard-backup", "format_version": 1,
        "alembic_revision": "0003", "created_at": "2026-11-26T10:00:00+00:00",
        "source": "postgresql",
        "tables": [{"name": "sectors", "columns": ["id", "name", ...], "rows": 8}, ...]}

   `tables` lists every table of the models (`Base.metadata.sorted_tables`,
   so parents before children) with its columns and row count, except the
   sign-in sessions and the sign-in throttle (`TRANSIENT`): a restored
   database starts with everyone signed out.
2. For each table of the header, in that order: a marker object
   `{"table": "sectors", "rows": 8}`, then one JSON array per row (the
   values in the order of the header's columns), ordered by primary key.
3. Trailer: `{"end": true, "tables": 15, "rows": 123456}`. A file without it
   was cut off and is refused.

Values by column type: integers, text and booleans as JSON values; SQL NULL
as `null`; dates as `"YYYY-MM-DD"`; time-zone-aware timestamps in ISO 8601
in UTC (`"2026-11-26T09:00:00+00:00"`), naive ones without an offset; times
as `"HH:MM:SS"`; exact numerics (Numeric) as decimal strings, floats as JSON
numbers; binary as base64; JSON columns as their JSON text in a string (so a
JSON `null` stays distinct from SQL NULL). Restore decodes every value by the
column's SQLAlchemy type.

Consistency: the backup reads everything in one read transaction, so it is a
snapshot even while the app keeps writing (PostgreSQL: SERIALIZABLE READ ONLY
DEFERRABLE; SQLite: an explicit BEGIN, because pysqlite does not begin a
transaction before a SELECT on its own, and in WAL mode all reads of one
transaction see one snapshot).

Restore only writes into an empty database (no rows in any table, except the
single `data_version` row) at the Alembic revision of the backup; an empty,
not yet migrated database is migrated to that revision first. Everything
(migration included) happens in one transaction: on any refusal or error
nothing is changed. Rows are inserted with SQLAlchemy Core, not the ORM, so
the audit trail gets no entries of its own; self-references (a member
deputising another) are filled in after all rows of the table are there;
PostgreSQL's id sequences are moved past the restored ids; and the data
version is set above both the backed-up and the target's value, so the caches
of running app processes (keyed by it) never serve data from before.

No Streamlit here: the CLI (`python -m db.cli backup|restore DATEI`) wires it.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    func,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import DataError, IntegrityError

from db.errors import DomainError
from db.migrate import alembic_config, head_revision
from db.models import BERLIN, Base, DataVersion

FORMAT = "hik-dashboard-backup"
FORMAT_VERSION = 1
BATCH = 5000
LOCK_TIMEOUT_S = 15  # PostgreSQL: how long a restore waits for running writes to finish
DATA_VERSION_TABLE = DataVersion.__tablename__

Progress = Callable[[str, int], None]


class BackupError(DomainError):
    """A backup or restore was refused or failed; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    """What a backup wrote or a restore read."""

    path: Path
    revision: str
    created_at: dt.datetime
    tables: dict[str, int] = field(default_factory=dict)
    data_version: int | None = None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- values ------------------------------------------------------------------------------


def _base_type(column: Column) -> sqltypes.TypeEngine:
    type_ = column.type
    while isinstance(type_, sqltypes.TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _encode_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def _encoder(column: Column) -> Callable[[Any], Any] | None:
    """How a value of COLUMN becomes JSON (None: as it is)."""
    type_ = _base_type(column)
    if isinstance(type_, sqltypes.JSON | sqltypes.Boolean | sqltypes.Integer | sqltypes.String):
        return None  # JSON columns are selected as their text already
    if isinstance(type_, sqltypes.DateTime):
        return _encode_datetime
    if isinstance(type_, sqltypes.Date | sqltypes.Time):
        return lambda value: value.isoformat()
    if isinstance(type_, sqltypes.Float):
        return float
    if isinstance(type_, sqltypes.Numeric):
        return str
    if isinstance(type_, sqltypes.LargeBinary):
        return lambda value: base64.b64encode(value).decode("ascii")
    raise BackupError(
        f"Die Spalte {column.table.name}.{column.name} hat einen Typ ({type_}), "
        "den die Sicherung nicht kennt."
    )


def _datetime_decoder(aware: bool) -> Callable[[Any], dt.datetime]:
    def decode(value: Any) -> dt.datetime:
        parsed = dt.datetime.fromisoformat(value)
        if aware and parsed.tzinfo is None:
            raise ValueError(f"{value!r} hat keine Zeitzone")
        return parsed

    return decode


def _decode_json(value: str) -> Any:
    parsed = json.loads(value)
    return JSON.NULL if parsed is None else parsed


def _decoder(column: Column) -> Callable[[Any], Any] | None:
    """How a JSON value from the file becomes a value of COLUMN (None: as it is)."""
    type_ = _base_type(column)
    if isinstance(type_, sqltypes.JSON):
        return _decode_json
    if isinstance(type_, sqltypes.Boolean):
        return _expect(bool)
    if isinstance(type_, sqltypes.Integer):
        return _expect(int)
    if isinstance(type_, sqltypes.String):
        return _expect(str)
    if isinstance(type_, sqltypes.DateTime):
        return _datetime_decoder(bool(type_.timezone))
    if isinstance(type_, sqltypes.Date):
        return dt.date.fromisoformat
    if isinstance(type_, sqltypes.Time):
        return dt.time.fromisoformat
    if isinstance(type_, sqltypes.Float):
        return float
    if isinstance(type_, sqltypes.Numeric):
        return decimal.Decimal
    if isinstance(type_, sqltypes.LargeBinary):
        return base64.b64decode
    raise BackupError(
        f"Die Spalte {column.table.name}.{column.name} hat einen Typ ({type_}), "
        "den die Sicherung nicht kennt."
    )


def _expect(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{value!r} ist kein {kind.__name__}")
        return value

    return check


def _selected(column: Column) -> Any:
    """The expression a backup selects for COLUMN (JSON as its text)."""
    if isinstance(_base_type(column), sqltypes.JSON):
        return cast(column, Text).label(column.name)
    return column


# --- the file ----------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _file_error(path: Path, exc: BaseException, writing: bool = False) -> BackupError:
    if isinstance(exc, FileNotFoundError):
        if writing:
            return BackupError(f"Das Verzeichnis für „{path}“ gibt es nicht.")
        return BackupError(f"Die Datei „{path}“ gibt es nicht.")
    if isinstance(exc, IsADirectoryError):
        return BackupError(f"„{path}“ ist ein Verzeichnis, keine Datei.")
    if isinstance(exc, PermissionError):
        return BackupError(f"Keine Berechtigung für die Datei „{path}“.")
    if isinstance(exc, gzip.BadGzipFile | zlib.error | UnicodeDecodeError):
        return BackupError(
            f"„{path}“ ist keine Sicherungsdatei dieses Dashboards (kein gzip/JSON)."
        )
    if isinstance(exc, EOFError):
        return BackupError(f"Die Sicherungsdatei „{path}“ ist unvollständig (abgeschnitten).")
    reason = getattr(exc, "strerror", None) or str(exc)
    return BackupError(f"Die Datei „{path}“ lässt sich nicht lesen oder schreiben ({reason}).")


class _Reader:
    """The lines of a backup file as parsed JSON, with their line numbers."""

    def __init__(self, path: Path, stream: io.TextIOBase) -> None:
        self.path = path
        self._lines = enumerate(stream, start=1)
        self.number = 0

    def next(self) -> Any:
        try:
            self.number, line = next(self._lines)
        except StopIteration:
            raise self.broken("sie endet vorzeitig") from None
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            raise self.broken(f"Zeile {self.number} ist kein gültiges JSON") from None

    def at_end(self) -> bool:
        return next(self._lines, None) is None

    def broken(self, why: str) -> BackupError:
        return BackupError(
            f"Die Sicherungsdatei „{self.path}“ ist beschädigt ({why}); es wurde nichts geändert."
        )


@contextmanager
def _open_for_reading(path: Path) -> Iterator[_Reader]:
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as stream:
            yield _Reader(path, stream)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise _file_error(path, exc) from exc


def read_header(path: str | Path) -> dict[str, Any]:
    """The checked header of the backup file at PATH."""
    path = Path(path)
    with _open_for_reading(path) as reader:
        return _check_header(reader)


def created_at(header: dict[str, Any]) -> dt.datetime:
    """When the backup with HEADER was made, in Berlin time."""
    return dt.datetime.fromisoformat(header["created_at"]).astimezone(BERLIN)


def _check_header(reader: _Reader) -> dict[str, Any]:
    not_ours = BackupError(f"„{reader.path}“ ist keine Sicherungsdatei dieses Dashboards.")
    try:
        header = reader.next()
    except BackupError:
        raise not_ours from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise not_ours
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"Die Sicherungsdatei „{reader.path}“ hat das Format {version}; diese "
            f"Programmversion liest nur Format {FORMAT_VERSION}. Es wurde nichts geändert."
        )
    tables = header.get("tables")
    if (
        not isinstance(header.get("alembic_revision"), str)
        or not isinstance(header.get("created_at"), str)
        or not isinstance(tables, list)
        or not all(
            isinstance(t, dict)
            and isinstance(t.get("name"), str)
            and isinstance(t.get("columns"), list)
            and isinstance(t.get("rows"), int)
            for t in tables
        )
    ):
        raise reader.broken("der Kopf ist unvollständig")
    return header


# --- backup ------------------------------------------------------------------------------


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read-only transaction: every SELECT sees one snapshot."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="SERIALIZABLE",
                postgresql_readonly=True,
                postgresql_deferrable=True,
            )
            with connection.begin():
                yield connection
            return
        if engine.dialect.name == "sqlite":
            # pysqlite starts transactions only before INSERT/UPDATE/DELETE; begin
            # explicitly so that all SELECTs below read the same snapshot (WAL).
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def backup(
    engine: Engine,
    path: str | Path,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Summary:
    """Write every table of ENGINE's database, as one snapshot, into PATH.

    The file appears only when it is complete (written next to it, then
    renamed). PROGRESS is called with each table's name and row count.
    """
    path = Path(path)
    if path.is_dir():
        raise _file_error(path, IsADirectoryError())
    if path.exists() and not overwrite:
        raise BackupError(f"Die Datei „{path}“ gibt es schon (--force überschreibt sie).")
    tables = backed_up_tables()
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    partial = path.with_name(f".{path.name}.part")
    counts: dict[str, int] = {}
    with _snapshot(engine) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        head = head_revision()
        if revision is None:
            raise BackupError(
                "Die Datenbank ist noch nicht eingerichtet; es gibt nichts zu sichern."
            )
        if revision != head:
            raise BackupError(
                f"Die Datenbank hat den Migrationsstand {revision}, diese Programmversion "
                f"erwartet {head}. Bitte erst „python -m db.cli migrate“ ausführen oder mit "
                "der Programmversion sichern, die zur Datenbank passt."
            )
        for table in tables:
            counts[table.name] = connection.scalar(select(func.count()).select_from(table)) or 0
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "alembic_revision": revision,
            "created_at": created.isoformat(),
            "source": engine.dialect.name,
            "tables": [
                {"name": t.name, "columns": [c.name for c in t.columns], "rows": counts[t.name]}
                for t in tables
            ],
        }
        data_version = connection.scalar(select(DataVersion.value).where(DataVersion.id == 1))
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with (
                open(fd, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as compressed,
                io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as out,
            ):
                out.write(_dumps(header) + "\n")
                for table in tables:
                    out.write(_dumps({"table": table.name, "rows": counts[table.name]}) + "\n")
                    written = _write_rows(connection, table, out)
                    if written != counts[table.name]:  # cannot happen inside one snapshot
                        raise BackupError(
                            f"Die Tabelle {table.name} hat sich während der Sicherung geändert."
                        )
                    if progress:
                        progress(table.name, written)
                out.write(
                    _dumps({"end": True, "tables": len(tables), "rows": sum(counts.values())})
                    + "\n"
                )
            os.replace(partial, path)
        except OSError as exc:
            raise _file_error(path, exc, writing=True) from exc
        finally:
            with suppress(FileNotFoundError):
                partial.unlink()
    return Summary(path, revision, created, counts, data_version)


def _write_rows(connection: Connection, table: Table, out: io.TextIOBase) -> int:
    encoders = [_encoder(c) for c in table.columns]
    if not any(encoders):
        encode = list
    else:

        def encode(row: Any) -> list[Any]:
            return [
                value if enc is None or value is None else enc(value)
                for enc, value in zip(encoders, row, strict=True)
            ]

    stmt = select(*(_selected(c) for c in table.columns)).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH).execute(stmt)
    written = 0
    for rows in result.partitions():
        out.write("".join(_dumps(encode(row)) + "\n" for row in rows))
        written += len(rows)
    return written


# --- restore -----------------------------------------------------------------------------


def _known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one write transaction that holds the write lock from the start
    (SQLite: BEGIN IMMEDIATE, which also makes the migration's DDL transactional)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


# Security state that a backup leaves out: sessions (a restored copy would revive
# sign-ins that ended meanwhile) and counts of failed sign-ins.
TRANSIENT = {"user_sessions", "sign_in_throttle"}


def backed_up_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in TRANSIENT]


def _prepare_target(connection: Connection, revision: str) -> bool:
    """Check (or migrate) the target's revision; True when it was migrated here."""
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        ours = {t.name for t in Base.metadata.sorted_tables}
        present = ours & set(inspect(connection).get_table_names())
        if present:
            raise BackupError(
                "Die Zieldatenbank enthält Tabellen des Dashboards, aber keinen Migrationsstand; "
                "sie wird nicht angetastet. Bitte eine leere Datenbank angeben."
            )
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        return True
    if current != revision:
        raise BackupError(
            f"Die Zieldatenbank hat den Migrationsstand {current}, die Sicherung {revision}. "
            "Eine Sicherung wird nur in eine Datenbank mit demselben Stand eingespielt "
            "(oder in eine ganz leere, die dann auf diesen Stand gebracht wird). "
            "Es wurde nichts geändert."
        )
    return False


def _refuse_unless_empty(connection: Connection, names: list[str]) -> None:
    if connection.dialect.name == "postgresql":
        # Hold off writers (readers go on) until the restore commits; self-exclusive,
        # so a second restore at the same time waits and then finds the data.
        quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'"))
        connection.execute(text(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE"))
    filled = [
        name
        for name in names
        if name != DATA_VERSION_TABLE
        and connection.execute(
            select(literal(1)).select_from(Table(name, MetaData())).limit(1)
        ).first()
        is not None
    ]
    if filled:
        raise BackupError(
            "Die Zieldatenbank enthält schon Daten (Tabellen: "
            + ", ".join(filled)
            + "). Eine Sicherung wird nur in eine leere Datenbank eingespielt; "
            "es wurde nichts geändert."
        )


def _insert_table(model: Table, columns: list[str]) -> Table:
    """A Table with just COLUMNS of MODEL (no defaults), JSON with SQL NULL for None."""
    copies = []
    for name in columns:
        column = model.c[name]
        type_ = JSON(none_as_null=True) if isinstance(_base_type(column), JSON) else column.type
        copies.append(Column(name, type_, primary_key=column.primary_key))
    return Table(model.name, MetaData(), *copies)


def restore(engine: Engine, path: str | Path, *, progress: Progress | None = None) -> Summary:
    """Load the backup at PATH into ENGINE's empty database, all or nothing.

    PROGRESS is called with each table's name and row count after it is in.
    """
    path = Path(path)
    with _open_for_reading(path) as reader:
        header = _check_header(reader)
        revision = header["alembic_revision"]
        if not _known_revision(revision):
            raise BackupError(
                f"Die Sicherung hat den Migrationsstand {revision}, den diese Programmversion "
                "nicht kennt (sie ist wohl mit einer neueren Version erstellt). "
                "Es wurde nichts geändert."
            )
        plan = _plan(reader, header)
        counts: dict[str, int] = {}
        try:
            with _write_transaction(engine) as connection:
                _prepare_target(connection, revision)
                present = _check_target_schema(connection, plan)
                _refuse_unless_empty(
                    connection, [t.name for t in backed_up_tables() if t.name in present]
                )
                current = connection.scalar(select(DataVersion.value).where(DataVersion.id == 1))
                dumped = 0
                for model, columns, rows in plan:
                    if reader.next() != {"table": model.name, "rows": rows}:
                        raise reader.broken(
                            f"in Zeile {reader.number} fehlt die Tabelle {model.name}"
                        )
                    if model.name == DATA_VERSION_TABLE:  # set below, above both values
                        found = [
                            dict(zip(columns, r, strict=True))
                            for r in _rows(reader, model, columns, rows)
                        ]
                        dumped = max((r.get("value") or 0 for r in found), default=0)
                        counts[model.name] = len(found)
                    else:
                        counts[model.name] = _load_rows(connection, reader, model, columns, rows)
                    if progress:
                        progress(model.name, counts[model.name])
                trailer = {"end": True, "tables": len(plan), "rows": sum(r for *_, r in plan)}
                if reader.next() != trailer:
                    raise reader.broken("das Ende der Datei fehlt oder stimmt nicht")
                if not reader.at_end():
                    raise reader.broken("nach dem Ende folgen noch Zeilen")
                new_version = max(current or 0, dumped) + 1
                _set_data_version(connection, new_version)
                if connection.dialect.name == "postgresql":
                    _reset_sequences(connection, [model for model, *_ in plan])
        except (IntegrityError, DataError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise BackupError(
                f"Die Datenbank lehnt Zeilen der Sicherung ab ({reason}); die Datei passt nicht "
                "zu diesem Programm oder ist beschädigt. Es wurde nichts geändert."
            ) from exc
    return Summary(path, revision, created_at(header), counts, new_version)


def _plan(reader: _Reader, header: dict[str, Any]) -> list[tuple[Table, list[str], int]]:
    """(model table, columns, row count) per table of the file; refuses unknown ones."""
    models = {t.name: t for t in backed_up_tables()}
    plan = []
    for entry in header["tables"]:
        model = models.get(entry["name"])
        if model is None:
            raise reader.broken(f"die Tabelle {entry['name']} gibt es in diesem Programm nicht")
        unknown = [str(c) for c in entry["columns"] if c not in model.c]
        if unknown:
            raise reader.broken(
                f"die Spalten {', '.join(unknown)} der Tabelle {model.name} gibt es in diesem "
                "Programm nicht"
            )
        plan.append((model, list(entry["columns"]), entry["rows"]))
    return plan


def _check_target_schema(connection: Connection, plan: list[tuple[Table, list[str], int]]) -> set:
    """Refuse a target that lacks a table or column of the file; returns its tables."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    missing = [model.name for model, *_ in plan if model.name not in present] or [
        f"{model.name}.{name}"
        for model, columns, _ in plan
        for name in sorted(set(columns) - {c["name"] for c in inspector.get_columns(model.name)})
    ]
    if missing:
        raise BackupError(
            "Der Zieldatenbank fehlen Tabellen oder Spalten der Sicherung ("
            + ", ".join(missing)
            + "); es wurde nichts geändert."
        )
    return present


def _rows(reader: _Reader, model: Table, columns: list[str], count: int) -> Iterator[list[Any]]:
    """The next COUNT rows of MODEL from READER, decoded by the columns' types."""
    decoders = [_decoder(model.c[name]) for name in columns]
    for _ in range(count):
        raw = reader.next()
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise reader.broken(f"Zeile {reader.number} passt nicht zur Tabelle {model.name}")
        try:
            yield [
                None if value is None or dec is None else dec(value)
                for dec, value in zip(decoders, raw, strict=True)
            ]
        except (ValueError, TypeError) as exc:
            raise reader.broken(f"Zeile {reader.number}: {exc}") from exc


def _load_rows(
    connection: Connection, reader: _Reader, model: Table, columns: list[str], count: int
) -> int:
    """Insert COUNT rows of MODEL from READER in batches; returns the count."""
    table = _insert_table(model, columns)
    # Nullable references to the table itself are set after all its rows are in.
    later = [
        i
        for i, name in enumerate(columns)
        if model.c[name].nullable
        and any(fk.column.table is model for fk in model.c[name].foreign_keys)
    ]
    pk = [i for i, name in enumerate(columns) if model.c[name].primary_key]
    deferred: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    stmt = table.insert()
    for values in _rows(reader, model, columns, count):
        if later and any(values[i] is not None for i in later):
            deferred.append(
                {f"k_{i}": values[i] for i in pk} | {f"v_{i}": values[i] for i in later}
            )
            for i in later:
                values[i] = None
        batch.append(dict(zip(columns, values, strict=True)))
        if len(batch) >= BATCH:
            connection.execute(stmt, batch)
            batch = []
    if batch:
        connection.execute(stmt, batch)
    if deferred:
        fill = (
            update(table)
            .where(*(table.c[columns[i]] == bindparam(f"k_{i}") for i in pk))
            .values({columns[i]: bindparam(f"v_{i}") for i in later})
        )
        for start in range(0, len(deferred), BATCH):
            connection.execute(fill, deferred[start : start + BATCH])
    return count


def _set_data_version(connection: Connection, value: int) -> None:
    table = DataVersion.__table__
    now = dt.datetime.now(dt.UTC)
    done = connection.execute(
        update(table).where(table.c.id == 1).values(value=value, changed_at=now)
    )
    if done.rowcount == 0:
        connection.execute(table.insert().values(id=1, value=value, changed_at=now))


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Move each id sequence past the restored ids (next id: highest + 1)."""
    quote = connection.dialect.identifier_preparer
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(_base_type(pk[0]), sqltypes.Integer):
            continue
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": quote.quote(table.name), "column": pk[0].name},
        )
        if sequence is None:
            continue
        connection.execute(
            text(
                f"SELECT setval(:sequence, COALESCE((SELECT MAX({quote.quote(pk[0].name)}) "
                f"FROM {quote.quote(table.name)}), 0) + 1, false)"
            ),
            {"sequence": sequence},
        )
