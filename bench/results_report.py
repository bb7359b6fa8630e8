"""bench/results.md, written from `make bench`'s page times: the table of cold,
warm and floor times and SQL statements per scale and page against the
targets, the first page in Chromium (if measured), and issue 15's before/after
figures (bench/first_page.md)."""

from __future__ import annotations

from pathlib import Path

from bench import first_page_report
from bench.page_times import COLD_PROCESSES, WARM_RUNS
from bench.report_md import run_line, table

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results.md"
# Issue 22's before and after (warm CPU against the floor), written once by hand from
# two runs in the same conditions and kept below every bench/results.md.
WARM_RECORD = ROOT / "bench" / "results_issue22.md"
HEADER = ["scale", "page", "cold s", "warm s", "floor s", "warm/floor", "warm CPU ms",
          "floor CPU ms", "CPU × floor", "cold/cold 1x", "SQL cold", "SQL warm"]  # fmt: skip


def write(rows: list[dict], first: dict | None = None) -> None:
    """Print bench/results.md and write it."""
    cold_1x = {r["page"]: r["cold"] for r in rows if r["scale"] == 1}
    lines = [
        "# Benchmark results",
        "",
        f"{run_line('streamlit', 'SQLAlchemy', 'altair', 'pandas')}; SQLite.",
        "",
        f"Cold: fresh process, empty data caches, median of {COLD_PROCESSES}. "
        f"Warm: rerun with unchanged data, median of {WARM_RUNS}. Floor: the page's charts "
        "(specs built once per process) and tables from memory, nothing else "
        "(`bench/floor_app.py`). CPU: the process's CPU time (all threads) of a warm "
        "rerun, median. Ratios are within this run.",
        "",
        *table(HEADER, [cells(r, cold_1x.get(r["page"])) for r in rows]),
        "",
        "Targets: warm SQL ≤ 1; warm ≤ 1.25 × floor; warm CPU ≤ 2 × the floor's "
        "(issue 22); cold at 100x ≤ 3 × cold at 1x.",
    ]
    if first is not None:
        lines += ["", *first_page_report.section(first)]
    for record in (first_page_report.RECORD, WARM_RECORD):
        if record.exists():
            lines += ["", record.read_text().rstrip()]
    text = "\n".join(lines) + "\n"
    OUT.write_text(text)
    print(text)


def cells(r: dict, base: float | None) -> list[object]:
    """A row of the table; BASE: the page's cold time at 1x."""
    return [
        f"{r['scale']}x", r["page"], f"{r['cold']:.2f}", f"{r['warm']:.3f}", f"{r['floor']:.3f}",
        f"{r['warm'] / r['floor']:.2f}", f"{r['warm_cpu'] * 1e3:.1f}", f"{r['floor_cpu'] * 1e3:.1f}",
        f"{r['warm_cpu'] / r['floor_cpu']:.2f}", f"{(r['cold'] / base) if base else float('nan'):.2f}",
        r["cold_sql"], r["warm_sql"],
    ]  # fmt: skip
