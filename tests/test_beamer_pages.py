"""The Beamer view, its control and the projector links through AppTest, on SQLite
and PostgreSQL: a projector link shows the title slide, then the presenter's slide,
and after its revocation a German notice and no data; with a projector link every
page URL shows the Beamer view and nothing else; the presenter's Weiter moves every
projector; bad input for a link is refused naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components import projector
from components.fmt import md
from components.navigation import PAGES
from db import projection
from db.config import PROJECT_ROOT
from db.engine import session_scope
from db.models import BERLIN, Presentation, ProjectorLink
from db.permissions import Actor
from tests.apptest import APP, errors, page_titles, signed_in, submit, widget

ADMIN = Actor("admin", "admin")


def new_link(engine, label: str = "Plenarsaal") -> str:
    with session_scope(engine, ADMIN) as s:
        return projection.create_link(s, ADMIN, label, 30, dt.datetime.now(BERLIN))


def beamer(token: str, page: str | None = None) -> AppTest:
    """The app as the PC behind a projector opens it: the link, or a page's URL with it
    (Streamlit then starts that page's script on its own, as for a fresh request)."""
    script = APP if page is None else str(PROJECT_ROOT / page)
    at = AppTest.from_file(script, default_timeout=60)
    at.query_params[projector.TOKEN_PARAM] = token
    at.run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def presenting(at: AppTest, link_label: str) -> AppTest:
    """The presentation page put on the projector LINK_LABEL."""
    at.switch_page("pages/presentation.py").run()
    at.toggle(key="deck_live_open").set_value(True).run()
    at.multiselect(key="deck_live_links").select(link_id(link_label))  # sent with the form
    at.button(key="deck_live_start").click().run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def link_id(label: str) -> int:
    return next(i for i, name in _labels.items() if name == label)


_labels: dict[int, str] = {}


@pytest.fixture
def links(app_env, demo_engine) -> dict[str, str]:
    tokens = {label: new_link(demo_engine, label) for label in ("Plenarsaal", "Nebenraum")}
    with Session(demo_engine) as s:
        _labels.clear()
        _labels.update(dict(s.execute(select(ProjectorLink.id, ProjectorLink.label)).all()))
    return tokens


def test_the_projector_follows_the_presenter_and_a_revoked_link_shows_nothing(demo_engine, links):
    hall = beamer(links["Plenarsaal"])
    assert projector.CONFERENCE in texts(hall) and "beginnt in Kürze" in texts(hall)
    assert not hall.sidebar.children or not page_titles(hall)

    at = presenting(signed_in("leitung"), "Plenarsaal")
    assert "Folie 1 von 7" in texts(at)
    hall.run()
    assert "Mitglieder nach Bereich" in texts(hall)
    at.button(key="deck_live_next").click().run()
    hall.run()
    assert "Teilnahme der Bereiche" in texts(hall)
    overflow = beamer(links["Nebenraum"])
    assert "beginnt in Kürze" in texts(overflow)  # it follows nothing yet

    with Session(demo_engine) as s:
        presentation_id = s.scalar(select(Presentation.id))
    with session_scope(demo_engine, ADMIN) as s:
        projection.revoke_link(s, ADMIN, link_id("Plenarsaal"), dt.datetime.now(BERLIN))
    hall.run()
    assert [w.value for w in hall.warning] == [projector.LINK_GONE]
    assert "Teilnahme" not in texts(hall) and not hall.get("imgs")
    with Session(demo_engine) as s:
        assert s.get(Presentation, presentation_id).ended_at is None  # the talk goes on


def test_with_a_projector_link_every_page_url_shows_the_beamer_view_only(links):
    for path in [*(spec.path for spec in PAGES), "pages/beamer.py"]:
        at = beamer(links["Plenarsaal"], path)
        shown = texts(at)
        assert "beginnt in Kürze" in shown, path
        assert not at.title and not at.dataframe and not at.get("vega_lite_chart"), path
        assert not at.text_input and not at.button, path
    at = beamer("erfundener-link", "pages/accounts.py")
    assert [w.value for w in at.warning] == [projector.LINK_GONE]


def test_the_presenter_steps_refreshes_and_ends_for_every_projector(demo_engine, links):
    at = presenting(signed_in("leitung"), "Plenarsaal")
    chooser = widget(at, "multiselect", "Beamer, die folgen")
    chooser.set_value([link_id("Plenarsaal"), link_id("Nebenraum")])
    at = submit(at, "Beamer übernehmen", chooser.proto.form_id)
    hall, overflow = beamer(links["Plenarsaal"]), beamer(links["Nebenraum"])
    assert "Mitglieder nach Bereich" in texts(hall) and "Mitglieder nach Bereich" in texts(overflow)

    for _ in range(3):
        at.button(key="deck_live_next").click().run()
    with Session(demo_engine) as s:
        presentation = s.scalars(select(Presentation)).one()
        taken = presentation.snapshot_at
    assert presentation.position == 3
    hall.run()
    overflow.run()
    assert "Folie 4 von 7" in texts(at)
    assert texts(hall).split("\n")[0] == texts(overflow).split("\n")[0]

    at.button(key="deck_live_refresh").click().run()
    with Session(demo_engine) as s:
        assert s.scalars(select(Presentation)).one().snapshot_at > taken
    at.button(key="deck_live_end").click().run()
    hall.run()
    assert "beginnt in Kürze" in texts(hall)
    assert "Auf den Beamer" in [t.label for t in at.toggle]


@pytest.mark.parametrize(
    ("label", "days", "message"),
    [
        ("", "30", "Bezeichnung: ist ein Pflichtfeld."),
        ("Saal", "dreißig", "Gültig für (Tage): muss eine ganze Zahl sein."),
        ("Saal", "0", "Gültig für (Tage): muss zwischen 1 und 1825 liegen."),
    ],
)
def test_bad_input_for_a_projector_link_names_the_field_and_saves_nothing(
    app_env, demo_engine, label, days, message
):
    at = signed_in("admin")
    at.switch_page("pages/projectors.py").run()
    widget(at, "text_input", "Bezeichnung", "projectors_new").input(label)
    widget(at, "text_input", "Gültig für (Tage)", "projectors_new").input(days)
    at = submit(at, "Link anlegen", "projectors_new")
    assert errors(at) == md(message)
    with Session(demo_engine) as s:
        assert s.scalars(select(ProjectorLink)).all() == []


def test_an_admin_creates_a_link_that_is_shown_once_and_works(app_env, demo_engine):
    for user in ("leitung", "geschaeftsstelle"):
        assert "Beamer-Links" not in page_titles(signed_in(user))
    at = signed_in("admin")
    at.switch_page("pages/projectors.py").run()
    widget(at, "text_input", "Bezeichnung", "projectors_new").input("Plenarsaal")
    at = submit(at, "Link anlegen", "projectors_new")
    (shown,) = at.code
    token = shown.value.split(f"?{projector.TOKEN_PARAM}=")[1]
    with Session(demo_engine) as s:
        assert projection.projector_state(s, token, dt.datetime.now(BERLIN)).link_ok
    at.run()
    assert not at.code  # shown once
