"""Reference data an admin may change: sectors, thematic areas, measure statuses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from db.models import Base, MeasureStatus, Sector, ThematicArea
from db.permissions import Actor
from db.services.core import apply, check_version, ensure_unique, load, write_service
from db.validation import AreaInput, SectorInput, StatusInput, check

KINDS: dict[str, tuple[type[Base], type[BaseModel], str, str]] = {
    "sector": (Sector, SectorInput, "Der Bereich", "Name des Bereichs"),
    "area": (ThematicArea, AreaInput, "Der Themenbereich", "Name des Themenbereichs"),
    "status": (MeasureStatus, StatusInput, "Der Status", "Name des Status"),
}


@write_service("admin")
def save_reference(
    session: Session,
    actor: Actor,
    kind: str,
    record_id: int | None,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> int:
    """Create (RECORD_ID None) or update a sector, thematic area or status."""
    model, schema, what, name_field = KINDS[kind]
    payload = check(schema, data)
    ensure_unique(session, model.name, payload.name, record_id, name_field)
    if kind == "area":
        ensure_unique(session, ThematicArea.short_name, payload.short_name, record_id, "Kurzname")
    if record_id is None:
        obj = model(**payload.model_dump())
        session.add(obj)
        session.flush()
        return obj.id
    obj = load(session, model, record_id, what)
    check_version(session, obj, expected_version, what)
    apply(obj, payload)
    return obj.id
