"""The import writes with bulk statements (issue 16): 2,000 members land completely,
each with its audit entry; a refusal anywhere leaves nothing; one log line per
import; the progress callback hears of every chunk; and the audit trail holds
what the write services, row by row, would have written. Speed is shown by
bench/import_speed.py, not here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from components import exports
from db import list_import, services
from db.engine import session_scope
from db.errors import InvalidInput
from db.models import (
    AuditEntry,
    Measure,
    Member,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)
from db.permissions import Actor
from db.versioning import data_version
from tests import import_rows
from tests.conftest import TODAY
from tests.logcapture import captured_log

EDITOR = Actor("geschaeftsstelle", "editor")
ROWS = 2000
BAD = 1999  # the 1,999th row: line 2,000 of the file (the header is line 1)


# --------------------------------------------------------------------------- helpers


def member_rows(engine: Engine, count: int) -> list[dict[str, Any]]:
    with Session(engine) as s:
        return import_rows.member_rows(s, count)


def preview_of(engine: Engine, kind: str, df: pd.DataFrame) -> list_import.ImportPreview:
    """The preview of DF as the page makes it: through the CSV the export writes."""
    table = list_import.read_table(exports.csv_bytes(df), "liste.csv", kind)
    with Session(engine) as s:
        return list_import.preview(s, kind, table)


def frame(rows: list[dict], kind: str = "members") -> pd.DataFrame:
    columns = list_import.MEMBER_COLUMNS if kind == "members" else list_import.MEASURE_COLUMNS
    return pd.DataFrame(rows, columns=columns, dtype=object)


def state(engine: Engine) -> tuple[int, ...]:
    """Rows per written table and the data version: what a refused import must leave."""
    with Session(engine) as s:
        counts = tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (Member, WorkingGroupMembership, Measure, ProgressUpdate, AuditEntry)
        )
        return (*counts, data_version(s))


def max_id(engine: Engine, model: Any) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.max(model.id))) or 0


def audit_since(session: Session, audit_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.id > audit_id).order_by(AuditEntry.id)
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- 2,000 rows


def test_2000_members_land_completely_each_with_its_audit_entry(demo_engine):
    rows = member_rows(demo_engine, ROWS)
    preview = preview_of(demo_engine, "members", frame(rows))
    assert preview.ok and preview.counts["neu"] == ROWS
    members_before, audit_before = max_id(demo_engine, Member), max_id(demo_engine, AuditEntry)
    with Session(demo_engine) as s:
        version_before = data_version(s)
        org_ids = dict(s.execute(select(Organisation.name, Organisation.id)).tuples().all())
        sector_ids = dict(s.execute(select(Sector.name, Sector.id)).tuples().all())
        area_ids = dict(s.execute(select(ThematicArea.short_name, ThematicArea.id)).tuples().all())
    calls: list[tuple[int, int]] = []

    with captured_log() as log, session_scope(demo_engine, EDITOR) as s:
        counts = list_import.apply_import(
            s, EDITOR, "members", preview, progress=lambda done, total: calls.append((done, total))
        )

    assert counts == {"neu": ROWS, "ändern": 0}
    with Session(demo_engine) as s:
        members = list(s.scalars(select(Member).where(Member.id > members_before)))
        groups: dict[int, list[int]] = {}
        for m in s.scalars(
            select(WorkingGroupMembership).where(WorkingGroupMembership.member_id > members_before)
        ):
            groups.setdefault(m.member_id, []).append(m.area_id)
        entries = audit_since(s, audit_before)
        assert data_version(s) == version_before + 1
    assert len(members) == ROWS
    members.sort(key=lambda m: m.id)  # ids in the order of the file
    expected_entries = []
    for member, raw in zip(members, rows, strict=True):
        # every column as stored (the audit entry records them all, a new one too) ...
        values = {
            column.key: value.isoformat() if isinstance(value, dt.date) else value
            for column in Member.__table__.columns
            for value in [getattr(member, column.key)]
        }
        # ... and those the file sets hold its cells
        assert (
            values
            | {
                "first_name": raw["Vorname"],
                "last_name": raw["Nachname"],
                "function": raw["Funktion"],
                "email": raw["E-Mail"],
                "organisation_id": org_ids[raw["Organisation"]],
                "sector_id": sector_ids[raw["Bereich"]],
                "active_from": raw["Mitglied seit"].isoformat(),
                "active_to": raw["Mitglied bis"] and raw["Mitglied bis"].isoformat(),
                "deputy_for_id": None,
                "anonymised_at": None,
                "version": 1,
            }
            == values
        )
        wanted = sorted(area_ids[g.strip()] for g in (raw["Arbeitsgruppen"] or "").split(",") if g)
        assert sorted(groups.get(member.id, [])) == wanted
        expected_entries.append(("members", str(member.id), values))
        expected_entries += [
            (
                "working_group_memberships",
                f"{member.id}/{a}",
                {"member_id": member.id, "area_id": a},
            )
            for a in wanted
        ]
    assert {(e.username, e.action, e.old_values) for e in entries} == {
        ("geschaeftsstelle", "insert", None)
    }
    by_record = lambda e: e[:2]  # noqa: E731
    assert sorted([(e.table_name, e.record_id, e.new_values) for e in entries], key=by_record) == (
        sorted(expected_entries, key=by_record)
    )
    assert sum(e.table_name == "members" for e in entries) == ROWS

    assert calls[0] == (0, ROWS) and calls[-1] == (ROWS, ROWS)
    assert all(total == ROWS for _, total in calls)
    done = [d for d, _ in calls]
    assert done == sorted(set(done)) and len(calls) == ROWS // list_import.CHUNK + 1

    assert [e["event"] for e in log.events] == ["import"]  # one line, not one per row
    (line,) = log.named("import")
    assert {k: line[k] for k in ("user", "kind", "rows", "inserted", "updated", "unchanged")} == {
        "user": "geschaeftsstelle",
        "kind": "members",
        "rows": ROWS,
        "inserted": ROWS,
        "updated": 0,
        "unchanged": 0,
    }
    assert isinstance(line["ms"], int)
    assert not any(raw["Nachname"] in log.text for raw in rows[:50])  # counts, no names


def test_a_bad_row_1999_of_2000_leaves_nothing_saved(demo_engine):
    rows = member_rows(demo_engine, ROWS)
    rows[BAD - 1]["Organisation"] = "Verein, den es nicht gibt e. V."
    preview = preview_of(demo_engine, "members", frame(rows))
    assert preview.error_lines == [BAD + 1]
    before = state(demo_engine)

    with (
        captured_log() as log,
        pytest.raises(InvalidInput) as refused,
        session_scope(demo_engine, EDITOR) as s,
    ):
        list_import.apply_import(s, EDITOR, "members", preview)

    assert refused.value.messages == [
        f"Zeile {BAD + 1}: Organisation: „Verein, den es nicht gibt e. V.“ gibt es nicht."
    ]
    assert state(demo_engine) == before
    assert [e["event"] for e in log.events] == ["import_refused"]


def test_a_row_1999_gone_stale_since_the_preview_leaves_nothing_saved(demo_engine):
    """The preview was fine; by the time of the import the organisation of row 1,999
    is gone. The rows are checked again, and nothing is written."""
    rows = member_rows(demo_engine, ROWS)
    with Session(demo_engine) as s:
        sector = s.scalars(select(Sector).order_by(Sector.id)).first()
        sector_name, sector_id = sector.name, sector.id
    with session_scope(demo_engine, EDITOR) as s:
        org_id = services.create_organisation(
            s, EDITOR, {"name": "Kurzlebiger Verein e. V.", "sector_id": sector_id}
        )
    rows[BAD - 1] |= {"Organisation": "Kurzlebiger Verein e. V.", "Bereich": sector_name}
    preview = preview_of(demo_engine, "members", frame(rows))
    assert preview.ok
    with session_scope(demo_engine) as s:
        s.delete(s.get(Organisation, org_id))
    before = state(demo_engine)

    with (
        captured_log() as log,
        pytest.raises(InvalidInput) as refused,
        session_scope(demo_engine, EDITOR) as s,
    ):
        list_import.apply_import(s, EDITOR, "members", preview)

    assert refused.value.messages == [f"Zeile {BAD + 1}: Die Organisation gibt es nicht (mehr)."]
    assert state(demo_engine) == before
    assert log.named("import") == []


def test_an_import_stopped_after_1800_rows_leaves_nothing_saved(demo_engine):
    """Closing the browser stops the script at its next progress update (Streamlit raises
    StopException there): the rows written so far are rolled back with the rest."""
    preview = preview_of(demo_engine, "members", frame(member_rows(demo_engine, ROWS)))
    before = state(demo_engine)
    written: list[int] = []

    def closed_at_1800(done: int, total: int) -> None:
        written.append(done)
        if done >= 1800:
            raise StopException()

    with (
        captured_log() as log,
        pytest.raises(StopException),
        session_scope(demo_engine, EDITOR) as s,
    ):
        list_import.apply_import(s, EDITOR, "members", preview, progress=closed_at_1800)

    assert written[-1] == 1800
    assert state(demo_engine) == before
    assert log.events == []


# --------------------------------------------------------------------------- same trail as the services


# Columns holding a record id, and the table of that record (None: the entry's own table).
REFERS = {"id": None, "member_id": "members", "measure_id": "measures", "deputy_for_id": "members"}


def _normalised(entries: list[AuditEntry], firsts: dict[str, int]) -> list[tuple]:
    """ENTRIES without their own id and time, and with the ids of records new in
    this import as their position ("new 0": the first new record of its table)."""

    def new(table: str, value: Any) -> Any:
        first = firsts.get(table)
        if first is not None and isinstance(value, int) and value >= first:
            return f"new {value - first}"
        return value

    def values(table: str, side: dict | None) -> str:
        if side is None:
            return repr(None)
        return repr({k: new(REFERS[k] or table, v) if k in REFERS else v for k, v in side.items()})

    out = []
    for e in entries:
        if e.table_name == "working_group_memberships":
            member, area = e.record_id.split("/")
            record = f"{new('members', int(member))}/{area}"
        else:
            record = str(new(e.table_name, int(e.record_id)))
        old, new_values = values(e.table_name, e.old_values), values(e.table_name, e.new_values)
        out.append((e.username, e.action, e.table_name, record, old, new_values))
    return sorted(out)


def _through_services(session: Session, kind: str, preview: list_import.ImportPreview) -> None:
    """What the import did before issue 16: one write-service call per row."""
    create, update = {
        "members": (services.create_member, services.update_member),
        "measures": (services.create_measure, services.update_measure),
    }[kind]
    for row in preview.rows:
        if row.action == "neu":
            create(session, EDITOR, row.data)
        elif row.action == "ändern":
            update(session, EDITOR, row.record_id, row.data, row.version)


def _mixed_members(engine: Engine) -> pd.DataFrame:
    with Session(engine) as s:
        df = list_import.export(s, "members")
    df.loc[0, "Funktion"] = "Neue Funktion"
    df.loc[1, "Arbeitsgruppen"] = "AG 2"  # only the groups: the member's version still moves
    df.loc[2, "Mitglied bis"] = TODAY + dt.timedelta(days=30)
    df.loc[3, ["Vorname", "Arbeitsgruppen"]] = ["Umbenannt", None]
    df.loc[4, "Stellvertretung für (ID)"] = df.loc[0, "ID"]
    new = frame(member_rows(engine, 30))
    new.loc[0, "Stellvertretung für (ID)"] = df.loc[5, "ID"]
    return pd.concat([df, new], ignore_index=True)


def _mixed_measures(engine: Engine) -> pd.DataFrame:
    with Session(engine) as s:
        df = list_import.export(s, "measures")
    df.loc[0, "Status"] = "zurückgestellt" if df.loc[0, "Status"] != "zurückgestellt" else "geplant"
    df.loc[1, "Verantwortlich"] = "Neue Stelle"
    df.loc[2, "Fortschritt (%)"] = 55 if df.loc[2, "Fortschritt (%)"] != 55 else 56
    df.loc[3, "Titel"] = "Umbenannte Maßnahme"
    new = [
        dict.fromkeys(list_import.MEASURE_COLUMNS)
        | {
            "Titel": f"Neue Maßnahme {i}",
            "Beschreibung": "Aus dem Import",
            "Themenbereich": df.loc[i % 3, "Themenbereich"],
            "Status": "geplant",
            "Fortschritt (%)": 10 * (i % 5),
            "Fällig am": TODAY + dt.timedelta(days=100 + i),
        }
        for i in range(12)
    ]
    return pd.concat([df, frame(new, "measures")], ignore_index=True)


@pytest.mark.parametrize("kind", ["members", "measures"])
def test_the_bulk_import_writes_the_audit_trail_of_the_write_services(demo_engine, kind):
    """The same preview, once through the services row by row (rolled back) and once
    through the import: the same entries, apart from their time."""
    df = (_mixed_members if kind == "members" else _mixed_measures)(demo_engine)
    preview = preview_of(demo_engine, kind, df)
    assert preview.ok and preview.counts["ändern"] >= 4 and preview.counts["neu"] >= 12
    models = {"members": Member, "measures": Measure, "progress_updates": ProgressUpdate}
    maxes = {table: max_id(demo_engine, model) for table, model in models.items()}
    audit_before = max_id(demo_engine, AuditEntry)

    def firsts(session: Session) -> dict[str, int]:
        """The first id of each table's records new since MAXES (sequences move on PostgreSQL)."""
        found = {
            table: session.scalar(select(func.min(model.id)).where(model.id > maxes[table]))
            for table, model in models.items()
        }
        return {table: first for table, first in found.items() if first is not None}

    with Session(demo_engine, info={"actor": EDITOR}) as s:
        _through_services(s, kind, preview)
        s.flush()
        by_services = _normalised(audit_since(s, audit_before), firsts(s))
        s.rollback()
    maxes = {table: max_id(demo_engine, model) for table, model in models.items()}
    audit_before = max_id(demo_engine, AuditEntry)
    with session_scope(demo_engine, EDITOR) as s:
        list_import.apply_import(s, EDITOR, kind, preview)
    with Session(demo_engine) as s:
        by_import = _normalised(audit_since(s, audit_before), firsts(s))
    assert by_import == by_services
    assert {e[1] for e in by_import} >= {"insert", "update"}
