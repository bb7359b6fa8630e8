"""Domain errors with German messages the pages show as they are."""


class DomainError(Exception):
    """Base of every error a user can read and act on."""


class ValidationError(DomainError):
    """Input that breaks a rule; names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class PermissionDenied(DomainError):
    """The acting user's role does not allow the action."""
