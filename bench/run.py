"""`make bench`: page run times at 1x, 10x and 100x scale against their floor.

For each scale a SQLite database with synthetic data is built once (kept in
bench/, git-ignored). For each page: cold = fresh process, empty data caches
(median over COLD_PROCESSES processes); warm = rerun with unchanged data
(median of WARM_RUNS); SQL statements counted with an engine event; floor = a
bare script showing the page's charts (Vega-Lite specs built once per process)
and tables from memory (bench/floor_app.py). Then a returning user's first
page in Chromium against its floor (bench/first_page.py, issue 15). Prints the
tables and writes bench/results.md, with the before/after figures of issue 15
from bench/first_page.md (written once by `bench/first_page.py --before`).

The parts: bench/demo_db.py builds the databases, bench/page_times.py times
the pages, bench/first_page_measure.py the first page in Chromium, and
bench/results_report.py writes bench/results.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import demo_db, first_page_measure, page_times, results_report  # noqa: E402

FIRST_PAGE_RUNS = int(os.environ.get("BENCH_FIRST_PAGE", "15"))  # 0: leave it out


def main() -> None:
    rows = page_times.time_pages()
    first = None
    if FIRST_PAGE_RUNS and not first_page_measure.chromium_found():
        print(f"no Chromium at {first_page_measure.CHROMIUM}: first page left out", flush=True)
    elif FIRST_PAGE_RUNS:
        print(f"first page in Chromium, {FIRST_PAGE_RUNS} loads each …", flush=True)
        first = first_page_measure.measure(FIRST_PAGE_RUNS, url_db=demo_db.at_scale(1))
    results_report.write(rows, first)


if __name__ == "__main__":
    main()
