"""The phases of `make load`, in the order `run` takes them within the time
budget: each dashboard page at rising numbers of sessions against its floor
(with a CPU profile at one of them), many slow sessions spread over the
dashboard pages, the editing page, nginx in front of two app processes against
one, and last the churn of sessions opened and closed one after another. The
phases the targets need keep their time: the mixed load after the pages, then
(after the editing page) the nginx phase and the churn."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import tempfile
import time
from pathlib import Path

from bench import demo_db
from bench.load_beamer import beamer_phase
from bench.load_client import BrowserSession, PageCheck, RunResult
from bench.load_measure import Level, bring_to, close_all, measure
from bench.load_progress import Budget, log_level, log_memory, stamp
from bench.load_setup import LoadServers, page_check, session_cookies, shown_url
from bench.servers import Server

ROOT = Path(__file__).resolve().parent.parent
VIEWER, EDITOR = demo_db.VIEWER, demo_db.EDITOR


@dataclasses.dataclass
class LoadRun:
    """What the phases share: the options, the work files, the budget and the result."""

    args: argparse.Namespace
    workdir: Path
    budget: Budget
    result: dict
    reserve: float = 0.0  # seconds of the budget kept for the phases still to come


def counts(text: str) -> list[int]:
    """'1,10,25' as numbers of sessions."""
    return [int(n) for n in text.split(",") if n]


def tabs(base: str, cookies: dict | None):
    """Makes simulated browser tabs of the server at BASE holding COOKIES, on a page."""
    return lambda check: BrowserSession(base, check, cookies)


async def run(args: argparse.Namespace) -> dict:
    """Start the servers (or use --url), run the phases, stop what was started."""
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict = {
        "levels": [],
        "mixed": None,
        "beamer": None,
        "churn": None,
        "nginx": None,
        "memory": {},
        "profiles": {},
        "warmup": collections.Counter(),
        "workdir": str(workdir),
        "load_before": os.getloadavg(),
    }
    load = LoadRun(args, workdir, Budget(args.budget), result)
    servers = LoadServers()
    try:
        servers.start(args, workdir, result)
        await phases(load, servers)
    finally:
        servers.stop()
        if not args.url:
            demo_db.checkpoint(ROOT / "bench" / "load.db")
    result["load_after"] = os.getloadavg()
    result["skipped"] = load.budget.skipped
    return result


def reserves(args: argparse.Namespace, nginx: bool) -> tuple[float, float, float]:
    """Seconds of the budget kept for the churn, the nginx phase and the mixed load."""
    churn = min(args.churn_reserve, args.budget / 4) if args.churn else 0.0
    steps = counts(args.nginx_levels) + ([args.nginx_capacity] if args.nginx_capacity else [])
    proxied = 2 * sum(args.nginx_duration + 4 + n * 0.05 for n in steps) if nginx else 0.0
    mixed = args.slow_duration + 10 if args.slow_sessions else 0.0
    return churn, proxied, mixed


async def phases(load: LoadRun, servers: LoadServers) -> None:
    args, app = load.args, servers.app
    load.result["app_pids"] = app.pids
    if not app.pids:
        print("load: no server PID known; CPU and memory figures are left out", flush=True)
    cookies = session_cookies(servers.database_url, [VIEWER, EDITOR])
    print(f"load: sign-in sessions made in {shown_url(servers.database_url)}", flush=True)
    print(
        f"load: app {app.url} (pids {app.pids}); floors "
        f"{ {p: f.url for p, f in servers.floors.items()} }; work files in {load.workdir}",
        flush=True,
    )
    churn_reserve, nginx_reserve, mixed_reserve = reserves(args, servers.proxy is not None)
    load.reserve = churn_reserve + nginx_reserve + mixed_reserve
    viewers: list[BrowserSession] = []
    new_viewer = tabs(app.url, cookies[VIEWER])
    await dashboard_pages(load, servers, viewers, new_viewer)
    load.result["beamer"] = await beamer_phase(load, app, viewers, new_viewer, servers.database_url)
    load.reserve -= mixed_reserve
    await mixed(load, app, viewers, new_viewer)
    await close_all(viewers)
    if args.editor_page:
        await editor(load, app, tabs(app.url, cookies[EDITOR]))
    if servers.proxy:
        load.reserve = churn_reserve
        load.result["nginx"] = await nginx_phase(load, servers, cookies[VIEWER])
        servers.stop_nginx()
    if args.churn and load.budget.allows("churn", 30):
        load.result["churn"] = await churn(load, app, new_viewer, page_check(args.churn_page))


# -- each page at rising numbers of sessions, against its floor ----------------------
async def page_levels(
    load: LoadRun,
    server: Server,
    pool: list[BrowserSession],
    make,
    check: PageCheck,
    page: str,
    kind: str,
    levels: list[int],
    profile: bool = False,
) -> None:
    """PAGE on SERVER (KIND app or floor) at each number of sessions in LEVELS, the
    sessions taken from POOL (opened by MAKE); with PROFILE, the CPU profile at
    --profile-sessions."""
    args = load.args
    for n in levels:
        est = args.duration + 4 + n * 0.1  # opening the sessions, the last runs
        if not load.budget.allows(f"{kind} {page} at {n} sessions", est, load.reserve):
            continue
        load.result["warmup"].update(await bring_to(pool, n, make, check))
        if check.min_content < 0 and pool:
            check.min_content = max(s.last_content for s in pool)
        level = Level(page, kind, n, args.think)
        lv = await measure(server, pool[:n], level, args.duration, args.drain)
        load.result["levels"].append(lv)
        log_level(lv)
        if profile and n == args.profile_sessions and server.control is not None:
            await profile_page(load, server, pool[:n], page, n)


async def profile_page(
    load: LoadRun, server: Server, sessions: list[BrowserSession], page: str, n: int
) -> None:
    """The same load once more with the server's CPU sampler on."""
    args = load.args
    if not load.budget.allows(f"profile {page}", args.profile_seconds + 15, load.reserve):
        return
    out = load.workdir / f"profile-{page}.pyisession"
    async with server.profiling(out):
        level = Level(page, "prof", n, args.think)
        plv = await measure(server, sessions, level, args.profile_seconds, args.drain)
    load.result["profiles"][page] = (out, plv)
    print(f"  profile {page}: {out}", flush=True)


async def dashboard_pages(
    load: LoadRun, servers: LoadServers, viewers: list[BrowserSession], new_viewer
) -> None:
    """Each dashboard page as the viewer on the app, then the same on its floor."""
    args = load.args
    for page in args.pages:
        print(f"{stamp()} {page}:", flush=True)
        await page_levels(
            load, servers.app, viewers, new_viewer, page_check(page), page, "app",
            counts(args.levels), args.profile,
        )  # fmt: skip
        floor = servers.floors.get(page)
        if floor is None:
            continue
        # every run must show as many charts and tables as the floor's first run
        fcheck = PageCheck("", "", need_nav=False, min_content=-1)
        fpool: list[BrowserSession] = []
        await page_levels(
            load, floor, fpool, tabs(floor.url, None), fcheck, page, "floor",
            counts(args.floor_levels),
        )  # fmt: skip
        await close_all(fpool)
        floor.stop()  # its memory is not the app's


# -- many slow sessions, the editing page, what sessions keep ------------------------
async def mixed(load: LoadRun, app: Server, viewers: list[BrowserSession], new_viewer) -> None:
    """--slow-sessions spread over the dashboard pages, each rerunning about every
    --slow-think s; then what the idle sessions keep in the server."""
    args = load.args
    n = args.slow_sessions
    if not n or not load.budget.allows("mixed 10 s think", args.slow_duration + 10, load.reserve):
        return
    print(f"{stamp()} mixed: {n} sessions, think {args.slow_think}s", flush=True)
    await spread(load, viewers, n, new_viewer)
    names = {page_check(p).url_path: p for p in args.pages}
    level = Level("mixed", "mixed", n, args.slow_think)
    lv = await measure(app, viewers[:n], level, args.slow_duration, args.drain)
    lv.by_page = {names.get(k, k): v for k, v in lv.by_page.items()}
    load.result["mixed"] = lv
    log_level(lv)
    # the sessions are idle now: what each keeps in the server
    await keep_memory(load, app, "viewer", ", ".join(args.pages))


async def spread(load: LoadRun, pool: list[BrowserSession], n: int, make) -> None:
    """N sessions of POOL round-robin over the dashboard pages: the open ones
    switched, the missing ones opened on their page."""
    checks = [page_check(p) for p in load.args.pages]
    warmup = load.result["warmup"]
    for i, check in enumerate(checks):
        sub = [pool[k] for k in range(i, min(n, len(pool)), len(checks))]
        warmup.update(await bring_to(sub, len(sub), make, check))
    extra: list[BrowserSession] = []
    for i, check in enumerate(checks):
        want = sum(1 for k in range(len(pool), n) if k % len(checks) == i)
        sub = []
        warmup.update(await bring_to(sub, want, make, check))
        extra += sub
    pool.extend(extra)


async def editor(load: LoadRun, app: Server, make) -> None:
    """The editing page as the editor at the app's levels; then what its sessions keep."""
    page = load.args.editor_page
    print(f"{stamp()} {page} (editor):", flush=True)
    pool: list[BrowserSession] = []
    await page_levels(
        load, app, pool, make, page_check(page), page, "app", counts(load.args.levels)
    )
    if pool:
        await keep_memory(load, app, "editor", page)
    await close_all(pool)


async def keep_memory(load: LoadRun, app: Server, what: str, pages: str) -> None:
    memory = await app.session_memory(load.workdir / f"memory-{what}.json")
    if memory:
        load.result["memory"][what] = (pages, memory)
        log_memory(what, memory)


# -- nginx in front of two app processes, against one -----------------------------------
async def nginx_phase(load: LoadRun, servers: LoadServers, cookies: dict) -> dict:
    """The same load on one page against one app process directly and against nginx
    in front of two; level by level, one right after the other."""
    args, proxy, replicas = load.args, servers.proxy, servers.replicas
    print(
        f"{stamp()} nginx {proxy.url} in front of {[r.url for r in replicas]} "
        f"(pids {[r.pids[0] for r in replicas]}), against {replicas[0].url} alone:",
        flush=True,
    )
    check = page_check(args.nginx_page)
    two = Server("nginx", proxy.url, [r.pids[0] for r in replicas])
    targets = {"direct": replicas[0], "nginx": two}
    pools: dict[str, list[BrowserSession]] = {kind: [] for kind in targets}
    out: dict = {"levels": [], "routes": None, "page": args.nginx_page}
    steps = [(n, args.nginx_think) for n in counts(args.nginx_levels)]
    if args.nginx_capacity:
        steps.append((args.nginx_capacity, 0.0))  # closed loop: what the servers can do
    for n, think in steps:
        for kind, target in targets.items():
            cpu = proxy.cpu if kind == "nginx" else None
            lv = await nginx_level(load, target, kind, pools[kind], check, n, think, cookies, cpu)
            if lv is not None:
                out["levels"].append(lv)
    for pool in pools.values():
        await close_all(pool)
    await asyncio.sleep(1)  # nginx logs a WebSocket when it closes
    out["routes"] = proxy.routes()
    print(f"{stamp()} nginx routes: {out['routes']}", flush=True)
    return out


async def nginx_level(
    load: LoadRun,
    target: Server,
    kind: str,
    pool: list[BrowserSession],
    check: PageCheck,
    n: int,
    think: float,
    cookies: dict,
    proxy_cpu,
) -> Level | None:
    """N sessions of POOL on TARGET (KIND direct or nginx); None if out of time."""
    args = load.args
    what = f"{kind} {args.nginx_page} at {n} sessions, think {think:g} s"
    if not load.budget.allows(what, args.nginx_duration + 4 + n * 0.05, load.reserve):
        return None
    load.result["warmup"].update(await bring_to(pool, n, tabs(target.url, cookies), check))
    level = Level(args.nginx_page, kind, n, think)
    lv = await measure(target, pool[:n], level, args.nginx_duration, args.drain, proxy_cpu)
    log_level(lv)
    return lv


# -- sessions opened and closed one after another ---------------------------------------
async def churn(load: LoadRun, app: Server, make, check: PageCheck) -> dict:
    """Open and close --churn sessions one after another; server RSS along the way."""
    total = load.args.churn
    print(
        f"{stamp()} churn: {total} sessions on {check.url_path or 'overview'} one after another",
        flush=True,
    )
    await asyncio.sleep(2)
    for _ in range(5):  # warm: imports, caches; not counted
        await open_and_close(make(check))
    await asyncio.sleep(1)
    out = {
        "page": load.args.churn_page,
        "rss_start": app.rss(),
        "checkpoints": [],
        "failures": 0,
        "reasons": collections.Counter(),
        "latencies": [],
        "opened": 0,
    }
    cpu0, t0 = app.cpu(), time.monotonic()
    await churn_sessions(load.budget, app, make, check, total, out)
    out["seconds"] = time.monotonic() - t0
    out["cpu"] = app.cpu() - cpu0
    await asyncio.sleep(2)
    out["rss_after"] = app.rss()
    out["memory"] = await app.session_memory(load.workdir / "memory-churn.json")
    return out


async def churn_sessions(
    budget: Budget, app: Server, make, check: PageCheck, total: int, out: dict
) -> None:
    """TOTAL sessions opened and closed, counted into OUT, with the server's RSS after
    every tenth of them; stopped 5 s before the budget ends."""
    t0 = time.monotonic()
    step = max(1, total // 10)
    for i in range(1, total + 1):
        if budget.left() < 5:
            budget.skipped.append(f"churn after {i - 1} sessions")
            print(f"  churn stopped by the time budget after {i - 1} sessions", flush=True)
            break
        r = await open_and_close(make(check))
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


async def open_and_close(session: BrowserSession) -> RunResult:
    """SESSION's first run, then closed; a connection lost counts as a failed run."""
    try:
        return await session.open()
    except Exception as exc:
        return RunResult(False, 0.0, f"connection: {type(exc).__name__}")
    finally:
        with contextlib.suppress(Exception):
            await session.close()
