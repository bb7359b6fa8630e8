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
The parts, one job each: bench/load_setup.py starts the servers and makes the
sign-in cookies (bench/servers.py, bench/nginx_proxy.py: the processes),
bench/load_phases.py runs the phases, bench/load_measure.py measures one
level, bench/load_client.py is the simulated browser tab, and
bench/load_report.py with bench/load_targets.py and bench/load_profile.py
writes bench/load.md. This file is the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_phases import run  # noqa: E402
from bench.load_report import render  # noqa: E402

DASHBOARD = ["overview", "participation", "measures", "calendar", "presentation"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_target_options(ap)
    add_level_options(ap)
    add_phase_options(ap)
    add_nginx_options(ap)
    add_run_options(ap)
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


def add_target_options(ap: argparse.ArgumentParser) -> None:
    """What is loaded: servers this run starts, or a running app."""
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


def add_level_options(ap: argparse.ArgumentParser) -> None:
    """The pages and their levels."""
    ap.add_argument("--pages", default=",".join(DASHBOARD), help="dashboard pages, as viewer")
    ap.add_argument("--editor-page", default="edit_measures", help="'' to leave out")
    ap.add_argument("--levels", default="1,10,25,50", help="sessions per level, app pages")
    ap.add_argument("--floor-levels", default="1,25", help="sessions per level, floor")
    ap.add_argument("--think", type=float, default=1.0, help="seconds between reruns")
    ap.add_argument("--projectors", type=int, default=5, help="Beamer level; 0: none")
    ap.add_argument("--sessions-with-projectors", type=int, default=25)
    ap.add_argument("--duration", type=float, default=6.0, help="seconds per level")
    ap.add_argument(
        "--drain",
        type=float,
        default=60.0,
        help="hard limit for runs still going after a level's window",
    )


def add_phase_options(ap: argparse.ArgumentParser) -> None:
    """The mixed load of slow sessions and the churn."""
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


def add_nginx_options(ap: argparse.ArgumentParser) -> None:
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


def add_run_options(ap: argparse.ArgumentParser) -> None:
    """The profile, the servers' options, the database, the time budget and the files."""
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
