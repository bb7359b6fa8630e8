"""The pieces of a shared deployment for the tests in this folder: app
replicas (`streamlit run serve.py`), nginx with its configuration rendered
from deploy/nginx/, and a private PostgreSQL cluster. The fixtures that put
them together and stop them are in conftest.py."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from db import accounts
from db.config import PROJECT_ROOT
from db.engine import make_engine, session_scope
from tests.browser import free_port, wait_healthy

DEPLOY = PROJECT_ROOT / "deploy"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# The browser reaches nginx by a name, as users reach the ministry's proxy;
# Chromium maps it to the loopback address.
PUBLIC_HOST = "dashboard.test"
COOKIE_KEY = "deploy-test-cookie-key-" + "k" * 32
COOKIE_SECRET = "deploy-test-cookie-secret-" + "s" * 32


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    role: str
    password: str


EDITOR = Account("redaktion", "Rita Redaktion", "editor", "Redaktion-Kennwort-2026")
VIEWER = Account("lesen", "Lea Lesend", "viewer", "Lesen-Kennwort-2026")


def run(args: list[str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run ARGS to completion; a failure shows its output."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """A replica's environment: what deploy/.env.example asks for, nothing from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMLIT_", "DASHBOARD_"))}
    env.pop("DATABASE_URL", None)
    return {
        **env,
        "DATABASE_URL": database_url,
        "DASHBOARD_COOKIE_KEY": COOKIE_KEY,
        "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,
        **extra,
    }


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """`python -m db.cli ARGS` as an operator runs it."""
    return run(
        [sys.executable, "-m", "db.cli", *args], env=env, cwd=PROJECT_ROOT, input=stdin
    ).stdout


def add_account(url: str, account: Account) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        accounts.create_user(
            session, account.username, account.name, account.role, account.password
        )
    engine.dispose()


@dataclass
class Server:
    """One `streamlit run serve.py` process on a loopback port."""

    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(folder: Path, name: str, env: dict[str, str], port: int | None = None) -> Server:
    port = port or free_port()
    log = folder / f"{name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    return Server(f"http://127.0.0.1:{port}", proc, log)


def wait_servers(servers: list[Server]) -> None:
    for server in servers:
        try:
            wait_healthy(server.url, server.proc, timeout=60)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{server.output()}") from None


@dataclass
class Replicas:
    a: Server
    b: Server


# --- nginx ------------------------------------------------------------------------------------


def render_nginx(
    folder: Path,
    port: int,
    upstreams: list[str],
    tls: tuple[int, Path, Path] | None = None,
) -> Path:
    """nginx's configuration for a test: deploy/nginx/ with the replicas' loopback
    addresses, loopback listen ports, and pid, logs and temp files in FOLDER.

    Returns the main configuration file (FOLDER/nginx.conf, so that the
    relative `include dashboard-proxy.conf` resolves in FOLDER)."""
    site = (DEPLOY / "nginx" / "dashboard.conf").read_text()
    site, n = re.subn(
        r"(?m)^(\s*)server app1:8501( [^;]*);\n\s*server app2:8501 [^;]*;\n",
        lambda m: "".join(f"{m[1]}server {up}{m[2]};\n" for up in upstreams),
        site,
    )
    assert n == 1, "deploy/nginx/dashboard.conf: upstream servers app1/app2 not found"
    site = _replace(site, "listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    site = _replace(site, "/var/log/nginx/access.log", str(folder / "access.log"))
    (folder / "dashboard.conf").write_text(site)
    shutil.copy(DEPLOY / "nginx" / "dashboard-proxy.conf", folder / "dashboard-proxy.conf")
    includes = "include dashboard.conf;\n"
    if tls:
        tls_port, cert, key = tls
        site = (DEPLOY / "nginx" / "dashboard-tls.conf").read_text()
        site = _replace(site, "listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
        site = _replace(site, "listen 80;", f"listen 127.0.0.1:{port};")
        site = _replace(site, "/etc/nginx/tls/dashboard.crt", str(cert))
        site = _replace(site, "/etc/nginx/tls/dashboard.key", str(key))
        site = _replace(site, "/var/log/nginx/access.log", str(folder / "access.log"))
        (folder / "dashboard-tls.conf").write_text(site)
        includes += "    include dashboard-tls.conf;\n"
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    main = folder / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {includes}}}
"""
    )
    return main


def _replace(config: str, old: str, new: str) -> str:
    assert old in config, f"{old!r} not in the deploy nginx configuration"
    return config.replace(old, new)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for PUBLIC_HOST and 127.0.0.1, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC_HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(PUBLIC_HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "dashboard.crt", folder / "dashboard.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Proxy:
    """nginx in front of the replicas."""

    port: int
    tls_port: int
    cert: Path
    folder: Path
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        """As the browser sees it (Chromium maps the name to the loopback address)."""
        return f"http://{PUBLIC_HOST}:{self.port}"

    @property
    def direct(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> list[dict]:
        """nginx's access log: one JSON object per request (deploy/nginx/dashboard.conf)."""
        path = self.folder / "access.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def route_to(self, server: Server) -> str:
        """A route cookie value that nginx hashes to SERVER (found by asking nginx)."""

        def found() -> str | None:
            request(f"{self.direct}/healthz")
            for line in self.log():
                if line["path"] == "/healthz" and line["upstream"] == server.address:
                    return line["route"]
            return None

        return wait_until(found, what=f"a route to {server.address}")

    def pin(self, context, server: Server) -> None:
        """Send the browser CONTEXT through nginx to SERVER (its route cookie)."""
        cookie = {"name": "dashboard_route", "domain": PUBLIC_HOST, "path": "/", "httpOnly": True}
        context.add_cookies([{**cookie, "value": self.route_to(server)}])


def start_nginx(nginx: str, main: Path) -> subprocess.Popen:
    folder = main.parent
    run([nginx, "-t", "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")])
    return subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")],
        stdout=(folder / "nginx.out").open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test alone, run as the `postgres` OS user."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
             str(self.folder / "data"), "-w", "-t", "30", *args], timeout=60)  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg_ctl("-l", str(self.folder / "postgres.log"), "-o", options, "start")

    def kill(self) -> None:
        """Stop the server at once, as a crash or a pulled cable would."""
        self.pg_ctl("-m", "immediate", "stop")

    def running(self) -> bool:
        return (self.folder / "data" / "postmaster.pid").exists()


def wait_until(check, timeout: float = 20, what: str = "condition"):
    """Poll CHECK until it returns something true (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)  # polling a log or an endpoint, bounded by the deadline


def request(
    url: str, headers: dict[str, str] | None = None, cafile: Path | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET, without following redirects: status, headers, body."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        connection = http.client.HTTPSConnection(parts.netloc, timeout=10, context=context)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", parts.path or "/", headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()
