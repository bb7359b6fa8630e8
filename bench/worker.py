"""One benchmark process: sign in, then time one page cold (empty data caches)
and warm (reruns with unchanged data: wall time and the process's CPU time),
counting SQL statements.

Run by bench/run.py as: python bench/worker.py PAGE --runs N (DATABASE_URL set).
Prints one JSON line."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench import apptest_server
from components import data, database
from tests.apptest import signed_in


def main() -> None:
    page, runs = sys.argv[1], int(sys.argv[sys.argv.index("--runs") + 1])
    statements: list[str] = []
    apptest_server.like_a_server()
    at = signed_in("leitung")
    event.listen(database.engine(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    data.forget_cached()  # cached reads and what pages derive from them
    statements.clear()
    start = time.perf_counter()
    at.switch_page(page).run()
    cold = time.perf_counter() - start
    cold_sql = len(statements)
    assert not at.exception, at.exception
    warm, warm_cpu, warm_sql = [], [], []
    for _ in range(runs):
        statements.clear()
        start, cpu = time.perf_counter(), time.process_time()
        at.run()
        warm.append(time.perf_counter() - start)
        warm_cpu.append(time.process_time() - cpu)
        warm_sql.append(len(statements))
    print(json.dumps({"cold": cold, "cold_sql": cold_sql, "warm": statistics.median(warm),
                      "warm_cpu": statistics.median(warm_cpu),
                      "warm_sql": max(warm_sql)}))  # fmt: skip


if __name__ == "__main__":
    main()
