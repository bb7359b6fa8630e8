"""A real OpenID Connect provider for the sign-in tests: node's oidc-provider
(tests/oidc/provider.mjs) on a loopback port, with test users and a groups
claim, and the `[auth]` settings that point the app at it.

`npm ci` installs the package from package-lock.json when node_modules is
missing (`.ci/run` does it beforehand). Without Node the tests skip locally
and fail under CI=true (tests.browser.missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.browser import missing, stop

HERE = Path(__file__).resolve().parent
CLIENT_ID = "integrationskonferenz-dashboard"
CLIENT_SECRET = "test-client-secret-" + "c" * 32
COOKIE_SECRET = "test-auth-cookie-secret-" + "a" * 32


@dataclass(frozen=True)
class Person:
    sub: str
    email: str
    name: str
    password: str
    groups: tuple[str, ...] = ()


# matched to an existing account by e-mail
REDAKTION = Person("8d1c2f", "rita.redaktion@hmaijs.hessen.example", "Rita Redaktion", "Rita-2026!")
# no account, but in a group mapped to "viewer": the account is created at first sign-in
LESEND = Person(
    "41aa07", "lea.lesend@hmaijs.hessen.example", "Lea Lesend", "Lea-2026!", ("hik-leitungsstab",)
)
# no account and no mapped group: Kein Zugang
FREMD = Person(
    "c09e55", "fritz.fremd@hmaijs.hessen.example", "Fritz Fremd", "Fritz-2026!", ("andere",)
)
USERS = (REDAKTION, LESEND, FREMD)
GROUP_SETTINGS = {"DASHBOARD_SSO_VIEWER_GROUPS": "hik-leitungsstab"}


@dataclass
class Provider:
    issuer: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _install() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("Node.js and npm not found (the test's OpenID Connect provider needs them)")
    if not (HERE / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True,
            timeout=300,
        )  # fmt: skip
    return node


def start_provider(folder: Path, port: int, redirect_uris: list[str]) -> Provider:
    """The provider on 127.0.0.1:PORT with USERS and one client that may return to
    REDIRECT_URIS (also after a sign-out: Streamlit comes back by /oauth2callback)."""
    node = _install()
    config = folder / "oidc.json"
    config.write_text(
        json.dumps(
            {
                "port": port,
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "redirect_uris": redirect_uris,
                        "post_logout_redirect_uris": redirect_uris,
                    }
                ],
                "users": [{**u.__dict__, "groups": list(u.groups)} for u in USERS],
            }
        )
    )
    log = folder / "oidc.log"
    proc = subprocess.Popen(
        [node, str(HERE / "provider.mjs"), str(config)], cwd=HERE, stdout=log.open("w"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while "listening " not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"the OpenID Connect provider did not start:\n{log.read_text()}")
        time.sleep(0.1)  # waiting for its one line, bounded by the deadline
    return Provider(f"http://127.0.0.1:{port}", proc, log)


def auth_secrets(folder: Path, issuer: str, redirect_uri: str, provider: str | None = None) -> Path:
    """A secrets.toml with the `[auth]` of the README for ISSUER (the app reads it
    with STREAMLIT_SECRETS_FILES); PROVIDER: a named `[auth.<name>]` section."""
    section = f"[auth.{provider}]" if provider else ""
    path = folder / "secrets.toml"
    path.write_text(
        f"""[auth]
redirect_uri = "{redirect_uri}"
cookie_secret = "{COOKIE_SECRET}"
{section}
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid email profile groups" }}
"""
    )
    return path
