"""The files in deploy/ agree with each other and with the app: compose's order
of start, nginx's upstreams and upload limit, the settings in the examples,
and the systemd units."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib

import pytest
import yaml

from db.config import PROJECT_ROOT
from db.deployment import PLACEHOLDER
from tests.deploy.stack import DEPLOY

APP_ROOT = "/opt/integrationskonferenz/dashboard"
REPLICA_SETTINGS = {
    "DASHBOARD_COOKIE_KEY",
    "STREAMLIT_SERVER_COOKIE_SECRET",
    "STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS",
}


def env_file(path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_compose_starts_the_replicas_after_the_migration_and_nginx_after_the_replicas():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "app1", "app2", "briefings", "nginx"}
    for name in ("app1", "app2", "briefings"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
        assert services[name]["image"] == services["migrate"]["image"]
        assert services[name]["env_file"] == ".env"
    assert services["migrate"]["command"] == ["python", "-m", "db.cli", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert "python -m db.cli send-due-briefings; sleep 300" in services["briefings"]["command"][-1]
    assert services["nginx"]["depends_on"] == {
        "app1": {"condition": "service_healthy"},
        "app2": {"condition": "service_healthy"},
    }
    for volume in services["nginx"]["volumes"]:
        assert (DEPLOY / volume.split(":")[0]).is_file(), volume
    variables = set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text()))
    assert variables <= set(env_file(DEPLOY / ".env.example"))


def test_nginx_balances_the_compose_replicas_and_admits_the_largest_upload():
    site = (DEPLOY / "nginx" / "dashboard.conf").read_text()
    upstreams = re.findall(r"(?m)^\s*server (\S+) max_fails=\d+ fail_timeout=\d+s;$", site)
    assert upstreams == ["app1:8501", "app2:8501"]
    assert '"--server.port", "8501"' in (DEPLOY / "Dockerfile").read_text()
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    proxy = (DEPLOY / "nginx" / "dashboard-proxy.conf").read_text()
    [limit] = re.findall(r"(?m)^client_max_body_size (\d+)m;$", proxy)
    assert int(limit) == config["server"]["maxUploadSize"] + 1  # room for the multipart envelope
    # sticky by the route cookie, not by address (everyone shares the proxy's)
    assert re.findall(r"(?m)^\s*(ip_hash|hash .*);$", site) == ["hash $dashboard_route consistent"]


def test_the_examples_name_every_setting_a_replica_needs_and_are_refused_unchanged():
    compose = env_file(DEPLOY / ".env.example")
    systemd = env_file(DEPLOY / "systemd" / "dashboard.env.example")
    assert {*REPLICA_SETTINGS, "POSTGRES_PASSWORD"} <= set(compose)
    assert {*REPLICA_SETTINGS, "DATABASE_URL"} <= set(systemd)
    for example in (compose, systemd):
        # serve.py refuses a cookie key that is still the placeholder
        assert PLACEHOLDER in example["DASHBOARD_COOKIE_KEY"]
        assert PLACEHOLDER in example["STREAMLIT_SERVER_COOKIE_SECRET"]


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    venv = sys.prefix
    names = []
    for unit in sorted((DEPLOY / "systemd").glob("dashboard*.[st]*")):
        if unit.suffix not in (".service", ".timer"):
            continue
        # the paths of the installation, pointed at this checkout
        text = (
            unit.read_text().replace(f"{APP_ROOT}/.venv", venv).replace(APP_ROOT, str(PROJECT_ROOT))
        )
        (tmp_path / unit.name).write_text(text)
        names.append(unit.name.replace("@.service", "@8501.service"))
    assert "dashboard@8501.service" in names and "dashboard-migrate.service" in names
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
