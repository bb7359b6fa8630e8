"""Ten editors save the same measure at the same time, through the real write
services and each in a session of its own, on SQLite and PostgreSQL: no
update is lost, every refusal is a Conflict (never "database is locked" or a
crash), and the audit trail holds exactly the changes that were saved.

Each editor works like the page: it reads the measure (its version and
values) in one session, then saves in another session passing the version it
read. Progress values are unique per attempt, so every saved value can be
traced in the final row, the history and the audit trail.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import services
from db.engine import session_scope
from db.errors import Conflict
from db.models import AuditEntry, Measure, MeasureStatus, ProgressUpdate, ThematicArea
from db.permissions import Actor

EDITORS = 10
DEADLINE_S = 20  # per test and backend; threads that are not done by then fail the test
FIELDS = (
    "title",
    "description",
    "area_id",
    "need_id",
    "proposed_at_meeting_id",
    "responsible",
    "status_id",
    "progress",
    "start_date",
    "due_date",
)


@dataclass(frozen=True)
class Attempt:
    editor: str
    kind: str  # "progress" (Fortschritt melden) or "edit" (Maßnahme bearbeiten)
    expected_version: int
    progress: int
    marker: str
    outcome: str  # "saved", "conflict" or the repr of anything else


def _new_measure(engine) -> int:
    """A measure of its own for the race, created through the service (audited)."""
    actor = Actor("vorbereitung", "editor")
    with session_scope(engine, actor) as session:
        area = session.scalar(select(ThematicArea.id).order_by(ThematicArea.id).limit(1))
        status = session.scalar(
            select(MeasureStatus.id).where(MeasureStatus.default_progress.is_(None)).limit(1)
        ) or session.scalar(select(MeasureStatus.id).limit(1))
        return services.create_measure(
            session,
            actor,
            {"title": "Wettlauf der Redaktion", "area_id": area, "status_id": status},
        )


def _read(engine, measure_id: int) -> tuple[int, dict[str, Any]]:
    """What a page shows: the version and the form's values."""
    with Session(engine) as session:
        measure = session.get(Measure, measure_id)
        return measure.version, {f: getattr(measure, f) for f in FIELDS}


def _save(engine, actor: Actor, measure_id: int, kind: str, version: int, row, progress, marker):
    with session_scope(engine, actor) as session:
        if kind == "progress":
            services.add_progress_update(
                session,
                actor,
                measure_id,
                {
                    "date": dt.date.today(),
                    "progress": progress,
                    "status_id": row["status_id"],
                    "note": marker,
                },
                version,
            )
        else:
            services.update_measure(
                session,
                actor,
                measure_id,
                row | {"responsible": marker, "progress": progress},
                version,
            )


def _race(engine, measure_id: int, attempts: int, lockstep: bool) -> list[Attempt]:
    """Run EDITORS threads with ATTEMPTS saves each; all start together.

    LOCKSTEP: every round all read first, then all save, then the next round
    starts (so each round everyone saves over the same version). Otherwise
    each editor reads, waits a moment and saves, at its own pace.
    """
    barrier = threading.Barrier(EDITORS, timeout=DEADLINE_S)
    results: list[Attempt] = []
    rng = random.Random(8)
    pauses = [[rng.uniform(0, 0.004) for _ in range(attempts)] for _ in range(EDITORS)]

    def editor(index: int) -> None:
        actor = Actor(f"redaktion{index:02d}", "editor")
        kind = "progress" if index % 2 == 0 else "edit"
        barrier.wait()
        for attempt in range(attempts):
            progress = index * attempts + attempt  # unique, 0..99
            marker = f"{actor.username}/{attempt}"
            version, row = _read(engine, measure_id)
            if lockstep:
                barrier.wait()
            else:
                time.sleep(pauses[index][attempt])
            try:
                _save(engine, actor, measure_id, kind, version, row, progress, marker)
                outcome = "saved"
            except Conflict:
                outcome = "conflict"
            except Exception as exc:
                outcome = repr(exc)
            results.append(Attempt(actor.username, kind, version, progress, marker, outcome))
            if lockstep:
                barrier.wait()

    threads = [
        threading.Thread(target=editor, args=(i,), name=f"editor-{i}", daemon=True)
        for i in range(EDITORS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.1, DEADLINE_S - (time.monotonic() - started)))
    barrier.abort()  # releases anyone still waiting, so no thread outlives the test
    hanging = [t.name for t in threads if t.is_alive()]
    assert not hanging, f"not done after {DEADLINE_S} s: {hanging}"
    return results


def _check(engine, measure_id: int, before: tuple[int, dict], audit_from: int, results):
    """No lost update, only conflicts as refusals, and a complete audit trail."""
    odd = [r for r in results if r.outcome not in ("saved", "conflict")]
    assert not odd, odd
    saved = sorted((r for r in results if r.outcome == "saved"), key=lambda r: r.expected_version)
    refused = [r for r in results if r.outcome == "conflict"]
    assert saved, "nobody could save"

    # Each save is based on the version the one before produced: none overwrote
    # another unseen (two saves over the same version would be a lost update).
    start_version, start_row = before
    assert [r.expected_version for r in saved] == list(
        range(start_version, start_version + len(saved))
    )
    version, row = _read(engine, measure_id)
    assert version == start_version + len(saved)

    # The final row is the replay of the saved writes in their order.
    expected = dict(start_row)
    for r in saved:
        expected["progress"] = r.progress
        if r.kind == "edit":
            expected["responsible"] = r.marker
    assert row == expected
    assert row["progress"] == saved[-1].progress

    with Session(engine) as session:
        history = session.execute(
            select(ProgressUpdate.note, ProgressUpdate.progress, ProgressUpdate.author)
            .where(ProgressUpdate.measure_id == measure_id)
            .order_by(ProgressUpdate.id)
        ).all()[1:]  # the first is "Maßnahme angelegt."
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.id > audit_from).order_by(AuditEntry.id)
        ).all()

    # Every saved write is in the history, no refused one.
    assert sorted((h.progress, h.author) for h in history) == sorted(
        (r.progress, r.editor) for r in saved
    )
    assert {h.note for h in history if h.note.startswith("redaktion")} == {
        r.marker for r in saved if r.kind == "progress"
    }

    # One audit entry per saved change of the measure (and of its history), with the
    # saving editor as the author, and none for a refused attempt.
    updates = [a for a in audit if a.table_name == "measures"]
    assert all(a.action == "update" and a.record_id == str(measure_id) for a in updates)
    assert [(a.username, a.new_values["progress"]) for a in updates] == [
        (r.editor, r.progress) for r in saved
    ]
    inserts = [a for a in audit if a.table_name == "progress_updates"]
    assert all(a.action == "insert" for a in inserts)
    assert sorted((a.username, a.new_values["progress"]) for a in inserts) == sorted(
        (r.editor, r.progress) for r in saved
    )
    assert len(audit) == 2 * len(saved), [(a.table_name, a.action) for a in audit]
    traces = " ".join(str(a.new_values) for a in audit)
    assert not [r.marker for r in refused if f"'{r.marker}'" in traces]
    return saved, refused


def _start(engine) -> tuple[int, tuple[int, dict], int]:
    measure_id = _new_measure(engine)
    with Session(engine) as session:
        audit_from = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    return measure_id, _read(engine, measure_id), audit_from or 0


@pytest.mark.timeout(60)
def test_ten_editors_in_lockstep_one_save_per_round_the_rest_conflict(demo_engine):
    rounds = 5
    measure_id, before, audit_from = _start(demo_engine)
    results = _race(demo_engine, measure_id, rounds, lockstep=True)
    assert len(results) == EDITORS * rounds
    saved, refused = _check(demo_engine, measure_id, before, audit_from, results)
    # Everyone read the same version each round: exactly one save wins it.
    assert len(saved) == rounds
    assert len(refused) == (EDITORS - 1) * rounds


@pytest.mark.timeout(60)
def test_ten_editors_at_their_own_pace_lose_no_update(demo_engine):
    attempts = 10
    measure_id, before, audit_from = _start(demo_engine)
    results = _race(demo_engine, measure_id, attempts, lockstep=False)
    assert len(results) == EDITORS * attempts
    saved, refused = _check(demo_engine, measure_id, before, audit_from, results)
    assert len(saved) + len(refused) == EDITORS * attempts
