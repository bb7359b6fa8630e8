"""Scheduled e-mail briefings (issue 21) against a real SMTP server on loopback
(aiosmtpd), on SQLite and PostgreSQL: the mail arrives once, readable, with the
Lagebild whose figures match the raw rows; two runs at once send one mail; a
refused send stays due and the next run sends it; nothing goes out unconfigured."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components import briefing_sender, fmt
from db import services, subscriptions
from db.config import PROJECT_ROOT, smtp_settings
from db.engine import session_scope
from db.errors import InvalidInput
from db.models import (
    BERLIN,
    AuditEntry,
    BriefingDelivery,
    BriefingSubscription,
    Measure,
    Meeting,
    ThematicArea,
)
from db.permissions import SYSTEM, Actor
from tests import raw
from tests.browser import free_port
from tests.deploy.stack import self_signed
from tests.smtp_server import Inbox, SmtpServer

ADMIN = Actor("admin", "admin")
RECIPIENTS = ["leitungsstab@hmaijs.example", "büro@hmaijs.example"]


def next_hour() -> tuple[int, int, dt.datetime]:
    """A weekly slot (weekday, hour) that starts after now, and a moment just past it."""
    start = (dt.datetime.now(BERLIN) + dt.timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    return start.weekday(), start.hour, start + dt.timedelta(minutes=1)


def subscribe(engine, name: str = "Leitungsstab wöchentlich", **values) -> tuple[int, dt.datetime]:
    weekday, hour, now = next_hour()
    fields = {"name": name, "recipients": "\n".join(RECIPIENTS), "weekday": weekday, "hour": hour}
    with session_scope(engine, ADMIN) as s:
        return services.save_subscription(s, ADMIN, None, fields | values), now


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    server = SmtpServer(free_port(), Inbox()).start()
    for key in ("SMTP_USER", "SMTP_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    yield server
    server.stop()


@pytest.fixture
def smtp_tls(tmp_path, monkeypatch):
    server = SmtpServer(free_port(), Inbox(), self_signed(tmp_path)).start()
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    yield server
    server.stop()


def cli(url: str, server: SmtpServer | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}
    env |= {"DATABASE_URL": url} | (server.env() if server else {})
    return subprocess.run(
        [sys.executable, "-m", "db.cli", "send-due-briefings", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _text(page) -> str:
    return " ".join(page.extract_text().split())


def raw_overdue(s: Session, day: dt.date) -> int:
    return sum(
        m.due_date is not None
        and m.due_date < day
        and not (m.archived or m.status.is_done or m.status.is_discontinued)
        for m in s.scalars(select(Measure))
    )


# --------------------------------------------------------------------------- the mail


def test_briefing_arrives_once_readable_with_the_figures_of_the_raw_rows(demo_engine, smtp_tls):
    _, now = subscribe(demo_engine)
    run = briefing_sender.send_due(demo_engine, now, smtp_settings())
    assert (run.planned, run.sent, run.errors) == (1, 1, [])
    again = briefing_sender.send_due(demo_engine, now + dt.timedelta(minutes=5), smtp_settings())
    assert (again.planned, again.sent) == (0, 0)

    assert len(smtp_tls.inbox.envelopes) == 1, "sent once"
    assert smtp_tls.inbox.logins == ["briefings"], "logged in after STARTTLS"
    assert sorted(smtp_tls.inbox.envelopes[0].rcpt_tos) == sorted(RECIPIENTS)
    message = smtp_tls.inbox.messages()[0]
    day = now.date()
    assert message["Subject"] == f"Lagebild Hessische Integrationskonferenz, Stand {fmt.date(day)}"
    bodies = [p for p in message.walk() if p.get_content_maintype() == "text"]
    assert [p.get_content_type() for p in bodies] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in bodies)
    plain, html = (p.get_content() for p in bodies)
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in pdfs] == [f"lagebild-{day.isoformat()}.pdf"]
    pages = [_text(page) for page in PdfReader(io.BytesIO(pdfs[0].get_content())).pages]
    assert pages[0].startswith("Lagebild Hessische Integrationskonferenz")

    with Session(demo_engine) as s:
        overdue = raw_overdue(s, day)
        assert f"Überfällige Maßnahmen: {overdue} (Veränderung" in plain
        assert "Überfällige Maßnahmen</td><td" in html and f">{overdue}</td>" in html
        for area in s.scalars(select(ThematicArea)):
            mean, _, _ = raw.area_progress(s, area.name, day)
            shown = fmt.percent(mean / 100, 1)
            assert f"- {area.name}: {shown} (Veränderung" in plain
            assert " ".join(f"{area.name} {shown}".split()) in pages[0]
            assert area.name.replace("&", "&amp;") in html
    assert "Maßnahmen umgesetzt" in plain and "Grüß" not in plain
    assert "Guten Tag" in plain and "Abonnement „Leitungsstab wöchentlich“" in plain


def test_the_deck_is_attached_when_chosen(engine, smtp):
    _, now = subscribe(engine, include_deck=True)
    assert briefing_sender.send_due(engine, now, smtp_settings()).sent == 1
    (message,) = smtp.inbox.messages()
    names = [p.get_filename() for p in message.iter_attachments()]
    assert names == [f"lagebild-{now.date()}.pdf", f"praesentation-{now.date()}.pdf"]
    deck = PdfReader(io.BytesIO(list(message.iter_attachments())[1].get_content()))
    assert len(deck.pages) == 7


def test_every_send_is_in_the_audit_trail(engine, smtp):
    _, now = subscribe(engine)
    briefing_sender.send_due(engine, now, smtp_settings())
    with Session(engine) as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name.like("briefing_%"))
            .order_by(AuditEntry.id)
        ).all()
    kinds = [(e.username, e.action, e.table_name) for e in entries]
    assert kinds == [
        ("admin", "insert", "briefing_subscriptions"),
        ("system", "insert", "briefing_deliveries"),
        ("system", "update", "briefing_deliveries"),
    ]
    assert entries[1].new_values["requested_by"] == "admin"
    assert entries[2].new_values["status"] == "sent"
    assert entries[2].new_values["recipient_count"] == 2
    assert entries[2].new_values["sent_at"]


# --------------------------------------------------------------------------- once, and again


RACE = """
import os, sys, time
from components import briefing_sender  # noqa: F401 - imported before the start line
from db.cli import main
while not os.path.exists(sys.argv[1]):
    time.sleep(0.001)
sys.argv = ["db.cli", "send-due-briefings", "--at", sys.argv[2]]
main()
"""


def test_two_runs_at_the_same_moment_send_each_briefing_once(engine, db_url, smtp, tmp_path):
    now = None
    for n in range(3):
        _, now = subscribe(engine, name=f"Abonnement {n}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMTP_")}
    env |= {"DATABASE_URL": db_url} | smtp.env()
    go = tmp_path / "go"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(go), now.isoformat()],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        time.sleep(6)  # both processes have imported everything and wait for the start
        go.touch()
        outputs = [run.communicate(timeout=180) for run in runs]
    finally:
        for run in runs:
            run.kill()
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert len(smtp.inbox.envelopes) == 3
    subjects = {m["Subject"] for m in smtp.inbox.messages()}
    assert len(subjects) == 1
    with Session(engine) as s:
        rows = s.scalars(select(BriefingDelivery)).all()
        assert sorted(d.status for d in rows) == ["sent"] * 3
        assert all(d.attempts == 1 for d in rows)


def test_a_refused_send_stays_due_and_the_next_run_sends_it(engine, db_url, smtp):
    _, now = subscribe(engine)
    smtp.stop()
    failed = cli(db_url, smtp, "--at", now.isoformat())
    assert failed.returncode == 1
    assert "0 gesendet, 1 fehlgeschlagen" in failed.stdout
    assert "Fehler: 1 Briefing(s) nicht gesendet, neuer Versuch folgt" in failed.stderr
    assert "Der SMTP-Server ist nicht erreichbar" in failed.stderr
    with Session(engine) as s:
        (delivery,) = s.scalars(select(BriefingDelivery)).all()
        assert delivery.status == "failed" and delivery.attempts == 1
        assert delivery.last_error.startswith("Der SMTP-Server ist nicht erreichbar")
        assert delivery.next_attempt_at == now + subscriptions.BACKOFF_FIRST

    early = cli(db_url, smtp, "--at", (now + dt.timedelta(minutes=2)).isoformat())
    assert early.returncode == 0 and "0 gesendet, 0 fehlgeschlagen" in early.stdout

    smtp.start()
    later = cli(db_url, smtp, "--at", (now + dt.timedelta(minutes=6)).isoformat())
    assert later.returncode == 0, later.stderr
    assert "1 gesendet, 0 fehlgeschlagen" in later.stdout
    assert len(smtp.inbox.envelopes) == 1
    with Session(engine) as s:
        delivery = s.scalars(select(BriefingDelivery)).one()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)


def test_failures_back_off_and_are_given_up_in_the_end(engine):
    _, now = subscribe(engine)
    with session_scope(engine, SYSTEM) as s:
        occasions = subscriptions.new_occasions(s, now)
    with session_scope(engine, SYSTEM) as s:
        services.plan_deliveries(s, SYSTEM, occasions)
    waits = []
    for attempt in range(subscriptions.MAX_ATTEMPTS):
        with Session(engine) as s:
            (delivery_id,) = subscriptions.sendable_ids(s, now)
        with session_scope(engine, SYSTEM) as s:
            assert services.claim_delivery(s, SYSTEM, delivery_id, "mine", now)
            assert not services.claim_delivery(s, SYSTEM, delivery_id, "theirs", now)
        with session_scope(engine, SYSTEM) as s:
            assert not services.record_failure(s, SYSTEM, delivery_id, "theirs", "x", now)
            services.record_failure(s, SYSTEM, delivery_id, "mine", f"Fehler {attempt}", now)
        with Session(engine) as s:
            delivery = s.get(BriefingDelivery, delivery_id)
        if attempt < subscriptions.MAX_ATTEMPTS - 1:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert [w.total_seconds() / 60 for w in waits] == [5, 10, 20, 40, 80, 160, 320]
    assert (delivery.status, delivery.last_error) == ("given_up", "Fehler 7")
    with Session(engine) as s:
        assert subscriptions.sendable_ids(s, now + dt.timedelta(days=1)) == []


# --------------------------------------------------------------------------- when


def test_briefings_before_meetings_of_chosen_areas(demo_engine):
    with Session(demo_engine) as s:
        meeting = s.scalars(
            select(Meeting)
            .where(Meeting.kind == "working_group", Meeting.status == "planned")
            .where(Meeting.starts_at > dt.datetime.now(BERLIN) + dt.timedelta(days=4))
            .order_by(Meeting.starts_at)
        ).first()
        other_area = s.scalar(
            select(func.min(ThematicArea.id)).where(ThematicArea.id != meeting.area_id)
        )
    start = meeting.starts_at.astimezone(BERLIN)
    due = dt.datetime.combine(start.date() - dt.timedelta(days=3), dt.time(8), tzinfo=BERLIN)
    values = {"weekday": None, "hour": 8, "days_before": 3}
    mine, _ = subscribe(demo_engine, name="AG", area_ids=[meeting.area_id], **values)
    subscribe(demo_engine, name="Andere AG", area_ids=[other_area], **values)
    with Session(demo_engine) as s:
        assert subscriptions.new_occasions(s, due - dt.timedelta(minutes=1)) == []
        found = [o for o in subscriptions.new_occasions(s, due) if o.subscription_id == mine]
    assert [(o.occasion, o.due_at) for o in found] == [(f"meeting:{meeting.id}:3", due)]


def test_weekly_slot_is_the_latest_one_not_after_now():
    monday = dt.datetime(2026, 2, 2, 7, 0, tzinfo=BERLIN)
    assert subscriptions.last_weekly(0, 7, monday) == ("weekly:2026-02-02", monday)
    key, due = subscriptions.last_weekly(0, 7, monday - dt.timedelta(minutes=1))
    assert (key, due) == ("weekly:2026-01-26", monday - dt.timedelta(days=7))
    key, _ = subscriptions.last_weekly(4, 18, monday)
    assert key == "weekly:2026-01-30"


# --------------------------------------------------------------------------- input, setup


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"recipients": "leitung@hmaijs.example, kein-adresse"}, "Empfänger: „kein-adresse“ ist keine gültige E-Mail-Adresse."),
        ({"recipients": "  "}, "Empfänger: ist ein Pflichtfeld."),
        ({"name": ""}, "Bezeichnung: ist ein Pflichtfeld."),
        ({"hour": 24}, "Uhrzeit (volle Stunde): darf höchstens 23 sein."),
        ({"weekday": None}, "Zeitplan: bitte einen Wochentag oder Tage vor dem Termin angeben."),
        ({"days_before": 2}, "Tage vor dem Termin: bitte Plenarsitzungen oder mindestens eine Arbeitsgruppe wählen."),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_saves_nothing(engine, values, message):
    fields = {"name": "Wöchentlich", "recipients": "a@b.example", "weekday": 0, "hour": 7}
    with pytest.raises(InvalidInput) as refused, session_scope(engine, ADMIN) as s:
        services.save_subscription(s, ADMIN, None, fields | values)
    assert message in refused.value.messages
    with Session(engine) as s:
        assert s.scalar(select(func.count(BriefingSubscription.id))) == 0


def test_nothing_is_sent_without_smtp_settings(demo_engine, db_url):
    with Session(demo_engine) as s:
        assert s.scalar(select(func.count(BriefingSubscription.id))) == 0, "no demo subscriptions"
    subscribe(demo_engine)
    result = cli(db_url, None)
    assert result.returncode == 0
    assert "SMTP ist nicht eingerichtet (SMTP_HOST fehlt)" in result.stdout
    with Session(demo_engine) as s:
        assert s.scalar(select(func.count(BriefingDelivery.id))) == 0
