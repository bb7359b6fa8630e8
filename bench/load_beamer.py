"""`make load`'s Beamer level (issue 18): --sessions-with-projectors viewers on the
overview, first alone, then with --projectors projector links following a
presentation. A projector tab here reruns the whole Beamer page once a second,
more than a browser does (it reruns only the slide's fragment): an upper bound.
What the level shows is what the projectors take from the viewers: their
reruns per second and latency, and the server's CPU, with and without."""

from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.load_client import BrowserSession, PageCheck
from bench.load_measure import Level, bring_to, close_all, measure
from bench.load_progress import log_level, stamp
from bench.load_setup import page_check
from components import deck_notes, deck_slides
from components.projector import TOKEN_PARAM
from db import deck_data, projection
from db.engine import make_engine, session_scope
from db.models import BERLIN, ProjectorLink
from db.permissions import Actor
from db.sessions import digest

ADMIN = Actor("admin", "admin")
PAGE = "overview"


def presentation_links(database_url: str, projectors: int) -> list[str]:
    """A running presentation of the whole deck (its snapshot rendered as the app
    does) followed by PROJECTORS new links; returns their tokens."""
    engine = make_engine(database_url)
    today, now = dt.date.today(), dt.datetime.now(BERLIN)
    try:
        with Session(engine) as s:
            sittings = deck_data.sittings(s, today)
            sitting = int(sittings.iloc[0]["id"]) if len(sittings) else None
            data = deck_data.deck_data(s, today, sitting)
        slides = []
        for spec in deck_slides.SLIDES:
            image, alt = deck_slides.slide_image(spec.key, data, deck_slides.SCREEN_WIDTH)
            title = deck_slides.slide_title(spec.key, data)
            notes = deck_notes.notes(spec.key, data)
            slides.append(projection.SlideSnapshot(spec.key, title, notes, image, alt))
        with session_scope(engine, ADMIN) as s:
            tokens = [
                projection.create_link(s, ADMIN, f"Last-Beamer {i + 1}", 1, now)
                for i in range(projectors)
            ]
            ids = list(
                s.scalars(
                    select(ProjectorLink.id).where(
                        ProjectorLink.token_hash.in_([digest(t) for t in tokens])
                    )
                )
            )
            projection.start(s, ADMIN, "Lasttest", sitting, slides, ids, now)
    finally:
        engine.dispose()
    return tokens


def projector_check(token: str) -> PageCheck:
    return PageCheck("beamer", "", need_nav=False, query=f"{TOKEN_PARAM}={token}")


async def beamer_phase(load, app, viewers: list[BrowserSession], new_viewer, database_url: str):
    """The overview at N sessions without and with the projectors; None when left out."""
    args = load.args
    n, k = args.sessions_with_projectors, args.projectors
    if not k or not load.budget.allows("beamer", 2 * args.duration + 20 + n * 0.2, load.reserve):
        return None
    print(f"{stamp()} beamer: {n} sessions on the {PAGE}, then with {k} projectors", flush=True)
    tokens = presentation_links(database_url, k)
    check = page_check(PAGE)
    load.result["warmup"].update(await bring_to(viewers, n, new_viewer, check))
    alone = await measure(app, viewers[:n], Level(PAGE, "beamer-0", n, 1.0), args.duration, 5)
    log_level(alone)
    projectors = [BrowserSession(app.url, projector_check(t)) for t in tokens]
    opened = [await p.open() for p in projectors]
    level = Level(PAGE, f"beamer-{k}", n + k, 1.0)
    both = await measure(app, viewers[:n] + projectors, level, args.duration, 5)
    log_level(both)
    await close_all(projectors)
    return {"alone": alone, "with": both, "projectors": k, "sessions": n, "opened": opened}


def _viewer(lv: Level) -> tuple[float, float, float]:
    """Reruns/s, median and 95th percentile latency (s) of the overview's sessions."""
    times = lv.by_page.get(page_check(PAGE).url_path, [])
    if not times:
        return 0.0, float("nan"), float("nan")
    ordered = sorted(times)
    return len(times) / lv.seconds, statistics.median(times), ordered[int(0.95 * (len(times) - 1))]


def beamer_section(beamer: dict | None) -> list[str]:
    if not beamer:
        return []
    alone, both = beamer["alone"], beamer["with"]
    k, n = beamer["projectors"], beamer["sessions"]
    rows = []
    for name, lv in ((f"{n} Sitzungen allein", alone), (f"{n} Sitzungen + {k} Beamer", both)):
        rate, p50, p95 = _viewer(lv)
        rows.append(
            f"| {name} | {rate:.1f} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms | "
            f"{100 * lv.cpu / lv.seconds:.0f} % | {lv.failures} |"
        )
    beamer_times = both.by_page.get("beamer", [])
    rate = len(beamer_times) / both.seconds if both.seconds else 0.0
    return [
        "",
        f"## Beamer: {k} Projektoren neben {n} Sitzungen (issue 18)",
        "",
        "Die Übersicht mit ihren Sitzungen (je etwa eine Neuausführung pro Sekunde), erst",
        f"allein, dann mit {k} Beamer-Links, die einer laufenden Präsentation folgen. Ein",
        "Beamer führt hier die ganze Beamer-Seite einmal pro Sekunde aus (der Browser nur",
        "das Fragment der Folie): eine obere Schranke.",
        "",
        "| Stufe | Übersicht: Läufe/s | Median | 95 % | CPU des Servers | Fehler |",
        "|---|---|---|---|---|---|",
        *(r.replace(".", ",") for r in rows),
        "",
        f"Die Beamer liefen {rate:.1f}-mal pro Sekunde zusammen ({len(beamer_times)} Läufe).".replace(
            ".", ",", 1
        ),
    ]
