"""The shared deployment under test, built from the files in deploy/:

- two `streamlit run serve.py` replicas on one fresh, migrated schema of the
  test PostgreSQL, with the same secrets (as deploy/.env.example asks);
- Debian's nginx in front of them, its configuration rendered from
  deploy/nginx/ with loopback ports (plain HTTP and the TLS block);
- for the outage test, a private PostgreSQL cluster the test may kill.

Locally a missing nginx, Chromium or PostgreSQL skips with the reason; under
CI=true it fails. Every process is stopped in the fixture's teardown.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from db.demo import load_demo
from db.engine import make_engine, session_scope
from tests.browser import (  # noqa: F401  (fixtures and the report hook for this folder)
    CHROMIUM_ARGS,
    chromium_path,
    free_port,
    missing,
    new_page,
    pytest_runtest_makereport,
    screenshot_on_failure,
    stop,
    wait_healthy,
)
from tests.conftest import PG_SERVER, _pg_reachable
from tests.deploy.stack import (
    EDITOR,
    NGINX,
    PG_BIN,
    PUBLIC_HOST,
    VIEWER,
    Cluster,
    Proxy,
    Replicas,
    add_account,
    app_env,
    cli,
    render_nginx,
    run,
    self_signed,
    start_nginx,
    start_server,
    wait_servers,
)


@pytest.fixture(scope="session")
def shared_db() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL, migrated by the CLI, with the demo
    data and two accounts with real passwords (no demo account)."""
    reason = _pg_reachable()
    if reason:
        missing(f"PostgreSQL at {PG_SERVER} is unreachable: {reason}")
    schema = f"deploy_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_SERVER)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    try:
        env = app_env(url)
        cli(env, "migrate")
        cli(env, "create-user", EDITOR.username, "--role", "editor", "--name", EDITOR.name,
            stdin=EDITOR.password + "\n")  # fmt: skip
        add_account(url, VIEWER)
        engine = make_engine(url)
        with session_scope(engine) as session:
            load_demo(session, today=dt.date.today())
        engine.dispose()
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def proxy_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def replicas(shared_db, proxy_port, tmp_path_factory) -> Iterator[Replicas]:
    """Two replicas of the app on the shared schema, started side by side."""
    folder = tmp_path_factory.mktemp("replicas")
    env = app_env(
        shared_db,
        STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS=f"http://{PUBLIC_HOST}:{proxy_port}",
        STREAMLIT_SERVER_ALLOWED_HOSTS=f"{PUBLIC_HOST} 127.0.0.1",
    )
    servers = [start_server(folder, name, env) for name in ("replica-a", "replica-b")]
    try:
        wait_servers(servers)
        yield Replicas(*servers)
    finally:
        for server in servers:
            stop(server.proc)


# --- nginx ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    found = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)
    if not found:
        missing(f"nginx not found at {NGINX} (apt-get install -y nginx)")
    return found


@pytest.fixture(scope="session")
def proxy(nginx_binary, replicas, proxy_port, tmp_path_factory) -> Iterator[Proxy]:
    """nginx from deploy/nginx/ (plain HTTP and the TLS block) in front of both replicas."""
    folder = tmp_path_factory.mktemp("nginx")
    tls_port = free_port()
    cert, key = self_signed(folder)
    main = render_nginx(
        folder, proxy_port, [replicas.a.address, replicas.b.address], (tls_port, cert, key)
    )
    proc = start_nginx(nginx_binary, main)
    try:
        wait_healthy(f"http://127.0.0.1:{proxy_port}", proc, timeout=20)
        yield Proxy(proxy_port, tls_port, cert, folder, proc)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def browser(playwright, chromium_path) -> Iterator:  # noqa: F811  (the fixture, by its name)
    """Chromium (as in tests/browser.py) that also resolves PUBLIC_HOST to the loopback address."""
    browser = playwright.chromium.launch(
        executable_path=chromium_path,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {PUBLIC_HOST} 127.0.0.1"],
    )
    yield browser
    browser.close()


# --- a private PostgreSQL cluster -------------------------------------------------------------


@pytest.fixture
def private_pg() -> Iterator[Cluster]:
    if os.geteuid() != 0 or not shutil.which("runuser"):
        missing("a private PostgreSQL cluster needs root (to run initdb as `postgres`)")
    if not (PG_BIN / "initdb").exists():
        missing(f"PostgreSQL server binaries not found in {PG_BIN}")
    # Not under pytest's tmp_path: that is root's alone, and postgres must get in.
    folder = Path(tempfile.mkdtemp(prefix="dashboard-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, free_port())
    try:
        run(["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(folder / "data"),
             "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])  # fmt: skip
        cluster.start()
        yield cluster
    finally:
        try:
            if cluster.running():
                cluster.kill()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def open_browser(browser, request) -> Iterator:
    """Opens pages, each in a fresh browser context; screenshots of all on failure."""
    opened = []

    def open_one():
        one = new_page(browser)
        opened.append(one)
        return one

    yield open_one
    for i, one in enumerate(opened):
        if not one.is_closed():
            screenshot_on_failure(one, request, f"_{i}")
        one.context.close()
