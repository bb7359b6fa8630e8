"""nginx's security headers and blocked endpoints (deploy/nginx/dashboard-proxy.conf):
every response carries the headers once, Streamlit's endpoints that no user
needs are 404 through nginx, and in Chromium the app works under the
Content-Security-Policy (sign-in, the overview's charts, a page's own address,
TLS) without one refusal in the console.

Playwright's `page.wait_for_function` runs its expression through eval() in the
page, which the policy refuses: behind nginx, wait on selectors instead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from db.config import PROJECT_ROOT
from tests.browser import COUNT_RUNS, open_page, sign_in, visible_charts_drawn, wait_for_app
from tests.deploy.stack import PUBLIC_HOST, VIEWER, request

pytestmark = pytest.mark.slow

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
)
# Streamlit 1.67's endpoints that no user needs (the reasons are in dashboard-proxy.conf).
BLOCKED = (
    "/_stcore/metrics",
    "/_stcore/script-health-check",
    "/_stcore/agent/openapi.json",
    "/_stcore/agent/interact",
    "/_stcore/agent/mcp",
    "/_stcore/anything-a-later-streamlit-adds",
    # the same, spelt so that only a normalising proxy sees what it is
    "/_stcore/%6detrics",
    "//_stcore/metrics",
    "/_stcore/health/../metrics",
    "/static/../_stcore/metrics",
    "/_stcore/metrics/",
)
# What the browser needs under /_stcore/ besides the WebSocket (tested in Chromium).
PASSED = ("/_stcore/health", "/_stcore/host-config")
# Passed too, but GET is not how they are used: Streamlit answers, not nginx.
PASSED_TO_STREAMLIT = (
    "/_stcore/upload_file/session/file",
    "/_stcore/bidi-components/x/y.js",
    # st.login's routes, for the sign-in through the identity provider (issue 20)
    "/auth/login",
    "/auth/logout",
    "/oauth2callback",
)
NGINX_404 = b"<center>nginx</center>"
REFUSAL = ("Content Security Policy", "Refused to")
# app.py's page_icon=":material/groups:" makes Streamlit load the favicon from
# Google (fonts.gstatic.com), which the policy rightly refuses: a request to a
# third party on every page. Expected only while app.py names a `:material/`
# icon; once it names a local one (a file, an emoji), no refusal at all is.
MATERIAL_FAVICON = re.search(
    r'page_icon=":material/', (PROJECT_ROOT / "app.py").read_text(encoding="utf-8")
)
GOOGLE_FAVICON = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"


def policy(header: str) -> dict[str, list[str]]:
    directives = (d.split() for d in header.split(";") if d.strip())
    return {name: sources for name, *sources in directives}


def assert_security_headers(headers, where: str) -> None:
    for name in SECURITY_HEADERS:
        assert len(headers.get_all(name) or []) == 1, f"{where}: {name} {headers.get_all(name)}"
    csp = policy(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"], where
    assert csp["script-src"] == ["'self'"], where  # no inline script, no eval
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"], where
    assert csp["connect-src"] == ["'self'"], where
    assert csp["object-src"] == ["'none'"], where
    assert csp["base-uri"] == ["'self'"], where
    assert csp["form-action"] == ["'self'"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    # nothing from another origin, for any kind of resource
    assert not [s for sources in csp.values() for s in sources if ":" in s and s[-1] != ":"]
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert "camera=()" in headers["Permissions-Policy"], where


def test_every_kind_of_response_carries_the_security_headers_once(proxy):
    status, headers, body = request(f"{proxy.direct}/")
    assert status == 200
    shell = body.decode()
    assets = re.findall(r'(?:src|href)="\./(static/(?:js|css)/[^"]+)"', shell)
    assert len(assets) > 2, shell
    answers = {"the page shell": "/", "a page's own address": "/calendar"}
    answers |= {"the shell's script": "/_shell/shell.js", "/healthz": "/healthz"}
    answers |= {"a static script": f"/{assets[0]}", "the stylesheet": f"/{assets[-1]}"}
    answers |= {"Streamlit's health check": "/_stcore/health"}
    answers |= {"a path Streamlit does not know": "/static/js/no-such-file.js"}
    answers |= {"nginx's own 404": "/_stcore/metrics"}
    for where, path in answers.items():
        status, headers, _ = request(f"{proxy.direct}{path}")
        assert status in (200, 404), (where, status)
        assert_security_headers(headers, f"{where} ({path}, {status})")
    status, headers, _ = request(f"https://127.0.0.1:{proxy.tls_port}/", cafile=proxy.cert)
    assert status == 200
    assert_security_headers(headers, "the page shell over TLS")
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_page_shell_has_no_inline_script_and_loads_the_german_script_first(proxy):
    for path in ("/", "/calendar"):  # Streamlit gzips the second; the shell still rewrites it
        status, headers, body = request(f"{proxy.direct}{path}", {"Accept-Encoding": "gzip"})
        html = body.decode()
        assert (status, headers.get("Content-Encoding")) == (200, None), path
        assert '<html lang="de">' in html, path
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == [], path
        scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
        assert scripts[0] == "./_shell/shell.js", (path, scripts)
    status, headers, body = request(f"{proxy.direct}/_shell/shell.js")
    assert status == 200 and headers["Content-Type"] == "application/javascript"
    assert (PROJECT_ROOT / "components" / "german_ui.js").read_bytes() in body


def test_endpoints_no_user_needs_are_blocked_at_nginx(proxy, replicas):
    # they exist on the replica: the 404 is nginx's
    status, _, body = request(f"{replicas.a.url}/_stcore/metrics")
    assert status == 200 and b"# TYPE" in body
    assert request(f"{replicas.a.url}/_stcore/agent/openapi.json")[0] == 200
    for path in BLOCKED:
        status, headers, body = request(f"{proxy.direct}{path}")
        assert (status, NGINX_404 in body) == (404, True), (path, status, body[:200])
        assert_security_headers(headers, path)
    for path in PASSED:
        status, _, _ = request(f"{proxy.direct}{path}")
        assert status == 200, path
    for path in PASSED_TO_STREAMLIT:
        status, _, body = request(f"{proxy.direct}{path}")
        assert NGINX_404 not in body, (path, status)


# --- in Chromium ------------------------------------------------------------------------------


def watch_console(page: Page) -> list[str]:
    """Every console message and uncaught error of PAGE and its frames, from now on."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


def refusals(messages: list[str]) -> list[str]:
    found = [m for m in messages if any(word in m for word in REFUSAL)]
    if MATERIAL_FAVICON:
        found = [m for m in found if f"Loading the image '{GOOGLE_FAVICON}" not in m]
    return found


def assert_german_shell(page: Page) -> None:
    """The shell's script ran before Streamlit's bundle (and was not refused)."""
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.evaluate("navigator.language") == "de-DE"


def assert_charts_drawn(page: Page) -> int:
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
    return visible_charts_drawn(page)


@pytest.mark.browser
def test_sign_in_and_the_overviews_charts_work_under_the_policy(open_browser, proxy):
    page = open_browser()
    messages = watch_console(page)
    # the sign-in page first (it works without a sign-in, whatever happens to it)
    page.goto(proxy.url)
    wait_for_app(page)
    expect(page.get_by_label("Benutzername")).to_be_visible()
    assert_german_shell(page)
    assert refusals(messages) == [], "\n".join(messages)

    sign_in(page, proxy.url, VIEWER.username, VIEWER.password)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.locator("a[aria-current='page']")).to_contain_text("Übersicht")
    assert assert_charts_drawn(page) >= 1
    # another page's charts, drawn in the same tab
    open_page(page, "Teilnahme nach Bereich")
    assert assert_charts_drawn(page) >= 1
    assert page.get_by_test_id("stException").count() == 0
    assert refusals(messages) == [], "\n".join(messages)


@pytest.mark.browser
def test_a_pages_own_address_gets_the_german_shell_under_the_policy(open_browser, proxy):
    page = open_browser()
    messages = watch_console(page)
    page.goto(f"{proxy.url}/calendar")
    wait_for_app(page)
    assert_german_shell(page)
    assert page.get_by_test_id("stException").count() == 0
    assert refusals(messages) == [], "\n".join(messages)


@pytest.mark.browser
def test_over_tls_the_websocket_connects_under_connect_src_self(browser, proxy):
    """'self' admits wss: to the page's own host and port (CSP level 3)."""
    context = browser.new_context(ignore_https_errors=True)  # the test's own certificate
    context.add_init_script(COUNT_RUNS)
    page = context.new_page()
    try:
        messages = watch_console(page)
        page.goto(f"https://{PUBLIC_HOST}:{proxy.tls_port}/")
        wait_for_app(page)  # connected over the WebSocket
        expect(page.get_by_label("Benutzername")).to_be_visible()
        assert_german_shell(page)
        assert refusals(messages) == [], "\n".join(messages)
    finally:
        context.close()


@pytest.mark.browser
def test_no_other_site_may_frame_the_dashboard(browser, proxy):
    """frame-ancestors 'none': a page of another origin gets an empty frame."""
    page = browser.new_page()  # about:blank, an origin of its own
    try:
        messages = watch_console(page)
        page.set_content(f'<iframe src="{proxy.url}/"></iframe>')
        page.wait_for_load_state("load")
        expect(page.locator("iframe")).to_be_attached()
        assert any("frame-ancestors 'none'" in m for m in messages), "\n".join(messages)
        assert page.frame_locator("iframe").locator("[data-testid='stApp']").count() == 0
    finally:
        page.context.close()
