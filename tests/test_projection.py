"""Projector links and presentations (db/projection.py) on SQLite and PostgreSQL:
tokens stored only as hashes, revoked and expired links show nothing, one frozen
snapshot per presentation shared by every projector, two presentations at once,
a step costs no data-version bump, and a projector asks with one small query."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from db import projection, services
from db.engine import session_scope
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import BERLIN, DataVersion, Member, ProjectorLink
from db.permissions import Actor

ADMIN = Actor("admin", "admin")
EDITOR = Actor("geschaeftsstelle", "editor")
VIEWER = Actor("ministerium", "viewer")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)


def slides(*titles: str, image: bytes = b"\x89PNG-a") -> list[projection.SlideSnapshot]:
    return [
        projection.SlideSnapshot(f"k{i}", title, f"Notiz {i}", image + bytes([i]), f"Alt {i}")
        for i, title in enumerate(titles)
    ]


def new_link(engine, label: str = "Plenarsaal", days: int = 30, now=NOW) -> str:
    with session_scope(engine, ADMIN) as s:
        return projection.create_link(s, ADMIN, label, days, now)


def link_id(engine, label: str) -> int:
    with Session(engine) as s:
        return s.scalar(select(ProjectorLink.id).where(ProjectorLink.label == label))


def state(engine, token: str, now=NOW) -> projection.ProjectorState | None:
    with Session(engine) as s:
        return projection.projector_state(s, token, now)


def start(engine, title: str, labels: list[str], deck=None, actor=VIEWER) -> int:
    with session_scope(engine, actor) as s:
        ids = [link_id(engine, label) for label in labels]
        return projection.start(s, actor, title, None, deck or slides("A", "B", "C"), ids, NOW)


def move(engine, presentation_id: int, position: int) -> int:
    with session_scope(engine, VIEWER) as s:
        return projection.move(s, VIEWER, presentation_id, position)


def test_a_link_keeps_only_the_hash_of_its_token_and_shows_the_title_slide(engine):
    token = new_link(engine)
    assert len(token) >= 40
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM projector_links")).mappings().one()
    assert token not in {str(v) for v in stored.values()}
    shown = state(engine, token)
    assert shown.link_ok and shown.label == "Plenarsaal"
    assert shown.presentation_id is None and shown.showing is None  # the title slide
    assert state(engine, "kein-gueltiger-link") is None


@pytest.mark.parametrize(
    ("label", "days", "message"),
    [
        ("  ", 30, "Bezeichnung: ist ein Pflichtfeld."),
        ("x" * 81, 30, "Bezeichnung: darf höchstens 80 Zeichen lang sein."),
        ("Saal", 0, "Gültig für (Tage): muss zwischen 1 und 1825 liegen."),
    ],
)
def test_bad_input_for_a_link_is_refused_naming_the_field(engine, label, days, message):
    with pytest.raises(ValidationError) as refused, session_scope(engine, ADMIN) as s:
        projection.create_link(s, ADMIN, label, days, NOW)
    assert str(refused.value) == message
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ProjectorLink)) == 0


def test_only_an_admin_creates_or_revokes_links(engine):
    for actor in (VIEWER, EDITOR):
        with pytest.raises(PermissionDenied), session_scope(engine, actor) as s:
            projection.create_link(s, actor, "Saal", 30, NOW)
    new_link(engine)
    with pytest.raises(PermissionDenied), session_scope(engine, EDITOR) as s:
        projection.revoke_link(s, EDITOR, link_id(engine, "Plenarsaal"), NOW)


def test_a_revoked_or_expired_link_shows_nothing_even_during_a_presentation(engine):
    hall, overflow = new_link(engine, "Plenarsaal"), new_link(engine, "Nebenraum", days=1)
    start(engine, "3. Sitzung", ["Plenarsaal", "Nebenraum"])
    assert state(engine, hall).showing is not None
    with session_scope(engine, ADMIN) as s:
        projection.revoke_link(s, ADMIN, link_id(engine, "Plenarsaal"), NOW)
    revoked = state(engine, hall)
    assert not revoked.link_ok and revoked.showing is None
    later = NOW + dt.timedelta(days=1, seconds=1)
    assert state(engine, overflow).link_ok
    expired = state(engine, overflow, later)
    assert not expired.link_ok and expired.showing is None


def test_every_projector_of_a_presentation_shows_the_same_slide_and_two_run_at_once(engine):
    hall, overflow, room = (new_link(engine, name) for name in ("Saal", "Nebenraum", "AG-Raum"))
    plenary = start(engine, "Plenum", ["Saal", "Nebenraum"], slides("P1", "P2", "P3"))
    group = start(engine, "AG 2", ["AG-Raum"], slides("G1", "G2"))
    assert move(engine, plenary, 1) == 1
    assert state(engine, hall).showing == state(engine, overflow).showing
    assert state(engine, hall).position == 1 and state(engine, room).position == 0
    assert move(engine, plenary, 99) == 2  # kept within the deck
    assert move(engine, group, -5) == 0
    with Session(engine) as s:
        assert projection.slide(s, plenary, 2).title == "P3"
        assert projection.slide(s, group, 0).title == "G1"
        assert projection.slide(s, group, 2) is None
        running = projection.running(s)
    assert dict(zip(running["title"], running["projectors"], strict=True)) == {
        "Plenum": 2,
        "AG 2": 1,
    }


def test_the_snapshot_stays_until_refreshed_while_the_office_edits(engine):
    hall = new_link(engine)
    presentation = start(engine, "Plenum", ["Plenarsaal"], slides("Alt A", "Alt B"))
    move(engine, presentation, 1)
    with Session(engine) as s:
        before = projection.slide(s, presentation, 1)
    taken = state(engine, hall).snapshot_at
    with session_scope(engine, ADMIN) as s:  # the office edits during the talk
        services.save_reference(s, ADMIN, "sector", None, {"name": "Neu", "sort_order": 9})
    with Session(engine) as s:
        assert projection.slide(s, presentation, 1) == before
    later = NOW + dt.timedelta(minutes=5)
    with session_scope(engine, VIEWER) as s:
        projection.refresh(s, VIEWER, presentation, slides("Neu A", image=b"\x89PNG-b"), later)
    after = state(engine, hall)
    assert after.snapshot_at == later != taken
    assert after.position == 0  # the new deck is shorter: its last slide
    with Session(engine) as s:
        assert projection.slide(s, presentation, 0).title == "Neu A"
        assert projection.slide(s, presentation, 1) is None


def test_a_step_bumps_no_data_version_and_a_projector_asks_with_one_query(engine):
    hall = new_link(engine)
    presentation = start(engine, "Plenum", ["Plenarsaal"])
    with Session(engine) as s:
        version = s.scalar(select(DataVersion.value))
    move(engine, presentation, 1)
    with Session(engine) as s:
        assert s.scalar(select(DataVersion.value)) == version
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert state(engine, hall).position == 1
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert len(statements) == 1
    assert "image" not in statements[0]  # the slide's image only when it changed


def test_ending_a_presentation_sends_its_projectors_back_to_the_title_slide(engine):
    hall = new_link(engine)
    presentation = start(engine, "Plenum", ["Plenarsaal"])
    with session_scope(engine, VIEWER) as s:
        projection.end(s, VIEWER, presentation, NOW)
    assert state(engine, hall).showing is None
    with pytest.raises(NotFound), session_scope(engine, VIEWER) as s:
        projection.move(s, VIEWER, presentation, 1)
    with Session(engine) as s:
        assert projection.running(s).empty


def test_a_presentation_needs_slides_and_a_projector(engine):
    new_link(engine)
    with pytest.raises(ValidationError, match="Folien"), session_scope(engine, VIEWER) as s:
        projection.start(s, VIEWER, "Leer", None, [], [link_id(engine, "Plenarsaal")], NOW)
    with pytest.raises(ValidationError, match="Beamer"), session_scope(engine, VIEWER) as s:
        projection.start(s, VIEWER, "Ohne Beamer", None, slides("A"), [], NOW)
    with Session(engine) as s:
        assert projection.running(s).empty
        assert s.scalar(select(func.count()).select_from(Member)) == 0
