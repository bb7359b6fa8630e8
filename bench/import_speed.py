"""The 2,000-row member import against its floor, on SQLite and PostgreSQL (issue 16).

Builds 2,000 valid new member rows (names, functions, organisations with their
sectors and working groups from the demo reference data) as the CSV the export
writes, then times the real import server-side, no browser: reading the file
(`list_import.read_table`), the preview that resolves and validates every row
(`list_import.preview`) and writing it (`list_import.apply_import` with the audit
trail, then the commit). Floor: a plain bulk insert of the same 2,000 rows
into the members table (one Core `insert(Member)` executemany in one
transaction, no groups, no audit). Median of RUNS each, the two taking turns; the rows are
deleted again between runs (not timed). SQLite: a file in bench/ (git-ignored);
PostgreSQL: a fresh schema on BENCH_PG_URL, dropped afterwards.

    .venv/bin/python bench/import_speed.py [--runs 5] [--rows 2000] [--no-pg] [--no-before]

With the import of before issue 16 for comparison (row by row through the
write services, same file, same run) unless --no-before.

Prints the table and writes bench/import_speed.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, delete, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import demo_db  # noqa: E402
from bench.import_speed_report import OUT, report  # noqa: E402
from components import exports  # noqa: E402
from db import list_import, services  # noqa: E402
from db.engine import make_engine, session_scope  # noqa: E402
from db.models import (  # noqa: E402
    AuditEntry,
    Member,
    WorkingGroupMembership,
)
from db.permissions import Actor  # noqa: E402
from tests.import_rows import member_rows  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EDITOR = Actor(demo_db.EDITOR, "editor")


# --------------------------------------------------------------------------- data


def floor_rows(session: Session, preview: list_import.ImportPreview) -> list[dict]:
    """The preview's member rows as the members table's columns (ids resolved, no groups)."""
    return [{k: v for k, v in row.data.items() if k != "area_ids"} for row in preview.rows]


# --------------------------------------------------------------------------- databases


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    path = ROOT / "bench" / "import-speed.db"
    demo_db.remove_sqlite(path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database() -> Iterator[Engine]:
    schema = f"bench_import_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def reset(engine: Engine, members_before: int, audit_before: int) -> None:
    """Remove what a run added (not timed)."""
    with session_scope(engine) as session:
        new = select(Member.id).where(Member.id > members_before)
        session.execute(
            delete(WorkingGroupMembership).where(WorkingGroupMembership.member_id.in_(new))
        )
        session.execute(delete(Member).where(Member.id > members_before))
        session.execute(delete(AuditEntry).where(AuditEntry.id > audit_before))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE members, working_group_memberships, audit_log"))


# --------------------------------------------------------------------------- timing


def time_import(engine: Engine, data: bytes, filename: str, expected: int) -> dict[str, float]:
    """One import, server-side: read the file, preview, write and commit."""
    start = time.perf_counter()
    table = list_import.read_table(data, filename, "members")
    parsed = time.perf_counter()
    with Session(engine) as session:
        preview = list_import.preview(session, "members", table)
    previewed = time.perf_counter()
    assert preview.ok, list_import.preview_frame(preview).query("Fehler != ''").head()
    with session_scope(engine, EDITOR) as session:
        counts = list_import.apply_import(session, EDITOR, "members", preview)
    done = time.perf_counter()
    assert counts == {"neu": expected, "ändern": 0}, counts
    return {
        "parse": parsed - start,
        "preview": previewed - parsed,
        "write": done - previewed,
        "total": done - start,
    }


def time_row_by_row(engine: Engine, data: bytes, filename: str) -> float:
    """The import as it was before issue 16: the same file, preview, then one
    write service call per row (each with its flush and audit insert)."""
    start = time.perf_counter()
    table = list_import.read_table(data, filename, "members")
    with Session(engine) as session:
        preview = list_import.preview(session, "members", table)
    with session_scope(engine, EDITOR) as session:
        for row in preview.rows:
            services.create_member(session, EDITOR, row.data)
    return time.perf_counter() - start


def time_floor(engine: Engine, rows: list[dict]) -> float:
    """The same rows into the members table: one executemany, one transaction."""
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(Member.__table__), rows)
    return time.perf_counter() - start


def measure(engine: Engine, count: int, runs: int, with_before: bool) -> dict:
    demo_db.fill(engine, users=False)
    with Session(engine) as session:
        rows = member_rows(session, count)
        members_before = session.scalar(select(func.max(Member.id))) or 0
        audit_before = session.scalar(select(func.max(AuditEntry.id))) or 0
    df = exports.pd.DataFrame(rows, columns=list_import.MEMBER_COLUMNS, dtype=object)
    data = exports.csv_bytes(df)
    with Session(engine) as session:
        plain = floor_rows(
            session, list_import.preview(session, "members", list_import.read_table(data, "m.csv"))
        )
    imports, floors, before = [], [], []
    for _ in range(runs):
        imports.append(time_import(engine, data, "mitglieder.csv", count))
        with Session(engine) as session:
            audited = session.scalar(select(func.count()).where(AuditEntry.id > audit_before))
            stored = session.scalar(select(func.count()).where(Member.id > members_before))
        assert stored == count and audited >= count, (stored, audited)
        reset(engine, members_before, audit_before)
        floors.append(time_floor(engine, plain))
        reset(engine, members_before, audit_before)
        if with_before:
            before.append(time_row_by_row(engine, data, "mitglieder.csv"))
            reset(engine, members_before, audit_before)
    median = {k: statistics.median(run[k] for run in imports) for k in imports[0]}
    return {
        **median,
        "floor": statistics.median(floors),
        "before": statistics.median(before) if before else None,
        "audit_rows": audited,
        "all_totals": [run["total"] for run in imports],
        "all_floors": floors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_IMPORT_RUNS", 5)))
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--no-before", action="store_true", help="leave out the row-by-row import of before"
    )
    args = parser.parse_args()
    results: dict[str, dict] = {}
    load_before = os.getloadavg()[0]
    backends = [("SQLite", sqlite_database)]
    if not args.no_pg:
        backends.append(("PostgreSQL", postgres_database))
    for name, database in backends:
        print(f"{name}: {args.rows} rows, {args.runs} runs …", flush=True)
        with database() as engine:
            results[name] = measure(engine, args.rows, args.runs, not args.no_before)
        r = results[name]
        print(
            f"{name:<10} import {r['total']:.2f}s (read {r['parse']:.2f}, preview "
            f"{r['preview']:.2f}, write {r['write']:.2f}) floor {r['floor']:.3f}s "
            f"ratio {r['total'] / r['floor']:.1f}"
            + (f"; row by row (before) {r['before']:.2f}s" if r["before"] is not None else ""),
            flush=True,
        )
    text = report(results, args.rows, args.runs, (load_before, os.getloadavg()[0]))
    if args.rows == 2000 and args.runs >= 5 and not args.no_pg:
        OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
