"""Two replicas on one PostgreSQL schema behind nginx, as deploy/ sets them up:
a change through one replica shows on the other, a browser session through
nginx keeps its WebSocket on one replica, /healthz and the route cookie, the
TLS block, and passive health when a replica is gone."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import (
    create_member,
    free_port,
    open_page,
    session_cookies,
    sign_in,
    stop,
    wait_for_app,
    wait_healthy,
)
from tests.deploy.stack import (
    EDITOR,
    VIEWER,
    render_nginx,
    request,
    start_nginx,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROUTE_COOKIE = re.compile(r"^dashboard_route=([0-9a-f]{32}); Path=/; HttpOnly; SameSite=Lax$")


def active_members(page: Page) -> int:
    figure = page.get_by_test_id("stMetric").filter(has_text="Aktive Mitglieder")
    return int(figure.get_by_test_id("stMetricValue").inner_text())


def test_a_change_saved_through_one_replica_shows_on_the_other_at_its_next_run(
    open_browser, replicas
):
    viewer = open_browser()
    sign_in(viewer, replicas.b.url, VIEWER.username, VIEWER.password)
    before = active_members(viewer)
    open_page(viewer, "Kalender")

    editor = open_browser()
    sign_in(editor, replicas.a.url, EDITOR.username, EDITOR.password)
    create_member(editor, "Zoë", "Zwei-Replikate")

    open_page(viewer, "Übersicht")  # replica B's next run
    figure = viewer.get_by_test_id("stMetric").filter(has_text="Aktive Mitglieder")
    expect(figure.get_by_test_id("stMetricValue")).to_have_text(str(before + 1))


def test_a_sign_in_on_one_replica_holds_on_the_other(open_browser, replicas):
    page = open_browser()
    sign_in(page, replicas.a.url, EDITOR.username, EDITOR.password)
    session_cookies(page)
    page.goto(replicas.b.url)  # the same cookie: same host, other port
    expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(timeout=30_000)
    wait_for_app(page)


def test_a_browser_session_through_nginx_keeps_its_websocket_on_one_replica(
    open_browser, proxy, replicas
):
    page = open_browser()
    sign_in(page, proxy.url, VIEWER.username, VIEWER.password)
    for title in ("Teilnahme nach Bereich", "Maßnahmen", "Kalender", "Übersicht"):
        open_page(page, title)
        assert page.get_by_test_id("stException").count() == 0, title
    page.reload()  # a new WebSocket; the sign-in cookie signs in again
    expect(page.get_by_role("button", name="Abmelden", exact=True)).to_be_visible(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text("Connection error").count() == 0
    [route] = [c for c in page.context.cookies() if c["name"] == "dashboard_route"]
    assert (route["httpOnly"], route["secure"], route["sameSite"]) == (True, False, "Lax")
    page.context.close()  # closes the WebSockets, so that nginx logs them

    def session_lines() -> list[dict]:
        lines = [line for line in proxy.log() if line["route"] == route["value"]]
        streams = [line for line in lines if line["path"] == "/_stcore/stream"]
        return lines if len(streams) >= 2 else []

    lines = wait_until(session_lines, what="both WebSockets in nginx's access log")
    assert {line["upstream"] for line in lines} in (
        {replicas.a.address},
        {replicas.b.address},
    ), lines
    streams = [line for line in lines if line["path"] == "/_stcore/stream"]
    assert {line["status"] for line in streams} == {101}


def test_healthz_through_nginx_answers_and_the_route_cookie_keeps_a_browser_on_one_replica(
    proxy, replicas
):
    status, headers, body = request(f"{proxy.direct}/healthz")
    assert status == 200
    assert json.loads(body)["status"] == json.loads(body)["database"] == "ok"
    route = ROUTE_COOKIE.match(headers["Set-Cookie"])[1]

    for _ in range(6):
        status, headers, _body = request(
            f"{proxy.direct}/healthz", {"Cookie": f"dashboard_route={route}"}
        )
        assert status == 200 and headers["Set-Cookie"] is None
    newcomers = [
        ROUTE_COOKIE.match(request(f"{proxy.direct}/healthz")[1]["Set-Cookie"])[1]
        for _ in range(24)
    ]

    def upstreams() -> dict[str, set[str]]:
        seen: dict[str, set[str]] = {}
        for line in proxy.log():
            if line["path"] == "/healthz":
                seen.setdefault(line["route"], set()).add(line["upstream"])
        return seen if all(r in seen for r in [route, *newcomers]) else {}

    seen = wait_until(upstreams, what="the requests in nginx's access log")
    assert len(seen[route]) == 1
    assert set().union(*(seen[r] for r in newcomers)) == {replicas.a.address, replicas.b.address}


def test_the_tls_block_sends_hsts_and_a_secure_route_cookie(proxy):
    status, headers, _body = request(
        f"https://127.0.0.1:{proxy.tls_port}/healthz", cafile=proxy.cert
    )
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["Set-Cookie"].endswith("; Secure")
    # behind the ministry's TLS proxy, on the plain-HTTP block
    _status, headers, _body = request(f"{proxy.direct}/healthz", {"X-Forwarded-Proto": "https"})
    assert headers["Set-Cookie"].endswith("; Secure")
    # plain HTTP to the public name of the TLS block goes to HTTPS
    status, headers, _body = request(
        f"{proxy.direct}/kalender", {"Host": "dashboard.example.hessen.de"}
    )
    assert (status, headers["Location"]) == (301, "https://dashboard.example.hessen.de/kalender")


def test_nginx_sends_the_browsers_of_a_dead_replica_to_the_live_one(
    nginx_binary, replicas, tmp_path
):
    dead = f"127.0.0.1:{free_port()}"
    port = free_port()
    proc = start_nginx(nginx_binary, render_nginx(tmp_path, port, [dead, replicas.a.address]))
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, timeout=20)
        statuses = [request(f"http://127.0.0.1:{port}/healthz")[0] for _ in range(24)]
        assert set(statuses) == {200}

        def logged() -> list[dict]:
            lines = (tmp_path / "access.log").read_text().splitlines()
            return [json.loads(line) for line in lines] if len(lines) >= 25 else []

        lines = wait_until(logged, what="nginx's access log")
        assert all(line["upstream"].endswith(replicas.a.address) for line in lines), lines
        # max_fails=3: after three refused attempts nginx leaves the dead replica out
        assert len([line for line in lines if dead in line["upstream"]]) == 3, lines
    finally:
        stop(proc)
