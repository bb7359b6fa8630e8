"""The server side of a shared deployment: start-up refusal, /healthz and the
structured log of writes (db/deployment.py, db/logs.py, serve.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import accounts
from db.config import PROJECT_ROOT
from db.demo import DEMO_USERS
from db.deployment import health, shared_setup_problems
from db.engine import make_engine, session_scope
from db.errors import InvalidInput
from db.migrate import head_revision
from db.models import Sector
from db.permissions import Actor
from db.services.members import create_organisation
from tests.logcapture import captured_log
from tests.test_make_run import free_port

GOOD_KEY = "a-real-secret-cookie-key-" + "k" * 24
SECRET = "s" * 40


@pytest.fixture
def pg_url(pg_schema_url, monkeypatch):
    """The test PostgreSQL schema, emptied, with no dashboard secrets in the environment."""
    from tests.conftest import _reset_pg

    _reset_pg(pg_schema_url)
    monkeypatch.setattr("db.config._secrets", lambda: {})
    monkeypatch.delenv("DASHBOARD_COOKIE_KEY", raising=False)
    return pg_schema_url


def test_a_shared_database_names_every_missing_or_demo_setting(pg_url, monkeypatch):
    engine = make_engine(pg_url)
    problems = shared_setup_problems(engine, pg_url, cookie_secret=None)
    assert [p.split(" ")[0] for p in problems] == [
        "DASHBOARD_COOKIE_KEY",
        "STREAMLIT_SERVER_COOKIE_SECRET",
    ]
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", "CHANGE-ME-" + "x" * 40)
    assert shared_setup_problems(engine, pg_url, SECRET) == [
        "DASHBOARD_COOKIE_KEY ist noch der Platzhalter aus der Vorlage."
    ]
    monkeypatch.setenv("DASHBOARD_COOKIE_KEY", GOOD_KEY)
    assert shared_setup_problems(engine, pg_url, "change-me-" + SECRET) == [
        "STREAMLIT_SERVER_COOKIE_SECRET (server.cookieSecret) ist noch der Platzhalter "
        "aus der Vorlage."
    ]
    assert shared_setup_problems(engine, pg_url, SECRET) == []
    username, name, role, password = DEMO_USERS[0]
    with session_scope(engine) as session:
        accounts.create_user(session, username, name, role, password)
    [problem] = shared_setup_problems(engine, pg_url, SECRET)
    assert f"„{username}“ hat noch das Demo-Passwort" in problem
    with session_scope(engine) as session:
        accounts.set_password(session, username, "ein-ganz-anderes-passwort")
    assert shared_setup_problems(engine, pg_url, SECRET) == []
    engine.dispose()


def test_the_embedded_demo_needs_no_deployment_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert shared_setup_problems(make_engine(url), url, cookie_secret=None) == []


def test_health_tells_a_usable_database_from_an_outdated_or_unreachable_one(engine, tmp_path):
    assert health(engine).as_dict() == {"status": "ok", "database": "ok", "schema": head_revision()}
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert (health(empty).ok, health(empty).database) == (False, "outdated")
    gone = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    assert health(gone).as_dict() == {"status": "error", "database": "unreachable", "schema": None}


def test_a_write_is_logged_after_its_commit_without_its_values(demo_engine):
    engine = demo_engine
    editor = Actor("geschaeftsstelle", "editor")
    with Session(engine) as s:
        sector_id = s.scalar(select(Sector.id).limit(1))
    with captured_log() as log:
        with session_scope(engine, editor) as session:
            create_organisation(session, editor, {"name": "Verein Ülkü", "sector_id": sector_id})
        with pytest.raises(InvalidInput), session_scope(engine, editor) as session:
            create_organisation(session, editor, {"name": "", "sector_id": sector_id})
        with pytest.raises(RuntimeError), session_scope(engine, editor) as session:
            create_organisation(session, editor, {"name": "Verein B", "sector_id": sector_id})
            raise RuntimeError("rolled back after the service succeeded")
    writes = log.named("write")
    assert [(e["user"], e["service"], e["level"]) for e in writes] == [
        ("geschaeftsstelle", "create_organisation", "INFO")
    ]
    assert "Ülkü" not in log.text and "Verein" not in log.text


def _serve(url: str, port: int, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.slow
def test_the_server_refuses_a_shared_database_with_demo_secrets_and_serves_healthz(pg_url):
    refused = _serve(pg_url, free_port())
    _out, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    assert "Fehler: DASHBOARD_COOKIE_KEY fehlt" in err
    assert "Fehler: STREAMLIT_SERVER_COOKIE_SECRET" in err
    assert "Traceback" not in err

    port = free_port()
    server = _serve(
        pg_url, port, DASHBOARD_COOKIE_KEY=GOOD_KEY, STREAMLIT_SERVER_COOKIE_SECRET="s" * 40
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1]
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "no answer on /healthz"
                time.sleep(0.2)  # polling the endpoint, not waiting blindly
        assert (status, body["status"], body["database"]) == (200, "ok", "ok")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=30)
