"""Anonymising members (Art. 17 DSGVO): on request, or when the retention
period after leaving has passed. The mechanics are in db.privacy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from db import privacy
from db.errors import ValidationError
from db.models import Member
from db.permissions import Actor
from db.services.core import check_version, load, write_service


@write_service("editor")
def anonymise_member(
    session: Session, actor: Actor, member_id: int, expected_version: int | None = None
) -> None:
    """Erase name and contact details of MEMBER_ID now (on the person's request)."""
    member = load(session, Member, member_id, "Das Mitglied")
    check_version(session, member, expected_version, "Das Mitglied")
    if member.anonymised_at is not None:
        raise ValidationError("Mitglied", "ist bereits anonymisiert.")
    privacy.anonymise(
        session, actor.username, [member_id], privacy.ON_REQUEST, dt.datetime.now(dt.UTC)
    )


@write_service("editor")
def anonymise_expired(session: Session, actor: Actor, today: dt.date, months: int) -> list[int]:
    """Anonymise every member who left more than MONTHS months before TODAY; their ids."""
    ids = [int(i) for i in privacy.expired_members(session, today, months)["id"]]
    if ids:
        privacy.anonymise(
            session, actor.username, ids, privacy.AFTER_RETENTION, dt.datetime.now(dt.UTC)
        )
    return ids
