"""The Beamer view through nginx with two replicas (issue 18): the presenter on one
replica, two projectors (1920x1080 and 1280x720) on the other follow every step,
by button, arrow key and a clicker's PageUp/PageDown; the office's edit during the
talk reaches the projectors only with "Daten aktualisieren"; a projector link
opens no other page. The delays of the steps are what `bench/beamer_follow.py`
reports (set BEAMER_STEPS_REPORT); here each only has to arrive."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from components.projector import POLL_SECONDS, TOKEN_PARAM
from db import projection, services
from db.engine import make_engine, session_scope
from db.models import BERLIN, Organisation, Presentation, PresentationSlide
from db.permissions import Actor
from tests.browser import choose_option, open_page, sign_in, wait_for_app
from tests.deploy.stack import VIEWER

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN = Actor("admin", "admin")
EDITOR = Actor("redaktion", "editor")
# 7 slides: forward to the end, back to the start, forward again, two back = 20 steps,
# each by the button, an arrow key or the clicker's key in turn.
STEPS = [+1] * 6 + [-1] * 6 + [+1] * 6 + [-1] * 2
KEYS = {
    +1: (".st-key-deck_live_next button", "ArrowRight", "PageDown"),  # Weiter
    -1: (".st-key-deck_live_prev button", "ArrowLeft", "PageUp"),  # Zurück
}
ARRIVES_WITHIN_MS = 10_000  # a step must arrive; how fast is the benchmark's figure
SIZES = [(1920, 1080), (1280, 720)]


def heading(page: Page) -> str:
    return page.locator(".st-key-beamer_slide h1").inner_text()


def wait_heading(page: Page, title: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('.st-key-beamer_slide h1')?.innerText === t",
        arg=title,
        timeout=ARRIVES_WITHIN_MS,
        polling=50,
    )


def image_src(page: Page) -> str:
    return page.locator(".st-key-beamer_slide img").get_attribute("src")


def fits_without_scrolling(page: Page) -> bool:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain], html')]"
        ".every(e => e.scrollHeight <= e.clientHeight + 1)"
    )


def press(presenter: Page, step: int, turn: int) -> None:
    label = KEYS[step][turn % 3]
    if turn % 3 == 0:
        presenter.locator(label).click()
    else:
        presenter.locator("body").press(label)


@pytest.fixture
def links(shared_db):
    engine = make_engine(shared_db)
    now = dt.datetime.now(BERLIN)
    with session_scope(engine, ADMIN) as s:
        tokens = {
            name: projection.create_link(s, ADMIN, name, 1, now) for name in ("Saal", "Foyer")
        }
    yield engine, tokens
    with session_scope(engine, ADMIN) as s:  # the next test of this schema starts clean
        for presentation in s.scalars(select(Presentation).where(Presentation.ended_at.is_(None))):
            projection.end(s, ADMIN, presentation.id, now)
    engine.dispose()


def test_projectors_on_one_replica_follow_the_presenter_on_the_other(
    open_browser, proxy, replicas, links
):
    engine, tokens = links
    presenter = open_browser()
    proxy.pin(presenter.context, replicas.a)
    sign_in(presenter, proxy.url, VIEWER.username, VIEWER.password)
    open_page(presenter, "Präsentation")
    presenter.get_by_text("Auf den Beamer", exact=True).first.click()
    for name in tokens:
        choose_option(presenter, "Beamer", name)
    presenter.get_by_role("button", name="Auf den Beamer", exact=True).click()
    expect(presenter.get_by_text("Auf dem Beamer:")).to_be_visible(timeout=60_000)
    with Session(engine) as s:
        presentation_id = s.scalar(select(Presentation.id).where(Presentation.ended_at.is_(None)))
        titles = list(
            s.scalars(
                select(PresentationSlide.title)
                .where(PresentationSlide.presentation_id == presentation_id)
                .order_by(PresentationSlide.position)
            )
        )

    assert titles, presentation_id
    projectors = []
    for (width, height), token in zip(SIZES, tokens.values(), strict=True):
        projector = open_browser()
        projector.set_viewport_size({"width": width, "height": height})
        proxy.pin(projector.context, replicas.b)
        projector.goto(f"{proxy.url}/?{TOKEN_PARAM}={token}")
        wait_heading(projector, titles[0])
        assert fits_without_scrolling(projector), (width, height)
        expect(projector.get_by_test_id("stSidebar")).to_have_count(0)
        projectors.append(projector)
    members_image = [image_src(p) for p in projectors]

    delays: list[float] = []
    position = 0
    dwell = random.Random(18)
    for turn, step in enumerate(STEPS):
        position += step
        # A speaker clicks at any moment, not just after a projector's poll (which is
        # when the previous step arrived): a pause of up to one poll interval.
        time.sleep(dwell.uniform(0, POLL_SECONDS))
        started = time.monotonic()
        press(presenter, step, turn)
        for projector in projectors:
            wait_heading(projector, titles[position])
            delays.append(time.monotonic() - started)
        expect(presenter.get_by_text(f"Folie {position + 1} von 7")).to_be_visible()
    assert position == 4
    for projector in projectors:
        assert fits_without_scrolling(projector)
    if os.environ.get("BEAMER_STEPS_REPORT"):
        Path(os.environ["BEAMER_STEPS_REPORT"]).write_text(json.dumps({"delays": delays}))

    # The office edits during the talk: the projectors keep the snapshot ...
    with Session(engine) as s:
        organisation = s.scalars(select(Organisation)).first()
        choice = {"organisation_id": organisation.id, "sector_id": organisation.sector_id}
    with session_scope(engine, EDITOR) as s:
        services.create_member(
            s,
            EDITOR,
            {"first_name": "Bea", "last_name": "Beamer", "active_from": dt.date.today(), **choice},
        )
    for turn in range(position):
        position -= 1
        press(presenter, -1, turn)
        expect(presenter.get_by_text(f"Folie {position + 1} von 7")).to_be_visible()
    for projector, before in zip(projectors, members_image, strict=True):
        wait_heading(projector, titles[0])
        assert image_src(projector) == before
    # ... until the presenter takes a new one, for every projector at once.
    presenter.get_by_role("button", name="Daten aktualisieren").click()
    for projector, before in zip(projectors, members_image, strict=True):
        projector.wait_for_function(  # one member more on the members slide
            "src => document.querySelector('.st-key-beamer_slide img')?.src.endsWith(src) === false",
            arg=before,
            timeout=60_000,
        )
        assert heading(projector) == titles[0]

    for server in (replicas.a, replicas.b):  # each browser stayed on its replica
        route = proxy.route_to(server)
        assert {line["upstream"] for line in proxy.log() if line["route"] == route} == {
            server.address
        }


def test_a_projector_link_opens_no_other_page(open_browser, proxy, links):
    _, tokens = links
    projector = open_browser()
    for path in ("overview", "accounts", "edit_members"):
        projector.goto(f"{proxy.url}/{path}?{TOKEN_PARAM}={tokens['Saal']}")
        wait_for_app(projector)
        expect(projector.get_by_text("Die Präsentation beginnt in Kürze.")).to_be_visible()
        expect(projector.get_by_test_id("stSidebar")).to_have_count(0)
        expect(projector.get_by_test_id("stMetric")).to_have_count(0)
        expect(projector.get_by_role("textbox")).to_have_count(0)
