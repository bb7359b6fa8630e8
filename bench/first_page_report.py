"""The figures of a returning user's first page in Chromium (issue 15), as
markdown: the section of bench/results.md and the record of before and after
issue 15 (bench/first_page.md, written once by `bench/first_page.py --before`)."""

from __future__ import annotations

import os
from pathlib import Path

from bench.first_page_measure import CHROMIUM, OLD_COOKIE, VIEWER, VIEWPORT
from bench.report_md import table as md_table

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "bench" / "first_page.md"
TARGET_RATIO = 1.25


def verdict(ratio: float) -> str:
    return "**PASS**" if ratio <= TARGET_RATIO else "**FAIL**"


def table(result: dict) -> list[str]:
    header = ["page", "median ms", "p25–p75 ms", "× floor (medians)", "× floor (median of rounds)",
              "target", "", "script runs when drawn", f"{result['settle']:g} s later",
              "last run ended, ms"]  # fmt: skip
    return md_table(header, [row(name, t) for name, t in result["targets"].items()])


def row(name: str, t: dict) -> list[object]:
    judged = name != "floor"
    return [
        t["label"], f"{t['median']:.0f}", f"{t['q1']:.0f}–{t['q3']:.0f}", f"{t['ratio']:.2f}",
        f"{t['paired']:.2f}", f"≤ {TARGET_RATIO}" if judged else "",
        verdict(t["ratio"]) if judged else "", f"{t['runs']:g}", f"{t['settled_runs']:g}",
        f"{t['last_run']:.0f}",
    ]  # fmt: skip


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
