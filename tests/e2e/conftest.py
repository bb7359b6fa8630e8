"""Browser tests: the app under `streamlit run` on a free loopback port with its
own demo database, driven by Playwright in Debian's Chromium (the shared
pieces are in tests/browser.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from db.config import PROJECT_ROOT
from tests.browser import (  # noqa: F401  (fixtures and the report hook for this folder)
    browser,
    chromium_path,
    free_port,
    page,
    pytest_runtest_makereport,
    stop,
    wait_healthy,
)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, chromium_path) -> Iterator[str]:  # noqa: F811
    """The app with demo data in a database of its own, on a free loopback port."""
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
        "DASHBOARD_COOKIE_KEY": "e2e-cookie-key-" + "x" * 40,
    }
    subprocess.run(
        [sys.executable, "-m", "db.cli", "setup"], cwd=PROJECT_ROOT, env=env, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=PROJECT_ROOT, env=env, stdout=(folder / "server.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        stop(proc, timeout=30)
