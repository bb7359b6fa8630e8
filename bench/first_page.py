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

`make bench` runs `measure` for the app of this working tree (bench/run.py).
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
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import floor_data  # noqa: E402
from db import sessions  # noqa: E402
from db.engine import make_engine, session_scope  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, stop, wait_healthy  # noqa: E402

VIEWER = "leitung"
RECORD = ROOT / "bench" / "first_page.md"
TARGET_RATIO = 1.25
VIEWPORT = {"width": 1440, "height": 900}
# What streamlit-authenticator 0.4.2 (the sign-in before issue 15) read.
OLD_COOKIE = "integrationskonferenz_anmeldung"
OLD_COOKIE_DAYS = 7

# Runs in every page before its own scripts: notes the time (ms since navigation
# start) when the charts are first drawn and nothing runs, and counts the
# finished script runs and notes when the last one finished (for the report: how
# many runs the first page took, and when the page came to rest).
DETECT = """
(() => {
  const want = %d;
  window.__runs = 0;
  const drawn = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSpinner"]')) {
      return false;
    }
    const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
    if (charts.length < want) return false;
    for (const chart of charts) {
      const svg = chart.querySelector('svg.marks');
      const canvas = chart.querySelector('canvas');
      const ok = (svg && Number(svg.getAttribute('width')) > 0 && svg.querySelector('g'))
        || (canvas && canvas.width > 0);
      if (!ok) return false;
    }
    return true;
  };
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === 'attributes' && c.attributeName === 'data-test-script-state'
          && c.target.getAttribute('data-test-script-state') === 'notRunning'
          && c.oldValue !== 'notRunning') {
        window.__runs += 1;
        window.__lastRunAt = performance.now();
      }
    }
    if (window.__drawnAt === undefined && drawn()) {
      window.__drawnAt = performance.now();
      window.__runsAtDrawn = window.__runs;
      window.__chartsAtDrawn = document.querySelectorAll(
        '[data-testid="stVegaLiteChart"]').length;
    }
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeOldValue: true});
})();
"""


@dataclasses.dataclass
class Target:
    name: str  # floor / app / before
    label: str
    url: str
    cookies: list[dict]
    proc: subprocess.Popen
    samples: list[float] = dataclasses.field(default_factory=list)  # ms
    runs: list[int] = dataclasses.field(default_factory=list)  # finished runs when drawn
    settled_runs: list[int] = dataclasses.field(default_factory=list)  # and SETTLE s later
    last_run: list[float] = dataclasses.field(default_factory=list)  # ms: the last run's end

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]


def serve(
    python: str, cwd: Path, script: str, env: dict, log: Path
) -> tuple[str, subprocess.Popen]:
    """`streamlit run SCRIPT` on a free loopback port; returns its URL and process."""
    port = free_port()
    args = [python, "-m", "streamlit", "run", script, "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except BaseException:
        stop(proc)
        raise RuntimeError(f"{script} in {cwd} did not start:\n{log.read_text()[-3000:]}") from None
    return url, proc


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_FLOOR_FILE")}
    return {**env, **extra}


def start_app(url_db: str, workdir: Path, targets: list[Target]) -> None:
    """This working tree's app (serve.py), with a session cookie for the viewer."""
    engine = make_engine(url_db)
    with session_scope(engine) as s:
        token = sessions.start_with_token(s, VIEWER, "bench/first_page", dt.datetime.now(dt.UTC))
    engine.dispose()
    env = _env(DATABASE_URL=url_db, DASHBOARD_COOKIE_KEY=secrets.token_urlsafe(36))
    url, proc = serve(sys.executable, ROOT, "serve.py", env, workdir / "app.log")
    cookie = {"name": sessions.COOKIE_NAME, "value": token, "url": url, "httpOnly": True,
              "sameSite": "Lax"}  # fmt: skip
    targets.append(Target("app", "app", url, [cookie], proc))


def start_floor(url_db: str, workdir: Path, targets: list[Target]) -> int:
    """The floor with the overview's content pickled; returns its number of charts."""
    pickled = workdir / "floor-overview.pickle"
    items = floor_data.save(pickled, "overview", url_db)
    env = _env(BENCH_PAGE="overview", BENCH_FLOOR_FILE=str(pickled), PYTHONPATH=str(ROOT))
    url, proc = serve(sys.executable, ROOT, "bench/floor_app.py", env, workdir / "floor.log")
    targets.append(Target("floor", "floor", url, [], proc))
    return sum(1 for item in items if item.kind == "chart")


def start_before(folder: Path, workdir: Path, targets: list[Target]) -> None:
    """The app of the checkout in FOLDER (its own .venv), its demo database, and the
    JWT that streamlit-authenticator 0.4.2 wrote and read as the sign-in cookie."""
    python = str(folder / ".venv" / "bin" / "python")
    db = workdir / "before.db"
    db.unlink(missing_ok=True)
    key = secrets.token_urlsafe(36)
    env = _env(DATABASE_URL=f"sqlite:///{db}", DASHBOARD_COOKIE_KEY=key)
    subprocess.run([python, "-m", "db.cli", "setup"], cwd=folder, env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    make_jwt = (
        "import datetime as dt, sys, jwt; "
        f"exp = (dt.datetime.now() + dt.timedelta(days={OLD_COOKIE_DAYS})).timestamp(); "
        f"print(jwt.encode({{'username': '{VIEWER}', 'exp_date': exp}}, sys.argv[1], "
        "algorithm='HS256'))"
    )
    token = subprocess.run(
        [python, "-c", make_jwt, key], check=True, capture_output=True, text=True
    ).stdout.strip()
    url, proc = serve(python, folder, "serve.py", env, workdir / "before.log")
    cookie = {"name": OLD_COOKIE, "value": token, "url": url, "sameSite": "Lax"}
    commit = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    label = f"app before issue 15 ({commit or folder})"
    targets.append(Target("before", label, url, [cookie], proc))


def load_once(browser, target: Target, charts: int, settle: float) -> tuple[float, int, int, float]:
    """One first page in a fresh context: ms until drawn, runs finished then, runs
    finished SETTLE s later, and when the last of them finished (ms)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        if target.cookies:
            context.add_cookies(target.cookies)
        context.add_init_script(DETECT % charts)
        page = context.new_page()
        page.goto(target.url, wait_until="commit")
        try:
            page.wait_for_function("window.__drawnAt !== undefined", timeout=60_000)
        except Exception:
            shot = Path(tempfile.gettempdir()) / f"first-page-{target.name}.png"
            page.screenshot(path=str(shot), full_page=True)
            raise RuntimeError(
                f"{target.label}: the overview's {charts} charts were not drawn within "
                f"60 s (screenshot {shot})"
            ) from None
        drawn, runs, shown = page.evaluate("[window.__drawnAt, window.__runsAtDrawn, "
                                           "window.__chartsAtDrawn]")  # fmt: skip
        if shown != charts:
            raise RuntimeError(f"{target.label} shows {shown} charts, the floor {charts}")
        if settle:
            page.wait_for_timeout(settle * 1000)
        return (drawn, runs, *page.evaluate("[window.__runs, window.__lastRunAt]"))
    finally:
        context.close()


def measure(
    runs: int = 15,
    before: Path | None = None,
    url_db: str | None = None,
    warmup: int = 2,
    settle: float = 1.5,
) -> dict:
    """RUNS first pages of each target, taking turns; medians and ratios to the floor.

    URL_DB: the app's database (default: bench/run.py's 1x database)."""
    from playwright.sync_api import sync_playwright

    if not chromium_found():
        raise SystemExit(f"first_page: Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if url_db is None:
        from bench.run import database

        url_db = database(1)
    workdir = Path(tempfile.mkdtemp(prefix="bench-first-page-"))
    targets: list[Target] = []
    started, load_before = time.monotonic(), os.getloadavg()[0]
    try:
        charts = start_floor(url_db, workdir, targets)
        start_app(url_db, workdir, targets)
        if before is not None:
            start_before(before.resolve(), workdir, targets)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for target in targets:  # server caches, Chromium itself: not counted
                    for _ in range(warmup):
                        load_once(browser, target, charts, 0)
                for i in range(runs):
                    k = i % len(targets)
                    for target in targets[k:] + targets[:k]:
                        ms, first, later, last = load_once(browser, target, charts, settle)
                        target.samples.append(ms)
                        target.runs.append(first)
                        target.settled_runs.append(later)
                        target.last_run.append(last)
                    print(f"  round {i + 1}/{runs}: " + ", ".join(
                        f"{t.name} {t.samples[-1]:.0f} ms" for t in targets), flush=True)  # fmt: skip
            finally:
                browser.close()
    finally:
        for target in targets:
            stop(target.proc)
    floor = next(t for t in targets if t.name == "floor")
    result = {
        "when": f"{dt.datetime.now():%d.%m.%Y %H:%M}",
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, streamlit {version('streamlit')}, Chromium "
        f"{chromium_version()}",
        "runs": runs,
        "warmup": warmup,
        "settle": settle,
        "charts": charts,
        "seconds": time.monotonic() - started,
        "load": (load_before, os.getloadavg()[0]),
        "targets": {},
    }
    for t in targets:
        q1, q3 = t.quartiles() if len(t.samples) > 1 else (t.median, t.median)
        result["targets"][t.name] = {
            "label": t.label,
            "median": t.median,
            "q1": q1,
            "q3": q3,
            "samples": [round(s, 1) for s in t.samples],
            "runs": statistics.median(t.runs),
            "settled_runs": statistics.median(t.settled_runs),
            "last_run": statistics.median(t.last_run),
            "ratio": t.median / floor.median,
            # each load against the floor's of the same round (a quiet or busy moment
            # of the machine falls on both)
            "paired": statistics.median(
                a / b for a, b in zip(t.samples, floor.samples, strict=True)
            ),
        }
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def chromium_found() -> bool:
    return bool(shutil.which(CHROMIUM) or Path(CHROMIUM).exists())


def chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "?"
    match = re.search(r"\d+(\.\d+)+", out.stdout)
    return match.group(0) if match else "?"


def verdict(ratio: float) -> str:
    return "**PASS**" if ratio <= TARGET_RATIO else "**FAIL**"


def table(result: dict) -> list[str]:
    lines = [
        "| page | median ms | p25–p75 ms | × floor (medians) | × floor (median of rounds) "
        f"| target | | script runs when drawn | {result['settle']:g} s later | last run "
        "ended, ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, t in result["targets"].items():
        judged = name != "floor"
        lines.append(
            f"| {t['label']} | {t['median']:.0f} | {t['q1']:.0f}–{t['q3']:.0f} | "
            f"{t['ratio']:.2f} | {t['paired']:.2f} | "
            + (f"≤ {TARGET_RATIO} | {verdict(t['ratio'])} | " if judged else "| | ")
            + f"{t['runs']:g} | {t['settled_runs']:g} | {t['last_run']:.0f} |"
        )
    return lines


def method(result: dict) -> str:
    return (
        f"Chromium (headless, `{CHROMIUM}`, {VIEWPORT['width']}×{VIEWPORT['height']}), a "
        "fresh browser context per load (empty HTTP cache, only the sign-in cookie), the "
        f"viewer `{VIEWER}` returning to the overview (`/`). Time: from navigation start "
        "(`performance.now()` in the page) until all the overview's "
        f"{result['charts']} Vega-Lite charts (`stVegaLiteChart`) have drawn their SVG or "
        "canvas while no script runs (`data-test-script-state` notRunning, no status widget, "
        "no spinner). Floor: `bench/floor_app.py`, a bare Streamlit page drawing the same "
        "charts from a pickle (`bench/floor_data.py`: no database, no sign-in, no "
        f"navigation), its own process. Median of {result['runs']} loads per page, the pages "
        f"taking turns, after {result['warmup']} warm-up loads each (server caches warm); "
        "ratios within this run: the judged one is median over median; the one of rounds is "
        "the median of each load over the floor's load of the same round. Load average "
        f"before/after: {result['load'][0]:.2f} / {result['load'][1]:.2f} on "
        f"{os.cpu_count()} cores (other work on the machine shows here; it slows the pages "
        "of one round alike only roughly). The app's cookie is a session made by "
        "`db.sessions.start_with_token` on bench/run.py's 1x database, read on the first "
        "script run (`st.context.cookies`). Script runs: how many runs a load had finished "
        f"when its charts were drawn and {result['settle']:g} s later, and when the last of "
        "them ended (ms since navigation start, median): a run after the charts were drawn "
        "(a component's round trip) shows there."
    )


def section(result: dict) -> list[str]:
    """For bench/results.md: this run's figures against the target."""
    return [
        "## A returning user's first page in Chromium (issue 15)",
        "",
        method(result),
        "",
        *table(result),
        "",
        f"Target: the app's median ≤ {TARGET_RATIO} × the floor's. Run {result['when']}, "
        f"{result['seconds']:.0f} s.",
    ]


def record(result: dict, command: str) -> str:
    """bench/first_page.md: before and after issue 15, measured once in one run."""
    lines = [
        "### Before and after issue 15 (measured once, in one run)",
        "",
        f"Run {result['when']}; {result['machine']}. Same method as above, with the app "
        "of this working tree (issue 15's server-side sessions) as 'app', and the app as it "
        "was before, at commit 374c847, as 'before' (streamlit-authenticator 0.4.2 in its own "
        "virtualenv, its own demo database from `db.cli setup`, started the same way with "
        "`streamlit run serve.py`), whose returning browser carries the JWT "
        f'that library wrote (`{{"username": "{VIEWER}", "exp_date": now + 7 days}}`, HS256 '
        f"with that app's `DASHBOARD_COOKIE_KEY`) under `{OLD_COOKIE}`.",
        "",
        *table(result),
        "",
        f"Command: `{command}`.",
    ]
    return "\n".join(lines) + "\n"


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
