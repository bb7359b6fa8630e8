"""Who may do what. Every write service checks the acting user's role here."""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import PermissionDenied, ValidationError


@dataclass(frozen=True)
class Role:
    """One role, declared once: its code (stored in users.role), the German label
    users see, and the German refusal for an action that needs it."""

    code: str
    label: str
    refusal: str | None = None


# The roles in rising rank: each may do everything of the ones before it. A new
# role is a line here, the pages it opens (components/navigation.PAGES) and a
# migration for the CHECK on users.role (docs/architecture.md).
ROLE_LIST = (
    Role("viewer", "Leitung (nur lesen)"),
    Role(
        "editor",
        "Geschäftsstelle (bearbeiten)",
        "Diese Änderung ist nur für die Geschäftsstelle (Rolle „editor“) erlaubt.",
    ),
    Role(
        "admin",
        "Administration",
        "Diese Änderung ist nur für die Administration (Rolle „admin“) erlaubt.",
    ),
)
ROLES = tuple(role.code for role in ROLE_LIST)
ROLE_RANK = {role.code: rank for rank, role in enumerate(ROLE_LIST)}
ROLE_NEEDED = {role.code: role.refusal for role in ROLE_LIST if role.refusal}


def check_role(code: str) -> None:
    """Refuse a role code that is not declared (a form or the CLI)."""
    if code not in ROLES:
        raise ValidationError("Rolle", f"muss eine von {', '.join(ROLES)} sein.")


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
