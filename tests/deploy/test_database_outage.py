"""The database goes away under a signed-in user and comes back: the user reads
a German message instead of a traceback, /healthz says 503, and the same
server process serves the page again once the database is back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.database import DB_AWAY_KEPT, DB_DOWN
from db.demo import load_demo
from db.engine import make_engine, session_scope
from db.errors import DatabaseUnavailable
from db.models import ProgressUpdate
from tests.browser import open_page, sign_in, stop, wait_for_app
from tests.deploy.stack import (
    EDITOR,
    add_account,
    app_env,
    cli,
    request,
    start_server,
    wait_servers,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def health(url: str) -> tuple[int, str]:
    status, _headers, body = request(f"{url}/healthz")
    return status, json.loads(body)["database"]


def test_a_database_outage_shows_a_german_message_and_the_app_recovers_without_restart(
    private_pg, open_browser, tmp_path
):
    env = app_env(private_pg.url)
    cli(env, "migrate")
    add_account(private_pg.url, EDITOR)
    server = start_server(tmp_path, "app", env)
    try:
        wait_servers([server])
        pid = server.proc.pid
        page = open_browser()
        sign_in(page, server.url, EDITOR.username, EDITOR.password)
        assert health(server.url) == (200, "ok")
        nav = page.get_by_test_id("stSidebarNav")

        private_pg.kill()
        nav.get_by_text("Kalender", exact=True).click()  # the user's next click
        expect(page.get_by_text(DB_DOWN)).to_be_visible(timeout=30_000)
        wait_for_app(page)
        assert page.get_by_test_id("stException").count() == 0
        assert "Traceback" not in page.content()
        assert health(server.url) == (503, "unreachable")

        private_pg.start()
        assert health(server.url) == (200, "ok")
        nav.get_by_text("Kalender", exact=True).click()
        # (the title of the run that met the outage stays until this run replaces it)
        expect(page.get_by_role("heading", name="Kalender")).to_have_count(1, timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_text(DB_DOWN)).to_have_count(0)
        assert page.get_by_test_id("stException").count() == 0
        assert server.proc.poll() is None and server.proc.pid == pid
    finally:
        stop(server.proc)
    assert "Traceback" not in server.output()


def test_a_form_keeps_its_input_through_an_outage_and_saves_once_after_it(
    private_pg, open_browser, tmp_path
):
    env = app_env(private_pg.url)
    cli(env, "migrate")
    add_account(private_pg.url, EDITOR)
    engine = make_engine(private_pg.url)
    with session_scope(engine) as s:
        load_demo(s, today=dt.date.today())
    server = start_server(tmp_path, "app", env)
    try:
        wait_servers([server])
        page = open_browser()
        sign_in(page, server.url, EDITOR.username, EDITOR.password)
        open_page(page, "Maßnahmen & Fortschritt")
        form = page.get_by_test_id("stForm").filter(has_text="Notiz")
        percent = form.get_by_role("textbox", name="Fortschritt (%)")
        note = form.get_by_label("Notiz")
        percent.fill("42")
        note.fill("Eingetragen, während die Datenbank weg war")

        private_pg.kill()
        form.get_by_role("button", name="Fortschritt melden").click()
        expect(page.get_by_text(str(DatabaseUnavailable()))).to_be_visible(timeout=30_000)
        expect(page.get_by_text(DB_AWAY_KEPT)).to_be_visible()
        wait_for_app(page)
        expect(percent).to_have_value("42")
        expect(note).to_have_value("Eingetragen, während die Datenbank weg war")
        # a page that is only read goes on with what it last showed
        open_page(page, "Maßnahmen & Fortschritt")
        expect(page.get_by_text(DB_AWAY_KEPT)).to_be_visible()

        private_pg.start()
        form.get_by_role("button", name="Fortschritt melden").click()
        expect(page.get_by_text("Fortschritt gemeldet.")).to_be_visible(timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_text(DB_AWAY_KEPT)).to_have_count(0)
        with Session(engine) as s:
            saved = s.execute(
                select(ProgressUpdate.progress, ProgressUpdate.note).where(
                    ProgressUpdate.note.like("Eingetragen%")
                )
            ).all()
        assert [tuple(r) for r in saved] == [(42, "Eingetragen, während die Datenbank weg war")]
    finally:
        stop(server.proc)
        engine.dispose()
    assert "Traceback" not in server.output()
