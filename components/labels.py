"""German names for what db/ returns as codes: record kinds, fields and their values.

Field labels come from the validation schemas (db/validation.py), where every
editable field is declared with its German title; only fields no form edits
are named here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer

from components import fmt
from db import fields, validation
from db.models import Base
from db.vocabulary import (
    ACTION_LABELS,
    ATTENDANCE_LABELS,
    DELIVERY_STATUS_LABELS,
    MEETING_KIND_LABELS,
    MEETING_STATUS_LABELS,
    RECORD_NAMES,
    RESPONSE_LABELS,
    ROLE_LABELS,
)

EMPTY = "–"
HIDDEN_VALUE = "***"

ACTIONS = ACTION_LABELS

_SCHEMAS = {
    "members": validation.MemberInput,
    "meetings": validation.MeetingInput,
    "attendance": validation.AttendanceInput,
    "measures": validation.MeasureInput,
    "progress_updates": validation.ProgressInput,
    "organisations": validation.OrganisationInput,
    "sectors": validation.SectorInput,
    "thematic_areas": validation.AreaInput,
    "measure_statuses": validation.StatusInput,
    "meeting_responses": validation.ResponseInput,
}
# Fields no form edits, and names a schema title would say less well here.
_FIELDS = {
    "name": "Name",
    "title": "Titel",
    "description": "Beschreibung",
    "area_id": "Themenbereich",
    "member_id": "Mitglied",
    "meeting_id": "Termin",
    "measure_id": "Maßnahme",
    "status_id": "Status",
    "progress": "Fortschritt",
    "default_progress": "Vorgeschlagener Fortschritt",
    "author": "Erfasst von",
    "archived": "Archiviert",
    "anonymised_at": "Anonymisiert am",
    "username": "Benutzername",
    "display_name": "Name",
    "email": "E-Mail",
    "password_hash": "Passwort",
    "role": "Rolle",
    "active": "Aktiv",
    "failed_logins": "Fehlgeschlagene Anmeldungen",
    "locked_until": "Gesperrt bis",
    "created_at": "Angelegt am",
    "reason": "Grund",
    "erased": "Gelöschte Angaben",
    "free_texts": "Bereinigte Freitexte",
    "recipients": "Empfänger",
    "include_deck": "Foliensatz anhängen",
    "weekday": "Wochentag",
    "hour": "Uhrzeit",
    "days_before": "Tage vor dem Termin",
    "before_plenary": "Vor Plenarsitzungen",
    "area_ids": "Arbeitsgruppen",
    "created_by": "Angelegt von",
    "subscription_id": "Abonnement",
    "occasion": "Anlass",
    "due_at": "Fällig am",
    "attempts": "Versuche",
    "next_attempt_at": "Nächster Versuch",
    "claim_token": "Übernommen von",
    "claimed_until": "Übernommen bis",
    "sent_at": "Gesendet am",
    "recipient_count": "Anzahl Empfänger",
    "last_error": "Letzter Fehler",
    "requested_by": "Angefordert von",
    "answer": "Rückmeldung",
    "deputy_member_id": "Vertretung (Mitglied)",
    "deputy_name": "Vertretung (Name)",
    "received_on": "Eingegangen am",
    "sso_subject": "Dienstkonto-Kennung",
    "last_sign_in_at": "Letzte Anmeldung",
    "label": "Bezeichnung",
    "expires_at": "Gültig bis",
    "revoked_at": "Zurückgezogen am",
    "presentation_id": "Folgt der Präsentation",
}
# Tables whose fields are declared in db/fields.py (their choices' words come from there).
_DECLARED = {"members": fields.MEMBER}
_CODES: dict[tuple[str, str], dict[str, str]] = {
    ("meetings", "kind"): MEETING_KIND_LABELS,
    ("meetings", "status"): MEETING_STATUS_LABELS,
    ("attendance", "status"): ATTENDANCE_LABELS,
    ("users", "role"): ROLE_LABELS,
    ("briefing_deliveries", "status"): DELIVERY_STATUS_LABELS,
    ("meeting_responses", "answer"): RESPONSE_LABELS,
}


def record_name(table: str) -> str:
    """'Mitglied' for 'members'."""
    return RECORD_NAMES.get(table, table)


def field_label(table: str, field: str) -> str:
    """The German label of FIELD of a record in TABLE ('Nachname' for last_name)."""
    schema = _SCHEMAS.get(table)
    if field in _FIELDS:
        return _FIELDS[field]
    if schema is not None and field in schema.model_fields:
        title = schema.model_fields[field].title
        if title:
            return title
    return field.replace("_", " ").capitalize()


def _column_type(table: str, field: str) -> Any:
    table_obj = Base.metadata.tables.get(table)
    if table_obj is None or field not in table_obj.columns:
        return None
    kind = table_obj.columns[field].type
    return getattr(kind, "impl", kind)  # BerlinDateTime is a TypeDecorator over DateTime


def value_text(table: str, field: str | None, value: Any) -> str:
    """VALUE of FIELD as German text: dates dd.mm.yyyy, Ja/Nein, codes as labels, '–' for empty."""
    if value is None or value != value or value in ("", []) or field is None:  # NaN != NaN
        return EMPTY
    if value == HIDDEN_VALUE:
        return "(verborgen)"
    if (table, field) in _CODES:
        return _CODES[(table, field)].get(str(value), str(value))
    declared = _DECLARED.get(table)
    if declared is not None and field in declared.names and declared[field].kind == "choice":
        return declared[field].word(str(value))
    if field == "erased" and isinstance(value, list):
        return ", ".join(field_label(table, str(v)) for v in value)
    if field == "free_texts" and isinstance(value, dict):
        return "; ".join(
            f"{record_name(t)} {', '.join(str(i) for i in ids)}" for t, ids in value.items()
        )
    kind = _column_type(table, field)
    if isinstance(value, bool) or isinstance(kind, Boolean):
        return "Ja" if value else "Nein"
    if isinstance(kind, DateTime) or field == "anonymised_at":
        return fmt.datetime(_parse_datetime(value))
    if isinstance(kind, Date):
        return fmt.date(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
    if field in ("progress", "default_progress"):
        return f"{fmt.number(value)}\u00a0%"
    if isinstance(value, int | float) and (kind is None or isinstance(kind, Integer)):
        return fmt.number(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _parse_datetime(value: Any) -> dt.datetime:
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
