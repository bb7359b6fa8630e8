"""Small helpers shared by the form pages."""

from __future__ import annotations

from db.errors import ValidationError


def require_same_password(password: str, repeat: str) -> None:
    if password != repeat:
        raise ValidationError("Passwort wiederholen", "stimmt nicht mit dem Passwort überein.")
