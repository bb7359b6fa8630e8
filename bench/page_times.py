"""Page run times through AppTest for `make bench`: for each scale and page,
cold and warm times with their SQL statements from bench/worker.py processes
(median over COLD_PROCESSES fresh processes), and the floor's warm time from
bench/floor_worker.py; warm times as wall time and as the process's CPU time."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import demo_db

ROOT = Path(__file__).resolve().parent.parent
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1,10,100").split(",")]
PAGES = ["overview", "participation", "measures", "calendar", "presentation"]
COLD_PROCESSES = int(os.environ.get("BENCH_COLD", "3"))
WARM_RUNS = int(os.environ.get("BENCH_WARM", "5"))


def time_pages() -> list[dict]:
    """A row per scale and page, printed as it comes."""
    rows = []
    for scale in SCALES:
        url = demo_db.at_scale(scale)
        for page in PAGES:
            row = time_page(scale, url, page)
            rows.append(row)
            print(f"{scale:>4}x {page:<14} cold {row['cold']:.2f}s warm {row['warm']:.3f}s "
                  f"floor {row['floor']:.3f}s cpu {row['warm_cpu'] * 1e3:.1f}/{row['floor_cpu'] * 1e3:.1f}ms sql {row['cold_sql']}/{row['warm_sql']}",
                  flush=True)  # fmt: skip
    return rows


def time_page(scale: int, url: str, page: str) -> dict:
    samples = [worker("worker.py", url, page) for _ in range(COLD_PROCESSES)]
    return {
        "scale": scale,
        "page": page,
        "cold": statistics.median(s["cold"] for s in samples),
        "warm": statistics.median(s["warm"] for s in samples),
        "warm_cpu": statistics.median(s["warm_cpu"] for s in samples),
        "cold_sql": max(s["cold_sql"] for s in samples),
        "warm_sql": max(s["warm_sql"] for s in samples),
        **worker("floor_worker.py", url, page),
    }


def worker(script: str, url: str, page: str) -> dict:
    """bench/SCRIPT for PAGE on the database at URL in a fresh process; its JSON line."""
    env = {**os.environ, "DATABASE_URL": url, "BENCH_PAGE": page,
           "DASHBOARD_COOKIE_KEY": "bench-" + "x" * 40}  # fmt: skip
    args = [sys.executable, str(ROOT / "bench" / script)]
    if script == "worker.py":
        args.append(f"pages/{page}.py")
    args += ["--runs", str(WARM_RUNS)]
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])
