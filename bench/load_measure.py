"""One measured window of `make load`: sessions rerunning a page with a think
time (`measure`), what it yields (`Level`: reruns, latencies, failures, the
server's CPU and peak RSS), and getting sessions onto a page first
(`bring_to`) and closing them after (`close_all`)."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import math
import random
import time
from collections.abc import Callable

import psutil

from bench.load_client import BrowserSession, PageCheck, RunResult
from bench.servers import RssWatch, Server, busy_seconds


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclasses.dataclass
class Level:
    page: str
    kind: str  # app / floor / mixed / prof / direct / nginx
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

    def record(self, result: RunResult, page: str) -> None:
        """One rerun of a session on PAGE (its URL path)."""
        self.reruns += 1
        if result.ok:
            self.latencies.append(result.latency)
            self.by_page.setdefault(page, []).append(result.latency)
        else:
            self.failures += 1
            self.reasons[result.reason] += 1


class Window:
    """The time a level's sessions rerun in, and when the last rerun finished."""

    def __init__(self, level: Level, duration: float) -> None:
        self.level = level
        self.start = time.monotonic()
        self.deadline = self.start + duration
        self.last_done = self.start

    async def user(self, session: BrowserSession) -> None:
        """SESSION reruns its page with the think time (±20 %) until the deadline."""
        think = self.level.think
        await asyncio.sleep(random.uniform(0, think))  # not all at once
        while time.monotonic() < self.deadline:
            try:
                result = await session.run()
            except Exception as exc:  # connection lost
                failed = RunResult(False, 0.0, f"connection: {type(exc).__name__}")
                self.level.record(failed, session.check.url_path)
                return
            self.last_done = max(self.last_done, time.monotonic())
            self.level.record(result, session.check.url_path)
            pause = think * random.uniform(0.8, 1.2)
            if time.monotonic() + pause >= self.deadline:
                return
            await asyncio.sleep(pause)

    @property
    def seconds(self) -> float:
        return max(self.last_done, self.deadline) - self.start


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
    await asyncio.sleep(0.5)
    each0, client0 = server.cpu_each(), sum(me.cpu_times()[:2])
    proxy0, busy0 = proxy() if proxy else 0.0, busy_seconds()
    window = Window(level, duration)
    with RssWatch(server) as rss:
        tasks = [asyncio.create_task(window.user(s)) for s in sessions]
        _done, pending = await asyncio.wait(tasks, timeout=duration + drain)
        for task in pending:
            task.cancel()
            level.failures += 1
            level.reasons["still running at the hard timeout"] += 1
        level.seconds = window.seconds
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


async def close_all(pool: list[BrowserSession]) -> None:
    await asyncio.gather(*(s.close() for s in pool), return_exceptions=True)
    pool.clear()
