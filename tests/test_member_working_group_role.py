"""A member field added through its declaration only (issue 17): the member's role in
its working group (db/fields.MEMBER "working_group_role"), with no change to the
form, the validation, the import, the export or the access document. Every check
reads the stored code from the raw row, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from components import labels
from db import privacy, services
from db.engine import session_scope
from db.errors import InvalidInput
from db.models import Member
from db.permissions import Actor
from tests.apptest import errors, signed_in, submit, widget
from tests.test_import import apply, export, preview_file, to_file

EDITOR = Actor("geschaeftsstelle", "editor")
LABEL = "Rolle in der Arbeitsgruppe"


def stored_role(engine, member_id: int) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT working_group_role FROM members WHERE id = :id"), {"id": member_id}
        ).scalar_one()


def some_member(engine) -> Member:
    with Session(engine) as s:
        return s.scalars(select(Member).where(Member.deputy_for_id.is_(None))).first()


def set_role(engine, member_id: int, role: str | None) -> None:
    with Session(engine) as s:
        member = s.get(Member, member_id)
        payload = {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "organisation_id": member.organisation_id,
            "sector_id": member.sector_id,
            "active_from": member.active_from,
            "area_ids": tuple(a.id for a in member.areas),
            "working_group_role": role,
        }
        version = member.version
    with session_scope(engine, EDITOR) as s:
        services.update_member(s, EDITOR, member_id, payload, version)


def test_the_member_form_offers_the_role_and_stores_its_code(app_env, demo_engine):
    at = signed_in("geschaeftsstelle")
    at.switch_page("pages/edit_members.py").run()
    form = "members_new"
    role = widget(at, "selectbox", LABEL, form)
    assert role.options == ["– keine Angabe –", "Mitglied", "Sprecherin/Sprecher"]
    widget(at, "text_input", "Vorname", form).input("Rita")
    widget(at, "text_input", "Nachname", form).input("Rollenprobe")
    role.select("spokesperson")
    at = submit(at, "Mitglied anlegen", form)
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        member_id = s.scalar(select(Member.id).where(Member.last_name == "Rollenprobe"))
    assert stored_role(demo_engine, member_id) == "spokesperson"
    at.selectbox(key="members_selected").select(member_id).run()
    shown = widget(at, "selectbox", LABEL, f"members_edit_{member_id}")
    assert shown.value == "spokesperson"
    assert shown.format_func(shown.value) == "Sprecherin/Sprecher"


def test_an_unknown_role_is_refused_naming_the_field_and_nothing_is_saved(demo_engine):
    member = some_member(demo_engine)
    with Session(demo_engine) as s:
        rows = s.scalar(select(func.count()).select_from(Member))
    with pytest.raises(InvalidInput) as refused:
        set_role(demo_engine, member.id, "chair")
    assert refused.value.messages == [f"{LABEL}: ist keine der vorgesehenen Angaben."]
    assert stored_role(demo_engine, member.id) is None
    with Session(demo_engine) as s:
        assert s.scalar(select(func.count()).select_from(Member)) == rows


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_role_goes_round_trip_through_export_and_import(demo_engine, fmt):
    member = some_member(demo_engine)
    set_role(demo_engine, member.id, "spokesperson")
    df = export(demo_engine, "members")
    assert LABEL in df.columns
    by_id = df.set_index("ID")
    assert by_id.loc[member.id, LABEL] == "Sprecherin/Sprecher"
    assert by_id.drop(index=member.id)[LABEL].isna().all()

    other = int(by_id.drop(index=member.id).index[0])
    edited = df.copy()
    edited.loc[edited["ID"] == other, LABEL] = "mitglied"  # the word in any case
    edited.loc[edited["ID"] == member.id, LABEL] = None
    preview = preview_file(demo_engine, "members", *to_file(edited, fmt))
    assert preview.ok, [(r.line, r.errors) for r in preview.rows if r.errors]
    assert apply(demo_engine, "members", preview) == {"neu": 0, "ändern": 2}
    assert stored_role(demo_engine, other) == "member"
    assert stored_role(demo_engine, member.id) is None

    edited = export(demo_engine, "members")
    edited.loc[edited["ID"] == member.id, LABEL] = "Vorsitz"
    preview = preview_file(demo_engine, "members", *to_file(edited, fmt))
    assert preview.error_lines
    (row,) = [r for r in preview.rows if r.errors]
    assert row.errors == [
        f"{LABEL}: „Vorsitz“ ist keine der vorgesehenen Angaben (\u201eMitglied\u201c, "
        "„Sprecherin/Sprecher“)."
    ]
    assert stored_role(demo_engine, member.id) is None


def test_the_access_document_names_the_role_and_anonymising_keeps_it(demo_engine):
    member = some_member(demo_engine)
    set_role(demo_engine, member.id, "spokesperson")
    with Session(demo_engine) as s:
        report = privacy.access_report(s, member.id, dt.datetime.now(tz=dt.UTC))
    record = next(sheet for sheet in report.values() if "Feld" in sheet.columns)
    assert dict(zip(record["Feld"], record["Wert"], strict=True))[LABEL] == "Sprecherin/Sprecher"
    with Session(demo_engine) as s:
        version = s.get(Member, member.id).version
    with session_scope(demo_engine, EDITOR) as s:
        services.anonymise_member(s, EDITOR, member.id, version)
    assert stored_role(demo_engine, member.id) == "spokesperson"  # not personal: it stays


def test_the_audit_trail_names_the_role_in_words():
    assert labels.field_label("members", "working_group_role") == LABEL
    assert labels.value_text("members", "working_group_role", "member") == "Mitglied"
