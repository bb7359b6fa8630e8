"""`make bench`: page run times at 1x, 10x and 100x scale against their floor.

For each scale a SQLite database with synthetic data is built once (kept in
bench/, git-ignored). For each page: cold = fresh process, empty data caches
(median over COLD_PROCESSES processes); warm = rerun with unchanged data
(median of WARM_RUNS); SQL statements counted with an engine event; floor = a
bare script showing the page's charts (Vega-Lite specs built once per process)
and tables from memory (bench/floor_app.py). Then a returning user's first
page in Chromium against its floor (bench/first_page.py, issue 15). Prints the
tables and writes bench/results.md, with the before/after figures of issue 15
from bench/first_page.md (written once by `bench/first_page.py --before`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import first_page  # noqa: E402
from db import accounts, demo  # noqa: E402
from db.engine import make_engine, session_scope  # noqa: E402
from db.migrate import upgrade  # noqa: E402

SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1,10,100").split(",")]
PAGES = ["overview", "participation", "measures", "calendar", "presentation"]
COLD_PROCESSES = int(os.environ.get("BENCH_COLD", "3"))
WARM_RUNS = int(os.environ.get("BENCH_WARM", "5"))
FIRST_PAGE_RUNS = int(os.environ.get("BENCH_FIRST_PAGE", "15"))  # 0: leave it out


def database(scale: int) -> str:
    path = ROOT / "bench" / f"scale-{scale}.db"
    url = f"sqlite:///{path}"
    fresh = not path.exists()
    if fresh:
        print(f"building {path.name} …", flush=True)
    engine = make_engine(url)
    upgrade(engine)  # a database kept from an older version gets the new migrations
    if fresh:
        with session_scope(engine) as session:
            demo.load_demo(session, today=dt.date.today(), scale=scale)
            for username, name, role, password in demo.DEMO_USERS:
                accounts.create_user(session, username, name, role, password)
    engine.dispose()
    return url


def worker(script: str, url: str, page: str) -> dict:
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


def main() -> None:
    rows = []
    for scale in SCALES:
        url = database(scale)
        for page in PAGES:
            samples = [worker("worker.py", url, page) for _ in range(COLD_PROCESSES)]
            floor = worker("floor_worker.py", url, page)["floor"]
            row = {
                "scale": scale,
                "page": page,
                "cold": statistics.median(s["cold"] for s in samples),
                "warm": statistics.median(s["warm"] for s in samples),
                "cold_sql": max(s["cold_sql"] for s in samples),
                "warm_sql": max(s["warm_sql"] for s in samples),
                "floor": floor,
            }
            rows.append(row)
            print(f"{scale:>4}x {page:<14} cold {row['cold']:.2f}s warm {row['warm']:.3f}s "
                  f"floor {floor:.3f}s sql {row['cold_sql']}/{row['warm_sql']}", flush=True)  # fmt: skip
    first = None
    if FIRST_PAGE_RUNS and not first_page.chromium_found():
        print(f"no Chromium at {first_page.CHROMIUM}: first page left out", flush=True)
    elif FIRST_PAGE_RUNS:
        print(f"first page in Chromium, {FIRST_PAGE_RUNS} loads each …", flush=True)
        first = first_page.measure(FIRST_PAGE_RUNS, url_db=database(1))
    write(rows, first)


def write(rows: list[dict], first: dict | None = None) -> None:
    cold_1x = {r["page"]: r["cold"] for r in rows if r["scale"] == 1}
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now():%d.%m.%Y %H:%M}; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"streamlit {version('streamlit')}, SQLAlchemy {version('sqlalchemy')}, "
        f"altair {version('altair')}, pandas {version('pandas')}; SQLite.",
        "",
        f"Cold: fresh process, empty data caches, median of {COLD_PROCESSES}. "
        f"Warm: rerun with unchanged data, median of {WARM_RUNS}. Floor: the page's charts "
        "(specs built once per process) and tables from memory, nothing else "
        "(`bench/floor_app.py`). Ratios are within this run.",
        "",
        "| scale | page | cold s | warm s | floor s | warm/floor | cold/cold 1x | SQL cold | SQL warm |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = cold_1x.get(r["page"])
        lines.append(
            f"| {r['scale']}x | {r['page']} | {r['cold']:.2f} | {r['warm']:.3f} | "
            f"{r['floor']:.3f} | {r['warm'] / r['floor']:.2f} | "
            f"{(r['cold'] / base) if base else float('nan'):.2f} | {r['cold_sql']} | {r['warm_sql']} |"
        )
    lines += [
        "",
        "Targets: warm SQL ≤ 1; warm ≤ 1.25 × floor; cold at 100x ≤ 3 × cold at 1x.",
    ]
    if first is not None:
        lines += ["", *first_page.section(first)]
    if first_page.RECORD.exists():
        lines += ["", first_page.RECORD.read_text().rstrip()]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
