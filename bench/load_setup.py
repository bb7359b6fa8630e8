"""What `make load` needs before its first session: the servers it loads (the
app on bench/load.db, a floor per page and two replicas behind nginx, all
started on loopback; or the running app at --url), the sign-in cookies of the
simulated browsers, and what a successful run of each page shows."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from bench import demo_db
from bench.load_client import PageCheck
from bench.nginx_proxy import Proxy, nginx_binary, start_proxy
from bench.servers import Server, guess_pids, require_loopback

ROOT = Path(__file__).resolve().parent.parent
# the pages bench/floor_app.py (bench/floor_data.py) has a floor for
FLOOR_PAGES = ("overview", "participation", "measures", "calendar", "presentation")


def page_check(name: str) -> PageCheck:
    """What a successful run of pages/NAME.py shows; the default page has URL path ''."""
    source = (ROOT / "pages" / f"{name}.py").read_text()
    match = re.search(r'st\.title\(\s*"([^"]+)"', source)
    nav = (ROOT / "components" / "navigation.py").read_text()
    default = re.search(rf'PageSpec\(\s*"pages/{name}\.py"[^)]*True\s*\)', nav, re.S)
    return PageCheck("" if default else name, match.group(1) if match else "")


def default_database_url() -> str:
    """The database an app started from this tree uses (environment, secrets.toml,
    else the embedded demo database of `make run`)."""
    from db.config import database_url

    return database_url()


def shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def session_cookies(database_url: str, usernames: list[str]) -> dict[str, dict[str, str]]:
    """A sign-in session per account in the app's database: the cookie a browser
    holds after signing in as it (db.sessions), for all of its tabs."""
    from db.sessions import COOKIE_NAME

    try:
        tokens = demo_db.sign_in_tokens(database_url, usernames, "bench-load/1")
    except Exception as exc:  # no such table, no such account: not the app's database
        raise SystemExit(
            f"load: cannot make sign-in sessions for {', '.join(usernames)} in "
            f"{shown_url(database_url)} ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "is it the app's database (--database-url)?"
        ) from exc
    return {name: {COOKIE_NAME: token} for name, token in tokens.items()}


@dataclasses.dataclass
class LoadServers:
    """The servers a run loads; those it started are stopped by `stop`."""

    app: Server | None = None
    database_url: str = ""
    floors: dict[str, Server] = dataclasses.field(default_factory=dict)
    replicas: list[Server] = dataclasses.field(default_factory=list)
    proxy: Proxy | None = None
    started: list[Server] = dataclasses.field(default_factory=list)
    nginx: str | None = None

    def start(self, args: argparse.Namespace, workdir: Path, result: dict) -> None:
        """Start what ARGS ask for and wait until every server answers."""
        env = self._use_url(args) if args.url else self._start_app(args, workdir)
        if args.floor:
            self._start_floors(env, workdir, args.pages, args.server_option)
        if args.nginx:
            self.nginx = nginx_binary()
            if self.nginx:
                self._start_replicas(env, workdir, args.server_option)
            else:
                result["nginx_missing"] = "nginx not found (apt-get install -y nginx)"
                print(f"load: {result['nginx_missing']}; no nginx phase", flush=True)
        for server in self.started:
            server.wait_ready()
        if self.replicas:
            upstreams = [urlsplit(r.url).netloc for r in self.replicas]
            self.proxy = start_proxy(self.nginx, upstreams, workdir)

    def _use_url(self, args: argparse.Namespace) -> dict:
        require_loopback(args.url)
        self.app = Server("app", args.url.rstrip("/"), args.server_pid or guess_pids(args.url))
        self.database_url = args.database_url or default_database_url()
        return {**os.environ, "DATABASE_URL": self.database_url, "PYTHONPATH": str(ROOT)}

    def _start_app(self, args: argparse.Namespace, workdir: Path) -> dict:
        self.database_url = demo_db.at_scale(args.scale, ROOT / "bench" / "load.db", afresh=True)
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DASHBOARD_COOKIE_KEY": args.cookie_key or secrets.token_urlsafe(36),
            "PYTHONPATH": str(ROOT),
        }
        self.app = Server.start("app", "app.py", env, workdir, args.server_option)
        self.started.append(self.app)
        return env

    def _start_floors(self, env: dict, workdir: Path, pages: list[str], options: list[str]) -> None:
        for page in pages:
            if page in FLOOR_PAGES:
                floor = Server.start(
                    f"floor-{page}", "bench/floor_app.py", {**env, "BENCH_PAGE": page}, workdir,
                    options,
                )  # fmt: skip
                self.floors[page] = floor
                self.started.append(floor)

    def _start_replicas(self, env: dict, workdir: Path, options: list[str]) -> None:
        """Two `streamlit run serve.py` processes with the same secrets, as deployed
        (deploy/.env.example): the same DASHBOARD_COOKIE_KEY and Streamlit cookie secret."""
        env = {**env, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(36)}
        for name in ("replica-a", "replica-b"):
            replica = Server.start(name, "serve.py", env, workdir, options)
            self.replicas.append(replica)
            self.started.append(replica)

    def stop_nginx(self) -> None:
        """nginx and the two processes behind it, once their phase is over."""
        if self.proxy:
            self.proxy.stop()
        for replica in self.replicas:
            replica.stop()

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        for server in self.started:
            server.stop()
