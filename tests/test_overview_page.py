"""The overview page, through AppTest on the real database."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Member
from tests.apptest import metric, open_app, signed_in
from tests.conftest import TODAY


def test_overview_shows_the_member_count_the_database_holds(app_env, demo_engine):
    with Session(demo_engine) as s:
        expected = s.scalar(
            select(func.count(Member.id)).where(
                Member.deputy_for_id.is_(None),
                Member.active_from <= TODAY,
                (Member.active_to.is_(None)) | (Member.active_to >= TODAY),
            )
        )
    at = signed_in("leitung")
    assert metric(at, "Aktive Mitglieder") == str(expected)
    assert any("Nächste Termine" in h.value for h in at.subheader)


def test_overview_on_an_empty_database_shows_a_friendly_note(app_env):
    at = signed_in("leitung")
    assert metric(at, "Aktive Mitglieder") == "0"
    assert any("Noch keine Mitglieder" in i.value for i in at.info)


def test_unreachable_database_gives_a_german_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", "k" * 40)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_app()
    assert any("Datenbank ist gerade nicht erreichbar" in e.value for e in at.error)
    assert not at.metric and not at.text_input
