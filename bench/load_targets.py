"""Issue 9's targets for `make load`, each with what this run measured and met,
missed or not measured: the table at the top of bench/load.md."""

from __future__ import annotations

import argparse

from bench.load_measure import Level, percentile
from bench.report_md import ms, table

TARGET_PAGES = ("overview", "participation", "measures")  # target (a)
FLOOR_SHARE, NGINX_GAIN, SLOW_P95, RSS_GROWTH = 0.90, 1.7, 1.0, 0.10
STATE_LIMIT = 256 * 1024  # bytes of st.session_state per session that count as large
RECONNECT_CACHE = 128  # closed sessions Streamlit keeps (MemorySessionStorage maxsize)
SESSIONS = 25  # target (a) is judged at this many sessions

Row = tuple[str, str, bool | None]  # target, measured, met (None: not measured)


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


def targets(result: dict, args: argparse.Namespace) -> list[str]:
    """The issue's targets, each with its measured value and met / missed."""
    by = {(lv.page, lv.kind, lv.sessions): lv for lv in result["levels"]}
    rows = [floor_share(by, page) for page in TARGET_PAGES]
    rows += [nginx_gain(result), slow_sessions(result["mixed"]), churn_growth(result, args)]
    if result["memory"]:
        rows.append(state_size(result["memory"]))
    return [
        "## Targets (issue 9)",
        "",
        *table(
            ["target", "measured in this run", ""],
            [(name, value, verdict(ok)) for name, value, ok in rows],
        ),
    ]


def floor_share(by: dict, page: str) -> Row:
    """(a) PAGE's reruns/s at SESSIONS sessions against its floor's."""
    name = f"(a) {page}: ≥ 90 % of its floor's reruns/s at {SESSIONS} sessions"
    app, fl = by.get((page, "app", SESSIONS)), by.get((page, "floor", SESSIONS))
    if not (app and fl and fl.rate):
        return name, "–", None
    share = app.rate / fl.rate
    cpu = app.cpu_per_rerun / fl.cpu_per_rerun if fl.cpu_per_rerun else float("nan")
    return (
        name,
        f"{app.rate:.2f} vs {fl.rate:.2f} reruns/s: **{100 * share:.0f} %** "
        f"(p95 {ms(percentile(app.latencies, 95))} vs "
        f"{ms(percentile(fl.latencies, 95))} ms; failures {app.failures}); CPU per "
        f"rerun {ms(app.cpu_per_rerun)} vs {ms(fl.cpu_per_rerun)} ms: "
        f"**{cpu:.2f}×** the floor's; charts and tables per run {app.content} / "
        f"{fl.content}",
        share >= FLOOR_SHARE,
    )


def nginx_pairs(levels: list[Level]) -> list[tuple[Level, Level]]:
    """(one process directly, two behind nginx) at the same sessions and think time."""
    direct = {(lv.sessions, lv.think): lv for lv in levels if lv.kind == "direct"}
    return [
        (direct[(lv.sessions, lv.think)], lv)
        for lv in levels
        if lv.kind == "nginx" and (lv.sessions, lv.think) in direct
    ]


def nginx_gain(result: dict) -> Row:
    """(b) two processes behind nginx against one, judged on the closed loop."""
    ng = result["nginx"]
    if not (ng and ng["levels"]):
        name = "(b) two app processes behind nginx ≥ 1.7× one process"
        return name, result.get("nginx_missing", "not run"), None
    pairs = nginx_pairs(ng["levels"])
    closed = [pr for pr in pairs if pr[0].think == 0]
    judged = closed[-1] if closed else pairs[-1] if pairs else None
    parts = [
        f"{d.sessions} sessions, think {d.think:g} s: {t.rate:.2f} vs {d.rate:.2f} reruns/s = "
        + (f"**{t.rate / d.rate:.2f}×**" if t is judged[1] else f"{t.rate / d.rate:.2f}×")
        for d, t in pairs
        if d.rate
    ]
    why = (
        f". Judged on the closed loop ({judged[0].sessions} sessions rerunning "
        "without think time), the only level that keeps both set-ups busy; with "
        "1 s think time n sessions cannot ask for more than n reruns/s, so the "
        "ratio there is capped by the load, not by the servers (see below)"
        if judged and judged[0].think == 0
        else ""
    )
    return (
        "(b) two app processes behind nginx ≥ 1.7× one process (reruns/s)",
        "; ".join(parts) + why,
        (judged[1].rate / judged[0].rate >= NGINX_GAIN) if judged and judged[0].rate else None,
    )


def slow_sessions(mixed: Level | None) -> Row:
    """(c) many sessions rerunning every few seconds: p95 under a second, no failure."""
    if not mixed:
        return "(c) 50 sessions, each rerunning every 10 s: p95 < 1 s", "–", None
    p95 = percentile(mixed.latencies, 95)
    return (
        f"(c) {mixed.sessions} sessions, each rerunning every {mixed.think:g} s: "
        "p95 < 1 s, no failure",
        f"p95 **{ms(p95)} ms** (p50 {ms(percentile(mixed.latencies, 50))}, p99 "
        f"{ms(percentile(mixed.latencies, 99))} ms), {mixed.reruns} reruns, failures "
        f"**{mixed.failures}**",
        p95 < SLOW_P95 and mixed.failures == 0,
    )


def after_cache(ch: dict) -> tuple[int, int] | None:
    """(sessions, RSS) at the first checkpoint after Streamlit's reconnect cache filled."""
    later = [(i, rss) for i, rss in ch["checkpoints"] if i > RECONNECT_CACHE]
    return later[0] if later and later[0][0] < ch["opened"] else None


def churn_growth(result: dict, args: argparse.Namespace) -> Row:
    """(d) the server's RSS after the churn against its start."""
    ch = result["churn"]
    if not ch:
        return "(d) server RSS after 1,000 sessions within 10 % of its start", "–", None
    growth = ch["rss_after"] / ch["rss_start"] - 1
    full = after_cache(ch)
    since_full = (
        f"; from session {full[0]} on (Streamlit's cache of "
        f"{RECONNECT_CACHE} closed sessions for reconnects full) "
        f"{full[1] / 2**20:.0f} → {ch['rss_after'] / 2**20:.0f} MB, "
        f"{100 * (ch['rss_after'] / full[1] - 1):+.1f} %"
        if full
        else ""
    )
    return (
        f"(d) server RSS after {args.churn:,} sessions opened and closed within 10 % of its start",
        f"{ch['rss_start'] / 2**20:.0f} MB → {ch['rss_after'] / 2**20:.0f} MB: "
        f"**{100 * growth:+.1f} %** after {ch['opened']:,} sessions "
        f"({ch['failures']} failures)" + since_full,
        (abs(growth) <= RSS_GROWTH) if ch["opened"] >= args.churn else None,
    )


def state_size(memory: dict) -> Row:
    """Nothing large in st.session_state: the largest of any session."""
    parts = []
    for what, (pages, m) in memory.items():
        each = [x["state"] for x in m["sessions"]]
        parts.append(
            f"{m['active']} {what} sessions ({pages}): st.session_state at most "
            f"**{max(each, default=0) / 1024:.0f} KB** per session (median "
            f"{percentile(each, 50) / 1024:.0f} KB), {m['state_all'] / 2**20:.2f} MB for "
            "all together"
        )
    return (
        "nothing large in st.session_state per session",
        "; ".join(parts) + " (deep size measured inside the server, see below)",
        max(x["state"] for _, m in memory.values() for x in m["sessions"]) < STATE_LIMIT,
    )
