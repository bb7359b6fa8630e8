"""A returning user's first page in Chromium against its floor (issue 15).

The viewer `leitung` comes back with a valid sign-in cookie and opens the
overview: from navigation start until all the overview's Vega-Lite charts are
drawn (each has its SVG or canvas) and no script run is going on. The floor is
a bare Streamlit page that draws the same charts from memory
(bench/floor_app.py with BENCH_PAGE=overview, its content unpickled from
bench/floor_data.py's `save`: no database, no sign-in). Each load is a fresh
browser context (no cookies but the sign-in one, no HTTP cache); the targets
take turns, so noise on the machine falls on all of them alike. Issue 15's
target: the app's median at most 1.25x the floor's.

`make bench` runs `measure` (bench/first_page_measure.py) for the app of this
working tree (bench/run.py); bench/first_page_report.py writes the figures.
Run by hand with --before DIR, it also measures the app as it was before
issue 15, a checkout in DIR with its own virtualenv (DIR/.venv): its demo
database, and the cookie that streamlit-authenticator 0.4.2 read (a JWT under
"integrationskonferenz_anmeldung"); the figures go to bench/first_page.md,
which bench/run.py copies into bench/results.md:

    git worktree add /tmp/before 374c847
    python3 -m venv /tmp/before/.venv
    /tmp/before/.venv/bin/pip install -r /tmp/before/requirements-dev.txt
    .venv/bin/python bench/first_page.py --before /tmp/before --runs 15
    git worktree remove --force /tmp/before
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.first_page_measure import measure  # noqa: E402
from bench.first_page_report import RECORD, record, section  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="loads per page (median)")
    ap.add_argument("--warmup", type=int, default=2, help="uncounted loads per page first")
    ap.add_argument(
        "--before",
        type=Path,
        help="a checkout of the app before issue 15 with its own .venv (e.g. a git worktree "
        "of 374c847); its figures and this tree's go to bench/first_page.md",
    )
    ap.add_argument("--settle", type=float, default=1.5, help="seconds to count later runs")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args()
    result = measure(args.runs, args.before, warmup=args.warmup, settle=args.settle)
    print("\n".join(section(result)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if args.before:
        command = " ".join([".venv/bin/python", "bench/first_page.py", *sys.argv[1:]])
        RECORD.write_text(record(result, command))
        print(f"\nwrote {RECORD}")


if __name__ == "__main__":
    main()
