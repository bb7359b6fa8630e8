"""Members' answers to meeting invitations (editors): the grid of one meeting
and the import save through `save_responses`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import InvalidInput, ValidationError
from db.form_data import invited_members
from db.models import Meeting, MeetingResponse, Member
from db.permissions import Actor
from db.services.core import apply, check_version, load, today, write_service
from db.validation import ResponseInput, check

WHAT = "Die Rückmeldung"


def checked_rows(rows: list[dict[str, Any]]) -> list[ResponseInput]:
    """ROWS validated, or InvalidInput with every message, each naming its row."""
    errors, entries = [], []
    for number, row in enumerate(rows, start=1):
        try:
            entries.append(check(ResponseInput, row))
        except InvalidInput as exc:
            errors += [f"Zeile {number}: {m}" for m in exc.messages]
    if errors:
        raise InvalidInput(errors)
    return entries


def _rules(
    session: Session, meeting: Meeting, entries: list[ResponseInput], day: dt.date
) -> dict[int, MeetingResponse]:
    """Refuse what the database would take but makes no sense; the current answers."""
    if meeting.status == "cancelled":
        raise ValidationError("Rückmeldung", "für einen abgesagten Termin nicht möglich.")
    current = {
        r.member_id: r
        for r in session.scalars(
            select(MeetingResponse).where(MeetingResponse.meeting_id == meeting.id)
        )
    }
    invited = set(session.scalars(invited_members(meeting))) | set(current)
    deputies = {e.deputy_member_id for e in entries if e.deputy_member_id is not None}
    known = set(session.scalars(select(Member.id).where(Member.id.in_(deputies))))
    errors, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        if entry.member_id not in invited:
            errors.append(f"Zeile {number}: Mitglied: ist zu diesem Termin nicht eingeladen.")
        if entry.member_id in seen:
            errors.append(f"Zeile {number}: Mitglied: steht mehrfach in der Liste.")
        seen.add(entry.member_id)
        if entry.deputy_member_id is not None and entry.deputy_member_id not in known:
            errors.append(f"Zeile {number}: Vertretung: unbekanntes Mitglied.")
        if entry.received_on is not None and entry.received_on > day:
            errors.append(f"Zeile {number}: Eingegangen am: darf nicht in der Zukunft liegen.")
    if errors:
        raise InvalidInput(errors)
    return current


def _store(
    session: Session,
    meeting_id: int,
    response: MeetingResponse | None,
    entry: ResponseInput,
    day: dt.date,
) -> str | None:
    """Write ENTRY over RESPONSE (the stored answer or None): 'neu', 'ändern' or None."""
    values = entry.model_dump(exclude={"member_id"})
    if entry.answer is None:
        if response is None:
            return None
        session.delete(response)
        return "ändern"
    if response is None:
        values["received_on"] = values["received_on"] or day
        session.add(MeetingResponse(meeting_id=meeting_id, member_id=entry.member_id, **values))
        return "neu"
    if values["received_on"] is None:
        same = (response.answer, response.deputy_member_id, response.deputy_name) == (
            entry.answer,
            entry.deputy_member_id,
            entry.deputy_name,
        )
        values["received_on"] = response.received_on if same else day
    return "ändern" if apply(response, values) else None


@write_service("editor")
def save_responses(
    session: Session,
    actor: Actor,
    meeting_id: int,
    rows: list[dict[str, Any]],
    versions: dict[int, int | None] | None = None,
    day: dt.date | None = None,
) -> dict[str, int]:
    """Save the answers of ROWS (one per member) to MEETING_ID at once.

    An answer None removes a stored answer (no answer yet). VERSIONS holds, per
    member, the version of the answer the editor loaded (None: there was none);
    an answer saved by someone else since is refused. A missing "received"
    day is today for a new or changed answer. Returns {"neu": n, "ändern": m}.
    """
    day = day or today()
    meeting = load(session, Meeting, meeting_id, "Der Termin")
    entries = checked_rows(rows)
    current = _rules(session, meeting, entries, day)
    counts = {"neu": 0, "ändern": 0}
    for entry in entries:
        response = current.get(entry.member_id)
        if versions is not None and entry.member_id in versions:
            expected = versions[entry.member_id]
            if response is not None:
                check_version(session, response, expected or 0, WHAT)
            elif expected is not None:
                raise ValidationError(
                    "Rückmeldung", "wurde inzwischen gelöscht. Bitte die Seite neu laden."
                )
        action = _store(session, meeting_id, response, entry, day)
        if action:
            counts[action] += 1
    return counts
