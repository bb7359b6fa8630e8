"""`make screenshots`: one PNG per page of the app on the demo data, as the
README shows them (docs/screenshots/). The dashboard pages as the minister's
office sees them (viewer), the edit pages as staff, the admin pages as admin,
and the deck in full screen as the hall sees it.

    python -m tests.screenshots [--out DIR] [--size 1920x1080] [--full-page]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from components.navigation import PAGES
from db.config import PROJECT_ROOT
from db.demo import DEMO_USERS
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNT_RUNS,
    choose_option,
    open_page,
    sign_in,
    start_app,
    stop,
    wait_for_app,
)

ROLE_ACCOUNT = {role: (username, password) for username, _, role, password in DEMO_USERS}


def file_name(path: str) -> str:
    """pages/overview.py -> overview.png"""
    return Path(path).stem + ".png"


def take(out: Path, width: int, height: int, full_page: bool) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as folder:
        url, server = start_app(Path(folder), "screenshots-cookie-key-" + "x" * 40)
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role in ("viewer", "editor", "admin"):
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_init_script(COUNT_RUNS)
                page = context.new_page()
                username, password = ROLE_ACCOUNT[role]
                sign_in(page, url, username, password)
                for spec in (s for s in PAGES if s.role == role):
                    open_page(page, spec.title)
                    page.wait_for_timeout(500)  # let Vega finish drawing its transitions
                    target = out / file_name(spec.path)
                    page.screenshot(path=str(target), full_page=full_page)
                    written.append(target)
                if role == "viewer":  # the deck as the hall sees it
                    open_page(page, "Präsentation")
                    page.get_by_text("Vollbild", exact=True).click()
                    expect(page.get_by_role("button", name="Daten aktualisieren")).to_have_count(0)
                    wait_for_app(page)
                    page.wait_for_timeout(500)
                    target = out / "presentation-fullscreen.png"
                    page.screenshot(path=str(target))
                    written.append(target)
                if role == "admin":  # the Beamer view and the presenter's control
                    written += beamer_shots(browser, page, url, out, width, height)
                context.close()
            browser.close()
        finally:
            playwright.stop()
            stop(server)
    return written


def beamer_shots(browser, page, url: str, out: Path, width: int, height: int) -> list[Path]:
    """A projector link made on Beamer-Links, the deck put on it from Präsentation: the
    control (presentation-steuerung.png) and what the projector shows (beamer.png)."""
    open_page(page, "Beamer-Links")
    page.get_by_label("Bezeichnung").fill("Plenarsaal")
    page.get_by_role("button", name="Link anlegen").click()
    link = page.locator("[data-testid='stCode'] code").inner_text(timeout=30_000)
    open_page(page, "Präsentation")
    page.get_by_text("Auf den Beamer", exact=True).first.click()
    choose_option(page, "Beamer", "Plenarsaal")
    page.get_by_role("button", name="Auf den Beamer", exact=True).click()
    expect(page.get_by_text("Auf dem Beamer:")).to_be_visible(timeout=60_000)
    page.locator(".st-key-deck_live_next button").click()
    expect(page.get_by_text("Folie 2 von")).to_be_visible()
    page.wait_for_timeout(500)
    control = out / "presentation-steuerung.png"
    page.screenshot(path=str(control))
    projector = browser.new_context(viewport={"width": width, "height": height}).new_page()
    projector.goto(link)
    expect(projector.locator(".st-key-beamer_slide h1")).to_be_visible(timeout=30_000)
    projector.wait_for_timeout(500)
    shown = out / "beamer.png"
    projector.screenshot(path=str(shown))
    projector.context.close()
    page.get_by_role("button", name="Präsentation beenden").click()
    return [control, shown]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    for path in take(args.out, width, height, args.full_page):
        print(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


if __name__ == "__main__":
    main()
