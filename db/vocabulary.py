"""The German words for the codes the database stores, in one place.

`db/` stores and returns codes ("plenary", "held", "present"); whatever shows
one to a person (a page, an export, the access document, the CLI) names it
with these maps. The words for fields live with the fields' declarations
(`db/fields.py`), the words for roles with the roles (`db/permissions.ROLE_LIST`).
"""

from __future__ import annotations

from db.permissions import ROLE_LIST

MEETING_KIND_LABELS = {
    "plenary": "Plenarsitzung",
    "working_group": "Arbeitsgruppe",
    "other": "Sonstiger Termin",
}
MEETING_STATUS_LABELS = {"planned": "geplant", "held": "stattgefunden", "cancelled": "abgesagt"}
ATTENDANCE_LABELS = {"present": "anwesend", "excused": "entschuldigt", "absent": "unentschuldigt"}
# A member's answer to an invitation (meeting_responses.answer); "none" is not
# stored: no row means no answer yet.
RESPONSE_LABELS = {
    "accepted": "zugesagt",
    "declined": "abgesagt",
    "deputy": "Vertretung angekündigt",
    "none": "keine Rückmeldung",
}
ROLE_LABELS = {role.code: role.label for role in ROLE_LIST}
# The state of one briefing mail (db/subscriptions.py).
DELIVERY_STATUS_LABELS = {
    "due": "fällig",
    "sent": "gesendet",
    "failed": "fehlgeschlagen, neuer Versuch folgt",
    "given_up": "aufgegeben",
}

# A projector link (db/projection.py).
PROJECTOR_LINK_STATE_LABELS = {
    "active": "gültig",
    "expired": "abgelaufen",
    "revoked": "zurückgezogen",
}
# What happened to a record (audit trail, access document).
ACTION_LABELS = {
    "insert": "angelegt",
    "update": "geändert",
    "delete": "gelöscht",
    "anonymise": "anonymisiert",
}
# One record of a table ("ein Mitglied") and the table as a list ("Mitglieder").
RECORD_NAMES = {
    "members": "Mitglied",
    "working_group_memberships": "Arbeitsgruppe eines Mitglieds",
    "meetings": "Termin",
    "attendance": "Anwesenheit",
    "measures": "Maßnahme",
    "progress_updates": "Fortschritt",
    "needs": "Handlungsbedarf",
    "organisations": "Organisation",
    "sectors": "Bereich",
    "thematic_areas": "Themenbereich",
    "measure_statuses": "Status einer Maßnahme",
    "users": "Konto",
    "projector_links": "Beamer-Link",
    "briefing_subscriptions": "Abonnement",
    "briefing_deliveries": "Versand eines Abonnements",
    "meeting_responses": "Rückmeldung zu einem Termin",
}
TABLE_LABELS = {
    "members": "Mitglieder",
    "working_group_memberships": "Arbeitsgruppen",
    "attendance": "Anwesenheit",
    "measures": "Maßnahmen",
    "progress_updates": "Fortschrittsmeldungen",
    "meetings": "Termine",
    "needs": "Handlungsbedarfe",
    "meeting_responses": "Rückmeldungen",
}
# The lists the import reads and the export writes.
IMPORT_KIND_LABELS = {
    "members": "Mitglieder",
    "measures": "Maßnahmen",
    "responses": "Rückmeldungen",
}
