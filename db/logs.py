"""Structured logging: one JSON object per line on stderr, for the operator.

Events carry what happened and the username, never a password, a cookie or
member data (names, contact details, the values of a change). Use
`event("sign_in", user="leitung")`; the field names are the JSON keys.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

LOGGER = "dashboard"
_log = logging.getLogger(LOGGER)


def configure(stream: Any = None, level: int = logging.INFO) -> None:
    """Send the dashboard's events as JSON lines to STREAM (stderr); idempotent."""
    if any(getattr(h, "_dashboard", False) for h in _log.handlers):
        return
    _log.addHandler(json_handler(stream or sys.stderr))
    _log.setLevel(level)
    _log.propagate = False


def json_handler(stream: Any) -> logging.Handler:
    """A handler writing the dashboard's JSON lines to STREAM."""
    handler = logging.StreamHandler(stream)
    handler._dashboard = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "message": "event"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    )
    return handler


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log the event NAME with FIELDS (plain values: ids, usernames, counts, names of things)."""
    _log.log(level, name, extra=fields)


def error(name: str, exc: BaseException | None = None, **fields: Any) -> None:
    """Log a failure by its kind (the exception class), without its message or data."""
    if exc is not None:
        fields.setdefault("error", type(exc).__name__)
    _log.error(name, extra=fields)
