"""Settings: environment first, then `.streamlit/secrets.toml`, then defaults."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
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


COOKIE_KEY_FILE = DATA_DIR / "cookie_key"
MIN_COOKIE_KEY_LENGTH = 32


def cookie_key(url: str | None = None) -> str:
    """The secret that signs the sign-in cookie.

    From DASHBOARD_COOKIE_KEY (environment or secrets.toml). In demo mode (the
    embedded SQLite default) a key is generated once and kept in data/; on a
    shared database a missing or short key is a configuration error.
    """
    url = url or database_url()
    key = setting("DASHBOARD_COOKIE_KEY")
    if key:
        if len(key) < MIN_COOKIE_KEY_LENGTH and not is_embedded(url):
            raise ConfigError(
                f"DASHBOARD_COOKIE_KEY ist zu kurz (mindestens {MIN_COOKIE_KEY_LENGTH} Zeichen)."
            )
        return key
    if not is_embedded(url):
        raise ConfigError(
            "DASHBOARD_COOKIE_KEY fehlt: für eine gemeinsame Datenbank muss ein geheimer "
            "Schlüssel gesetzt sein (Umgebung oder .streamlit/secrets.toml)."
        )
    COOKIE_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:  # exclusive create: two processes starting at once agree on one key
        fd = os.open(COOKIE_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    return COOKIE_KEY_FILE.read_text().strip()


SMTP_DEFAULT_PORT = 587


@dataclass(frozen=True)
class SmtpSettings:
    """Where the scheduled briefings go out: SMTP_HOST, SMTP_PORT, SMTP_USER,
    SMTP_PASSWORD, SMTP_FROM, and SMTP_STARTTLS (on unless "false", for a relay
    on the same machine that speaks no TLS)."""

    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool


def smtp_settings() -> SmtpSettings | None:
    """The SMTP settings, or None when SMTP_HOST is not set (nothing is sent then,
    as in the demo set-up). A set host without SMTP_FROM is a configuration error."""
    host = setting("SMTP_HOST")
    if not host:
        return None
    sender = setting("SMTP_FROM")
    if not sender:
        raise ConfigError("SMTP_FROM fehlt: die Absenderadresse der Briefings.")
    port = setting("SMTP_PORT", str(SMTP_DEFAULT_PORT)) or ""
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"SMTP_PORT ist keine Portnummer: {port!r}.")
    user = setting("SMTP_USER")
    starttls = (setting("SMTP_STARTTLS", "true") or "").strip().lower() not in (
        "false",
        "0",
        "nein",
    )
    return SmtpSettings(host, int(port), user, setting("SMTP_PASSWORD"), sender, starttls)


RESPONSE_THRESHOLD_DEFAULT = 50


def response_threshold() -> float:
    """RESPONSE_THRESHOLD_PERCENT: below this share of its invited seats expected
    (members who accepted plus announced deputies), a sector is flagged before a
    meeting. A whole number from 0 to 100; default 50."""
    value = (setting("RESPONSE_THRESHOLD_PERCENT", str(RESPONSE_THRESHOLD_DEFAULT)) or "").strip()
    if not value.isdigit() or not 0 <= int(value) <= 100:
        raise ConfigError(
            f"RESPONSE_THRESHOLD_PERCENT ist keine ganze Zahl von 0 bis 100: {value!r}."
        )
    return int(value) / 100
