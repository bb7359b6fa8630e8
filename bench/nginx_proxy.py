"""nginx in front of two app processes for `make load`: configured from
deploy/nginx/ (rendered for loopback by tests/deploy/stack.py), started and
stopped, its CPU seconds, and the app process each route cookie reached, read
from its access log."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import re
import shutil
import signal
import subprocess
from pathlib import Path

import psutil

from tests.browser import free_port, wait_healthy


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


def start_proxy(nginx: str, upstreams: list[str], workdir: Path) -> Proxy:
    """nginx on a free loopback port in front of UPSTREAMS (host:port), its files in
    WORKDIR/nginx; returned once it answers the health check."""
    from tests.deploy.stack import render_nginx, start_nginx

    folder = workdir / "nginx"
    folder.mkdir(exist_ok=True)
    port = free_port()
    main = render_nginx(folder, port, upstreams)
    proxy = Proxy(f"http://127.0.0.1:{port}", folder, start_nginx(nginx, main))
    try:
        wait_healthy(proxy.url, proxy.proc, timeout=20)
    except RuntimeError as exc:
        proxy.stop()
        log = folder / "error.log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise SystemExit(f"load: nginx did not start ({exc}):\n{tail}") from None
    return proxy
