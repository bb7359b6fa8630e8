"""Who may do what. Every write service checks the acting user's role here."""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import PermissionDenied

ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}
ROLE_NEEDED = {
    "editor": "Diese Änderung ist nur für die Geschäftsstelle (Rolle „editor“) erlaubt.",
    "admin": "Diese Änderung ist nur für die Administration (Rolle „admin“) erlaubt.",
}


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service runs (plain values, safe to keep in a session)."""

    username: str
    role: str

    def may(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


SYSTEM = Actor("system", "admin")


def require(actor: Actor | None, role: str) -> None:
    """Raise PermissionDenied unless ACTOR holds ROLE or a higher one."""
    if actor is None or not actor.may(role):
        raise PermissionDenied(ROLE_NEEDED.get(role, "Keine Berechtigung für diese Änderung."))
