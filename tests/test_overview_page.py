"""The overview page, through AppTest on the real database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Member
from tests.conftest import TODAY

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _run() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_the_member_count_the_database_holds(app_env, demo_engine):
    with Session(demo_engine) as s:
        expected = s.scalar(
            select(func.count(Member.id)).where(
                Member.deputy_for_id.is_(None),
                Member.active_from <= TODAY,
                (Member.active_to.is_(None)) | (Member.active_to >= TODAY),
            )
        )
    at = _run()
    assert _metric(at, "Aktive Mitglieder") == str(expected)
    assert any("Nächste Termine" in h.value for h in at.subheader)


def test_overview_on_an_empty_database_shows_a_friendly_note(app_env):
    at = _run()
    assert _metric(at, "Aktive Mitglieder") == "0"
    assert any("Noch keine Mitglieder" in i.value for i in at.info)


def test_unreachable_database_gives_a_german_message_not_a_traceback(monkeypatch):
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    st.cache_resource.clear()
    st.cache_data.clear()
    at = _run()
    assert any("Datenbank ist gerade nicht erreichbar" in e.value for e in at.error)
    assert not at.metric
