"""The data version: one counter that every write bumps, so readers in any
process can key their caches on it with one cheap query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from db.models import DataVersion


def bump_data_version(session: Session) -> None:
    """Increase the data version inside the caller's transaction."""
    session.execute(
        update(DataVersion)
        .where(DataVersion.id == 1)
        .values(value=DataVersion.value + 1, changed_at=dt.datetime.now(dt.UTC))
    )


def data_version(connection: Connection | Session) -> int:
    """The current data version (0 on a fresh database)."""
    return connection.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0
