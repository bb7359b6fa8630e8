"""Answers to meeting invitations, on SQLite and PostgreSQL: the expected
representation per sector (checked against the raw rows), the save service's
rules, the import (valid, invalid, round trip) and the invitation files (read
by icalendar and by vobject)."""

from __future__ import annotations

import datetime as dt
import io

import icalendar
import pandas as pd
import pytest
import vobject
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import exports
from db import list_import, response_list, responses, services
from db.demo_catalogue import AT_RISK
from db.engine import session_scope
from db.errors import Conflict, InvalidInput, PermissionDenied
from db.list_export import export_responses
from db.models import (
    BERLIN,
    AuditEntry,
    Meeting,
    MeetingResponse,
    Member,
    Sector,
    WorkingGroupMembership,
)
from db.permissions import Actor
from tests.conftest import TODAY
from tests.people import EDITOR

VIEWER = Actor("leitung", "viewer")
NOW = dt.datetime.combine(TODAY, dt.time(), tzinfo=BERLIN)
ORGANIZER = ("Geschäftsstelle", "geschaeftsstelle@integrationskonferenz.example")


def raw_expected(s: Session, meeting_id: int, threshold: float) -> dict[str, tuple[int, int, bool]]:
    """Per sector (invited, expected, flagged), the slow way from the raw rows."""
    meeting = s.get(Meeting, meeting_id)
    day = meeting.starts_at.date()
    group = set(
        s.scalars(
            select(WorkingGroupMembership.member_id).where(
                WorkingGroupMembership.area_id == meeting.area_id
            )
        )
    )
    answers = {
        r.member_id: r.answer
        for r in s.scalars(select(MeetingResponse).where(MeetingResponse.meeting_id == meeting_id))
    }
    out: dict[str, list[int]] = {}
    for member in s.scalars(select(Member)):
        if member.deputy_for_id is not None or member.active_from > day:
            continue
        if member.active_to is not None and member.active_to < day:
            continue
        if meeting.kind == "working_group" and member.id not in group:
            continue
        counts = out.setdefault(s.get(Sector, member.sector_id).name, [0, 0])
        counts[0] += 1
        counts[1] += answers.get(member.id) in ("accepted", "deputy")
    return {
        sector: (invited, expected, expected == 0 or expected / invited < threshold)
        for sector, (invited, expected) in out.items()
    }


def next_meeting(engine) -> int:
    with Session(engine) as s:
        return responses.next_planned(s, NOW)


def invited(engine, meeting_id: int) -> list[int]:
    with Session(engine) as s:
        sheet = responses.response_sheet(s, meeting_id)
    return [int(m) for m in sheet["member_id"]]


# --------------------------------------------------------------------------- figures


def test_the_flagged_sectors_are_those_the_raw_rows_give(demo_engine):
    meeting_id = next_meeting(demo_engine)
    for threshold in (0.5, 0.8):
        with Session(demo_engine) as s:
            df = responses.expected_by_sector(s, meeting_id, threshold)
            raw = raw_expected(s, meeting_id, threshold)
        shown = {
            r.sector: (r.invited, r.expected, bool(r.flagged)) for r in df.itertuples(index=False)
        }
        assert shown == raw
    # the demo warns out of the box: one sector at risk before the next meeting
    assert {s for s, (_, _, flagged) in raw_expected_at(demo_engine, 0.5).items() if flagged} == {
        AT_RISK
    }


def raw_expected_at(engine, threshold: float) -> dict[str, tuple[int, int, bool]]:
    with Session(engine) as s:
        return raw_expected(s, next_meeting(engine), threshold)


def test_after_a_meeting_expected_and_attended_seats_per_sector(demo_engine):
    with Session(demo_engine) as s:
        held = s.scalars(
            select(Meeting.id)
            .join(MeetingResponse, MeetingResponse.meeting_id == Meeting.id)
            .where(Meeting.status == "held")
            .distinct()
        ).all()
        assert held, "the demo has answers to held meetings"
        for meeting_id in held:
            df = responses.outcome_by_sector(s, meeting_id)
            raw = raw_expected(s, meeting_id, 0.5)
            assert {r.sector: (r.invited, r.expected) for r in df.itertuples()} == {
                k: v[:2] for k, v in raw.items()
            }
            assert (df["expected_came"] <= df[["expected", "attended"]].min(axis=1)).all()
        missing = responses.no_shows(s, held[-1])
        assert set(missing.columns) == {"sector", "name", "organisation", "deputy_came"}


# --------------------------------------------------------------------------- the grid's service


def test_saving_answers_writes_audits_and_keeps_the_received_day(demo_engine):
    meeting_id = next_meeting(demo_engine)
    first, second, third = invited(demo_engine, meeting_id)[:3]
    with Session(demo_engine) as s:
        deputy = s.scalars(select(Member).where(Member.id.not_in([first]))).first()
        deputy_name = f"{deputy.first_name} {deputy.last_name}"
        deputy_id = deputy.id
    rows = [
        {"member_id": first, "answer": "deputy", "deputy_member_id": deputy_id},
        {"member_id": second, "answer": "declined", "received_on": "02.11.2026"},
        {"member_id": third, "answer": None},
    ]
    with session_scope(demo_engine) as s:
        services.save_responses(s, EDITOR, meeting_id, rows, day=dt.date(2026, 11, 30))
    with Session(demo_engine) as s:
        stored = {
            r.member_id: r
            for r in s.scalars(
                select(MeetingResponse).where(MeetingResponse.meeting_id == meeting_id)
            )
        }
        assert stored[first].deputy_member_id == deputy_id
        assert stored[first].received_on == dt.date(2026, 11, 30)
        assert stored[second].received_on == dt.date(2026, 11, 2)
        assert third not in stored
        audited = s.scalars(
            select(AuditEntry.record_id).where(AuditEntry.table_name == "meeting_responses")
        ).all()
        assert f"{meeting_id}/{first}" in audited
        sheet = responses.response_sheet(s, meeting_id).set_index("member_id")
        assert sheet.loc[first, "deputy"] == deputy_name
        assert sheet.loc[third, "answer"] == "none"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"answer": "maybe"}, "Zeile 1: Rückmeldung: unbekannter Wert."),
        (
            {"answer": "accepted", "deputy_name": "Ida Gast"},
            "Zeile 1: Vertretung: nur bei „Vertretung angekündigt“ anzugeben.",
        ),
        ({"answer": "accepted", "received_on": "31.02.2026"}, "Zeile 1: Eingegangen am: ist kein"),
        (
            {"answer": "accepted", "received_on": "01.01.2099"},
            "Zeile 1: Eingegangen am: darf nicht in der Zukunft liegen.",
        ),
    ],
)
def test_saving_refuses_bad_answers_in_german(demo_engine, row, message):
    meeting_id = next_meeting(demo_engine)
    member_id = invited(demo_engine, meeting_id)[0]
    with pytest.raises(InvalidInput) as caught, session_scope(demo_engine) as s:
        services.save_responses(s, EDITOR, meeting_id, [{"member_id": member_id, **row}])
    assert caught.value.messages[0].startswith(message)


def test_saving_refuses_the_uninvited_a_viewer_and_a_stale_version(demo_engine):
    meeting_id = next_meeting(demo_engine)
    with Session(demo_engine) as s:
        outsider = s.scalar(
            select(Member.id).where(
                Member.id.not_in(invited(demo_engine, meeting_id)),
                Member.deputy_for_id.is_not(None),
            )
        )
    with pytest.raises(InvalidInput, match="nicht eingeladen"), session_scope(demo_engine) as s:
        services.save_responses(
            s, EDITOR, meeting_id, [{"member_id": outsider, "answer": "accepted"}]
        )
    member_id = invited(demo_engine, meeting_id)[0]
    with pytest.raises(PermissionDenied), session_scope(demo_engine) as s:
        services.save_responses(
            s, VIEWER, meeting_id, [{"member_id": member_id, "answer": "accepted"}]
        )
    with session_scope(demo_engine) as s:
        services.save_responses(
            s, EDITOR, meeting_id, [{"member_id": member_id, "answer": "accepted"}]
        )
    with pytest.raises(Conflict), session_scope(demo_engine) as s:
        services.save_responses(
            s,
            EDITOR,
            meeting_id,
            [{"member_id": member_id, "answer": "declined"}],
            versions={member_id: None},
        )


# --------------------------------------------------------------------------- import


def preview_of(engine, df, meeting_id=None):
    data = exports.csv_bytes(df)
    table = list_import.read_table(data, "rueckmeldungen.csv", "responses")
    with Session(engine) as s:
        return response_list.preview_responses(s, table, meeting_id)


def test_import_round_trip_changes_only_what_the_list_changed(demo_engine):
    meeting_id = next_meeting(demo_engine)
    with Session(demo_engine) as s:
        exported = export_responses(s, meeting_id)
    assert list_import.summary(preview_of(demo_engine, exported)) == (
        f"0 neu, 0 geändert, {len(exported)} unverändert, 0 Fehler"
    )
    edited = exported.copy()
    answered = edited.index[edited["Rückmeldung"] != "keine Rückmeldung"]
    silent = edited.index[edited["Rückmeldung"] == "keine Rückmeldung"]
    # "keine Rückmeldung" clears the row: its deputy and day need not be emptied by hand
    edited.loc[answered[0], "Rückmeldung"] = "keine Rückmeldung"
    edited.loc[silent[0], ["Rückmeldung", "Eingegangen am"]] = ["zugesagt", dt.date(2026, 11, 28)]
    edited.loc[silent[1], ["Rückmeldung", "Vertretung"]] = ["Vertretung angekündigt", "Ida Gast"]
    preview = preview_of(demo_engine, edited)
    assert preview.ok, [r.errors for r in preview.rows if r.errors]
    assert preview.counts["neu"] == 2 and preview.counts["ändern"] == 1
    with session_scope(demo_engine) as s:
        list_import.apply_import(s, EDITOR, "responses", preview)
    with Session(demo_engine) as s:
        again = export_responses(s, meeting_id)
    edited.loc[answered[0], ["Vertretung", "Eingegangen am"]] = [None, None]
    changed = again.compare(edited.assign(Version=again["Version"]))
    # only the received day of the new deputy row differs: empty in the file, today in the database
    assert list(changed.index) == [silent[1]]
    assert again.loc[silent[1], "Eingegangen am"] == dt.date.today()
    assert list_import.summary(preview_of(demo_engine, again)).startswith("0 neu, 0 geändert")


def test_import_of_the_mail_tools_list_for_one_meeting(demo_engine):
    meeting_id = next_meeting(demo_engine)
    with Session(demo_engine) as s:
        member = s.get(Member, invited(demo_engine, meeting_id)[0])
        member.email = "Ida.Beispiel@example.org"
        member_id = member.id
        s.commit()
    mail_tool = pd.DataFrame(
        {
            "E-Mail": ["IDA.beispiel@example.org"],
            "Rückmeldung": ["Ja"],
            "Eingegangen am": ["27.11.26"],
        }
    )
    preview = preview_of(demo_engine, mail_tool, meeting_id)
    assert preview.ok and preview.rows[0].record_id == member_id
    with session_scope(demo_engine) as s:
        list_import.apply_import(s, EDITOR, "responses", preview)
    with Session(demo_engine) as s:
        stored = s.get(MeetingResponse, (meeting_id, member_id))
        assert (stored.answer, stored.received_on) == ("accepted", dt.date(2026, 11, 27))


def test_import_refuses_bad_lines_in_german_and_writes_nothing(demo_engine):
    meeting_id = next_meeting(demo_engine)
    with Session(demo_engine) as s:
        exported = export_responses(s, meeting_id)
        cancelled = s.scalar(select(Meeting.id).where(Meeting.status == "cancelled"))
        before = s.scalars(select(MeetingResponse)).all()
        before = sorted((r.meeting_id, r.member_id, r.answer, r.version) for r in before)
    bad = exported.head(4).copy()
    bad.loc[0, "Rückmeldung"] = "vielleicht"
    bad.loc[1, "Mitglied-ID"] = 999999
    bad.loc[2, "Termin-ID"] = cancelled
    bad.loc[3, "Version"] = 77
    preview = preview_of(demo_engine, bad)
    errors = {r.line: r.errors for r in preview.rows}
    assert errors[2][0].startswith("Rückmeldung: „vielleicht“ ist keine der vorgesehenen Angaben")
    assert errors[3] == ["Mitglied-ID: Ein Mitglied mit der ID 999999 gibt es nicht."]
    assert errors[4] == ["Termin-ID: Der Termin ist abgesagt."]
    assert errors[5][0].startswith("Version: Die Rückmeldung wurde inzwischen geändert.")
    with pytest.raises(InvalidInput), session_scope(demo_engine) as s:
        list_import.apply_import(s, EDITOR, "responses", preview)
    with Session(demo_engine) as s:
        after = s.scalars(select(MeetingResponse)).all()
        assert sorted((r.meeting_id, r.member_id, r.answer, r.version) for r in after) == before


# --------------------------------------------------------------------------- invitation


def invitation_file(engine, meeting_id: int) -> bytes:
    with Session(engine) as s:
        meeting, people = responses.invitation(s, meeting_id)
    return exports.invitation_bytes(meeting, people, ORGANIZER)


def parsed(data: bytes) -> tuple[icalendar.Calendar, vobject.base.Component]:
    return icalendar.Calendar.from_ical(data), vobject.readOne(io.StringIO(data.decode()))


def test_invitation_request_update_and_cancel_read_by_two_parsers(demo_engine):
    meeting_id = next_meeting(demo_engine)
    members = invited(demo_engine, meeting_id)
    with session_scope(demo_engine) as s:
        for number, member_id in enumerate(members[:3]):
            s.get(Member, member_id).email = f"mitglied{number}@example.org"
        answers = ["accepted", None, "declined"]
        rows = [{"member_id": m, "answer": a} for m, a in zip(members, answers, strict=False)]
        services.save_responses(s, EDITOR, meeting_id, rows)

    first, first_v = parsed(invitation_file(demo_engine, meeting_id))
    assert first["METHOD"] == "REQUEST" and first_v.method.value == "REQUEST"
    event, event_v = first.events[0], first_v.vevent
    assert str(event["ORGANIZER"]) == f"mailto:{ORGANIZER[1]}"
    assert event_v.organizer.value == f"mailto:{ORGANIZER[1]}"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == [f"mailto:mitglied{n}@example.org" for n in range(3)]
    assert sorted(a.value for a in event_v.attendee_list) == attendees
    statuses = {a.value: a.params["PARTSTAT"][0] for a in event_v.attendee_list}
    assert statuses["mailto:mitglied0@example.org"] == "ACCEPTED"
    assert statuses["mailto:mitglied1@example.org"] == "NEEDS-ACTION"
    assert statuses["mailto:mitglied2@example.org"] == "DECLINED"
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])
    assert event_v.uid.value == uid and int(event_v.sequence.value) == sequence

    with Session(demo_engine) as s:
        meeting = s.get(Meeting, meeting_id)
        later = {
            "kind": meeting.kind, "title": meeting.title, "area_id": meeting.area_id,
            "starts_at": meeting.starts_at + dt.timedelta(hours=1),
            "ends_at": meeting.ends_at + dt.timedelta(hours=1), "location": "Wiesbaden",
            "status": meeting.status, "notes": meeting.notes,
        }  # fmt: skip
        version = meeting.version
    with session_scope(demo_engine) as s:
        services.update_meeting(s, EDITOR, meeting_id, later, version)
    moved, moved_v = parsed(invitation_file(demo_engine, meeting_id))
    assert str(moved.events[0]["UID"]) == uid == moved_v.vevent.uid.value
    assert int(moved.events[0]["SEQUENCE"]) > sequence
    assert moved_v.vevent.location.value == "Wiesbaden"

    with Session(demo_engine) as s:
        version = s.get(Meeting, meeting_id).version
    with session_scope(demo_engine) as s:
        services.cancel_meeting(s, EDITOR, meeting_id, version, "Raum nicht verfügbar")
    gone, gone_v = parsed(invitation_file(demo_engine, meeting_id))
    assert gone["METHOD"] == "CANCEL" and gone_v.method.value == "CANCEL"
    assert gone.events[0]["STATUS"] == "CANCELLED" and gone_v.vevent.status.value == "CANCELLED"
    assert str(gone.events[0]["UID"]) == uid
    assert int(gone_v.vevent.sequence.value) > int(moved.events[0]["SEQUENCE"])
