"""The operator CLI, run as a real process against the test databases."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.accounts import check_password
from db.config import PROJECT_ROOT
from db.models import Member, User


def cli(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "db.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_loads_once_and_a_second_run_keeps_the_data(engine, db_url):
    first = cli(db_url, "demo")
    assert first.returncode == 0, first.stderr
    assert "Demo-Daten geladen" in first.stdout
    with Session(engine) as s:
        members = s.scalar(select(func.count(Member.id)))
        s.execute(select(Member).limit(1)).scalar_one().last_name = "Geändert"
        s.commit()
    second = cli(db_url, "demo")
    assert second.returncode == 0
    assert "nichts geladen" in second.stdout
    with Session(engine) as s:
        assert s.scalar(select(func.count(Member.id))) == members
        assert s.scalar(select(func.count()).where(Member.last_name == "Geändert")) == 1


def test_create_user_and_reset_password_store_only_hashes(engine, db_url):
    created = cli(
        db_url, "create-user", "Referentin", "--role", "editor", stdin="ein-langes-passwort\n"
    )
    assert created.returncode == 0, created.stderr
    reset = cli(db_url, "reset-password", "referentin", "--password", "noch-ein-passwort")
    assert reset.returncode == 0, reset.stderr
    with Session(engine) as s:
        user = s.scalar(select(User).where(User.username == "referentin"))
        assert user.role == "editor"
        assert user.password_hash.startswith("$2b$")
        assert "passwort" not in user.password_hash
        assert check_password("noch-ein-passwort", user.password_hash)


def test_errors_are_one_german_line_without_traceback(db_url):
    short = cli(db_url, "create-user", "x", "--password", "kurz")
    assert short.returncode == 1
    assert short.stderr.strip() == "Fehler: Passwort: muss mindestens 10 Zeichen lang sein."
    down = cli("postgresql+psycopg://postgres@127.0.0.1:1/none", "migrate")
    assert down.returncode == 1
    assert down.stderr.startswith("Fehler: Datenbank nicht erreichbar")
    assert "Traceback" not in down.stderr and len(down.stderr.strip().splitlines()) == 1
