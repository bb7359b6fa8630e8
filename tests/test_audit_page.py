"""The audit trail as staff read it: German record names, field labels and values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import services
from db.engine import session_scope
from db.models import Measure, MeasureStatus, Meeting, Member
from db.permissions import Actor
from tests.apptest import signed_in

EDITOR = Actor("geschaeftsstelle", "editor")
TABLE_NAMES = {
    "members", "meetings", "measures", "progress_updates", "attendance", "users",
    "organisations", "sectors", "thematic_areas", "measure_statuses", "needs",
    "working_group_memberships",
}  # fmt: skip


def _edit_a_member_a_meeting_and_a_measure(engine) -> dict[str, str]:
    """Real edits through the services; returns the names the page must show."""
    with Session(engine) as s:
        member = s.scalars(select(Member).order_by(Member.id)).first()
        payload = {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "function": member.function,
            "email": member.email,
            "organisation_id": member.organisation_id,
            "sector_id": member.sector_id,
            "active_from": member.active_from,
            "active_to": dt.date(2030, 12, 31),
            "deputy_for_id": member.deputy_for_id,
            "area_ids": tuple(a.id for a in member.areas),
        }
        member_ids = (member.id, member.version, member.first_name, member.last_name)
        meeting = s.scalars(
            select(Meeting).where(Meeting.status == "planned").order_by(Meeting.starts_at)
        ).first()
        meeting_ids = (meeting.id, meeting.version, meeting.title)
        measure = s.scalars(select(Measure).order_by(Measure.id)).first()
        done = s.scalar(select(MeasureStatus).where(MeasureStatus.is_done.is_(True)))
        measure_ids = (measure.id, measure.version, measure.title, done.id, done.name)
    with session_scope(engine) as s:
        services.update_member(
            s, EDITOR, member_ids[0], {**payload, "last_name": "Neuname"}, member_ids[1]
        )
        services.cancel_meeting(s, EDITOR, meeting_ids[0], meeting_ids[1])
        services.add_progress_update(
            s,
            EDITOR,
            measure_ids[0],
            {"date": dt.date.today(), "progress": 100, "status_id": measure_ids[3]},
            measure_ids[1],
        )
    return {
        "old_last": member_ids[3],
        "member": f"{member_ids[2]} Neuname",
        "meeting": meeting_ids[2],
        "measure": measure_ids[2],
        "done": measure_ids[4],
    }


def _audit_page(user: str | None = None):
    at = signed_in("admin")
    at.switch_page("pages/audit.py").run()
    assert not at.exception, at.exception
    if user:
        at.selectbox(key="audit_user").select(user).run()
    return at


def test_the_audit_trail_names_records_fields_and_values_in_german(app_env, demo_engine):
    names = _edit_a_member_a_meeting_and_a_measure(demo_engine)
    at = _audit_page("geschaeftsstelle")
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "Zeitpunkt", "Benutzer", "Aktion", "Datensatz", "Bezeichnung", "Feld", "Änderung",
    ]  # fmt: skip

    def row(record: str, field: str) -> dict:
        found = table[(table["Datensatz"] == record) & (table["Feld"] == field)]
        assert len(found) >= 1, (record, field, table[["Datensatz", "Feld"]].to_dict("records"))
        return found.iloc[0].to_dict()

    renamed = row("Mitglied", "Nachname")
    assert renamed["Aktion"] == "geändert"
    assert renamed["Bezeichnung"] == names["member"]
    assert renamed["Änderung"] == f"{names['old_last']} → Neuname"
    assert row("Mitglied", "Mitglied bis")["Änderung"].endswith("→ 31.12.2030")

    cancelled = row("Termin", "Status")
    assert cancelled["Änderung"] == "geplant → abgesagt"
    assert cancelled["Bezeichnung"].startswith(names["meeting"] + " (")

    progress = row("Fortschritt", "Fortschritt")
    assert progress["Aktion"] == "angelegt"
    assert progress["Änderung"] == "100\u00a0%"  # a new record: its value, no "before"
    assert progress["Bezeichnung"].startswith(names["measure"])
    assert row("Fortschritt", "Status")["Änderung"] == names["done"]
    assert row("Maßnahme", "Status")["Änderung"].endswith(f"→ {names['done']}")

    assert all(at_.count(".") == 2 and "Uhr" in at_ for at_ in table["Zeitpunkt"])
    cells = {str(v) for column in table.columns for v in table[column]}
    assert not cells & TABLE_NAMES
    assert not any(c in cell for cell in cells for c in "{}[]\"'"), "JSON in the trail"
    assert not any("_id" in cell or "_at" in cell for cell in cells)


def test_the_record_filter_offers_german_record_names(app_env, demo_engine):
    _edit_a_member_a_meeting_and_a_measure(demo_engine)
    at = _audit_page()
    kinds = at.selectbox(key="audit_table")
    assert kinds.label == "Art des Datensatzes"
    shown = list(kinds.options)
    assert "Mitglied" in shown and "Termin" in shown
    assert not set(shown) & TABLE_NAMES
    kinds.select_index(shown.index("Termin")).run()
    assert set(at.dataframe[0].value["Datensatz"]) == {"Termin"}


def test_a_password_reset_is_shown_without_any_hash(app_env, engine, demo_accounts):
    at = signed_in("admin")
    with session_scope(engine) as s:
        services.reset_password(
            s, Actor("admin", "admin"), demo_accounts["leitung"], "ein-neues-passwort"
        )
    at.switch_page("pages/audit.py").run()
    table = at.dataframe[0].value
    reset = table[
        (table["Datensatz"] == "Konto")
        & (table["Feld"] == "Passwort")
        & (table["Aktion"] == "geändert")
    ]
    assert list(reset["Änderung"]) == ["neu gesetzt"]
    assert list(reset["Bezeichnung"]) == ["Leitungsstab (Demo) (leitung)"]
    assert not table["Änderung"].str.contains(r"\$2[aby]\$|\*\*\*").any()
