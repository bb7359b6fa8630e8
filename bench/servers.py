"""The Streamlit servers the benchmarks start and measure.

Start one on a free loopback port (`streamlit run`, or bench/load_server.py,
which is `streamlit run` with the in-server CPU sampler), wait for its health
check, stop it; find the PID behind a running one's port; read its processes'
CPU seconds and RSS, and the machine's busy CPU, over a window; ask its sampler
for a profile or for the memory its sessions keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import json
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from tests.browser import free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def streamlit_command(
    script: str, port: int, python: str = PY, sampler: Path | None = None, options=()
) -> list[str]:
    """`streamlit run SCRIPT` on 127.0.0.1:PORT, headless, without usage statistics
    or file watcher; through bench/load_server.py with SAMPLER as its control file
    if given; OPTIONS as KEY=VALUE (e.g. runner.postScriptGC=false)."""
    if sampler is not None:
        head = [python, str(ROOT / "bench" / "load_server.py"), str(sampler)]
    else:
        head = [python, "-m", "streamlit"]
    args = [*head, "run", script, "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]  # fmt: skip
    for option in options:
        key, _, value = option.partition("=")
        args += [f"--{key}", value]
    return args


def launch(
    script: str,
    env: dict,
    log: Path,
    python: str = PY,
    cwd: Path = ROOT,
    sampler: Path | None = None,
    options=(),
) -> tuple[str, subprocess.Popen]:
    """Start `streamlit run SCRIPT` (see streamlit_command) on a free loopback port in
    a session of its own, its output to LOG; its URL and process, not yet ready."""
    port = free_port()
    with log.open("w") as fh:
        proc = subprocess.Popen(
            streamlit_command(script, port, python, sampler, options), cwd=cwd, env=env,
            stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return f"http://127.0.0.1:{port}", proc


def wait_ready(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float = 90) -> None:
    """Wait for the health check at URL; if it does not come, stop PROC and raise a
    RuntimeError naming WHAT with the end of its LOG."""
    try:
        wait_healthy(url, proc, timeout)
    except RuntimeError as exc:
        stop(proc)
        raise RuntimeError(f"{what} did not start ({exc}):\n{log.read_text()[-3000:]}") from None
    except BaseException:
        stop(proc)
        raise


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        addrs = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"load: cannot resolve {host!r}: {exc}") from exc
    if not addrs or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs):
        raise SystemExit(f"load: refusing {url}: only loopback hosts are allowed ({addrs})")


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


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent not idle (all cores, all processes)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


@dataclasses.dataclass
class Server:
    """A Streamlit server under load: started by this run (with the CPU sampler of
    bench/load_server.py), or a running one given by URL and PIDs."""

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
        control = workdir / f"{name}.profile-control"
        log = workdir / f"{name}.log"
        url, proc = launch(script, env, log, sampler=control, options=options)
        return cls(name, url, [proc.pid], proc, control, log)

    def wait_ready(self, timeout: float = 90) -> None:
        try:
            wait_ready(self.url, self.proc, self.log, f"server {self.name}", timeout)
        except RuntimeError as exc:
            raise SystemExit(f"load: {exc}") from None

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

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
