"""The presentation deck through AppTest: stepping, frozen data, exports."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import deck_slides
from db import deck_data as deck_db
from db.engine import session_scope
from db.models import BERLIN, Measure, MeasureStatus, Meeting, Member
from db.versioning import bump_data_version
from tests.apptest import signed_in
from tests.conftest import TODAY

TITLES = [s.title for s in deck_slides.SLIDES]


def titles(at) -> list[str]:
    """The slide titles of the deck this session froze (some name the sitting)."""
    return [
        deck_slides.slide_title(s.key, at.session_state["deck_data"]) for s in deck_slides.SLIDES
    ]


def open_deck(user: str = "leitung"):
    at = signed_in(user)
    at.switch_page("pages/presentation.py").run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def shown(at) -> tuple[str, str]:
    counter = next(m.value for m in at.markdown if m.value.startswith("**Folie "))
    return at.header[0].value, counter


def slide_image(at) -> str:
    """The address of the slide's image, which changes with its content (Streamlit
    names a media file by the hash of its bytes)."""
    images = at.get("image")
    return images[0].value[0] if images else ""


def test_stepping_through_the_deck_moves_title_and_counter(app_env, demo_engine):
    at = open_deck()
    total = len(TITLES)
    expected = titles(at)
    assert shown(at) == (
        expected[0],
        f"**Folie 1 von {total}** · Stand der Daten: " + shown(at)[1].split(": ", 1)[1],
    )
    for i in range(1, total):
        at.button(key="deck_next").click().run()
        title, counter = shown(at)
        assert title == expected[i]
        assert counter.startswith(f"**Folie {i + 1} von {total}**")
    assert at.button(key="deck_next").disabled
    at.button(key="deck_prev").click().run()
    assert shown(at)[0] == expected[-2]
    at.run()  # the deck remembers where it is across reruns
    assert shown(at)[0] == expected[-2]


def test_the_deck_is_frozen_until_refresh(app_env, demo_engine):
    at = open_deck()
    assert shown(at)[0] == "Mitglieder nach Bereich"
    before = slide_image(at)
    assert before
    with session_scope(demo_engine) as s:
        for member in s.scalars(select(Member).where(Member.active_to.is_(None))).all()[:5]:
            member.active_to = TODAY - dt.timedelta(days=1)
        bump_data_version(s)
    at.run()
    assert slide_image(at) == before
    at.button(key="deck_refresh").click().run()
    assert slide_image(at) != before


def test_the_presenter_picks_and_orders_the_slides(app_env, demo_engine):
    at = open_deck()
    at.multiselect(key="deck_slides_widget").set_value(["termine", "fortschritt"]).run()
    assert shown(at)[0] == "Die nächsten Termine"
    at.button(key="deck_next").click().run()
    assert shown(at)[0] == "Fortschritt je Themenbereich"
    assert shown(at)[1].startswith("**Folie 2 von 2**")


def test_fullscreen_shows_only_back_next_and_the_counter(app_env, demo_engine):
    at = open_deck()
    at.toggle(key="deck_fullscreen_widget").set_value(True).run()
    assert not at.title and not at.expander
    assert not at.toggle and not at.get("download_button")
    shown_buttons = [b.label for b in at.main.button]
    assert shown_buttons == ["Zurück", f"Folie 1 von {len(TITLES)}", "Weiter"]
    expected = titles(at)
    assert at.header[0].value == expected[0]
    at.button(key="deck_next").click().run()
    assert at.header[0].value == expected[1]
    at.button(key="deck_counter").click().run()  # the counter (or Esc) leaves full screen
    assert at.title and at.toggle(key="deck_fullscreen_widget").value is False
    assert at.header[0].value == expected[1]


def _order(at) -> list[str]:
    """Buttons, headers and slide images of the main area in the order they are drawn."""
    found = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        if kind == "button":
            found.append(node.label)
        elif kind == "header":
            found.append("header")
        elif kind == "image":
            found.append("slide")
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return found


def test_the_navigation_is_above_the_slide(app_env, demo_engine):
    order = _order(open_deck())
    assert order.index("Weiter") < order.index("header") < order.index("slide")
    assert order.index("Zurück") < order.index("Weiter")


def test_exports_hold_one_full_hd_png_per_slide(demo_engine):
    with Session(demo_engine) as s:
        sitting = deck_db.sittings(s, TODAY).iloc[0]["id"]
        snapshot = deck_db.deck_data(s, TODAY, int(sitting))
    keys = ["mitglieder", "teilnahme", "ueberfaellig"]
    archive = zipfile.ZipFile(io.BytesIO(deck_slides.downloads(snapshot, keys)[0][3]()))
    names = sorted(archive.namelist())
    assert names == ["folie-01.png", "folie-02.png", "folie-03.png"]
    for name in names:
        image = Image.open(io.BytesIO(archive.read(name)))
        assert (image.format, image.size) == ("PNG", (1920, 1080))


def test_slide_titles_name_the_sitting_the_comparison_and_the_count(app_env, demo_engine):
    at = open_deck()
    with Session(demo_engine) as s:
        sitting = s.scalars(
            select(Meeting)
            .where(Meeting.kind == "plenary", Meeting.starts_at <= dt.datetime.now(BERLIN))
            .order_by(Meeting.starts_at.desc())
        ).first()
        overdue = len(
            s.scalars(
                select(Measure)
                .join(Measure.status)
                .where(
                    Measure.due_date < TODAY,
                    ~MeasureStatus.is_done,
                    ~MeasureStatus.is_discontinued,
                    ~Measure.archived,
                )
            ).all()
        )
    day = sitting.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y")
    number = sitting.title.split(" der ")[0]
    assert titles(at)[1] == f"Teilnahme der Bereiche an der {number} am {day}"
    assert titles(at)[3] == f"Veränderung seit der Sitzung am {day}"
    assert titles(at)[5] == f"Überfällige Maßnahmen: {overdue}"
