"""The database goes away under a signed-in user and comes back: the user reads
a German message instead of a traceback, /healthz says 503, and the same
server process serves the page again once the database is back."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from components.data import DB_DOWN
from tests.browser import sign_in, stop, wait_for_app
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
        expect(page.get_by_role("heading", name="Kalender")).to_be_visible(timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_text(DB_DOWN)).to_have_count(0)
        assert page.get_by_test_id("stException").count() == 0
        assert server.proc.poll() is None and server.proc.pid == pid
    finally:
        stop(server.proc)
    assert "Traceback" not in server.output()
