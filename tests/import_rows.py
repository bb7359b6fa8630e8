"""New members as rows of the import's columns, for the import tests and the
import benchmark (bench/import_speed.py): demo names, functions,
organisations and sectors, some e-mail addresses and end dates, 0-2 working
groups each."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import demo_catalogue, list_import
from db.models import Organisation, Sector, ThematicArea


def member_rows(session: Session, count: int, seed: int = 16) -> list[dict[str, Any]]:
    """COUNT new members in the import's columns, drawn from SESSION's reference data."""
    rng = random.Random(seed)
    organisations = session.execute(
        select(Organisation.name, Sector.name).join(Sector, Sector.id == Organisation.sector_id)
    ).all()
    groups = list(session.scalars(select(ThematicArea.short_name).order_by(ThematicArea.id)))
    rows = []
    for i in range(count):
        organisation, sector = rng.choice(organisations)
        first = rng.choice(demo_catalogue.FIRST_NAMES)
        rows.append(
            dict.fromkeys(list_import.MEMBER_COLUMNS)
            | {
                "Vorname": first,
                "Nachname": f"{rng.choice(demo_catalogue.LAST_NAMES)} {i}",
                "Funktion": rng.choice([*demo_catalogue.FUNCTIONS, None]),
                "E-Mail": f"person{i}@example.org" if i % 3 == 0 else None,
                "Organisation": organisation,
                "Bereich": sector,
                "Mitglied seit": dt.date(2024, 9, 23) + dt.timedelta(days=rng.randrange(700)),
                "Mitglied bis": dt.date(2027, 12, 31) if i % 7 == 0 else None,
                "Arbeitsgruppen": ", ".join(sorted(rng.sample(groups, rng.randint(0, 2)))) or None,
            }
        )
    return rows
