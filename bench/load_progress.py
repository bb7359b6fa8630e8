"""Keeping `make load` to its time budget, and the progress lines it prints while
it runs (a level's figures, the memory of the open sessions)."""

from __future__ import annotations

import time

from bench.load_measure import Level, percentile

T0 = time.monotonic()


class Budget:
    """The seconds the whole run may take; what does not fit is named in `skipped`."""

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


def stamp() -> str:
    """[MM:SS] since the run began."""
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


def log_memory(what: str, memory: dict) -> None:
    each = [s["state"] for s in memory["sessions"]]
    print(
        f"{stamp()} memory of {memory['active']} open {what} sessions: session_state "
        f"max {max(each, default=0) / 1024:.0f} KB each, {memory['state_all'] / 2**20:.1f} MB "
        f"all; download callables {memory['download_all'] / 2**20:.1f} MB all",
        flush=True,
    )
