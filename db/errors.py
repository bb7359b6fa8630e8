"""Domain errors with German messages the pages show as they are."""

from __future__ import annotations

import datetime as dt
from typing import Any


class DomainError(Exception):
    """Base of every error a user can read and act on."""


class InvalidInput(DomainError):
    """Input that breaks one or more rules; each message names its field."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(" ".join(messages))


class ValidationError(InvalidInput):
    """One broken rule of one field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__([f"{field}: {message}"])


class PermissionDenied(DomainError):
    """The acting user's role does not allow the action."""


class NotFound(DomainError):
    """The record is gone (deleted by someone else)."""


class Conflict(DomainError):
    """Someone saved a newer version since the form was loaded; nothing was saved."""

    def __init__(
        self,
        what: str,
        changed_by: str | None,
        changed_at: dt.datetime | None,
        current: dict[str, Any],
    ) -> None:
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current = current
        who = changed_by or "jemand anderes"
        when = f" am {changed_at:%d.%m.%Y um %H:%M} Uhr" if changed_at else ""
        super().__init__(
            f"{what} wurde inzwischen von {who}{when} geändert. Ihre Änderung wurde nicht "
            "gespeichert; unten stehen die aktuellen Werte."
        )


class DatabaseUnavailable(DomainError):
    """The database cannot be reached or is locked; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            "Die Datenbank ist gerade nicht erreichbar oder gesperrt. Es wurde nichts "
            "gespeichert; Ihre Eingaben bleiben erhalten. Bitte versuchen Sie es gleich erneut."
        )
