"""Import of members' answers to meeting invitations (the mail tool's list, or
the export of `list_export.export_responses` edited in a spreadsheet).

The rules of the other lists hold (`db.list_import`): a preview first, every
line with its action and German errors, then all rows or none. A row names its
meeting by "Termin-ID" (or the meeting is given, on the meeting's own page) and
its member by "Mitglied-ID", else by e-mail, else by first and last name. The
answer is a word of `vocabulary.RESPONSE_LABELS` (or ja / nein); an empty answer
or "keine Rückmeldung" removes a stored answer. A deputy that names a member
(first and last name) is stored as that member, any other name as text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import InvalidInput
from db.form_data import invited_members
from db.list_files import canonical_header, require_columns
from db.list_import import ImportPreview, RowResult, _key, _Row, _rows, _validate
from db.models import Meeting, MeetingResponse, Member
from db.permissions import Actor
from db.responses import member_names
from db.services.responses import save_responses
from db.validation import ResponseInput
from db.vocabulary import MEETING_STATUS_LABELS, RESPONSE_LABELS

ANSWERS = {_key(word): code for code, word in RESPONSE_LABELS.items()}
ANSWERS |= {_key(code): code for code in RESPONSE_LABELS}
ANSWERS |= {"ja": "accepted", "nein": "declined", "zusage": "accepted", "absage": "declined"}
ANSWERS |= {"vertretung": "deputy"}
STATE = ("answer", "deputy_member_id", "deputy_name", "received_on")


class _Lookups:
    """What the rows are resolved against, read once for the whole file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        addresses = session.execute(
            select(Member.id, Member.email).where(
                Member.anonymised_at.is_(None), Member.email.is_not(None)
            )
        ).all()
        self.ids = set(session.scalars(select(Member.id)))
        self.by_email = _unique((_key(email), i) for i, email in addresses)
        self.by_name = member_names(session)
        self.meetings = {m.id: m for m in session.scalars(select(Meeting))}
        self.invited: dict[int, set[int]] = {}
        self.stored: dict[tuple[int, int], MeetingResponse] = {}

    def invited_to(self, meeting: Meeting) -> set[int]:
        if meeting.id not in self.invited:
            answers = self.session.scalars(
                select(MeetingResponse).where(MeetingResponse.meeting_id == meeting.id)
            ).all()
            self.stored |= {(meeting.id, r.member_id): r for r in answers}
            invited = set(self.session.scalars(invited_members(meeting)))
            self.invited[meeting.id] = invited | {r.member_id for r in answers}
        return self.invited[meeting.id]


def _unique(pairs: Any) -> dict[str, int | None]:
    """Key -> id; None for a key that names more than one member."""
    table: dict[str, int | None] = {}
    for key, record_id in pairs:
        table[key] = record_id if table.get(key, record_id) == record_id else None
    return table


def _meeting(row: _Row, look: _Lookups, meeting_id: int | None) -> Meeting | None:
    given = row.integer("Termin-ID") if row.has("Termin-ID") else None
    if "Termin-ID: " in " ".join(row.result.errors):
        return None
    if given is not None and meeting_id is not None and given != meeting_id:
        row.error("Termin-ID", f"gehört zu einem anderen Termin als dem gewählten ({meeting_id}).")
        return None
    chosen = given if given is not None else meeting_id
    if chosen is None:
        row.error("Termin-ID", "ist ein Pflichtfeld.")
        return None
    meeting = look.meetings.get(chosen)
    if meeting is None:
        row.error("Termin-ID", f"Einen Termin mit der ID {chosen} gibt es nicht.")
    elif meeting.status == "cancelled":
        row.error("Termin-ID", f"Der Termin ist {MEETING_STATUS_LABELS['cancelled']}.")
        return None
    return meeting


def _member(row: _Row, look: _Lookups) -> int | None:
    if row.has("Mitglied-ID") and row.text("Mitglied-ID") is not None:
        member_id = row.integer("Mitglied-ID", "Mitglied")
        if member_id is not None and member_id not in look.ids:
            row.error("Mitglied-ID", f"Ein Mitglied mit der ID {member_id} gibt es nicht.")
            return None
        return member_id
    email = row.text("E-Mail") if row.has("E-Mail") else None
    if email is not None:
        return _found(row, "E-Mail", look.by_email, str(email))
    first = row.text("Vorname") if row.has("Vorname") else None
    last = row.text("Nachname") if row.has("Nachname") else None
    if first is None or last is None:
        row.error("Mitglied", "Mitglied-ID, E-Mail oder Vor- und Nachname angeben.")
        return None
    return _found(row, "Nachname", look.by_name, f"{first} {last}")


def _found(row: _Row, column: str, table: dict[str, int | None], value: str) -> int | None:
    key = _key(value)
    if key not in table:
        row.error(column, f"Ein Mitglied „{value}“ gibt es nicht.")
    elif table[key] is None:
        row.error(column, f"„{value}“ passt auf mehrere Mitglieder; bitte die Mitglied-ID angeben.")
    return table.get(key)


def _answer(row: _Row) -> str | None:
    value = row.text("Rückmeldung")
    if value is None:
        return None
    code = ANSWERS.get(_key(str(value)))
    if code is None:
        words = ", ".join(f"„{w}“" for w in RESPONSE_LABELS.values())
        row.error("Rückmeldung", f"„{value}“ ist keine der vorgesehenen Angaben ({words}).")
    return None if code == "none" else code


def _deputy(row: _Row, look: _Lookups) -> tuple[int | None, str | None]:
    value = row.text("Vertretung") if row.has("Vertretung") else None
    if value is None:
        return None, None
    member_id = look.by_name.get(_key(str(value)))
    return (member_id, None) if member_id is not None else (None, str(value))


def preview_responses(
    session: Session, df: pd.DataFrame, meeting_id: int | None = None
) -> ImportPreview:
    """What importing DF (the answer columns) would do; writes nothing. With
    MEETING_ID every row belongs to that meeting."""
    columns = require_columns(df, "responses")
    df = df.rename(columns=canonical_header)
    look = _Lookups(session)
    seen: dict[tuple[int, int], int] = {}
    rows = []
    for line, cells in _rows(df):
        row = _Row(line, cells, columns)
        result = row.result
        meeting, member_id = _meeting(row, look, meeting_id), _member(row, look)
        if meeting is None or member_id is None:
            rows.append(result)
            continue
        key = (meeting.id, member_id)
        if member_id not in look.invited_to(meeting):
            row.error("Mitglied", "ist zu diesem Termin nicht eingeladen.")
        if key in seen:
            row.error("Mitglied", f"steht schon in Zeile {seen[key]}.")
        seen.setdefault(key, line)
        stored = look.stored.get(key)
        result.record_id, result.version = member_id, stored.version if stored else None
        _check_version(row, stored)
        answer = _answer(row)
        # no answer: the row is cleared, whatever its deputy and day still say
        deputy_member_id, deputy_name = _deputy(row, look) if answer else (None, None)
        received = row.date("Eingegangen am") if row.has("Eingegangen am") and answer else None
        payload = {
            "member_id": member_id,
            "answer": answer,
            "deputy_member_id": deputy_member_id,
            "deputy_name": deputy_name,
            "received_on": received,
        }
        before = {"member_id": member_id, **{k: getattr(stored, k, None) for k in STATE}}
        if payload["received_on"] is None and stored is not None:
            payload["received_on"] = stored.received_on if _same(payload, stored) else None
        result.action = "neu" if stored is None else "ändern"
        _validate(row, ResponseInput, payload, before if stored else None)
        if stored is None and payload["answer"] is None and not result.errors:
            result.action = "unverändert"
        result.data = {**result.data, "meeting_id": meeting.id}
        rows.append(result)
    return ImportPreview(rows, "responses")


def _same(payload: dict[str, Any], stored: MeetingResponse) -> bool:
    return all(payload[k] == getattr(stored, k) for k in STATE[:3])


def _check_version(row: _Row, stored: MeetingResponse | None) -> None:
    if not row.has("Version"):
        return
    given = row.integer("Version")
    current = stored.version if stored else None
    if given != current:
        row.error(
            "Version",
            "Die Rückmeldung wurde inzwischen geändert. Bitte neu exportieren und die "
            "Änderung dort eintragen.",
        )


class ResponseWriter:
    """Writes the rows of an answer import through `save_responses` (one call per
    meeting and chunk), which applies the grid's rules and version checks."""

    def __init__(self, session: Session, actor: Actor, rows: list[RowResult]) -> None:
        self.session = session
        self.actor = actor

    def check(self, row: RowResult) -> dict[str, Any]:
        return row.data

    def write(self, checked: list[tuple[RowResult, dict[str, Any]]]) -> None:
        by_meeting: dict[int, list[RowResult]] = {}
        for row, _data in checked:
            by_meeting.setdefault(row.data["meeting_id"], []).append(row)
        for meeting_id, rows in by_meeting.items():
            try:
                save_responses(
                    self.session,
                    self.actor,
                    meeting_id,
                    [{k: v for k, v in row.data.items() if k != "meeting_id"} for row in rows],
                    versions={row.record_id: row.version for row in rows},
                    day=dt.date.today(),
                )
            except InvalidInput as exc:  # "Zeile 3" of the call is a line of the file
                raise InvalidInput([_file_line(m, rows) for m in exc.messages]) from exc


def _file_line(message: str, rows: list[RowResult]) -> str:
    match = re.match(r"Zeile (\d+): ", message)
    if match is None:
        return message
    return f"Zeile {rows[int(match.group(1)) - 1].line}: {message[match.end() :]}"
