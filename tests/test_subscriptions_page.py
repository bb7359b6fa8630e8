"""The Abonnements page (admin), through AppTest: saving, bad input refused by
field name with nothing saved, "Jetzt senden" to a real SMTP server on loopback,
the last error of a refused send shown."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components.fmt import md
from db.models import AuditEntry, BriefingDelivery, BriefingSubscription
from tests.apptest import errors, page_titles, signed_in, submit, widget
from tests.browser import free_port
from tests.smtp_server import Inbox, SmtpServer

FORM = "subscriptions_form_new"


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer(free_port(), Inbox()).start()
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    yield server
    server.stop()


def _page():
    at = signed_in("admin")
    at.switch_page("pages/subscriptions.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Abonnements"]
    return at


def _fill(at, name: str, recipients: str, days: str = "") -> None:
    widget(at, "text_input", "Bezeichnung", FORM).input(name)
    widget(at, "text_area", "Empfänger", FORM).input(recipients)
    widget(at, "text_input", "Tage vor dem Termin", FORM).input(days)


def _count(engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count(BriefingSubscription.id)))


def test_only_admins_see_the_page(app_env):
    assert "Abonnements" in page_titles(signed_in("admin"))
    assert "Abonnements" not in page_titles(signed_in("geschaeftsstelle"))


def test_bad_input_is_refused_by_field_name_and_nothing_is_saved(app_env, engine, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    at = _page()
    assert "nicht eingerichtet (SMTP_HOST fehlt)" in at.info[0].value
    _fill(at, "Leitungsstab", "leitung@hmaijs.example\nkeine adresse", days="drei")
    submit(at, "Speichern", FORM)
    shown = errors(at)
    assert md("Empfänger: „keine“ ist keine gültige E-Mail-Adresse.") in shown
    assert md("Tage vor dem Termin: muss eine ganze Zahl sein.") in shown
    assert _count(engine) == 0
    assert widget(at, "text_input", "Bezeichnung", FORM).value == "Leitungsstab", "input kept"

    widget(at, "text_area", "Empfänger", FORM).input("leitung@hmaijs.example")
    widget(at, "text_input", "Tage vor dem Termin", FORM).input("3")
    submit(at, "Speichern", FORM)
    assert md("Tage vor dem Termin: bitte Plenarsitzungen oder mindestens eine") in errors(at)
    assert _count(engine) == 0


def test_admin_saves_a_subscription_and_sends_a_test_mail(app_env, engine, smtp):
    at = _page()
    assert "Versand über `127.0.0.1:" in " ".join(c.value for c in at.caption)
    _fill(at, "Leitungsstab wöchentlich", "leitung@hmaijs.example, presse@hmaijs.example")
    widget(at, "checkbox", "Vor Plenarsitzungen", FORM).check()
    widget(at, "text_input", "Tage vor dem Termin", FORM).input("2")
    submit(at, "Speichern", FORM)
    assert not errors(at)
    with Session(engine) as s:
        sub = s.scalars(select(BriefingSubscription)).one()
        assert sub.recipients == ["leitung@hmaijs.example", "presse@hmaijs.example"]
        assert (sub.weekday, sub.hour, sub.days_before, sub.before_plenary) == (0, 7, 2, True)
        assert sub.created_by == "admin"
    table = at.dataframe[0].value
    assert table.loc[0, "Zeitplan"] == ("montags 07:00 Uhr; 2 Tage vor Plenarsitzungen, 07:00 Uhr")

    widget(at, "selectbox", "Abonnement").set_value(sub.id).run()
    next(b for b in at.button if b.label == "Jetzt senden").click()
    at.run()
    assert not at.exception, at.exception
    assert len(smtp.inbox.envelopes) == 1
    assert smtp.inbox.messages()[0]["Subject"].startswith("[Test] Lagebild")
    history = at.dataframe[-1].value
    assert history.loc[0, "Anlass"] == "Test (von admin)"
    assert history.loc[0, "Status"] == "gesendet"
    assert history.loc[0, "Empfänger"] == 2
    with Session(engine) as s:
        sent = s.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "briefing_deliveries", AuditEntry.action == "update"
            )
        ).one()
        assert sent.username == "admin" and sent.new_values["recipient_count"] == 2


def test_a_refused_test_mail_shows_the_error(app_env, engine, smtp):
    at = _page()
    _fill(at, "Presse", "presse@hmaijs.example")
    submit(at, "Speichern", FORM)
    with Session(engine) as s:
        sub_id = s.scalar(select(BriefingSubscription.id))
    smtp.stop()
    widget(at, "selectbox", "Abonnement").set_value(sub_id).run()
    next(b for b in at.button if b.label == "Jetzt senden").click()
    at.run()
    shown = errors(at)
    assert md("Die Test-E-Mail wurde nicht gesendet: Der SMTP-Server ist nicht erreichbar") in shown
    assert md("(Verbindung abgelehnt)") in shown
    overview = at.dataframe[0].value
    assert overview.loc[0, "Letzter Versand"] == "aufgegeben"
    assert overview.loc[0, "Letzter Fehler"].startswith("Der SMTP-Server ist nicht erreichbar")
    with Session(engine) as s:
        assert s.scalar(select(BriefingDelivery.status)) == "given_up"
