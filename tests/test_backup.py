"""Backup and restore (`db/backup.py`, `python -m db.cli backup|restore`) on
SQLite and PostgreSQL: a restored database has exactly the rows of the
backed-up one, across backends too; a restore into a database with data, at
another revision or from a broken file is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, null, select, text, update
from sqlalchemy.orm import Session

from db import backup, services
from db.backup import BackupError
from db.config import PROJECT_ROOT
from db.demo import DEMO_USERS, load_demo
from db.engine import make_engine, session_scope
from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.models import (
    BERLIN,
    AuditEntry,
    DataVersion,
    Measure,
    Member,
    User,
)
from db.permissions import Actor
from db.versioning import data_version
from tests.conftest import PG_SERVER, TODAY

EDITOR = Actor("geschaeftsstelle", "editor")
ADMIN = Actor("admin", "admin")
TABLES = [t for t in backup.backed_up_tables() if t.name != DataVersion.__tablename__]


# --- helpers -----------------------------------------------------------------------------


def rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table (but the data version), ordered by primary key, and
    which JSON values of the audit trail are SQL NULL (not JSON null)."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for table in TABLES:
            stmt = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in connection.execute(stmt)]
        audit = AuditEntry.__table__
        out["audit_log (SQL NULL)"] = [
            tuple(r)
            for r in connection.execute(
                select(audit.c.id, audit.c.old_values.is_(None), audit.c.new_values.is_(None))
                .order_by(audit.c.id)
                .where(audit.c.old_values.is_(None) | audit.c.new_values.is_(None))
            )
        ]
    return out


def state(engine: Engine) -> tuple[dict[str, list[tuple]], int, str | None]:
    """Rows, data version and revision: what a refused restore must leave alone."""
    with engine.connect() as connection:
        version = data_version(connection)
    return rows(engine), version, current_revision(engine)


def fill(engine: Engine) -> None:
    """Audit entries from real services, a self-reference pointing to a later row,
    an account with a lock time, and audit values that are SQL NULL."""
    with session_scope(engine, EDITOR) as session:
        measure = session.scalar(select(Measure).order_by(Measure.id).limit(1))
        services.add_progress_update(
            session,
            EDITOR,
            measure.id,
            {"date": TODAY, "progress": 55, "status_id": measure.status_id, "note": "Ünal 🌻"},
            measure.version,
        )
    with session_scope(engine, EDITOR) as session:
        first = session.scalar(select(Member).order_by(Member.id).limit(1))
        last = session.scalar(select(Member).order_by(Member.id.desc()).limit(1))
        first.deputy_for_id = last.id  # the deputy's row comes before the member's
        first.email = "vertretung@example.org"
    with session_scope(engine, ADMIN) as session:
        user = session.scalar(select(User).where(User.username == "leitung"))
        user.created_at = dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC)  # DST change day
    with engine.begin() as connection:
        connection.execute(
            insert(AuditEntry).values(
                at=dt.datetime.now(dt.UTC),
                username="system",
                action="delete",
                table_name="sectors",
                record_id="99",
                old_values={"name": "weg", "n": None, "x": [1.5, True]},
                new_values=null(),
            )
        )


def head_file(path: Path, change: Callable[[list[str]], list[str]], target: Path) -> Path:
    """Copy the backup at PATH to TARGET with its lines changed by CHANGE."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    with gzip.open(target, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(change(lines)) + "\n")
    return target


def with_header(**changes: Any) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        return [json.dumps(json.loads(lines[0]) | changes), *lines[1:]]

    return change


def with_value(line: int, column: str, value: Any) -> Callable[[list[str]], list[str]]:
    """Set COLUMN of the measure row at LINE to VALUE."""

    def change(lines: list[str]) -> list[str]:
        tables = {t["name"]: t["columns"] for t in json.loads(lines[0])["tables"]}
        row = json.loads(lines[line])
        row[tables["measures"].index(column)] = value
        return [*lines[:line], json.dumps(row), *lines[line + 1 :]]

    return change


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "db.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def empty_db(request, tmp_path) -> Iterator[Callable[..., Engine]]:
    """Factory: an engine on a new, empty database of BACKEND (not migrated unless
    MIGRATED). PostgreSQL databases are schemas of their own, dropped afterwards."""
    engines: list[Engine] = []
    schemas: list[str] = []

    def make(backend: str, migrated: bool = False) -> Engine:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'leer-{len(engines)}.db'}"
        else:
            request.getfixturevalue("pg_schema_url")  # skips when PostgreSQL is unreachable
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin().begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        engines.append(engine)
        if migrated:
            upgrade(engine)
        return engine

    admins: list[Engine] = []

    def admin() -> Engine:
        if not admins:
            admins.append(make_engine(PG_SERVER))
        return admins[0]

    yield make
    for engine in engines:
        engine.dispose()
    if schemas:
        with admin().begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    for engine in admins:
        engine.dispose()


@pytest.fixture
def filled(demo_engine, demo_accounts) -> Engine:
    """The test database with demo data, demo accounts and some audit entries."""
    fill(demo_engine)
    return demo_engine


# --- round trip --------------------------------------------------------------------------


def test_backup_then_restore_into_a_fresh_database_gives_the_same_rows(filled, empty_db, tmp_path):
    before = rows(filled)
    with filled.connect() as connection:
        version_before = data_version(connection)
    assert before["audit_log"] and before["users"] and before["audit_log (SQL NULL)"]
    path = tmp_path / "sicherung.json.gz"
    seen: list[tuple[str, int]] = []

    summary = backup.backup(filled, path, progress=lambda t, n: seen.append((t, n)))

    assert oct(path.stat().st_mode & 0o777) == "0o600"  # it holds the password hashes
    assert [t for t, _ in seen] == [t.name for t in backup.backed_up_tables()]
    assert dict(seen) == {t.name: len(before[t.name]) for t in TABLES} | {"data_version": 1}
    header = backup.read_header(path)
    assert header["alembic_revision"] == summary.revision == head_revision()
    assert {t["name"]: t["rows"] for t in header["tables"]} == summary.tables

    target = empty_db(filled.dialect.name, migrated=True)
    with target.begin() as connection:  # a target that has seen more changes than the source
        connection.execute(update(DataVersion).values(value=version_before + 50))
    restored = backup.restore(target, path)

    assert rows(target) == before
    assert restored.rows == summary.rows
    with target.connect() as connection:
        assert data_version(connection) == restored.data_version == version_before + 51

    # New rows get fresh ids after the restored ones (PostgreSQL: sequences moved on).
    highest = {t: max(r[0] for r in before[t]) for t in ("members", "measures", "audit_log")}
    with session_scope(target, EDITOR) as session:
        measure = session.get(Measure, highest["measures"])
        measure_id = services.create_measure(
            session,
            EDITOR,
            {
                "title": "Nach der Wiederherstellung",
                "area_id": measure.area_id,
                "status_id": measure.status_id,
            },
        )
        model = session.get(Member, highest["members"])
        member = Member(
            first_name="Neu",
            last_name="Mitglied",
            organisation_id=model.organisation_id,
            sector_id=model.sector_id,
            active_from=TODAY,
        )
        session.add(member)
        session.flush()
        member_id = member.id
    assert measure_id == highest["measures"] + 1
    assert member_id == highest["members"] + 1
    with Session(target) as session:
        audit_ids = session.scalars(select(AuditEntry.id)).all()
    assert min(set(audit_ids) - {r[0] for r in before["audit_log"]}) == highest["audit_log"] + 1


@pytest.mark.parametrize("source, target", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_a_backup_restores_into_the_other_database_kind(
    source, target, empty_db, demo_hashes, tmp_path
):
    origin = empty_db(source, migrated=True)
    with session_scope(origin) as session:
        load_demo(session, today=TODAY)
        for username, name, role, _ in DEMO_USERS:
            session.add(
                User(
                    username=username,
                    display_name=name,
                    role=role,
                    password_hash=demo_hashes[username],
                )
            )
    fill(origin)
    path = tmp_path / "quer.json.gz"
    backup.backup(origin, path)

    destination = empty_db(target)  # empty, not migrated: the restore migrates it first
    backup.restore(destination, path)

    assert current_revision(destination) == head_revision()
    assert rows(destination) == rows(origin)


def test_the_backup_is_one_snapshot_while_the_app_keeps_writing(filled, empty_db, tmp_path):
    before = rows(filled)
    wrote: list[int] = []

    def write_meanwhile(table: str, _rows: int) -> None:
        if wrote:
            return
        with session_scope(filled, EDITOR) as session:
            measure = session.scalar(select(Measure).order_by(Measure.id.desc()).limit(1))
            wrote.append(
                services.add_progress_update(
                    session,
                    EDITOR,
                    measure.id,
                    {"date": TODAY, "progress": 1, "status_id": measure.status_id},
                    measure.version,
                )
            )

    path = tmp_path / "waehrenddessen.json.gz"
    backup.backup(filled, path, progress=write_meanwhile)

    assert wrote and rows(filled) != before  # the write went through during the backup
    target = empty_db(filled.dialect.name)
    backup.restore(target, path)
    assert rows(target) == before


# --- refusals ----------------------------------------------------------------------------


def test_restore_refuses_a_database_with_data_and_changes_nothing(filled, empty_db, tmp_path):
    path = tmp_path / "s.json.gz"
    backup.backup(filled, path)
    before = state(filled)
    with pytest.raises(BackupError, match="enthält schon Daten"):
        backup.restore(filled, path)
    assert state(filled) == before

    only_an_account = empty_db(filled.dialect.name, migrated=True)
    with session_scope(only_an_account, ADMIN) as session:
        session.add(User(username="erste", display_name="Erste", password_hash="x", role="admin"))
    before = state(only_an_account)
    with pytest.raises(BackupError, match=r"enthält schon Daten \(Tabellen: audit_log, users\)"):
        backup.restore(only_an_account, path)
    assert state(only_an_account) == before


def _older_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config())
    down = script.get_revision(head_revision()).down_revision
    return down if isinstance(down, str) else None


def _broken_files(path: Path, tmp_path: Path) -> list[tuple[Path, str]]:
    """Variants of the good backup at PATH, each with the message it must give."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    wanted = next(i for i, line in enumerate(lines) if line.startswith('{"table":"measures"'))
    cases = [
        (head_file(path, with_header(alembic_revision="9999"), tmp_path / "neu.gz"), "9999"),
        (
            head_file(path, with_header(format_version=2), tmp_path / "v2.gz"),
            "hat das Format 2",
        ),
        (
            head_file(path, with_header(format="etwas anderes"), tmp_path / "fremd.gz"),
            "keine Sicherungsdatei",
        ),
        # a row missing in the middle: rows were already inserted when this shows
        (
            head_file(path, lambda ls: ls[: wanted + 3] + ls[wanted + 4 :], tmp_path / "r.gz"),
            "beschädigt",
        ),
        (head_file(path, lambda ls: ls[:-1], tmp_path / "ohne-ende.gz"), "beschädigt"),
        (head_file(path, with_value(wanted + 1, "title", 42), tmp_path / "zahl.gz"), "beschädigt"),
        (
            head_file(path, with_value(wanted + 1, "start_date", "gestern"), tmp_path / "tag.gz"),
            "beschädigt",
        ),
    ]
    older = _older_revision()
    if older:
        cases.append(
            (
                head_file(path, with_header(alembic_revision=older), tmp_path / "alt.gz"),
                # a target at the newest revision refuses it, an empty one is migrated to
                # OLDER and then lacks the columns this (doctored) file has, or has
                # columns the file lacks
                f"Migrationsstand {head_revision()}, die Sicherung {older}|fehlen .* Spalten"
                "|lehnt Zeilen der Sicherung ab",
            )
        )
    plain = tmp_path / "text.json.gz"
    plain.write_text("das ist keine Sicherung\n")
    cases.append((plain, "keine Sicherungsdatei"))
    cut = tmp_path / "halb.json.gz"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    cases.append((cut, "unvollständig|beschädigt"))
    cases.append((tmp_path / "gibt-es-nicht.json.gz", "gibt es nicht"))
    return cases


def test_restore_refuses_a_wrong_revision_or_a_broken_file_and_changes_nothing(
    filled, empty_db, tmp_path
):
    path = tmp_path / "gut.json.gz"
    backup.backup(filled, path)
    migrated = empty_db(filled.dialect.name, migrated=True)
    bare = empty_db(filled.dialect.name)
    before = state(migrated)

    for broken, message in _broken_files(path, tmp_path):
        with pytest.raises(BackupError, match=message):
            backup.restore(migrated, broken)
        assert state(migrated) == before, broken.name
        with pytest.raises(BackupError, match=message):
            backup.restore(bare, broken)
        assert inspect(bare).get_table_names() == [], broken.name  # not even migrated

    backup.restore(migrated, path)  # the good file still goes in
    assert rows(migrated) == rows(filled)


def test_backup_refuses_to_overwrite_and_leaves_no_partial_file(filled, tmp_path):
    folder = tmp_path / "sicherungen"
    folder.mkdir()
    path = folder / "s.json.gz"
    path.write_text("alt")
    with pytest.raises(BackupError, match="gibt es schon"):
        backup.backup(filled, path)
    assert path.read_text() == "alt"
    with pytest.raises(BackupError, match="Verzeichnis"):
        backup.backup(filled, folder / "fehlt" / "s.json.gz")

    def interrupted(table: str, _rows: int) -> None:
        if table == "members":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backup.backup(filled, path, overwrite=True, progress=interrupted)
    assert path.read_text() == "alt"  # the old file stays until a new one is complete
    backup.backup(filled, path, overwrite=True)
    assert backup.read_header(path)["format"] == backup.FORMAT
    assert [p.name for p in folder.iterdir()] == ["s.json.gz"]


# --- command line ------------------------------------------------------------------------


def test_cli_backup_and_restore_end_to_end(filled, db_url, empty_db, tmp_path):
    path = tmp_path / "cli.json.gz"
    made = cli(db_url, "backup", str(path))
    assert made.returncode == 0, made.stderr
    for table in backup.backed_up_tables():  # one progress line per table
        assert any(line.split()[:1] == [table.name] for line in made.stdout.splitlines())
    assert "Sicherung geschrieben" in made.stdout

    again = cli(db_url, "backup", str(path))
    assert again.returncode == 1
    assert again.stderr.startswith("Fehler: Die Datei") and "--force" in again.stderr

    target = empty_db(filled.dialect.name)
    restored = cli(url_of(target), "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert "Sicherung eingespielt" in restored.stdout
    assert rows(target) == rows(filled)

    refused = cli(url_of(target), "restore", str(path))
    missing = cli(url_of(target), "restore", str(tmp_path / "nichts.json.gz"))
    for run, message in [(refused, "enthält schon Daten"), (missing, "gibt es nicht")]:
        assert run.returncode == 1
        assert run.stderr.startswith("Fehler: ") and message in run.stderr
        assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_restored_times_keep_their_instant(filled, empty_db, tmp_path):
    path = tmp_path / "zeit.json.gz"
    backup.backup(filled, path)
    target = empty_db("sqlite")
    backup.restore(target, path)
    with Session(target) as session:
        created = session.scalar(select(User.created_at).where(User.username == "leitung"))
    assert created == dt.datetime(2026, 3, 29, 4, 30, tzinfo=BERLIN)
