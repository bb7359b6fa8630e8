"""bench/load.md, written from a `make load` run's result: the targets, then a
section per phase (each page against its floor, nginx in front of two
processes, many slow sessions, the churn, what a session keeps in the server,
where a rerun's CPU goes) and notes on what looked off."""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

from bench.load_beamer import beamer_section
from bench.load_measure import Level, percentile
from bench.load_profile import summarize_profile
from bench.load_targets import RECONNECT_CACHE, nginx_pairs, targets
from bench.report_md import ms, run_line, table

PAGES_METHOD = (
    "Each session is a simulated browser tab speaking Streamlit's WebSocket protocol "
    "(`bench/load_client.py`), signed in on its first run by the app's session cookie "
    "(one sign-in session per account, made with `db.sessions.start_with_token`). A rerun "
    "is timed from sending `rerun_script` to receiving `script_finished`; it fails when the run "
    "shows the sign-in form, an exception, an error, another page than asked for, or no title. "
    "Think time {think:g} s (±20 %), {duration:g} s per level; reruns started in "
    "the window all finish before the server's CPU time (psutil, user+system) is read. "
    "Floor: `bench/floor_app.py`, a bare script that shows the page's charts (as "
    "Vega-Lite specs built once per process with the app's `components.ui._spec`, sent "
    "with `st.vega_lite_chart`) and tables (`st.dataframe` of frames read once per "
    "process), nothing else: no sign-in, no database, no navigation, titles, metrics, "
    "filters or download buttons; its own Streamlit process per page, same load "
    "(at {floor_levels} sessions). CPU × floor: the app's CPU per rerun over the "
    "floor's at the same number of sessions. Server CPU % above 100 is the event loop "
    "running while a script thread waits outside the GIL. Other CPU %: what the whole "
    "machine (/proc/stat, all cores) spent over the window besides this server and the "
    "load generator, in % of one core: other work on a shared machine, the kernel; where "
    "it is high, the figures of that row are less sure. Both run with the project's "
    "`.streamlit/config.toml` (`runner.postScriptGC = false`)."
)
NGINX_METHOD = (
    "Page {page}. Two `streamlit run serve.py` processes (same "
    "`DASHBOARD_COOKIE_KEY` and Streamlit cookie secret, SQLite `bench/load.db`) behind "
    "nginx with the configuration of `deploy/nginx/` rendered for loopback "
    "(`tests/deploy/stack.py` `render_nginx`, one nginx worker); 'direct' is the first of "
    "the two processes alone, without nginx, under the same load, measured right before. "
    "{duration:g} s per level; the closed loop (think 0 s) reruns as soon as "
    "the previous run finished, so it shows what the servers can do. CPU is psutil "
    "user+system over the window, in % of one core (the machine has "
    "{cores}): the app processes (both added up for CPU per rerun), nginx "
    "(master and worker), the load generator (this process), and the whole machine "
    "(all processes, from /proc/stat; 'other' is what none of these used: other work on "
    "a shared machine, the kernel)."
)
MEMORY_METHOD = (
    "Measured inside the app process while the sessions were open and idle "
    "(`bench/load_server.py` `session_memory`): the deep size of each session's "
    "`st.session_state` (Streamlit's SessionState: the values of keys and widgets, "
    "widget metadata; DataFrames by pandas' deep memory usage, functions by their "
    "closures) and of the download callables Streamlit keeps for the session's download "
    "buttons until its next run (with what their closures hold). 'each' counts a "
    "session on its own (objects shared with other sessions included); 'all' counts "
    "every object once for all sessions together."
)
DEFAULT_OUT = Path(__file__).resolve().parent / "load.md"
# Issue 22's before and after (two runs of `bench/load.py` in the same conditions),
# written once by hand from those runs and kept below every bench/load.md.
RECORD = DEFAULT_OUT.parent / "load_issue22.md"
PROFILE_METHOD = (
    "Sampled inside the server (`bench/load_server.py`): every ~5 ms each thread's CPU "
    "time since the last sample is charged to its current Python stack, so GIL waits "
    "of 25 concurrent runs do not count. Shares are of the script threads' CPU; "
    "'own' is inclusive time in the project's functions, 'calls' the library calls made "
    "from project code (inclusive), 'self' the leaf frames by package (own, calls and "
    "self leave out the post-run part, where `gc.collect(2)` runs when "
    "`runner.postScriptGC` is on). A long C call that holds the GIL is "
    "charged to the next Python frame. Profiles: "
    "`.venv/bin/pyinstrument --load {workdir}/profile-PAGE.pyisession`."
)


def render(result: dict, args: argparse.Namespace) -> str:
    """The whole of bench/load.md."""
    summaries = {page: summarize_profile(path) for page, (path, _) in result["profiles"].items()}
    lines = [
        *header(result, args),
        *pages_section(result, args),
        *nginx_section(result, args),
        *mixed_section(result["mixed"], args),
        *beamer_section(result.get("beamer")),
        *churn_section(result["churn"]),
        *memory_section(result["memory"]),
        *profile_section(result, args, summaries),
        *notes_section(result, summaries),
        "",
        f"Command: `{' '.join(['python', 'bench/load.py', *sys.argv[1:]])}`.",
    ]
    if Path(args.out) == DEFAULT_OUT and RECORD.exists():
        lines += ["", RECORD.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def header(result: dict, args: argparse.Namespace) -> list[str]:
    mode = (
        f"against {args.url}"
        if args.url
        else f"servers started by this run on loopback; demo data at scale {args.scale}"
    )
    if args.server_option:
        mode += "; Streamlit options " + ", ".join(f"`{o}`" for o in args.server_option)
    return [
        "# Load: many users at once",
        "",
        f"{run_line('streamlit', cpu_model=True)}; {mode}. "
        f"Load average before/after: {result['load_before'][0]:.2f} / "
        f"{result['load_after'][0]:.2f} (other work on the machine shows here; "
        "all figures are from one run on a machine that may be shared).",
        "",
        *targets(result, args),
    ]


def floors(levels: list[Level]) -> dict[tuple[str, int], Level]:
    """The floor's levels by page and number of sessions."""
    return {(lv.page, lv.sessions): lv for lv in levels if lv.kind == "floor"}


def pages_section(result: dict, args: argparse.Namespace) -> list[str]:
    levels: list[Level] = result["levels"]
    floor = floors(levels)
    method = PAGES_METHOD.format(
        think=args.think, duration=args.duration, floor_levels=args.floor_levels
    )
    header = ["page", "server", "sessions", "reruns", "reruns/s", "p50 ms", "p95 ms", "p99 ms",
              "failures", "CPU ms/rerun", "CPU × floor", "server CPU %", "other CPU %",
              "peak RSS MB"]  # fmt: skip
    rows = [page_row(lv, floor) for lv in levels if lv.kind in ("app", "floor")]
    client = sum(lv.client_cpu for lv in levels)
    server = sum(lv.cpu for lv in levels)
    return [
        "",
        "## Each page, 1 to 50 sessions, against its floor",
        "",
        method,
        "",
        *table(header, rows),
        "",
        f"The load generator itself used {client:.1f} s CPU against the servers' "
        f"{server:.1f} s in these windows.",
    ]


def latencies(values: list[float]) -> list[str]:
    """p50, p95 and p99 in ms."""
    return [ms(percentile(values, p)) for p in (50, 95, 99)]


def page_row(lv: Level, floor: dict) -> list[object]:
    f = floor.get((lv.page, lv.sessions))
    ratio = (
        f"{lv.cpu_per_rerun / f.cpu_per_rerun:.2f}"
        if lv.kind == "app" and f and f.cpu_per_rerun == f.cpu_per_rerun and f.cpu_per_rerun > 0
        else ""
    )
    other = lv.share(max(0.0, lv.busy_cpu - lv.cpu - lv.client_cpu))
    return [
        lv.page, lv.kind, lv.sessions, lv.reruns, f"{lv.rate:.2f}", *latencies(lv.latencies),
        lv.failures, ms(lv.cpu_per_rerun), ratio,
        f"{100 * lv.cpu / lv.seconds if lv.seconds else 0:.0f}", f"{other:.0f}",
        f"{lv.peak_rss / 2**20:.0f}",
    ]  # fmt: skip


def nginx_section(result: dict, args: argparse.Namespace) -> list[str]:
    ng = result["nginx"]
    if not ng or not ng["levels"]:
        return []
    header = ["sessions", "think s", "set-up", "reruns", "reruns/s", "× direct", "p50 ms",
              "p95 ms", "p99 ms", "failures", "app CPU ms/rerun", "app CPU % (per process)",
              "nginx CPU %", "load generator CPU %", "machine busy %", "other %"]  # fmt: skip
    direct = {(lv.sessions, lv.think): lv for lv in ng["levels"] if lv.kind == "direct"}
    method = NGINX_METHOD.format(
        page=ng["page"], duration=args.nginx_duration, cores=os.cpu_count()
    )
    return [
        "",
        "## Two app processes behind nginx against one",
        "",
        method,
        "",
        *table(header, [nginx_row(lv, direct) for lv in ng["levels"]]),
        *closed_loop(ng["levels"]),
        "",
        sticky_sessions(ng["routes"] or {}),
        *think_capped(ng["levels"]),
    ]


def nginx_row(lv: Level, direct: dict) -> list[object]:
    d = direct.get((lv.sessions, lv.think))
    gain = f"{lv.rate / d.rate:.2f}" if lv.kind == "nginx" and d and d.rate else ""
    other = lv.busy_cpu - lv.cpu - lv.proxy_cpu - lv.client_cpu
    setup = "2 behind nginx" if lv.kind == "nginx" else "1 direct"
    each = " + ".join(f"{lv.share(c):.0f}" for c in lv.cpu_each)
    return [
        lv.sessions, f"{lv.think:g}", setup, lv.reruns, f"{lv.rate:.2f}", gain,
        *latencies(lv.latencies), lv.failures, ms(lv.cpu_per_rerun),
        f"{lv.share(lv.cpu):.0f} ({each})", f"{lv.share(lv.proxy_cpu):.0f}",
        f"{lv.share(lv.client_cpu):.0f}", f"{lv.share(lv.busy_cpu):.0f}",
        f"{lv.share(max(0.0, other)):.0f}",
    ]  # fmt: skip


def closed_loop(levels: list[Level]) -> list[str]:
    """Where the cores went in each closed-loop level."""
    lines = []
    for d, t in nginx_pairs(levels):
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
    return lines


def sticky_sessions(routes: dict) -> str:
    per = routes.get("per_upstream", {})
    return (
        f"Sticky sessions (nginx's access log): {routes.get('sessions', 0)} sessions through "
        f"nginx, each with its own `dashboard_route` cookie from nginx's first answer, kept "
        f"for the health check and the WebSocket; {routes.get('split', 0)} of them reached "
        "more than one app process. Sessions per process: "
        + (", ".join(f"{k} {v}" for k, v in sorted(per.items())) or "–")
        + " (nginx hashes the random route, so the split is only even on average). "
        f"{routes.get('requests', 0)} requests in all."
    )


def think_capped(levels: list[Level]) -> list[str]:
    """What sessions with a think time can ask for at most."""
    capped = [(d, t) for d, t in nginx_pairs(levels) if d.think > 0]
    if not capped:
        return []
    return [
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


def mixed_section(mixed: Level | None, args: argparse.Namespace) -> list[str]:
    if not mixed:
        return []
    rows = [[page, len(lat), *latencies(lat)] for page, lat in mixed.by_page.items()]
    rows.append(["all", len(mixed.latencies), *latencies(mixed.latencies)])
    return [
        "",
        f"## {mixed.sessions} sessions, each rerunning after {mixed.think:g} s (±20 %)",
        "",
        f"Spread round-robin over {', '.join(args.pages)}; {args.slow_duration:g} s. "
        f"{mixed.reruns} reruns, {mixed.rate:.2f}/s, failures {mixed.failures}, "
        f"CPU {ms(mixed.cpu_per_rerun)} ms/rerun, server CPU "
        f"{100 * mixed.cpu / mixed.seconds if mixed.seconds else 0:.0f} %, "
        f"peak RSS {mixed.peak_rss / 2**20:.0f} MB.",
        "",
        *table(["page", "reruns", "p50 ms", "p95 ms", "p99 ms"], rows),
    ]


def churn_section(ch: dict | None) -> list[str]:
    if not ch:
        return []
    lat = ch["latencies"]
    rows = [("0 (start, after 5 warm-up sessions)", f"{ch['rss_start'] / 2**20:.0f}")]
    rows += [(i, f"{rss / 2**20:.0f}") for i, rss in ch["checkpoints"]]
    rows.append(("after, 2 s later", f"{ch['rss_after'] / 2**20:.0f}"))
    kept = ch.get("memory")
    return [
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
        *table(["sessions", "server RSS MB"], rows),
        "",
        f"RSS after / start: **{ch['rss_after'] / ch['rss_start']:.2f}**."
        + (
            f" At the end the server kept {kept['stored']} closed sessions for reconnects "
            f"(their st.session_state {kept['stored_state'] / 2**20:.1f} MB together by deep "
            f"size) and had {kept['active']} open."
            if kept
            else ""
        ),
    ]


def memory_section(memory: dict) -> list[str]:
    if not memory:
        return []
    header = ["sessions", "open", "session_state each: median / max KB", "all MB", "keys",
              "download callables each", "their size each: median / max KB", "all MB"]  # fmt: skip
    rows = [memory_row(what, pages, m) for what, (pages, m) in memory.items()]
    largest = [
        f"Largest keys ({what}): "
        + ", ".join(f"`{k}` {v / 1024:.1f} KB" for k, v in m["largest_keys"])
        + (f"; {m['stored']} closed sessions kept for reconnects." if m["stored"] else ".")
        for what, (_pages, m) in memory.items()
    ]
    return [
        "",
        "## What a session keeps in the server",
        "",
        MEMORY_METHOD,
        "",
        *table(header, rows),
        "",
        *largest,
    ]


def memory_row(what: str, pages: str, m: dict) -> list[object]:
    st_each = [x["state"] for x in m["sessions"]]
    dl_each = [x["download_bytes"] for x in m["sessions"]]
    keys = [x["keys"] for x in m["sessions"]]
    downloads = [x["downloads"] for x in m["sessions"]]
    return [
        f"{what}: {pages}",
        m["active"],
        f"{percentile(st_each, 50) / 1024:.0f} / {max(st_each, default=0) / 1024:.0f}",
        f"{m['state_all'] / 2**20:.2f}",
        f"{min(keys, default=0)}–{max(keys, default=0)}",
        f"{min(downloads, default=0)}–{max(downloads, default=0)}",
        f"{percentile(dl_each, 50) / 1024:.0f} / {max(dl_each, default=0) / 1024:.0f}",
        f"{m['download_all'] / 2**20:.2f}",
    ]


def profile_section(result: dict, args: argparse.Namespace, summaries: dict) -> list[str]:
    if not result["profiles"]:
        return []
    lines = [
        "",
        f"## Where a warm rerun's CPU goes ({args.profile_sessions} sessions)",
        "",
        PROFILE_METHOD.format(workdir=result["workdir"]),
    ]
    for page, (_path, plv) in result["profiles"].items():
        p = summaries[page]
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
    return lines


def notes_section(result: dict, summaries: dict) -> list[str]:
    notes = [
        *gc_note(summaries),
        *floor_notes(result["levels"]),
        *problem_notes(result),
    ]
    return ["", "## Notes", "", *(f"- {n}" for n in notes)] if notes else []


def gc_note(summaries: dict) -> list[str]:
    shares = [
        share
        for p in summaries.values()
        for part, share in p["parts"]
        if part.startswith("post-run")
    ]
    if not shares or max(shares) <= 0.3:
        return []
    return [
        f"Streamlit's `runner.postScriptGC` (on by default) runs a full `gc.collect(2)` after "
        f"every script run: {100 * min(shares):.0f}–{100 * max(shares):.0f} % of a "
        "warm rerun's CPU here, growing with the heap (more sessions, more objects), and "
        "holding the GIL for all sessions meanwhile. The project's `.streamlit/config.toml` "
        "turns it off; was it overridden (`--server-option runner.postScriptGC=true`)?"
    ]


def floor_notes(levels: list[Level]) -> list[str]:
    """The app doing less than its floor, or showing other charts and tables."""
    floor = floors(levels)
    both = [lv for lv in levels if lv.kind == "app" and (lv.page, lv.sessions) in floor]
    notes = []
    if any(lv.cpu_per_rerun < floor[(lv.page, lv.sessions)].cpu_per_rerun for lv in both):
        notes.append(
            "CPU × floor below 1 somewhere: the app did less per rerun than its floor, which "
            "does nothing but send the page's charts and tables; look for noise from other "
            "work on the machine."
        )
    differ = [
        f"{lv.page} (page {lv.content}, floor {floor[(lv.page, lv.sessions)].content})"
        for lv in both
        if lv.content != floor[(lv.page, lv.sessions)].content
    ]
    if differ:
        notes.append(
            "Charts and tables per run differ between page and floor (counted by the load "
            "client; a chart or table the browser already holds counts as its reference): "
            + ", ".join(dict.fromkeys(differ))
            + "."
        )
    return notes


def problem_notes(result: dict) -> list[str]:
    """Problems while opening sessions, failures, and what the budget left out."""
    notes = []
    if result["warmup"]:
        notes.append(
            "Problems while opening or switching sessions (not counted above): "
            + "; ".join(f"{k} ×{v}" for k, v in result["warmup"].most_common(5))
        )
    reasons: collections.Counter = collections.Counter()
    for lv in result["levels"] + ([result["mixed"]] if result["mixed"] else []):
        reasons.update(lv.reasons)
    if result["churn"]:
        reasons.update({f"churn: {k}": v for k, v in result["churn"]["reasons"].items()})
    if reasons:
        notes.append("Failures: " + "; ".join(f"{k} ×{v}" for k, v in reasons.most_common(6)))
    if result["skipped"]:
        notes.append("Skipped by the time budget: " + ", ".join(result["skipped"]) + ".")
    return notes
