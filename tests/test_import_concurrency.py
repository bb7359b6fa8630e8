"""Another editor saves while a 2,000-row import is running (issue 16): on
PostgreSQL the save goes through at once (nothing the import holds is needed;
bounded by a 1 s lock timeout, so a wait would fail the test); on SQLite, which
has one writer at a time, it is refused with the German message after the busy
timeout (5 s), nothing saved, and the import still lands whole."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import list_import, services
from db.engine import make_engine, session_scope
from db.errors import DatabaseUnavailable
from db.models import Measure, Member, ProgressUpdate
from tests.test_import_bulk import EDITOR, ROWS, member_rows, preview_of

OTHER = EDITOR  # another browser of the office; the role is what matters


def _progress_payload(engine) -> tuple[int, dict, int]:
    with Session(engine) as s:
        measure = s.scalars(select(Measure).order_by(Measure.id)).first()
    payload = {"date": "01.12.2026", "progress": "55", "status_id": measure.status_id}
    return measure.id, payload | {"note": "während des Imports"}, measure.version


def test_a_save_during_a_running_import(demo_engine, db_url):
    preview = preview_of(demo_engine, "members", pd.DataFrame(member_rows(demo_engine, ROWS)))
    members_before = _count(demo_engine, Member)
    halfway, resume = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def progress(done: int, total: int) -> None:
        if done >= total // 2 and not halfway.is_set():
            halfway.set()
            resume.wait(30)  # the import is running, its transaction open

    def run_import() -> None:
        try:
            with session_scope(demo_engine, EDITOR) as s:
                list_import.apply_import(s, EDITOR, "members", preview, progress)
        except BaseException as exc:  # reported below
            failures.append(exc)

    other = make_engine(db_url, lock_timeout_ms=1000)
    measure_id, payload, version = _progress_payload(demo_engine)
    thread = threading.Thread(target=run_import)
    thread.start()
    try:
        assert halfway.wait(60)
        if demo_engine.dialect.name == "postgresql":
            with session_scope(other, OTHER) as s:
                services.add_progress_update(s, OTHER, measure_id, payload, version)
        else:
            with pytest.raises(DatabaseUnavailable), session_scope(other, OTHER) as s:
                services.add_progress_update(s, OTHER, measure_id, payload, version)
    finally:
        resume.set()
        thread.join(120)
        other.dispose()
    assert not failures, failures
    assert _count(demo_engine, Member) == members_before + ROWS
    with Session(demo_engine) as s:
        saved = s.scalar(
            select(func.count())
            .select_from(ProgressUpdate)
            .where(ProgressUpdate.note == "während des Imports")
        )
    assert saved == (1 if demo_engine.dialect.name == "postgresql" else 0)


def _count(engine, model) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))
