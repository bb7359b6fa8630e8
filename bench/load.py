"""`make load`: many users at once (issue 9).

Simulated browser tabs (bench/load_client.py) speak Streamlit's own WebSocket
protocol and are signed in by the app's session cookie on their first run, as
a returning browser is (one session per account, made in the app's database
with db.sessions.start_with_token and shared by all tabs of that account). For
each dashboard page (as the viewer `leitung`) and one editing page (as the
editor `geschaeftsstelle`), 1, 10, 25 and 50 sessions rerun the page with a
think time on one app process; the same load runs against the floor
(bench/floor_app.py: the page's charts, as specs built once per process, and
its tables, from DataFrames in memory; its own Streamlit process per page; at
1 and 25 sessions unless --floor-levels says otherwise). A CPU profile of each
dashboard page is taken at 25 sessions. Then 50 sessions spread over the
dashboard pages rerun every 10 s, after which (and after the editing page's 50
sessions) the app process reports what the open sessions keep in memory
(st.session_state, download callables). Then nginx, configured from
deploy/nginx/ (rendered for loopback by tests/deploy/stack.py), in front of two
`streamlit run serve.py` processes takes the same load on one page (25 and 50
sessions, and a closed loop of 50 without think time) right after one of the
two processes alone; sessions keep nginx's route cookie. Last, 1,000 sessions
are opened and closed one after another (server memory before and after).
Prints the tables and writes bench/load.md, with the issue's targets at the
top. The whole run keeps to --budget seconds (default 8.5 minutes): what does
not fit is left out and named in the report; the phases the targets need
keep their time, and the churn (last) stops early and says after how many
sessions.

Without --url it builds bench/load.db, starts the servers on free loopback
ports, and stops them at the end. With --url it loads a running app (loopback
only), e.g. an nginx in front of two app processes; give the processes behind
it with --server-pid (repeatable) for the CPU and memory figures (no nginx
phase or memory report then, and no floor unless --floor). The sign-in
sessions are made in that app's database, so --url needs its DATABASE_URL
(--database-url; by default the one this tree's app would use).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import ipaddress
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_client import BrowserSession, PageCheck, RunResult  # noqa: E402

PY = sys.executable
VIEWER, EDITOR = "leitung", "geschaeftsstelle"
DASHBOARD = ["overview", "participation", "measures", "calendar"]
EDITOR_PAGES = ["edit_measures", "edit_meetings", "edit_members"]
# the pages bench/floor_app.py (bench/floor_data.py) has a floor for
FLOOR_PAGES = ("overview", "participation", "measures", "calendar")


# -- pages, read from the app's source, and the sign-in cookie ------------------
def page_check(name: str) -> PageCheck:
    """What a successful run of pages/NAME.py shows; the default page has URL path ''."""
    source = (ROOT / "pages" / f"{name}.py").read_text()
    match = re.search(r'st\.title\(\s*"([^"]+)"', source)
    nav = (ROOT / "components" / "navigation.py").read_text()
    default = re.search(rf'PageSpec\(\s*"pages/{name}\.py"[^)]*True\s*\)', nav, re.S)
    return PageCheck("" if default else name, match.group(1) if match else "")


def default_database_url() -> str:
    """The database an app started from this tree uses (environment, secrets.toml,
    else the embedded demo database of `make run`)."""
    from db.config import database_url

    return database_url()


def shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def session_cookies(database_url: str, usernames: list[str]) -> dict[str, dict[str, str]]:
    """A sign-in session per account in the app's database: the cookie a browser
    holds after signing in as it (db.sessions), for all of its tabs."""
    from db import sessions
    from db.engine import make_engine, session_scope

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as s:
            now = dt.datetime.now(dt.UTC)
            return {
                name: {
                    sessions.COOKIE_NAME: sessions.start_with_token(s, name, "bench-load/1", now)
                }
                for name in usernames
            }
    except Exception as exc:  # no such table, no such account: not the app's database
        raise SystemExit(
            f"load: cannot make sign-in sessions for {', '.join(usernames)} in "
            f"{shown_url(database_url)} ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "is it the app's database (--database-url)?"
        ) from exc
    finally:
        engine.dispose()


# -- servers ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        addrs = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"load: cannot resolve {host!r}: {exc}") from exc
    if not addrs or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs):
        raise SystemExit(f"load: refusing {url}: only loopback hosts are allowed ({addrs})")


@dataclasses.dataclass
class Server:
    name: str
    url: str
    pids: list[int]
    proc: subprocess.Popen | None = None
    control: Path | None = None
    log: Path | None = None

    @classmethod
    def start(
        cls, name: str, script: str, env: dict, workdir: Path, options: list[str] = ()
    ) -> Server:
        port = free_port()
        control = workdir / f"{name}.profile-control"
        log = workdir / f"{name}.log"
        args = [
            PY,
            str(ROOT / "bench" / "load_server.py"),
            str(control),
            "run",
            script,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ]
        for option in options:  # --server-option runner.postScriptGC=false
            name_, _, value = option.partition("=")
            args += [f"--{name_}", value]
        with log.open("w") as fh:
            proc = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )
        return cls(name, f"http://127.0.0.1:{port}", [proc.pid], proc, control, log)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise SystemExit(
                    f"load: server {self.name} exited:\n{self.log.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"load: server {self.name} not ready after {timeout}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def processes(self) -> list[psutil.Process]:
        return [psutil.Process(pid) for pid in self.pids]

    def cpu(self) -> float:
        return sum(self.cpu_each())

    def cpu_each(self) -> list[float]:
        """User+system CPU seconds of each process so far."""
        out = []
        for p in self.processes():
            t = p.cpu_times()
            out.append(t.user + t.system)
        return out

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self.processes())

    async def session_memory(self, out: Path) -> dict | None:
        """What the open sessions keep (bench/load_server.py session_memory); None
        when this server has no sampler or does not answer within 60 s."""
        if self.control is None:
            return None
        out.unlink(missing_ok=True)
        request = self.control.with_name(self.control.name + ".state")
        request.write_text(str(out))
        for _ in range(600):
            await asyncio.sleep(0.1)
            if out.exists():
                return json.loads(out.read_text())
        request.unlink(missing_ok=True)
        return None

    @contextlib.asynccontextmanager
    async def profiling(self, out: Path):
        """The CPU sampler of bench/load_server.py runs inside this block."""
        out.unlink(missing_ok=True)
        self.control.write_text(str(out))
        await asyncio.sleep(0.5)  # the sampler polls every 0.2 s
        try:
            yield
        finally:
            self.control.unlink(missing_ok=True)
        for _ in range(300):
            if out.exists():
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"no profile from {self.name}")


# -- measuring ------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclasses.dataclass
class Level:
    page: str
    kind: str  # app / floor / mixed
    sessions: int
    think: float
    reruns: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = dataclasses.field(default_factory=list)
    reasons: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    cpu: float = 0.0
    cpu_each: list[float] = dataclasses.field(default_factory=list)  # per server process
    client_cpu: float = 0.0
    proxy_cpu: float = 0.0  # nginx (master and workers), when in front
    busy_cpu: float = 0.0  # the whole machine: all processes, all cores
    peak_rss: int = 0
    content: int = 0  # charts and tables a run showed (the most of any session's last run)
    by_page: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.reruns / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_rerun(self) -> float:
        return self.cpu / self.reruns if self.reruns else float("nan")

    def share(self, cpu: float) -> float:
        """CPU seconds over the window as % of one core."""
        return 100 * cpu / self.seconds if self.seconds else 0.0


class RssWatch:
    """Samples the servers' RSS every 0.25 s while running."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak, self._task = server, 0, None

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.server.rss())
            await asyncio.sleep(0.25)

    def __enter__(self) -> RssWatch:
        self.peak = self.server.rss()
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()
        with contextlib.suppress(psutil.Error):
            self.peak = max(self.peak, self.server.rss())


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent not idle (all cores, all processes)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


async def measure(
    server: Server,
    sessions: list[BrowserSession],
    level: Level,
    duration: float,
    drain: float,
    proxy: Callable[[], float] | None = None,
) -> Level:
    """Every session reruns its page with the think time until DURATION is over.

    Reruns started in the window all finish (up to DRAIN seconds more) before
    the server's CPU time is read again, so CPU per rerun is not biased by
    runs cut off at the end; the window had none running at its start.
    """
    me = psutil.Process()
    think = level.think
    await asyncio.sleep(0.5)
    each0, client0 = server.cpu_each(), sum(me.cpu_times()[:2])
    proxy0, busy0 = proxy() if proxy else 0.0, busy_seconds()
    t0 = time.monotonic()
    deadline = t0 + duration
    last_done = t0

    async def user(session: BrowserSession) -> None:
        nonlocal last_done
        await asyncio.sleep(random.uniform(0, think))  # not all at once
        while time.monotonic() < deadline:
            try:
                result = await session.run()
            except Exception as exc:  # connection lost
                result = RunResult(False, 0.0, f"connection: {type(exc).__name__}")
                level.reruns += 1
                level.failures += 1
                level.reasons[result.reason] += 1
                return
            last_done = max(last_done, time.monotonic())
            level.reruns += 1
            if result.ok:
                level.latencies.append(result.latency)
                level.by_page.setdefault(session.check.url_path, []).append(result.latency)
            else:
                level.failures += 1
                level.reasons[result.reason] += 1
            pause = think * random.uniform(0.8, 1.2)
            if time.monotonic() + pause >= deadline:
                return
            await asyncio.sleep(pause)

    with RssWatch(server) as rss:
        tasks = [asyncio.create_task(user(s)) for s in sessions]
        _done, pending = await asyncio.wait(tasks, timeout=duration + drain)
        for task in pending:
            task.cancel()
            level.failures += 1
            level.reasons["still running at the hard timeout"] += 1
        level.seconds = max(last_done, deadline) - t0
        level.cpu_each = [b - a for a, b in zip(each0, server.cpu_each(), strict=True)]
        level.cpu = sum(level.cpu_each)
        level.client_cpu = sum(me.cpu_times()[:2]) - client0
        level.proxy_cpu = (proxy() - proxy0) if proxy else 0.0
        level.busy_cpu = busy_seconds() - busy0
    level.peak_rss = rss.peak
    level.content = max((s.last_content for s in sessions), default=0)
    return level


async def bring_to(
    pool: list[BrowserSession], n: int, make, check: PageCheck, limit: int = 10
) -> collections.Counter:
    """Have N sessions of POOL on CHECK's page: open new ones, switch the others."""
    problems: collections.Counter = collections.Counter()
    gate = asyncio.Semaphore(limit)

    async def one(session: BrowserSession | None) -> None:
        async with gate:
            try:
                if session is not None:
                    result = await session.switch(check)
                else:
                    session = make(check)
                    result = await session.open()
                    pool.append(session)
            except Exception as exc:
                problems[f"connection: {type(exc).__name__}: {exc}"[:100]] += 1
                return
            if not result.ok:
                problems[result.reason] += 1

    moving = [s for s in pool[:n] if s.check.url_path != check.url_path]
    await asyncio.gather(*(one(s) for s in moving), *(one(None) for _ in range(n - len(pool))))
    return problems


# -- the run ---------------------------------------------------------------------------
class Budget:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.skipped: list[str] = []

    def left(self) -> float:
        return self.end - time.monotonic()

    def allows(self, what: str, needs: float, reserve: float = 0.0) -> bool:
        if self.left() - reserve >= needs:
            return True
        self.skipped.append(what)
        print(f"  skipped (time budget): {what}", flush=True)
        return False


T0 = time.monotonic()


def stamp() -> str:
    return f"[{int(time.monotonic() - T0) // 60:02d}:{int(time.monotonic() - T0) % 60:02d}]"


def log_level(lv: Level) -> None:
    print(
        f"{stamp()} {lv.kind:<5} {lv.page:<14} {lv.sessions:>3} sessions think {lv.think:>4.1f}s: "
        f"{lv.reruns:>4} reruns {lv.rate:6.2f}/s p50 {percentile(lv.latencies, 50) * 1000:6.0f} "
        f"p95 {percentile(lv.latencies, 95) * 1000:6.0f} p99 {percentile(lv.latencies, 99) * 1000:6.0f} ms "
        f"fail {lv.failures} cpu/rerun {lv.cpu_per_rerun * 1000:6.0f} ms "
        f"rss {lv.peak_rss / 2**20:5.0f} MB"
        + (
            f"  [{'; '.join(f'{k} x{v}' for k, v in lv.reasons.most_common(3))}]"
            if lv.reasons
            else ""
        ),
        flush=True,
    )


async def run(args: argparse.Namespace) -> dict:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    args.workdir_path = str(workdir)
    servers: list[Server] = []
    result: dict = {
        "levels": [],
        "mixed": None,
        "churn": None,
        "nginx": None,
        "memory": {},
        "profiles": {},
        "warmup": collections.Counter(),
        "workdir": str(workdir),
        "load_before": os.getloadavg(),
    }
    budget = Budget(args.budget)
    replicas: list[Server] = []
    proxy: Proxy | None = None
    try:
        if args.url:
            require_loopback(args.url)
            app = Server("app", args.url.rstrip("/"), args.server_pid or guess_pids(args.url))
            database_url = args.database_url or default_database_url()
            floors = {}
            if args.floor:
                env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
                floors = start_floors(env, workdir, args.pages, servers, args.server_option)
        else:
            db = ROOT / "bench" / "load.db"
            database_url = f"sqlite:///{db}"
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "DASHBOARD_COOKIE_KEY": args.cookie_key or secrets.token_urlsafe(36),
                "PYTHONPATH": str(ROOT),
            }
            build_db(db, env, args.scale)
            app = Server.start("app", "app.py", env, workdir, args.server_option)
            servers.append(app)
            floors = (
                start_floors(env, workdir, args.pages, servers, args.server_option)
                if args.floor
                else {}
            )
            if args.nginx:
                nginx = nginx_binary()
                if nginx:
                    replicas = start_replicas(env, workdir, args.server_option)
                    servers.extend(replicas)
                else:
                    result["nginx_missing"] = "nginx not found (apt-get install -y nginx)"
                    print(f"load: {result['nginx_missing']}; no nginx phase", flush=True)
        for s in servers:
            s.wait_ready()
        if replicas:
            proxy = start_proxy(nginx, replicas, workdir)
        result["app_pids"] = app.pids
        if not app.pids:
            print("load: no server PID known; CPU and memory figures are left out", flush=True)
        cookies = session_cookies(database_url, [VIEWER, EDITOR])
        print(f"load: sign-in sessions made in {shown_url(database_url)}", flush=True)
        viewer_cookie, editor_cookie = cookies[VIEWER], cookies[EDITOR]
        levels = [int(n) for n in args.levels.split(",") if n]
        floor_levels = [int(n) for n in args.floor_levels.split(",") if n]
        print(
            f"load: app {app.url} (pids {app.pids}); floors "
            f"{ {p: f.url for p, f in floors.items()} }; work files in {workdir}",
            flush=True,
        )

        def maker(base: str, cookies: dict | None):
            return lambda check: BrowserSession(base, check, cookies)

        viewer_pool: list[BrowserSession] = []
        new_viewer = maker(app.url, viewer_cookie)
        drain = args.drain
        churn_reserve = min(args.churn_reserve, args.budget / 4) if args.churn else 0.0
        nginx_levels = [int(n) for n in args.nginx_levels.split(",") if n]
        nginx_levels += [args.nginx_capacity] if args.nginx_capacity else []
        # The phases measured for the targets keep their time: the mixed load after the
        # pages, then (after the editing page) the nginx phase and the churn (last).
        nginx_reserve = (
            2 * sum(args.nginx_duration + 4 + n * 0.05 for n in nginx_levels) if proxy else 0.0
        )
        mixed_reserve = args.slow_duration + 10 if args.slow_sessions else 0.0
        reserve = churn_reserve + nginx_reserve + mixed_reserve

        async def levels_for(
            server: Server,
            pool,
            make,
            check: PageCheck,
            page: str,
            kind: str,
            profile: bool,
            levels: list[int],
        ) -> None:
            for n in levels:
                est = args.duration + 4 + n * 0.1  # opening the sessions, the last runs
                if not budget.allows(f"{kind} {page} at {n} sessions", est, reserve):
                    continue
                problems = await bring_to(pool, n, make, check)
                result["warmup"].update(problems)
                if check.min_content < 0 and pool:
                    check.min_content = max(s.last_content for s in pool)
                lv = await measure(
                    server, pool[:n], Level(page, kind, n, args.think), args.duration, drain
                )
                result["levels"].append(lv)
                log_level(lv)
                if (
                    profile
                    and n == args.profile_sessions
                    and server.control is not None
                    and budget.allows(f"profile {page}", args.profile_seconds + 15, reserve)
                ):
                    out = workdir / f"profile-{page}.pyisession"
                    async with server.profiling(out):
                        plv = await measure(
                            server,
                            pool[:n],
                            Level(page, "prof", n, args.think),
                            args.profile_seconds,
                            drain,
                        )
                    result["profiles"][page] = (out, plv)
                    print(f"  profile {page}: {out}", flush=True)

        for page in args.pages:
            check = page_check(page)
            print(f"{stamp()} {page}:", flush=True)
            await levels_for(app, viewer_pool, new_viewer, check, page, "app", args.profile, levels)
            if page in floors:
                floor = floors[page]
                # every run must show as many charts and tables as the floor's first run
                fcheck = PageCheck("", "", need_nav=False, min_content=-1)
                fpool: list[BrowserSession] = []
                await levels_for(
                    floor, fpool, maker(floor.url, None), fcheck, page, "floor", False, floor_levels
                )
                await close_all(fpool)
                floor.stop()  # its memory is not the app's
        # 50 sessions spread over the dashboard pages, each rerunning every ~10 s
        reserve -= mixed_reserve
        n = args.slow_sessions
        if n and budget.allows("mixed 10 s think", args.slow_duration + 10, reserve):
            print(f"{stamp()} mixed: {n} sessions, think {args.slow_think}s", flush=True)
            checks = [page_check(p) for p in args.pages]
            for i, check in enumerate(checks):  # the open ones: switch round-robin
                sub = [viewer_pool[k] for k in range(i, min(n, len(viewer_pool)), len(checks))]
                result["warmup"].update(await bring_to(sub, len(sub), new_viewer, check))
            extra: list[BrowserSession] = []
            for i, check in enumerate(checks):  # the missing ones: open on their page
                want = sum(1 for k in range(len(viewer_pool), n) if k % len(checks) == i)
                sub: list[BrowserSession] = []
                result["warmup"].update(await bring_to(sub, want, new_viewer, check))
                extra += sub
            viewer_pool.extend(extra)
            names = {page_check(p).url_path: p for p in args.pages}
            lv = await measure(
                app,
                viewer_pool[:n],
                Level("mixed", "mixed", n, args.slow_think),
                args.slow_duration,
                drain,
            )
            lv.by_page = {names.get(k, k): v for k, v in lv.by_page.items()}
            result["mixed"] = lv
            log_level(lv)
            # the sessions are idle now: what each keeps in the server
            memory = await app.session_memory(workdir / "memory-viewer.json")
            if memory:
                result["memory"]["viewer"] = (", ".join(args.pages), memory)
                log_memory("viewer", memory)
        await close_all(viewer_pool)

        if args.editor_page:
            page = args.editor_page
            print(f"{stamp()} {page} (editor):", flush=True)
            editor_pool: list[BrowserSession] = []
            await levels_for(
                app,
                editor_pool,
                maker(app.url, editor_cookie),
                page_check(page),
                page,
                "app",
                False,
                levels,
            )
            if editor_pool:
                memory = await app.session_memory(workdir / "memory-editor.json")
                if memory:
                    result["memory"]["editor"] = (page, memory)
                    log_memory("editor", memory)
            await close_all(editor_pool)

        if proxy:
            print(
                f"{stamp()} nginx {proxy.url} in front of {[r.url for r in replicas]} "
                f"(pids {[r.pids[0] for r in replicas]}), against {replicas[0].url} alone:",
                flush=True,
            )
            result["nginx"] = await nginx_phase(
                args, replicas, proxy, maker, viewer_cookie, result, budget, churn_reserve
            )
            proxy.stop()
            for r in replicas:
                r.stop()

        if args.churn and budget.allows("churn", 30):
            result["churn"] = await churn(
                app, new_viewer, page_check(args.churn_page), args, budget
            )
    finally:
        if proxy:
            proxy.stop()
        for s in servers:
            s.stop()
        if not args.url:
            checkpoint(ROOT / "bench" / "load.db")
    result["load_after"] = os.getloadavg()
    result["skipped"] = budget.skipped
    return result


def log_memory(what: str, memory: dict) -> None:
    each = [s["state"] for s in memory["sessions"]]
    print(
        f"{stamp()} memory of {memory['active']} open {what} sessions: session_state "
        f"max {max(each, default=0) / 1024:.0f} KB each, {memory['state_all'] / 2**20:.1f} MB "
        f"all; download callables {memory['download_all'] / 2**20:.1f} MB all",
        flush=True,
    )


# -- nginx in front of two app processes ------------------------------------------------
@dataclasses.dataclass
class Proxy:
    """nginx (deploy/nginx/, rendered for loopback by tests/deploy/stack.py)."""

    url: str
    folder: Path
    proc: subprocess.Popen

    def cpu(self) -> float:
        """User+system CPU seconds of nginx's master and workers so far."""
        total = 0.0
        with contextlib.suppress(psutil.Error):
            master = psutil.Process(self.proc.pid)
            for p in [master, *master.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    total += t.user + t.system
        return total

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish and log
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def routes(self) -> dict:
        """From nginx's access log: the app processes each route cookie reached."""
        by_route: dict[str, set[str]] = collections.defaultdict(set)
        tabs: set[str] = set()  # routes that opened a WebSocket: one per session
        requests = 0
        path = self.folder / "access.log"
        if path.exists():
            for line in path.read_text().splitlines():
                with contextlib.suppress(ValueError, KeyError):
                    entry = json.loads(line)
                    requests += 1
                    if entry["path"] == "/_stcore/stream":
                        tabs.add(entry["route"])
                    # "A, B" when nginx tried a second process (A : B after a redirect)
                    for upstream in re.split(r"\s*[,:]\s+", entry["upstream"]):
                        if upstream.strip() and upstream != "-":
                            by_route[entry["route"]].add(upstream.strip())
        per_upstream = collections.Counter(
            next(iter(by_route[r])) for r in tabs if len(by_route[r]) == 1
        )
        return {
            "requests": requests,
            "sessions": len(tabs),
            "split": sum(1 for r in tabs if len(by_route[r]) > 1),
            "per_upstream": dict(per_upstream),
        }


def nginx_binary() -> str | None:
    from tests.deploy.stack import NGINX

    return shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)


def start_replicas(env: dict, workdir: Path, options: list[str]) -> list[Server]:
    """Two `streamlit run serve.py` processes with the same secrets, as deployed
    (deploy/.env.example): the same DASHBOARD_COOKIE_KEY and Streamlit cookie secret."""
    env = {**env, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(36)}
    return [
        Server.start(name, "serve.py", env, workdir, options) for name in ("replica-a", "replica-b")
    ]


def start_proxy(nginx: str, replicas: list[Server], workdir: Path) -> Proxy:
    from tests.deploy.stack import render_nginx, start_nginx

    folder = workdir / "nginx"
    folder.mkdir(exist_ok=True)
    port = free_port()
    main = render_nginx(folder, port, [urlsplit(r.url).netloc for r in replicas])
    proxy = Proxy(f"http://127.0.0.1:{port}", folder, start_nginx(nginx, main))
    deadline = time.monotonic() + 20
    while True:
        if proxy.proc.poll() is not None:
            raise SystemExit(f"load: nginx exited:\n{(folder / 'error.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(proxy.url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proxy
        except OSError:
            pass
        if time.monotonic() > deadline:
            proxy.stop()
            raise SystemExit("load: nginx not ready after 20 s")
        time.sleep(0.2)


async def nginx_phase(
    args: argparse.Namespace,
    replicas: list[Server],
    proxy: Proxy,
    maker,
    cookies: dict,
    result: dict,
    budget: Budget,
    reserve: float,
) -> dict:
    """The same load on one page against one app process directly and against nginx
    in front of two; level by level, one right after the other."""
    page = args.nginx_page
    check = page_check(page)
    two = Server("nginx", proxy.url, [r.pids[0] for r in replicas])
    targets = {"direct": replicas[0], "nginx": two}
    pools: dict[str, list[BrowserSession]] = {kind: [] for kind in targets}
    out: dict = {"levels": [], "routes": None, "page": page}
    steps = [(int(n), args.nginx_think) for n in args.nginx_levels.split(",") if n]
    if args.nginx_capacity:
        steps.append((args.nginx_capacity, 0.0))  # closed loop: what the servers can do
    for n, think in steps:
        for kind, target in targets.items():
            what = f"{kind} {page} at {n} sessions, think {think:g} s"
            if not budget.allows(what, args.nginx_duration + 4 + n * 0.05, reserve):
                continue
            problems = await bring_to(pools[kind], n, maker(target.url, cookies), check)
            result["warmup"].update(problems)
            lv = await measure(
                target,
                pools[kind][:n],
                Level(page, kind, n, think),
                args.nginx_duration,
                args.drain,
                proxy.cpu if kind == "nginx" else None,
            )
            out["levels"].append(lv)
            log_level(lv)
    for pool in pools.values():
        await close_all(pool)
    await asyncio.sleep(1)  # nginx logs a WebSocket when it closes
    out["routes"] = proxy.routes()
    print(f"{stamp()} nginx routes: {out['routes']}", flush=True)
    return out


async def close_all(pool: list[BrowserSession]) -> None:
    await asyncio.gather(*(s.close() for s in pool), return_exceptions=True)
    pool.clear()


async def churn(app: Server, make, check: PageCheck, args, budget: Budget) -> dict:
    """Open and close sessions one after another; server RSS along the way."""
    total = args.churn
    print(
        f"{stamp()} churn: {total} sessions on {check.url_path or 'overview'} one after another",
        flush=True,
    )
    await asyncio.sleep(2)
    for _ in range(5):  # warm: imports, caches; not counted
        s = make(check)
        with contextlib.suppress(Exception):
            await s.open()
        await s.close()
    await asyncio.sleep(1)
    out = {
        "page": args.churn_page,
        "rss_start": app.rss(),
        "checkpoints": [],
        "failures": 0,
        "reasons": collections.Counter(),
        "latencies": [],
        "opened": 0,
    }
    cpu0, t0 = app.cpu(), time.monotonic()
    step = max(1, total // 10)
    for i in range(1, total + 1):
        if budget.left() < 5:
            budget.skipped.append(f"churn after {i - 1} sessions")
            print(f"  churn stopped by the time budget after {i - 1} sessions", flush=True)
            break
        s = make(check)
        try:
            r = await s.open()
        except Exception as exc:
            r = RunResult(False, 0.0, f"connection: {type(exc).__name__}")
        finally:
            with contextlib.suppress(Exception):
                await s.close()
        out["opened"] = i
        if r.ok:
            out["latencies"].append(r.latency)
        else:
            out["failures"] += 1
            out["reasons"][r.reason] += 1
        if i % step == 0:
            out["checkpoints"].append((i, app.rss()))
            print(
                f"{stamp()} {i:>5} opened and closed, server RSS {app.rss() / 2**20:.0f} MB, "
                f"{i / (time.monotonic() - t0):.1f} sessions/s",
                flush=True,
            )
    out["seconds"] = time.monotonic() - t0
    out["cpu"] = app.cpu() - cpu0
    await asyncio.sleep(2)
    out["rss_after"] = app.rss()
    out["memory"] = await app.session_memory(Path(args.workdir_path) / "memory-churn.json")
    return out


def guess_pids(url: str) -> list[int]:
    """The PID listening on URL's port, if it is a Streamlit process."""
    port = urlsplit(url).port or 80
    with contextlib.suppress(psutil.Error):
        for c in psutil.net_connections(kind="tcp"):
            if (
                c.status == psutil.CONN_LISTEN
                and c.laddr.port == port
                and c.pid
                and "streamlit" in " ".join(psutil.Process(c.pid).cmdline())
            ):
                return [c.pid]
    return []


def checkpoint(db: Path) -> None:
    """Fold the WAL back in, so no load.db-wal/-shm stay behind (.gitignore has *.db)."""
    if db.exists():
        with contextlib.suppress(sqlite3.Error):
            sqlite3.connect(db).close()  # the last connection to close removes both


def build_db(db: Path, env: dict, scale: int) -> None:
    db.unlink(missing_ok=True)
    cli = [PY, "-m", "db.cli"]
    if scale > 1:
        subprocess.run(
            [*cli, "demo", "--scale", str(scale)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run([*cli, "setup"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def start_floors(
    env: dict, workdir: Path, pages: list[str], servers: list[Server], options: list[str]
) -> dict:
    floors = {}
    for page in pages:
        if page in FLOOR_PAGES:
            floor = Server.start(
                f"floor-{page}", "bench/floor_app.py", {**env, "BENCH_PAGE": page}, workdir, options
            )
            floors[page] = floor
            servers.append(floor)
    return floors


# -- the profile -------------------------------------------------------------------------
GC_FRAME = "ScriptRunner._on_script_finished"
WRAPPERS = {"wrapped_func", "wrapper", "_wrapper", "CachedFunc.__call__", "_make_value_key"}
NOT_CALLS = {"Page.run"}  # app.py's page.run(): the page itself


def summarize_profile(path: Path, top: int = 6) -> dict:
    """Shares of the script threads' CPU.

    Parts: what ScriptRunner._on_script_finished does after each run (with
    runner.postScriptGC on, mostly Streamlit's full garbage collection
    `gc.collect(2)`; the collector is C code, so its samples land in the weakref
    callbacks it runs there), the page script, the frame app.py around it, and
    Streamlit's runner.
    Then the top own functions (inclusive), library calls made from own code
    (inclusive) and leaf frames by package (without the post-run part).
    """
    from pyinstrument.session import Session

    session = Session.load(path)
    script = main = other = 0.0
    parts: collections.Counter = collections.Counter()
    own_incl: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    packages: collections.Counter = collections.Counter()
    for stack, seconds in session.frame_records:
        root = stack[0].split("\x00")[0]
        if root == "MainThread":
            main += seconds
            continue
        if not root.startswith("ScriptRunner"):
            other += seconds
            continue
        script += seconds
        frames = [parse_frame(f) for f in stack[1:]]
        names = [func for func, _, _ in frames]
        if GC_FRAME in names:
            parts["post-run (_on_script_finished)"] += seconds
            continue
        if any(func == "<module>" and "/pages/" in file for func, file, _ in frames):
            parts["page script"] += seconds
        elif any(func == "<module>" and file.endswith("/app.py") for func, file, _ in frames):
            parts["app.py frame"] += seconds
        else:
            parts["Streamlit runner"] += seconds
        seen: set = set()
        for k, (func, file, _line) in enumerate(frames):
            own = is_own(file)
            name = f"{short(file)}:{func}"
            if own and func != "<module>" and name not in seen:
                own_incl[name] += seconds
                seen.add(name)
            if not own and k and is_own(frames[k - 1][1]) and func not in NOT_CALLS:
                j = k  # through Streamlit's wrappers to the command itself
                while frames[j][0] in WRAPPERS and j + 1 < len(frames):
                    j += 1
                name = f"{short(frames[j][1])}:{frames[j][0]}"
                if ("call", name) not in seen:
                    calls[name] += seconds
                    seen.add(("call", name))
        if frames:
            packages[package(frames[-1][1])] += seconds

    def shares(counter: collections.Counter, n: int = top) -> list[tuple[str, float]]:
        return [(k, v / script) for k, v in counter.most_common(n)] if script else []

    total = script + main + other
    return {
        "script_cpu": script,
        "main_share": main / total if total else 0.0,
        "parts": shares(parts, 4),
        "own": shares(own_incl),
        "calls": shares(calls),
        "packages": shares(packages, 5),
    }


def parse_frame(identifier: str) -> tuple[str, str, int]:
    base, *attrs = identifier.split("\x01")
    func, file, line = [*base.split("\x00"), "", "", "0"][:3]
    cls = next((a[1:] for a in attrs if a.startswith("c")), "")
    return (f"{cls}.{func}" if cls else func), file, int(line or 0)


def is_own(file: str) -> bool:
    return file.startswith(str(ROOT)) and "site-packages" not in file


def short(file: str) -> str:
    if is_own(file):
        return str(Path(file).relative_to(ROOT))
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1]
    return Path(file).name


def package(file: str) -> str:
    if is_own(file):
        return "own code (" + short(file).split("/")[0] + ")"
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if file.startswith("<"):
        return "built-in"
    return "stdlib"


# -- the report -------------------------------------------------------------------------
def ms(x: float) -> str:
    return "–" if math.isnan(x) else f"{x * 1000:.0f}"


TARGET_PAGES = ("overview", "participation", "measures")  # target (a)
FLOOR_SHARE, NGINX_GAIN, SLOW_P95, RSS_GROWTH = 0.90, 1.7, 1.0, 0.10


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


RECONNECT_CACHE = 128  # closed sessions Streamlit keeps (MemorySessionStorage maxsize)


def after_cache(ch: dict) -> tuple[int, int] | None:
    """(sessions, RSS) at the first checkpoint after Streamlit's reconnect cache filled."""
    later = [(i, rss) for i, rss in ch["checkpoints"] if i > RECONNECT_CACHE]
    return later[0] if later and later[0][0] < ch["opened"] else None


def targets(result: dict, args: argparse.Namespace) -> list[str]:
    """The issue's targets, each with its measured value and met / missed."""
    levels: list[Level] = result["levels"]
    by = {(lv.page, lv.kind, lv.sessions): lv for lv in levels}
    rows = []
    n = 25
    for page in TARGET_PAGES:
        app, fl = by.get((page, "app", n)), by.get((page, "floor", n))
        if not (app and fl and fl.rate):
            rows.append((f"(a) {page}: ≥ 90 % of its floor's reruns/s at {n} sessions", "–", None))
            continue
        share = app.rate / fl.rate
        cpu = app.cpu_per_rerun / fl.cpu_per_rerun if fl.cpu_per_rerun else float("nan")
        rows.append(
            (
                f"(a) {page}: ≥ 90 % of its floor's reruns/s at {n} sessions",
                f"{app.rate:.2f} vs {fl.rate:.2f} reruns/s: **{100 * share:.0f} %** "
                f"(p95 {ms(percentile(app.latencies, 95))} vs "
                f"{ms(percentile(fl.latencies, 95))} ms; failures {app.failures}); CPU per "
                f"rerun {ms(app.cpu_per_rerun)} vs {ms(fl.cpu_per_rerun)} ms: "
                f"**{cpu:.2f}×** the floor's; charts and tables per run {app.content} / "
                f"{fl.content}",
                share >= FLOOR_SHARE,
            )
        )
    ng = result["nginx"]
    if ng and ng["levels"]:
        pairs = nginx_pairs(ng["levels"])
        closed = [pr for pr in pairs if pr[0].think == 0]
        judged = closed[-1] if closed else pairs[-1] if pairs else None
        parts = [
            f"{d.sessions} sessions, think {d.think:g} s: {t.rate:.2f} vs {d.rate:.2f} reruns/s = "
            + (f"**{t.rate / d.rate:.2f}×**" if pr is judged else f"{t.rate / d.rate:.2f}×")
            for pr in pairs
            for d, t in [pr]
            if d.rate
        ]
        rows.append(
            (
                "(b) two app processes behind nginx ≥ 1.7× one process (reruns/s)",
                "; ".join(parts)
                + (
                    f". Judged on the closed loop ({judged[0].sessions} sessions rerunning "
                    "without think time), the only level that keeps both set-ups busy; with "
                    "1 s think time n sessions cannot ask for more than n reruns/s, so the "
                    "ratio there is capped by the load, not by the servers (see below)"
                    if judged and judged[0].think == 0
                    else ""
                ),
                (judged[1].rate / judged[0].rate >= NGINX_GAIN)
                if judged and judged[0].rate
                else None,
            )
        )
    else:
        rows.append(
            (
                "(b) two app processes behind nginx ≥ 1.7× one process",
                result.get("nginx_missing", "not run"),
                None,
            )
        )
    mixed: Level | None = result["mixed"]
    if mixed:
        p95 = percentile(mixed.latencies, 95)
        rows.append(
            (
                f"(c) {mixed.sessions} sessions, each rerunning every {mixed.think:g} s: "
                "p95 < 1 s, no failure",
                f"p95 **{ms(p95)} ms** (p50 {ms(percentile(mixed.latencies, 50))}, p99 "
                f"{ms(percentile(mixed.latencies, 99))} ms), {mixed.reruns} reruns, failures "
                f"**{mixed.failures}**",
                p95 < SLOW_P95 and mixed.failures == 0,
            )
        )
    else:
        rows.append(("(c) 50 sessions, each rerunning every 10 s: p95 < 1 s", "–", None))
    ch = result["churn"]
    if ch:
        growth = ch["rss_after"] / ch["rss_start"] - 1
        complete = ch["opened"] >= args.churn
        full = after_cache(ch)
        rows.append(
            (
                f"(d) server RSS after {args.churn:,} sessions opened and closed within 10 % "
                "of its start",
                f"{ch['rss_start'] / 2**20:.0f} MB → {ch['rss_after'] / 2**20:.0f} MB: "
                f"**{100 * growth:+.1f} %** after {ch['opened']:,} sessions "
                f"({ch['failures']} failures)"
                + (
                    f"; from session {full[0]} on (Streamlit's cache of "
                    f"{RECONNECT_CACHE} closed sessions for reconnects full) "
                    f"{full[1] / 2**20:.0f} → {ch['rss_after'] / 2**20:.0f} MB, "
                    f"{100 * (ch['rss_after'] / full[1] - 1):+.1f} %"
                    if full
                    else ""
                ),
                (abs(growth) <= RSS_GROWTH) if complete else None,
            )
        )
    else:
        rows.append(("(d) server RSS after 1,000 sessions within 10 % of its start", "–", None))
    memory = result["memory"]
    if memory:
        parts = []
        for what, (pages, m) in memory.items():
            each = [x["state"] for x in m["sessions"]]
            parts.append(
                f"{m['active']} {what} sessions ({pages}): st.session_state at most "
                f"**{max(each, default=0) / 1024:.0f} KB** per session (median "
                f"{percentile(each, 50) / 1024:.0f} KB), {m['state_all'] / 2**20:.2f} MB for "
                "all together"
            )
        rows.append(
            (
                "nothing large in st.session_state per session",
                "; ".join(parts) + " (deep size measured inside the server, see below)",
                max(x["state"] for _, m in memory.values() for x in m["sessions"]) < 256 * 1024,
            )
        )
    out = [
        "## Targets (issue 9)",
        "",
        "| target | measured in this run | |",
        "|---|---|---|",
    ]
    out += [f"| {name} | {value} | {verdict(ok)} |" for name, value, ok in rows]
    return out


def nginx_pairs(levels: list[Level]) -> list[tuple[Level, Level]]:
    """(one process directly, two behind nginx) at the same sessions and think time."""
    direct = {(lv.sessions, lv.think): lv for lv in levels if lv.kind == "direct"}
    return [
        (direct[(lv.sessions, lv.think)], lv)
        for lv in levels
        if lv.kind == "nginx" and (lv.sessions, lv.think) in direct
    ]


def render_nginx(result: dict, args: argparse.Namespace) -> list[str]:
    ng = result["nginx"]
    if not ng or not ng["levels"]:
        return []
    routes = ng["routes"] or {}
    per = routes.get("per_upstream", {})
    lines = [
        "",
        "## Two app processes behind nginx against one",
        "",
        f"Page {ng['page']}. Two `streamlit run serve.py` processes (same "
        "`DASHBOARD_COOKIE_KEY` and Streamlit cookie secret, SQLite `bench/load.db`) behind "
        "nginx with the configuration of `deploy/nginx/` rendered for loopback "
        "(`tests/deploy/stack.py` `render_nginx`, one nginx worker); 'direct' is the first of "
        "the two processes alone, without nginx, under the same load, measured right before. "
        f"{args.nginx_duration:g} s per level; the closed loop (think 0 s) reruns as soon as "
        "the previous run finished, so it shows what the servers can do. CPU is psutil "
        "user+system over the window, in % of one core (the machine has "
        f"{os.cpu_count()}): the app processes (both added up for CPU per rerun), nginx "
        "(master and worker), the load generator (this process), and the whole machine "
        "(all processes, from /proc/stat; 'other' is what none of these used: other work on "
        "a shared machine, the kernel).",
        "",
        "| sessions | think s | set-up | reruns | reruns/s | × direct | p50 ms | p95 ms "
        "| p99 ms | failures | app CPU ms/rerun | app CPU % (per process) | nginx CPU % "
        "| load generator CPU % | machine busy % | other % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    direct = {(lv.sessions, lv.think): lv for lv in ng["levels"] if lv.kind == "direct"}
    for lv in ng["levels"]:
        d = direct.get((lv.sessions, lv.think))
        gain = f"{lv.rate / d.rate:.2f}" if lv.kind == "nginx" and d and d.rate else ""
        other = lv.busy_cpu - lv.cpu - lv.proxy_cpu - lv.client_cpu
        setup = "2 behind nginx" if lv.kind == "nginx" else "1 direct"
        lines.append(
            f"| {lv.sessions} | {lv.think:g} | {setup} | {lv.reruns} | {lv.rate:.2f} | {gain} | "
            f"{ms(percentile(lv.latencies, 50))} | {ms(percentile(lv.latencies, 95))} | "
            f"{ms(percentile(lv.latencies, 99))} | {lv.failures} | {ms(lv.cpu_per_rerun)} | "
            f"{lv.share(lv.cpu):.0f} ({' + '.join(f'{lv.share(c):.0f}' for c in lv.cpu_each)}) | "
            f"{lv.share(lv.proxy_cpu):.0f} | {lv.share(lv.client_cpu):.0f} | "
            f"{lv.share(lv.busy_cpu):.0f} | {lv.share(max(0.0, other)):.0f} |"
        )
    for d, t in nginx_pairs(ng["levels"]):
        if t.think == 0:
            rest = max(0.0, t.busy_cpu - t.cpu - t.proxy_cpu - t.client_cpu)
            lines += [
                "",
                f"Where the cores went in the closed loop ({t.sessions} sessions): behind nginx "
                f"the machine was {t.share(t.busy_cpu):.0f} % busy of {100 * os.cpu_count()} %: "
                f"the two app processes {t.share(t.cpu):.0f} %, nginx "
                f"{t.share(t.proxy_cpu):.0f} %, the load generator {t.share(t.client_cpu):.0f} "
                f"%, everything else {t.share(rest):.0f} %. "
                f"One process alone used {d.share(d.cpu):.0f} % (the GIL lets one process use "
                f"about one core) at {ms(d.cpu_per_rerun)} ms CPU per rerun against "
                f"{ms(t.cpu_per_rerun)} ms for each of the two.",
            ]
    lines += [
        "",
        f"Sticky sessions (nginx's access log): {routes.get('sessions', 0)} sessions through "
        f"nginx, each with its own `dashboard_route` cookie from nginx's first answer, kept "
        f"for the health check and the WebSocket; {routes.get('split', 0)} of them reached "
        "more than one app process. Sessions per process: "
        + (", ".join(f"{k} {v}" for k, v in sorted(per.items())) or "–")
        + " (nginx hashes the random route, so the split is only even on average). "
        f"{routes.get('requests', 0)} requests in all.",
    ]
    pairs = nginx_pairs(ng["levels"])
    capped = [(d, t) for d, t in pairs if d.think > 0]
    if capped:
        lines += [
            "",
            "With a think time of t s, n sessions ask for at most n / (t + latency) reruns/s: "
            + "; ".join(
                f"{t.sessions} sessions at most "
                f"{t.sessions / (t.think + percentile(t.latencies, 50)):.0f}/s"
                for d, t in capped
            )
            + ". Where the two processes come close to that, the ratio shows the load, not "
            "what two processes can do.",
        ]
    return lines


def render_memory(result: dict) -> list[str]:
    memory = result["memory"]
    if not memory:
        return []
    lines = [
        "",
        "## What a session keeps in the server",
        "",
        "Measured inside the app process while the sessions were open and idle "
        "(`bench/load_server.py` `session_memory`): the deep size of each session's "
        "`st.session_state` (Streamlit's SessionState: the values of keys and widgets, "
        "widget metadata; DataFrames by pandas' deep memory usage, functions by their "
        "closures) and of the download callables Streamlit keeps for the session's download "
        "buttons until its next run (with what their closures hold). 'each' counts a "
        "session on its own (objects shared with other sessions included); 'all' counts "
        "every object once for all sessions together.",
        "",
        "| sessions | open | session_state each: median / max KB | all MB | keys "
        "| download callables each | their size each: median / max KB | all MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for what, (pages, m) in memory.items():
        st_each = [x["state"] for x in m["sessions"]]
        dl_each = [x["download_bytes"] for x in m["sessions"]]
        keys = [x["keys"] for x in m["sessions"]]
        downloads = [x["downloads"] for x in m["sessions"]]
        lines.append(
            f"| {what}: {pages} | {m['active']} | {percentile(st_each, 50) / 1024:.0f} / "
            f"{max(st_each, default=0) / 1024:.0f} | {m['state_all'] / 2**20:.2f} | "
            f"{min(keys, default=0)}–{max(keys, default=0)} | "
            f"{min(downloads, default=0)}–{max(downloads, default=0)} | "
            f"{percentile(dl_each, 50) / 1024:.0f} / {max(dl_each, default=0) / 1024:.0f} | "
            f"{m['download_all'] / 2**20:.2f} |"
        )
    lines.append("")
    for what, (_pages, m) in memory.items():
        lines.append(
            f"Largest keys ({what}): "
            + ", ".join(f"`{k}` {v / 1024:.1f} KB" for k, v in m["largest_keys"])
            + (f"; {m['stored']} closed sessions kept for reconnects." if m["stored"] else ".")
        )
    return lines


def render(result: dict, args: argparse.Namespace) -> str:
    levels: list[Level] = result["levels"]
    floor = {(lv.page, lv.sessions): lv for lv in levels if lv.kind == "floor"}
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mode = (
        f"against {args.url}"
        if args.url
        else f"servers started by this run on loopback; demo data at scale {args.scale}"
    )
    if args.server_option:
        mode += "; Streamlit options " + ", ".join(f"`{o}`" for o in args.server_option)
    lines = [
        "# Load: many users at once",
        "",
        f"Run {dt.datetime.now():%d.%m.%Y %H:%M}; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores ({cpu_model or 'unknown CPU'}), Python "
        f"{platform.python_version()}, streamlit {version('streamlit')}; {mode}. "
        f"Load average before/after: {result['load_before'][0]:.2f} / "
        f"{result['load_after'][0]:.2f} (other work on the machine shows here; "
        "all figures are from one run on a machine that may be shared).",
        "",
        *targets(result, args),
        "",
        "## Each page, 1 to 50 sessions, against its floor",
        "",
        "Each session is a simulated browser tab speaking Streamlit's WebSocket protocol "
        "(`bench/load_client.py`), signed in on its first run by the app's session cookie "
        "(one sign-in session per account, made with `db.sessions.start_with_token`). A rerun "
        "is timed from sending `rerun_script` to receiving `script_finished`; it fails when the run shows the "
        "sign-in form, an exception, an error, another page than asked for, or no title. "
        f"Think time {args.think:g} s (±20 %), {args.duration:g} s per level; reruns started in "
        "the window all finish before the server's CPU time (psutil, user+system) is read. "
        "Floor: `bench/floor_app.py`, a bare script that shows the page's charts (as "
        "Vega-Lite specs built once per process with the app's `components.ui._spec`, sent "
        "with `st.vega_lite_chart`) and tables (`st.dataframe` of frames read once per "
        "process), nothing else: no sign-in, no database, no navigation, titles, metrics, "
        "filters or download buttons; its own Streamlit process per page, same load "
        f"(at {args.floor_levels} sessions). CPU × floor: the app's CPU per rerun over the "
        "floor's at the same number of sessions. Server CPU % above 100 is the event loop "
        "running while a script thread waits outside the GIL. Other CPU %: what the whole "
        "machine (/proc/stat, all cores) spent over the window besides this server and the "
        "load generator, in % of one core: other work on a shared machine, the kernel; where "
        "it is high, the figures of that row are less sure. Both run with the project's "
        "`.streamlit/config.toml` (`runner.postScriptGC = false`).",
        "",
        "| page | server | sessions | reruns | reruns/s | p50 ms | p95 ms | p99 ms | failures "
        "| CPU ms/rerun | CPU × floor | server CPU % | other CPU % | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lv in levels:
        if lv.kind not in ("app", "floor"):
            continue
        f = floor.get((lv.page, lv.sessions))
        ratio = (
            f"{lv.cpu_per_rerun / f.cpu_per_rerun:.2f}"
            if lv.kind == "app" and f and f.cpu_per_rerun == f.cpu_per_rerun and f.cpu_per_rerun > 0
            else ""
        )
        lines.append(
            f"| {lv.page} | {lv.kind} | {lv.sessions} | {lv.reruns} | {lv.rate:.2f} | "
            f"{ms(percentile(lv.latencies, 50))} | {ms(percentile(lv.latencies, 95))} | "
            f"{ms(percentile(lv.latencies, 99))} | {lv.failures} | {ms(lv.cpu_per_rerun)} | "
            f"{ratio} | {100 * lv.cpu / lv.seconds if lv.seconds else 0:.0f} | "
            f"{lv.share(max(0.0, lv.busy_cpu - lv.cpu - lv.client_cpu)):.0f} | "
            f"{lv.peak_rss / 2**20:.0f} |"
        )
    client = sum(lv.client_cpu for lv in levels)
    server = sum(lv.cpu for lv in levels)
    lines += [
        "",
        f"The load generator itself used {client:.1f} s CPU against the servers' "
        f"{server:.1f} s in these windows.",
    ]
    lines += render_nginx(result, args)
    mixed: Level | None = result["mixed"]
    if mixed:
        lines += [
            "",
            f"## {mixed.sessions} sessions, each rerunning after {mixed.think:g} s (±20 %)",
            "",
            f"Spread round-robin over {', '.join(args.pages)}; {args.slow_duration:g} s. "
            f"{mixed.reruns} reruns, {mixed.rate:.2f}/s, failures {mixed.failures}, "
            f"CPU {ms(mixed.cpu_per_rerun)} ms/rerun, server CPU "
            f"{100 * mixed.cpu / mixed.seconds if mixed.seconds else 0:.0f} %, "
            f"peak RSS {mixed.peak_rss / 2**20:.0f} MB.",
            "",
            "| page | reruns | p50 ms | p95 ms | p99 ms |",
            "|---|---|---|---|---|",
        ]
        for page, lat in mixed.by_page.items():
            lines.append(
                f"| {page} | {len(lat)} | {ms(percentile(lat, 50))} | "
                f"{ms(percentile(lat, 95))} | {ms(percentile(lat, 99))} |"
            )
        lines.append(
            f"| all | {len(mixed.latencies)} | {ms(percentile(mixed.latencies, 50))} | "
            f"{ms(percentile(mixed.latencies, 95))} | "
            f"{ms(percentile(mixed.latencies, 99))} |"
        )
    ch = result["churn"]
    if ch:
        lat = ch["latencies"]
        lines += [
            "",
            f"## Churn: {ch['opened']} sessions opened and closed one after another",
            "",
            f"Page {ch['page']}. Each: GET the page, GET /_stcore/health, WebSocket, the first "
            f"run signed in by the session cookie, close. {ch['seconds']:.0f} s, "
            f"{ch['opened'] / ch['seconds']:.1f} sessions/s, "
            f"open p50 {ms(percentile(lat, 50))} ms, p95 {ms(percentile(lat, 95))} ms, "
            f"failures {ch['failures']}, server CPU {ch['cpu'] / max(1, ch['opened']) * 1000:.0f} "
            f"ms per session. Streamlit keeps up to {RECONNECT_CACHE} disconnected sessions for "
            "`server.disconnectedSessionTTL` (120 s) for reconnects, so RSS grows until that "
            "cache is full and should then level off rather than fall; sessions closed by the "
            "phases before (within the last 120 s) may already be in it at the start.",
            "",
            "| sessions | server RSS MB |",
            "|---|---|",
            f"| 0 (start, after 5 warm-up sessions) | {ch['rss_start'] / 2**20:.0f} |",
        ]
        lines += [f"| {i} | {rss / 2**20:.0f} |" for i, rss in ch["checkpoints"]]
        lines += [
            f"| after, 2 s later | {ch['rss_after'] / 2**20:.0f} |",
            "",
            f"RSS after / start: **{ch['rss_after'] / ch['rss_start']:.2f}**.",
        ]
        m = ch.get("memory")
        if m:
            lines[-1] += (
                f" At the end the server kept {m['stored']} closed sessions for reconnects "
                f"(their st.session_state {m['stored_state'] / 2**20:.1f} MB together by deep "
                f"size) and had {m['active']} open."
            )
    lines += render_memory(result)
    if result["profiles"]:
        lines += [
            "",
            f"## Where a warm rerun's CPU goes ({args.profile_sessions} sessions)",
            "",
            "Sampled inside the server (`bench/load_server.py`): every ~5 ms each thread's CPU "
            "time since the last sample is charged to its current Python stack, so GIL waits "
            "of 25 concurrent runs do not count. Shares are of the script threads' CPU; "
            "'own' is inclusive time in the project's functions, 'calls' the library calls made "
            "from project code (inclusive), 'self' the leaf frames by package (own, calls and "
            "self leave out the post-run part, where `gc.collect(2)` runs when "
            "`runner.postScriptGC` is on). A long C call that holds the GIL is "
            "charged to the next Python frame. Profiles: "
            f"`.venv/bin/pyinstrument --load {result['workdir']}/profile-PAGE.pyisession`.",
        ]
        for page, (path, plv) in result["profiles"].items():
            p = summarize_profile(path)
            lines += [
                "",
                f"**{page}**: {plv.reruns} reruns sampled, {ms(plv.cpu_per_rerun)} ms CPU per "
                f"rerun (sampling included); the event-loop thread (WebSocket, serialisation) "
                f"{100 * p['main_share']:.0f} % of all sampled CPU. Of the script threads' CPU:",
                "",
                "- parts: " + ", ".join(f"{k} {100 * v:.0f} %" for k, v in p["parts"]),
                "- own: " + ", ".join(f"`{k}` {100 * v:.0f} %" for k, v in p["own"]),
                "- calls: " + ", ".join(f"`{k}` {100 * v:.0f} %" for k, v in p["calls"]),
                "- self: " + ", ".join(f"{k} {100 * v:.0f} %" for k, v in p["packages"]),
            ]
    notes = []
    gc_shares = [
        share
        for path, _ in result["profiles"].values()
        for part, share in summarize_profile(path)["parts"]
        if part.startswith("post-run")
    ]
    if gc_shares and max(gc_shares) > 0.3:
        notes.append(
            f"Streamlit's `runner.postScriptGC` (on by default) runs a full `gc.collect(2)` after "
            f"every script run: {100 * min(gc_shares):.0f}–{100 * max(gc_shares):.0f} % of a "
            "warm rerun's CPU here, growing with the heap (more sessions, more objects), and "
            "holding the GIL for all sessions meanwhile. The project's `.streamlit/config.toml` "
            "turns it off; was it overridden (`--server-option runner.postScriptGC=true`)?"
        )
    if any(
        lv.kind == "app"
        and (lv.page, lv.sessions) in floor
        and lv.cpu_per_rerun < floor[(lv.page, lv.sessions)].cpu_per_rerun
        for lv in levels
    ):
        notes.append(
            "CPU × floor below 1 somewhere: the app did less per rerun than its floor, which "
            "does nothing but send the page's charts and tables; look for noise from other "
            "work on the machine."
        )
    differ = [
        f"{lv.page} (page {lv.content}, floor {floor[(lv.page, lv.sessions)].content})"
        for lv in levels
        if lv.kind == "app"
        and (lv.page, lv.sessions) in floor
        and lv.content != floor[(lv.page, lv.sessions)].content
    ]
    if differ:
        notes.append(
            "Charts and tables per run differ between page and floor (counted by the load "
            "client; a chart or table the browser already holds counts as its reference): "
            + ", ".join(dict.fromkeys(differ))
            + "."
        )
    if result["warmup"]:
        notes.append(
            "Problems while opening or switching sessions (not counted above): "
            + "; ".join(f"{k} ×{v}" for k, v in result["warmup"].most_common(5))
        )
    reasons = collections.Counter()
    for lv in levels + ([mixed] if mixed else []):
        reasons.update(lv.reasons)
    if ch:
        reasons.update({f"churn: {k}": v for k, v in ch["reasons"].items()})
    if reasons:
        notes.append("Failures: " + "; ".join(f"{k} ×{v}" for k, v in reasons.most_common(6)))
    if result["skipped"]:
        notes.append("Skipped by the time budget: " + ", ".join(result["skipped"]) + ".")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    lines += ["", f"Command: `{' '.join(['python', 'bench/load.py', *sys.argv[1:]])}`."]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--url", help="a running app (loopback only; see --database-url); default: start our own"
    )
    ap.add_argument(
        "--server-pid",
        type=int,
        action="append",
        help="PID of an app process behind --url (repeatable, e.g. behind nginx)",
    )
    ap.add_argument(
        "--database-url",
        help="with --url: the DATABASE_URL of that app, needed to make the simulated "
        "browsers' sign-in sessions (db.sessions.start_with_token: the cookie is a token "
        "whose hash the app's database keeps); default: the one an app started from this "
        "tree uses ($DATABASE_URL, .streamlit/secrets.toml, else make run's "
        "data/dashboard.db). The wrong database shows as every run failing with "
        "'sign-in form'. Without --url the run makes its own bench/load.db",
    )
    ap.add_argument(
        "--cookie-key",
        help="DASHBOARD_COOKIE_KEY of the servers this run starts (default: a random one); "
        "the sign-in cookie does not depend on it, so it has no use with --url",
    )
    ap.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also load the floor (default: on, off with --url)",
    )
    ap.add_argument("--pages", default=",".join(DASHBOARD), help="dashboard pages, as viewer")
    ap.add_argument("--editor-page", default="edit_measures", help="'' to leave out")
    ap.add_argument("--levels", default="1,10,25,50", help="sessions per level, app pages")
    ap.add_argument("--floor-levels", default="1,25", help="sessions per level, floor")
    ap.add_argument("--think", type=float, default=1.0, help="seconds between reruns")
    ap.add_argument("--duration", type=float, default=6.0, help="seconds per level")
    ap.add_argument(
        "--drain",
        type=float,
        default=60.0,
        help="hard limit for runs still going after a level's window",
    )
    ap.add_argument("--slow-sessions", type=int, default=50)
    ap.add_argument("--slow-think", type=float, default=10.0)
    ap.add_argument("--slow-duration", type=float, default=25.0)
    ap.add_argument("--churn", type=int, default=1000, help="sessions to open and close; 0: none")
    ap.add_argument("--churn-page", default="calendar")
    ap.add_argument(
        "--churn-reserve",
        type=float,
        default=130.0,
        help="seconds of the budget kept for the churn (it runs last)",
    )
    ap.add_argument(
        "--nginx",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also load nginx in front of two app processes (serve.py) against one of "
        "them alone (default: on, off with --url)",
    )
    ap.add_argument("--nginx-page", default="overview")
    ap.add_argument("--nginx-levels", default="25,50", help="sessions per level, nginx phase")
    ap.add_argument(
        "--nginx-think", type=float, default=None, help="seconds between reruns (default --think)"
    )
    ap.add_argument("--nginx-duration", type=float, default=10.0, help="seconds per level")
    ap.add_argument(
        "--nginx-capacity",
        type=int,
        default=50,
        help="sessions of the closed-loop level (no think time) of the nginx phase; 0: none",
    )
    ap.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--profile-sessions", type=int, default=25)
    ap.add_argument("--profile-seconds", type=float, default=5.0)
    ap.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Streamlit option for the servers this run starts (repeatable), "
        "e.g. runner.postScriptGC=false",
    )
    ap.add_argument("--scale", type=int, default=1, help="demo data scale of bench/load.db")
    ap.add_argument(
        "--budget",
        type=float,
        default=510.0,
        help="seconds for the whole run; what does not fit is left out and named",
    )
    ap.add_argument("--workdir", help="logs and profiles (default: a new temporary directory)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "load.md"))
    args = ap.parse_args(argv)
    if args.database_url and not args.url:
        ap.error("--database-url is for --url; without it the run makes bench/load.db")
    if args.url and args.cookie_key:
        ap.error("--cookie-key is for the servers this run starts; with --url give --database-url")
    args.pages = [p for p in args.pages.split(",") if p]
    if args.floor is None:
        args.floor = not args.url
    if args.nginx is None or args.url:
        args.nginx = bool(not args.url and args.nginx is not False)
    if args.nginx_think is None:
        args.nginx_think = args.think
    if args.url and args.profile:
        args.profile = False  # the sampler lives only in servers this run starts
    return args


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    result = asyncio.run(run(args))
    text = render(result, args)
    Path(args.out).write_text(text)
    print()
    print(text)
    print(f"load: {time.monotonic() - started:.0f} s; wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
