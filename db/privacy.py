"""Personal data of members under the DSGVO and the HDSIG: the privacy note,
the access export (Art. 15) and anonymisation (Art. 17), on request or when
the retention period after leaving has passed.

Anonymising keeps everything the statistics need (sector, organisation,
period of membership, deputy relation, working groups, attendance) and
replaces name and contact details by a placeholder: in the member's row, in
free texts that name the member, and in the audit trail. The audit trail
keeps one entry saying that, when, by whom and why it happened, never the
erased values. The write services are in db.services.privacy.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import String, and_, insert, select, update
from sqlalchemy.orm import Session

from db import fields
from db.config import ConfigError, setting
from db.errors import NotFound
from db.models import (
    BERLIN,
    Attendance,
    AuditEntry,
    Base,
    Measure,
    Meeting,
    MeetingResponse,
    Member,
    Need,
    Organisation,
    ProgressUpdate,
    Sector,
    ThematicArea,
    WorkingGroupMembership,
)
from db.vocabulary import ACTION_LABELS, ATTENDANCE_LABELS, MEETING_KIND_LABELS, TABLE_LABELS

DEFAULT_RETENTION_MONTHS = 24
PLACEHOLDER = "Anonymisiert"
ERASED_FIELDS = fields.MEMBER.personal  # names and contact details
ON_REQUEST = "Antrag der betroffenen Person"
AFTER_RETENTION = "Aufbewahrungsfrist abgelaufen"

# Free texts that could name a member by mistake. Organisations stay as they are
# (the statistics keep them), reference data and accounts name no members.
FREE_TEXT: tuple[type[Base], ...] = (Measure, ProgressUpdate, Meeting, Need, MeetingResponse)
AUDIT_BATCH = 1000


# --------------------------------------------------------------------------- the note

CONTROLLER = (
    "Hessisches Ministerium für Arbeit, Integration, Jugend und Soziales, "
    "Geschäftsstelle der Hessischen Integrationskonferenz"
)
STORED = (
    "Mitglieder und Stellvertretungen: Vor- und Nachname, Organisation und Bereich, "
    "Beginn und Ende der Mitgliedschaft, wen ein Mitglied vertritt, Arbeitsgruppen; "
    "freiwillig Funktion und dienstliche E-Mail-Adresse. Teilnahme: je Termin anwesend, "
    "entschuldigt oder unentschuldigt und ob die Stellvertretung teilnahm. "
    "Änderungsprotokoll: wer wann welchen Datensatz mit welchen Werten geändert hat."
)
NOT_STORED = (
    "Keine Privatanschriften, Telefonnummern, Geburtsdaten oder sonstigen Angaben, die für "
    "die Arbeit der Konferenz nicht gebraucht werden. Freitexte (Notizen, „Verantwortlich“) "
    "sind für Sachangaben gedacht, nicht für Angaben über Personen."
)
PURPOSES = (
    "Einladung und Organisation der Plenar- und Arbeitsgruppensitzungen, Nachweis der "
    "Teilnahme, Auswertung von Zusammensetzung und Teilnahme nach Bereichen (ohne Namen)."
)
LEGAL_BASIS = (
    "Art. 6 Abs. 1 Buchst. e DSGVO in Verbindung mit § 3 Abs. 1 HDSIG "
    "(Erfüllung einer Aufgabe im öffentlichen Interesse)."
)
RECIPIENTS = (
    "Die Geschäftsstelle (alle Angaben), der Leitungsstab des Ministeriums (Auswertungen "
    "ohne Namen; Namen nur in der Teilnehmendenliste eines Termins, ohne Download) und die "
    "Administration des Dashboards. Präsentation und Lagebild enthalten keine Namen."
)
SOURCE = (
    "Angaben der entsendenden Organisation und des Mitglieds selbst; die Teilnahme erfasst "
    "die Geschäftsstelle."
)
LOGGING = (
    "Anmeldungen sowie Exporte und Anonymisierungen personenbezogener Daten werden mit "
    "Benutzername, Zeitpunkt und Mitgliedsnummer protokolliert, ohne die Daten selbst. "
    "Für jede Anmeldung am Dashboard speichert es Beginn, letzte Aktivität und Browser "
    "mit Betriebssystem in Kurzform (etwa „Firefox auf Windows“), damit man sie auf "
    "„Mein Konto“ sehen und beenden kann; 30 Tage nach ihrem Ende wird sie gelöscht. "
    "Fehlgeschlagene Anmeldungen werden je Benutzername und Adresse nur als "
    "unumkehrbarer Schlüssel gezählt und nach einem Tag ohne Fehlversuch gelöscht."
)
RIGHTS = (
    "Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung "
    "der Verarbeitung (Art. 18) und Widerspruch (Art. 21), bei der Geschäftsstelle; "
    "Beschwerde beim Hessischen Beauftragten für Datenschutz und Informationsfreiheit."
)


def retention_text(months: int) -> str:
    return (
        f"Bis {months} Monate nach dem Ende der Mitgliedschaft. Danach werden Name, Funktion "
        f"und E-Mail-Adresse durch „{PLACEHOLDER} #Nummer“ ersetzt, auch in Freitexten und "
        "im Änderungsprotokoll; Bereich, Organisation, Zeitraum, Arbeitsgruppen und "
        "Teilnahme bleiben ohne Namen für die Statistik erhalten. Auf Antrag geschieht das "
        "sofort."
    )


def note(months: int) -> list[tuple[str, str]]:
    """The privacy note as (heading, text) pairs, for the page and the access export."""
    return [
        ("Verantwortliche Stelle", CONTROLLER),
        ("Was gespeichert wird", STORED),
        ("Was nicht gespeichert wird", NOT_STORED),
        ("Wozu", PURPOSES),
        ("Rechtsgrundlage", LEGAL_BASIS),
        ("Wer die Daten sieht", RECIPIENTS),
        ("Herkunft der Daten", SOURCE),
        ("Wie lange", retention_text(months)),
        ("Protokolle", LOGGING),
        ("Ihre Rechte", RIGHTS),
    ]


# --------------------------------------------------------------------------- retention


def retention_months() -> int:
    """RETENTION_MONTHS (environment or secrets.toml), default 24; at least 1."""
    raw = setting("RETENTION_MONTHS", str(DEFAULT_RETENTION_MONTHS)) or ""
    try:
        months = int(raw.strip())
    except ValueError:
        raise ConfigError(f"RETENTION_MONTHS muss eine ganze Zahl sein, nicht „{raw}“.") from None
    if months < 1:
        raise ConfigError("RETENTION_MONTHS muss mindestens 1 (Monat) sein.")
    return months


def months_before(day: dt.date, months: int) -> dt.date:
    """The same calendar day MONTHS months before DAY (the month's last day if shorter)."""
    return day - relativedelta(months=months)


def expired_members(session: Session, today: dt.date, months: int) -> pd.DataFrame:
    """Members not yet anonymised whose last day lies more than MONTHS months before TODAY."""
    cutoff = months_before(today, months)
    stmt = (
        select(
            Member.id,
            Member.last_name,
            Member.first_name,
            Organisation.name.label("organisation"),
            Member.active_to,
        )
        .join(Organisation, Organisation.id == Member.organisation_id)
        .where(
            Member.anonymised_at.is_(None),
            Member.active_to.is_not(None),
            Member.active_to < cutoff,
        )
        .order_by(Member.active_to, Member.id)
    )
    return pd.DataFrame(
        session.execute(stmt).all(),
        columns=["id", "last_name", "first_name", "organisation", "active_to"],
    )


# --------------------------------------------------------------------------- finding names


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("Das Mitglied gibt es nicht (mehr).")
    return member


def _audit_rows(session: Session) -> Iterator[Any]:
    """Every audit entry (id, table, record, old, new), in batches, oldest first."""
    last = 0
    while True:
        rows = session.execute(
            select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.action,
                AuditEntry.table_name,
                AuditEntry.record_id,
                AuditEntry.old_values,
                AuditEntry.new_values,
            )
            .where(AuditEntry.id > last)
            .order_by(AuditEntry.id)
            .limit(AUDIT_BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _own_record(table: str, record_id: str, member_id: int) -> bool:
    """True for audit records that belong to MEMBER_ID: the member's row, its
    working-group memberships (member/area) and attendance (meeting/member)."""
    if table == "members":
        return record_id == str(member_id)
    if table == "working_group_memberships":
        return record_id.split("/")[0] == str(member_id)
    if table == "attendance":
        return record_id.split("/")[-1] == str(member_id)
    return False


def _words(value: str) -> str:
    return r"\s+".join(re.escape(part) for part in value.split())


def name_pattern(session: Session, member_id: int) -> re.Pattern[str] | None:
    """What names MEMBER_ID in a free text: the full name (both orders, now and in
    the member's audit history) and the e-mail addresses; None when nothing."""
    member = _member(session, member_id)
    firsts, lasts, emails = {member.first_name}, {member.last_name}, {member.email}
    for row in session.execute(
        select(AuditEntry.old_values, AuditEntry.new_values).where(
            AuditEntry.table_name == "members", AuditEntry.record_id == str(member_id)
        )
    ):
        for values in row:
            if isinstance(values, dict):
                firsts.add(values.get("first_name"))
                lasts.add(values.get("last_name"))
                emails.add(values.get("email"))
    clean = lambda values: {v.strip() for v in values if isinstance(v, str) and v.strip()}  # noqa: E731
    if member.anonymised_at is not None:
        firsts.discard(member.first_name)
        lasts.discard(member.last_name)
    needles = [
        variant
        for first in clean(firsts)
        for last in clean(lasts)
        for variant in (f"{_words(first)}\\s+{_words(last)}", f"{_words(last)},\\s*{_words(first)}")
    ] + [re.escape(e) for e in clean(emails)]
    if not needles:
        return None
    needles.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(needles) + r")(?!\w)", re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    """VALUE with every match of PATTERN replaced (strings inside dicts and lists too)."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern, replacement) for v in value]
    return value


def _text_columns(model: type[Base]) -> list[Any]:
    return [c for c in model.__table__.columns if isinstance(c.type, String) and not c.primary_key]


def _free_text_rows(session: Session, model: type[Base]) -> list[Any]:
    """Key and text columns of every row of MODEL (read at once: callers update rows)."""
    keys = list(model.__table__.primary_key.columns)
    return session.execute(select(*keys, *_text_columns(model)).order_by(*keys)).all()


def _record_key(model: type[Base], row: Any) -> int | str:
    """The record of ROW as the audit trail names it: its id, or "12/34" for a key of
    several columns (a member's answer to a meeting)."""
    keys = [row._mapping[c] for c in model.__table__.primary_key.columns]
    return keys[0] if len(keys) == 1 else "/".join(str(k) for k in keys)


def _where_key(model: type[Base], row: Any) -> Any:
    return and_(*(c == row._mapping[c] for c in model.__table__.primary_key.columns))


# --------------------------------------------------------------------------- access (Art. 15)


def _mentions(values: dict | None, pattern: re.Pattern[str] | None) -> dict | None:
    """Only the entries of VALUES whose value names the member."""
    if not values or pattern is None:
        return None
    found = {k: v for k, v in values.items() if isinstance(v, str) and pattern.search(v)}
    return found or None


def _reduced(values: dict | None, keys: set[str], named: dict | None) -> dict | None:
    """Of VALUES only the KEYS that refer to the member and the NAMED texts."""
    if not isinstance(values, dict):
        return None
    return {**{k: values.get(k) for k in keys if k in values}, **(named or {})} or None


def _audit_for(session: Session, member_id: int, pattern: re.Pattern[str] | None) -> pd.DataFrame:
    """The audit entries that name MEMBER_ID: whole for the member's own records,
    reduced to the naming fields for other records (nothing about others)."""
    rows = []
    for row in _audit_rows(session):
        old, new = row.old_values, row.new_values
        if not _own_record(row.table_name, row.record_id, member_id):
            refers = {
                k
                for values in (old, new)
                if isinstance(values, dict)
                for k in ("deputy_for_id", "member_id")
                if values.get(k) == member_id
            }
            named_old, named_new = _mentions(old, pattern), _mentions(new, pattern)
            if not refers and not named_old and not named_new:
                continue
            old, new = _reduced(old, refers, named_old), _reduced(new, refers, named_new)
        rows.append(
            {
                "Zeitpunkt": row.at,
                "Aktion": ACTION_LABELS.get(row.action, row.action),
                "Tabelle": TABLE_LABELS.get(row.table_name, row.table_name),
                "Datensatz": row.record_id,
                "Vorher": json.dumps(old, ensure_ascii=False, default=str) if old else "",
                "Nachher": json.dumps(new, ensure_ascii=False, default=str) if new else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["Zeitpunkt", "Aktion", "Tabelle", "Datensatz", "Vorher", "Nachher"]
    )


def _free_text_mentions(session: Session, pattern: re.Pattern[str] | None) -> pd.DataFrame:
    rows = []
    if pattern is not None:
        for model in FREE_TEXT:
            for row in _free_text_rows(session, model):
                for column in _text_columns(model):
                    text = row._mapping[column]
                    if isinstance(text, str) and pattern.search(text):
                        key = _record_key(model, row)
                        rows.append((TABLE_LABELS[model.__tablename__], key, column.name, text))
    return pd.DataFrame(rows, columns=["Tabelle", "Datensatz", "Feld", "Text"])


def _name(member: Member) -> str:
    return f"{member.last_name}, {member.first_name}"


def _stored(
    declared: fields.Field, member: Member, organisation: Organisation, sector: Sector
) -> Any:
    """What MEMBER has in a DECLARED field, as the access document shows it."""
    value = getattr(member, declared.name)
    match declared.kind:
        case "organisation":
            return organisation.name
        case "sector":
            return sector.name
        case "member":
            return None if value is None else f"Mitglied Nr. {value}"
        case "choice":
            return declared.word(value)
    return value


def access_report(session: Session, member_id: int, now: dt.datetime) -> dict[str, pd.DataFrame]:
    """Everything stored about MEMBER_ID, one table per kind (sheet name -> rows):
    the privacy note, the member record, working groups, attendance, deputy
    relation, the audit entries and free texts that name the member."""
    member = _member(session, member_id)
    organisation = session.get(Organisation, member.organisation_id)
    sector = session.get(Sector, member.sector_id)
    pattern = name_pattern(session, member_id)

    about = pd.DataFrame(
        [
            ("Erstellt am", now),
            ("Auskunft über", f"Mitglied Nr. {member.id}"),
            *note(retention_months()),
        ],
        columns=["Angabe", "Inhalt"],
        dtype=object,
    )
    record = pd.DataFrame(
        [
            ("Mitglieds-Nr.", member.id),
            *(
                (f.label, _stored(f, member, organisation, sector))
                for f in fields.MEMBER
                if f.kind != "areas"  # a sheet of their own
            ),
            ("Anonymisiert am", member.anonymised_at),
        ],
        columns=["Feld", "Wert"],
        dtype=object,
    )
    groups = pd.DataFrame(
        session.execute(
            select(ThematicArea.short_name, ThematicArea.name)
            .join(WorkingGroupMembership, WorkingGroupMembership.area_id == ThematicArea.id)
            .where(WorkingGroupMembership.member_id == member_id)
            .order_by(ThematicArea.sort_order)
        ).all(),
        columns=["Arbeitsgruppe", "Themenbereich"],
    )
    attendance = pd.DataFrame(
        [
            (
                r.starts_at,
                r.title,
                MEETING_KIND_LABELS.get(r.kind, r.kind),
                r.area,
                ATTENDANCE_LABELS.get(r.status, r.status),
                bool(r.deputy_attended),
            )
            for r in session.execute(
                select(
                    Meeting.starts_at,
                    Meeting.title,
                    Meeting.kind,
                    ThematicArea.name.label("area"),
                    Attendance.status,
                    Attendance.deputy_attended,
                )
                .join(Meeting, Meeting.id == Attendance.meeting_id)
                .outerjoin(ThematicArea, ThematicArea.id == Meeting.area_id)
                .where(Attendance.member_id == member_id)
                .order_by(Meeting.starts_at)
            )
        ],
        columns=[
            "Beginn",
            "Termin",
            "Art",
            "Themenbereich",
            "Teilnahme",
            "Stellvertretung anwesend",
        ],
    )
    # The deputy relation names the other person by name and organisation only.
    relations = []
    seat = session.get(Member, member.deputy_for_id) if member.deputy_for_id else None
    if seat is not None:
        relations.append(("vertritt den Sitz von", seat))
    for deputy in session.scalars(
        select(Member).where(Member.deputy_for_id == member_id).order_by(Member.id)
    ):
        relations.append(("wird vertreten von", deputy))
    deputies = pd.DataFrame(
        [
            (what, other.id, _name(other), session.get(Organisation, other.organisation_id).name)
            for what, other in relations
        ],
        columns=["Beziehung", "Mitglieds-Nr.", "Name", "Organisation"],
    )
    return {
        "Auskunft": about,
        "Mitglied": record,
        "Arbeitsgruppen": groups,
        "Anwesenheit": attendance,
        "Stellvertretung": deputies,
        "Änderungsprotokoll": _audit_for(session, member_id, pattern),
        "Erwähnungen in Freitexten": _free_text_mentions(session, pattern),
    }


# --------------------------------------------------------------------------- erasure (Art. 17)


def placeholder(member_id: int) -> str:
    """What replaces the name of MEMBER_ID in free texts."""
    return f"{PLACEHOLDER} #{member_id}"


def erased_values(member_id: int) -> dict[str, Any]:
    """The member row's name and contact fields after anonymising ("Anonymisiert, #12")."""
    return dict.fromkeys(ERASED_FIELDS) | {"first_name": f"#{member_id}", "last_name": PLACEHOLDER}


def _fit(text: str, column: Any) -> str:
    length = getattr(column.type, "length", None)
    return text[:length] if length else text


def anonymise(
    session: Session, username: str, member_ids: list[int], reason: str, now: dt.datetime
) -> None:
    """Erase name and contact details of MEMBER_IDS everywhere; keep what the
    statistics need. Called by the write services (role check, data version)."""
    patterns = {mid: name_pattern(session, mid) for mid in member_ids}
    touched: dict[int, dict[str, list[int]]] = {mid: {} for mid in member_ids}

    # Free texts (plain UPDATEs, so the audit listener never records the name
    # again; the version moves so that an open form cannot save the old text).
    for model in FREE_TEXT:
        table = model.__table__
        columns = _text_columns(model)
        for row in _free_text_rows(session, model):
            changes = {}
            for column in columns:
                text = row._mapping[column]
                if not isinstance(text, str):
                    continue
                new = text
                for mid, pattern in patterns.items():
                    if pattern is not None and pattern.search(new):
                        new = pattern.sub(placeholder(mid), new)
                        key = _record_key(model, row)
                        touched[mid].setdefault(model.__tablename__, []).append(key)
                if new != text:
                    changes[column.name] = _fit(new, column)
            if changes:
                session.execute(
                    update(table)
                    .where(_where_key(model, row))
                    .values(**changes, version=table.c.version + 1)
                )

    # The audit trail: the member's own records lose the erased fields, every
    # other entry loses the texts that name the member.
    audit = AuditEntry.__table__
    for row in list(_audit_rows(session)):
        changes = {}
        for key in ("old_values", "new_values"):
            values = getattr(row, key)
            for mid, pattern in patterns.items():
                if row.table_name == "members" and row.record_id == str(mid) and values:
                    erased = erased_values(mid)
                    values = {k: erased.get(k, v) for k, v in values.items()}
                if pattern is not None:
                    values = _scrub(values, pattern, placeholder(mid))
            if values != getattr(row, key):
                changes[key] = values
        if changes:
            session.execute(update(audit).where(audit.c.id == row.id).values(**changes))

    table = Member.__table__
    for mid in member_ids:
        session.execute(
            update(table)
            .where(table.c.id == mid)
            .values(**erased_values(mid), anonymised_at=now, version=table.c.version + 1)
        )
    session.connection().execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "username": username,
                "action": "anonymise",
                "table_name": "members",
                "record_id": str(mid),
                "old_values": None,
                "new_values": {
                    "anonymised_at": now.astimezone(BERLIN).isoformat(),
                    "reason": reason,
                    "erased": list(ERASED_FIELDS),
                    "free_texts": {k: sorted(set(v)) for k, v in touched[mid].items()},
                },
            }
            for mid in member_ids
        ],
    )
    session.expire_all()  # the session's objects still hold the old values
