"""Capture the dashboard's structured log (db/logs.py) as parsed JSON lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from db import logs


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]

    def named(self, name: str) -> list[dict]:
        return [e for e in self.events if e["event"] == name]


@contextmanager
def captured_log() -> Iterator[Captured]:
    captured = Captured()
    logger = logging.getLogger(logs.LOGGER)
    handler = logs.json_handler(captured.stream)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
