"""Settings: environment first, then `.streamlit/secrets.toml`, then defaults."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message is one line for the operator."""


@lru_cache(maxsize=1)
def _secrets() -> dict:
    if not SECRETS_FILE.exists():
        return {}
    try:
        with SECRETS_FILE.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{SECRETS_FILE} ist kein gültiges TOML: {exc}") from exc


def setting(name: str, default: str | None = None) -> str | None:
    """Value of NAME from the environment, else from secrets.toml, else DEFAULT."""
    value = os.environ.get(name)
    if value:
        return value
    value = _secrets().get(name)
    if value:
        return str(value)
    return default


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'dashboard.db'}"


def database_url() -> str:
    """The SQLAlchemy URL of the database this process works on."""
    return setting("DATABASE_URL") or default_database_url()


def is_embedded(url: str) -> bool:
    """True for the embedded SQLite default (demo mode), False for a shared server."""
    return url.startswith("sqlite")
