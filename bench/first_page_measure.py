"""A returning user's first page in Chromium against its floor (issue 15): the
targets (the app of this working tree, the floor, and with --before the app as
it was before issue 15) started on loopback, then RUNS first pages of each in
fresh browser contexts, taking turns; the figures bench/first_page_report.py
writes. See bench/first_page.py for the method and the command line."""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import demo_db, floor_data, report_md, servers
from db import sessions
from tests.browser import CHROMIUM, CHROMIUM_ARGS, stop

ROOT = Path(__file__).resolve().parent.parent
VIEWER = demo_db.VIEWER
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
    """`streamlit run SCRIPT` on a free loopback port, ready; its URL and process."""
    url, proc = servers.launch(script, env, log, python=python, cwd=cwd)
    servers.wait_ready(url, proc, log, f"{script} in {cwd}")
    return url, proc


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_FLOOR_FILE")}
    return {**env, **extra}


def start_app(url_db: str, workdir: Path, targets: list[Target]) -> None:
    """This working tree's app (serve.py), with a session cookie for the viewer."""
    token = demo_db.sign_in_tokens(url_db, [VIEWER], "bench/first_page")[VIEWER]
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
    if not chromium_found():
        raise SystemExit(f"first_page: Chromium not found at {CHROMIUM} (apt-get install chromium)")
    url_db = url_db or demo_db.at_scale(1)
    workdir = Path(tempfile.mkdtemp(prefix="bench-first-page-"))
    targets: list[Target] = []
    started, load_before = time.monotonic(), os.getloadavg()[0]
    try:
        charts = start_floor(url_db, workdir, targets)
        start_app(url_db, workdir, targets)
        if before is not None:
            start_before(before.resolve(), workdir, targets)
        take_turns(targets, charts, runs, warmup, settle)
    finally:
        for target in targets:
            stop(target.proc)
    result = {
        "when": report_md.when(),
        "machine": f"{report_md.machine('streamlit')}, Chromium {chromium_version()}",
        "runs": runs,
        "warmup": warmup,
        "settle": settle,
        "charts": charts,
        "seconds": time.monotonic() - started,
        "load": (load_before, os.getloadavg()[0]),
        "targets": figures(targets),
    }
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def take_turns(targets: list[Target], charts: int, runs: int, warmup: int, settle: float) -> None:
    """WARMUP loads of each target not counted, then RUNS rounds of one load each,
    each round starting with the next target."""
    from playwright.sync_api import sync_playwright

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


def figures(targets: list[Target]) -> dict:
    """Each target's median, quartiles and runs, and its ratios to the floor."""
    floor = next(t for t in targets if t.name == "floor")
    out = {}
    for t in targets:
        q1, q3 = t.quartiles() if len(t.samples) > 1 else (t.median, t.median)
        out[t.name] = {
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
    return out


def chromium_found() -> bool:
    return bool(shutil.which(CHROMIUM) or Path(CHROMIUM).exists())


def chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "?"
    match = re.search(r"\d+(\.\d+)+", out.stdout)
    return match.group(0) if match else "?"
