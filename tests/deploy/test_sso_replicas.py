"""Sign-in through the identity provider behind nginx with two replicas, as
deploy/ sets them up: the flow starts on one replica (st.login keeps its state
in a cookie signed with `[auth] cookie_secret`, the same on both) and the
provider's callback lands on the other; the session of ours it starts holds on
both, and the sign-out goes through the provider's end_session_endpoint and
back through nginx."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from components.sso import BUTTON
from tests.browser import COUNT_RUNS, free_port, stop, wait_for_app, wait_healthy
from tests.deploy.stack import (
    PUBLIC_HOST,
    Proxy,
    Replicas,
    app_env,
    render_nginx,
    start_nginx,
    start_server,
    wait_servers,
    wait_until,
)
from tests.oidc.provider import GROUP_SETTINGS, LESEND, auth_secrets, start_provider

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class SsoStack:
    replicas: Replicas
    proxy: Proxy
    issuer: str


@pytest.fixture(scope="module")
def sso_stack(shared_db, nginx_binary, chromium_path, tmp_path_factory) -> Iterator[SsoStack]:
    folder = tmp_path_factory.mktemp("sso-replicas")
    proxy_port, issuer_port = free_port(), free_port()
    public = f"http://{PUBLIC_HOST}:{proxy_port}"
    secrets = auth_secrets(
        folder, f"http://127.0.0.1:{issuer_port}", f"{public}/oauth2callback", "landesportal"
    )
    provider = start_provider(folder, issuer_port, [f"{public}/oauth2callback"])
    env = app_env(
        shared_db,
        STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS=public,
        STREAMLIT_SERVER_ALLOWED_HOSTS=f"{PUBLIC_HOST} 127.0.0.1",
        STREAMLIT_SECRETS_FILES=str(secrets),
        **GROUP_SETTINGS,
    )
    servers = [start_server(folder, name, env) for name in ("sso-a", "sso-b")]
    nginx = None
    try:
        wait_servers(servers)
        nginx_folder = folder / "nginx"
        nginx_folder.mkdir()
        main = render_nginx(nginx_folder, proxy_port, [s.address for s in servers])
        nginx = start_nginx(nginx_binary, main)
        wait_healthy(f"http://127.0.0.1:{proxy_port}", nginx, timeout=20)
        proxy = Proxy(proxy_port, 0, main, nginx_folder, nginx)
        yield SsoStack(Replicas(*servers), proxy, provider.issuer)
    finally:
        for proc in [nginx, *(s.proc for s in servers), provider.proc]:
            if proc is not None:
                stop(proc)


def test_the_callback_on_the_other_replica_signs_in_and_the_sign_out_ends_the_provider_session(
    browser, sso_stack
):
    stack = sso_stack
    start, other = stack.proxy.route_to(stack.replicas.a), stack.proxy.route_to(stack.replicas.b)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(COUNT_RUNS)
    route = {"name": "dashboard_route", "domain": PUBLIC_HOST, "path": "/", "httpOnly": True}
    context.add_cookies([{**route, "value": start}])
    page = context.new_page()
    try:
        page.goto(stack.proxy.url)
        wait_for_app(page)
        page.get_by_role("button", name=BUTTON).click()
        page.wait_for_url(f"{stack.issuer}/**")
        context.add_cookies([{**route, "value": other}])  # from now on: replica B
        page.get_by_label("E-Mail").fill(LESEND.email)
        page.get_by_label("Kennwort").fill(LESEND.password)
        page.get_by_role("button", name="Einloggen").click()
        page.wait_for_url(f"{stack.proxy.url}/", timeout=30_000)
        expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(
            timeout=30_000
        )
        wait_for_app(page)
        assert page.get_by_test_id("stException").count() == 0

        def upstreams() -> dict[str, str]:
            seen = {line["path"]: line["upstream"] for line in stack.proxy.log()}
            return seen if {"/auth/login", "/oauth2callback"} <= seen.keys() else {}

        seen = wait_until(upstreams, what="the sign-in's requests in nginx's access log")
        assert seen["/auth/login"] == stack.replicas.a.address
        assert seen["/oauth2callback"] == stack.replicas.b.address

        with page.expect_request(f"{stack.issuer}/session/end/confirm", timeout=30_000):
            page.get_by_role("button", name="Abmelden", exact=True).click()
        page.wait_for_url(f"{stack.proxy.url}/", timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_role("button", name=BUTTON)).to_be_visible(timeout=30_000)
        page.get_by_role("button", name=BUTTON).click()
        expect(page.get_by_label("Kennwort")).to_be_visible(timeout=30_000)  # asked again
    finally:
        context.close()
