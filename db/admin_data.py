"""What the admin pages read: the accounts (never their hashes) and the audit trail."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import BERLIN, AuditEntry, User


def accounts(session: Session) -> pd.DataFrame:
    """All accounts for the admin page (never the hashes)."""
    rows = session.execute(
        select(User.id, User.username, User.display_name, User.role, User.active).order_by(
            User.username
        )
    ).all()
    return pd.DataFrame(rows, columns=["id", "username", "display_name", "role", "active"])


def audit_entries(
    session: Session,
    username: str | None = None,
    table_name: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
    record_id: str | None = None,
) -> pd.DataFrame:
    """The newest audit entries matching the filters."""
    stmt = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.username,
        AuditEntry.action,
        AuditEntry.table_name,
        AuditEntry.record_id,
        AuditEntry.old_values,
        AuditEntry.new_values,
    ).order_by(AuditEntry.id.desc())
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    if table_name:
        stmt = stmt.where(AuditEntry.table_name == table_name)
    if record_id is not None:
        stmt = stmt.where(AuditEntry.record_id == record_id)
    if since:
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(since, dt.time(), tzinfo=BERLIN))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=BERLIN)
        stmt = stmt.where(AuditEntry.at < end)
    rows = session.execute(stmt.limit(limit)).all()
    return pd.DataFrame(
        rows,
        columns=["id", "at", "username", "action", "table_name", "record_id", "old", "new"],
    )


def audit_filter_options(session: Session) -> tuple[list[str], list[str]]:
    """Usernames and table names that occur in the audit trail."""
    users = session.scalars(select(AuditEntry.username).distinct().order_by(AuditEntry.username))
    tables = session.scalars(
        select(AuditEntry.table_name).distinct().order_by(AuditEntry.table_name)
    )
    return list(users), list(tables)
