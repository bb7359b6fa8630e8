"""bench/import_speed.md, written from bench/import_speed.py's figures: the
import against its floor per database and the target, the row-by-row import of
before issue 16 where it was timed, and every run."""

from __future__ import annotations

from pathlib import Path

from bench.report_md import run_line, table

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "import_speed.md"
TARGET_S = 3.0
HEADER = ["database", "import s", "read file s", "preview s", "write + commit s", "floor s",
          "import/floor", "write/floor", "audit rows", "target ≤ 3 s"]  # fmt: skip
BEFORE_HEADER = ["database", "row by row s", "bulk import s", "row by row / bulk",
                 "row by row / floor"]  # fmt: skip


def report(results: dict[str, dict], count: int, runs: int, load: tuple[float, float]) -> str:
    lines = [
        "# Import speed (issue 16)",
        "",
        f"{run_line('SQLAlchemy', 'psycopg', 'pandas')}; "
        f"load average before/after {load[0]:.2f}/{load[1]:.2f}. "
        "Command: `.venv/bin/python bench/import_speed.py`.",
        "",
        f"{count:,} new members (demo names, functions, organisations and sectors, "
        "0–2 working groups each) as the CSV the export writes, imported server-side without a browser: "
        "read the file, preview (resolve and validate every row), write with the audit trail "
        "and commit. Floor: a plain bulk insert of the same rows into the members table "
        "(one Core `insert(Member)` executemany in one transaction; no validation, no groups, "
        "no audit). "
        f"Median of {runs} each, import and floor taking turns; the ratio is import/floor "
        "within this run (write/floor: the write phase alone). Target: the import in at most "
        f"{TARGET_S:.0f} s of server time on both databases.",
        "",
        *table(HEADER, [import_row(name, r) for name, r in results.items()]),
        *before_section(results),
        "",
        "Every run (import s / floor s):",
        "",
    ]
    for name, r in results.items():
        pairs = ", ".join(
            f"{a:.2f}/{b:.3f}" for a, b in zip(r["all_totals"], r["all_floors"], strict=True)
        )
        lines.append(f"- {name}: {pairs}")
    return "\n".join(lines) + "\n"


def import_row(name: str, r: dict) -> list[object]:
    return [
        name, f"{r['total']:.2f}", f"{r['parse']:.2f}", f"{r['preview']:.2f}",
        f"{r['write']:.2f}", f"{r['floor']:.3f}", f"{r['total'] / r['floor']:.1f}",
        f"{r['write'] / r['floor']:.1f}", f"{r['audit_rows']:,}",
        "met" if r["total"] <= TARGET_S else "missed",
    ]  # fmt: skip


def before_section(results: dict[str, dict]) -> list[str]:
    """The row-by-row import of before issue 16, where it was timed."""
    timed = {name: r for name, r in results.items() if r["before"] is not None}
    if not timed:
        return []
    return [
        "",
        "Before issue 16, the same file imported row by row through the write services "
        "(one ORM object, flush and audit insert per row, through today's services; "
        "the 2,000 `write` log lines it also writes are not counted here), same run:",
        "",
        *table(BEFORE_HEADER, [before_row(name, r) for name, r in timed.items()]),
    ]


def before_row(name: str, r: dict) -> list[object]:
    return [name, f"{r['before']:.2f}", f"{r['total']:.2f}", f"{r['before'] / r['total']:.1f}",
            f"{r['before'] / r['floor']:.0f}"]  # fmt: skip
