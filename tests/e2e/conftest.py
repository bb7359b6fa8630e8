"""Browser tests: the app under `streamlit run` on a free loopback port with its
own demo database, driven by Playwright in Debian's Chromium (the shared
pieces are in tests/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import (  # noqa: F401  (fixtures and the report hook for this folder)
    browser,
    chromium_path,
    page,
    pytest_runtest_makereport,
    start_app,
    stop,
)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, chromium_path) -> Iterator[tuple[str, str]]:  # noqa: F811
    """The app with demo data in a database of its own, on a free loopback port:
    its URL and its database's URL."""
    folder = tmp_path_factory.mktemp("e2e")
    url, proc = start_app(folder, "e2e-cookie-key-" + "x" * 40)
    try:
        yield url, f"sqlite:///{folder / 'app.db'}"
    finally:
        stop(proc, timeout=30)


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server[0]
