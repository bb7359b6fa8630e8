"""The data version: one counter that every write bumps, so readers in any
process can key their caches on it with one cheap query.

A write service asks for the bump (`bump_after_commit`); it happens in a
transaction of its own right after the write's commit. So no write holds the
counter's row while it runs: a long import does not make another editor's
save wait for it (issue 16). A reader that starts between the commit and the
bump keys the new data under the old version, which is still right; if the
bump itself fails (the database went away in that moment), caches are at
most `components.data`'s TTL old, and the next write bumps again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import logs
from db.models import DataVersion


def bump_data_version(session: Session) -> None:
    """Increase the data version inside the caller's transaction."""
    session.execute(
        update(DataVersion)
        .where(DataVersion.id == 1)
        .values(value=DataVersion.value + 1, changed_at=dt.datetime.now(dt.UTC))
    )


_BUMP = "bump_data_version"


def bump_after_commit(session: Session) -> None:
    """Bump the data version once SESSION's transaction has committed."""
    session.info[_BUMP] = True


@event.listens_for(Session, "after_commit")
def _bump_committed(session: Session) -> None:
    if not session.info.pop(_BUMP, False):
        return
    try:
        with session.get_bind().begin() as connection:
            connection.execute(
                update(DataVersion)
                .where(DataVersion.id == 1)
                .values(value=DataVersion.value + 1, changed_at=dt.datetime.now(dt.UTC))
            )
    except DBAPIError as exc:
        logs.error("data_version_not_bumped", exc)


@event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop(_BUMP, None)


def data_version(connection: Connection | Session) -> int:
    """The current data version (0 on a fresh database)."""
    return connection.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0
