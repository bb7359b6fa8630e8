"""`make run` answers on /_stcore/health, with demo data in an embedded database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from db.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    url = f"http://localhost:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)  # polling the health endpoint, not waiting blindly
    raise AssertionError("no answer on /_stcore/health")


@pytest.mark.slow
def test_make_run_answers_on_health_and_loads_demo_data(tmp_path):
    port = free_port()
    db = tmp_path / "run.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PORT": str(port)}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_healthy(port, proc) == "ok"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert "Demo-Daten geladen." in output
    assert "leitung" in output and "geschaeftsstelle" in output and "admin" in output
    assert db.exists()
