"""Markdown shared by the benchmark reports (bench/results.md, bench/load.md,
bench/import_speed.md, bench/first_page.md): tables, the line that names the
run's time and machine, and times in milliseconds."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import platform
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path


def table(header: Iterable[object], rows: Iterable[Iterable[object]]) -> list[str]:
    """A markdown table: the header, its rule, then a line per row; an empty cell
    stays empty."""
    header = list(header)
    return [row(header), "|" + "---|" * len(header), *(row(r) for r in rows)]


def row(cells: Iterable[object]) -> str:
    return "|" + "".join(f" {c} |" if c != "" else " |" for c in cells)


def when() -> str:
    """Now, as the reports name the time of a run."""
    return f"{dt.datetime.now():%d.%m.%Y %H:%M}"


def machine(*packages: str, cpu_model: bool = False) -> str:
    """The platform, its cores (with the CPU's model name if CPU_MODEL), Python and
    the versions of PACKAGES (distribution names, shown as given)."""
    cores = f"{os.cpu_count()} cores"
    if cpu_model:
        cores += f" ({cpu_name() or 'unknown CPU'})"
    return ", ".join(
        [
            platform.platform(),
            cores,
            f"Python {platform.python_version()}",
            *(f"{p} {version(p)}" for p in packages),
        ]
    )


def run_line(*packages: str, cpu_model: bool = False) -> str:
    """'Run DATE TIME; machine: …' as the reports begin."""
    return f"Run {when()}; machine: {machine(*packages, cpu_model=cpu_model)}"


def cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return ""


def ms(seconds: float) -> str:
    """SECONDS in whole milliseconds; '–' for not a number (nothing measured)."""
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f}"
