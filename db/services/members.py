"""Organisations and members (editors). People with history are never deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import ValidationError
from db.models import Member, Organisation, Sector, ThematicArea, WorkingGroupMembership
from db.permissions import Actor
from db.services.core import apply, check_version, ensure_unique, load, touch, write_service
from db.validation import LeaveInput, MemberInput, OrganisationInput, check


def _organisation(session: Session, data: OrganisationInput, own_id: int | None) -> None:
    load(session, Sector, data.sector_id, "Der Bereich")
    ensure_unique(session, Organisation.name, data.name, own_id, "Name der Organisation")


@write_service("editor")
def create_organisation(session: Session, actor: Actor, data: dict[str, Any]) -> int:
    payload = check(OrganisationInput, data)
    _organisation(session, payload, None)
    org = Organisation(**payload.model_dump())
    session.add(org)
    session.flush()
    return org.id


@write_service("editor")
def update_organisation(
    session: Session, actor: Actor, org_id: int, data: dict[str, Any], expected_version: int
) -> None:
    payload = check(OrganisationInput, data)
    org = load(session, Organisation, org_id, "Die Organisation")
    check_version(session, org, expected_version, "Die Organisation")
    _organisation(session, payload, org_id)
    apply(org, payload)


def _member_rules(session: Session, data: MemberInput, own_id: int | None) -> None:
    org = load(session, Organisation, data.organisation_id, "Die Organisation")
    load(session, Sector, data.sector_id, "Der Bereich")
    if org.sector_id != data.sector_id:
        raise ValidationError("Bereich", "passt nicht zum Bereich der gewählten Organisation.")
    if data.deputy_for_id is not None:
        if data.deputy_for_id == own_id:
            raise ValidationError(
                "Stellvertretung für", "ein Mitglied kann sich nicht selbst vertreten."
            )
        load(session, Member, data.deputy_for_id, "Das vertretene Mitglied")
    for area_id in data.area_ids:
        load(session, ThematicArea, area_id, "Der Themenbereich")


def _set_groups(session: Session, member: Member, area_ids: tuple[int, ...]) -> bool:
    current = {
        m.area_id: m
        for m in session.scalars(
            select(WorkingGroupMembership).where(WorkingGroupMembership.member_id == member.id)
        )
    }
    wanted = set(area_ids)
    for area_id, membership in current.items():
        if area_id not in wanted:
            session.delete(membership)
    for area_id in wanted - current.keys():
        session.add(WorkingGroupMembership(member_id=member.id, area_id=area_id))
    return wanted != current.keys()


@write_service("editor")
def create_member(session: Session, actor: Actor, data: dict[str, Any]) -> int:
    payload = check(MemberInput, data)
    _member_rules(session, payload, None)
    member = Member(**payload.model_dump(exclude={"area_ids"}))
    session.add(member)
    session.flush()
    _set_groups(session, member, payload.area_ids)
    return member.id


@write_service("editor")
def update_member(
    session: Session, actor: Actor, member_id: int, data: dict[str, Any], expected_version: int
) -> None:
    payload = check(MemberInput, data)
    member = load(session, Member, member_id, "Das Mitglied")
    check_version(session, member, expected_version, "Das Mitglied")
    if member.anonymised_at is not None:
        # Editing would bring names back into a record kept only for the statistics.
        raise ValidationError("Mitglied", "ist anonymisiert und kann nicht mehr bearbeitet werden.")
    _member_rules(session, payload, member_id)
    changed = apply(member, payload, skip=("area_ids",))
    if _set_groups(session, member, payload.area_ids) and not changed:
        touch(member)


@write_service("editor")
def deactivate_member(
    session: Session,
    actor: Actor,
    member_id: int,
    last_day: dt.date | str,
    expected_version: int,
) -> None:
    """End a membership on LAST_DAY; the person and their history stay."""
    last_day = check(LeaveInput, {"last_day": last_day}).last_day
    member = load(session, Member, member_id, "Das Mitglied")
    check_version(session, member, expected_version, "Das Mitglied")
    if last_day < member.active_from:
        raise ValidationError("Mitglied bis", "darf nicht vor „Mitglied seit“ liegen.")
    member.active_to = last_day
