"""Personal data on the pages, through AppTest on SQLite and PostgreSQL: a viewer
sees member names only in a meeting's list of participants; the deck and the
briefing name nobody; the access export and the anonymisation are editor
actions (the export is logged without data, anonymising needs a confirmation);
after anonymising, no download of any page holds a trace of the person."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Iterator

import pyarrow as pa
import pytest
from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Expander

from components import deck_slides
from components.navigation import PAGES
from db import deck_data as deck_db
from db import privacy, services
from db.briefing_figures import build_briefing
from db.engine import session_scope
from db.errors import PermissionDenied
from db.models import Attendance, Meeting, Member
from db.permissions import Actor
from tests.apptest import errors, page_titles, signed_in, submit
from tests.conftest import TODAY
from tests.logcapture import captured_log
from tests.people import EDITOR, FIRST, LAST, TRACES, found, make_person, workbook_text

VIEWER_PAGES = [spec.path for spec in PAGES if spec.role == "viewer"]
PARTICIPANTS = "Teilnehmende"  # the expander of the one list with names viewers see


def open_page(user: str, path: str) -> AppTest:
    at = signed_in(user)
    at.switch_page(path).run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


# --------------------------------------------------------------------------- what a page shows


def _arrow_cells(data: bytes) -> list[str]:
    try:
        table = pa.ipc.open_stream(data).read_all()
    except (pa.ArrowInvalid, OSError):
        return []
    return [*table.column_names, *(str(v) for col in table.columns for v in col.to_pylist())]


def _bytes_fields(message) -> Iterator[bytes]:
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if field.type == FieldDescriptor.TYPE_BYTES:
                yield item
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                yield from _bytes_fields(item)


def rendered(node, around: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(labels of the expanders around it, text) of everything on the page: every
    text field of every element, and the cells of its tables and chart data."""
    if isinstance(node, Block):
        if isinstance(node, Expander):
            around = (*around, node.label)
        for child in node.children.values():
            yield from rendered(child, around)
        return
    proto = getattr(node, "proto", None)
    if proto is None:
        return
    yield around, text_format.MessageToString(proto, as_utf8=True)
    for data in _bytes_fields(proto):
        yield around, "\n".join(_arrow_cells(data))


def member_names(engine) -> re.Pattern[str]:
    """Every member's name as a list shows it ("Last, First", "First Last") and each
    last name on its own, as whole words."""
    with Session(engine) as s:
        people = s.execute(select(Member.first_name, Member.last_name)).all()
    needles = {re.escape(last) for _, last in people}
    needles |= {re.escape(f"{first} {last}") for first, last in people}
    needles |= {re.escape(f"{last}, {first}") for first, last in people}
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(needles, key=len, reverse=True)) + r")(?!\w)")


def names_shown(at: AppTest, names: re.Pattern[str]) -> tuple[set[str], set[str]]:
    """Names shown outside and inside the participants list."""
    outside, inside = set(), set()
    for around, text in rendered(at._tree):
        allowed = any(label.startswith(PARTICIPANTS) for label in around)
        (inside if allowed else outside).update(names.findall(text))
    return outside, inside


def last_plenary(engine) -> int:
    with Session(engine) as s:
        return s.scalar(
            select(Meeting.id)
            .where(Meeting.kind == "plenary", Meeting.status == "held")
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )


def test_a_viewer_sees_names_only_in_the_participants_list_and_cannot_download_it(
    app_env, demo_engine
):
    names = member_names(demo_engine)
    plenary = last_plenary(demo_engine)
    at = signed_in("leitung")
    seen_inside: set[str] = set()
    for path in VIEWER_PAGES:
        at.switch_page(path).run()
        assert not at.exception, (path, at.exception)
        if path == "pages/calendar.py":
            at.selectbox(key="cal_detail").select(plenary).run()
        if path == "pages/presentation.py":  # every slide of the deck
            while not at.button(key="deck_next").disabled:
                at.button(key="deck_next").click().run()
                outside, _ = names_shown(at, names)
                assert outside == set(), (path, outside)
        outside, inside = names_shown(at, names)
        assert outside == set(), (path, outside)
        seen_inside |= inside
        if path == "pages/calendar.py":
            assert inside, "the participants list shows names (and the scan finds them)"
            assert not [b for b in at.get("download_button") if "people" in (b.key or "")]
    assert seen_inside


def test_an_editor_may_download_the_participants_list(app_env, demo_engine):
    at = open_page("geschaeftsstelle", "pages/calendar.py")
    at.selectbox(key="cal_detail").select(last_plenary(demo_engine)).run()
    keys = {b.key for b in at.get("download_button")}
    assert {"cal_detail_people_csv", "cal_detail_people_xlsx"} <= keys


def test_the_deck_and_the_briefing_name_nobody(demo_engine):
    names = member_names(demo_engine)
    with Session(demo_engine) as s:
        sittings = deck_db.sittings(s, TODAY)
        snapshot = deck_db.deck_data(s, TODAY, int(sittings.iloc[0]["id"]))
        briefing = build_briefing(s, TODAY)
    slides = deck_slides.export_slides(snapshot, [spec.key for spec in deck_slides.SLIDES])
    texts = [repr(snapshot), repr(dataclasses.asdict(briefing))]
    texts += [f"{slide.title} {slide.chart.to_json()} {slide.footer}" for slide in slides]
    assert [names.findall(t) for t in texts] == [[] for _ in texts]


def test_every_role_can_read_the_privacy_note(app_env):
    for user in ("leitung", "geschaeftsstelle", "admin"):
        at = signed_in(user)
        assert "Datenschutz" in page_titles(at)
    at.switch_page("pages/privacy.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Datenschutz"]
    headings = [h.value for h in at.subheader]
    assert {"Was gespeichert wird", "Wozu", "Wie lange", "Ihre Rechte"} <= set(headings)
    assert any("24 Monate" in m.value for m in at.markdown)


# --------------------------------------------------------------------------- editor actions


@pytest.fixture
def downloads(monkeypatch) -> dict[str, Callable[[], bytes]]:
    """The deferred download callables of the page runs, by file name."""
    made: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return made


def members_page(member_id: int) -> AppTest:
    at = open_page("geschaeftsstelle", "pages/edit_members.py")
    at.selectbox(key="members_selected").select(member_id).run()
    assert not at.exception, at.exception
    return at


def test_an_editor_exports_everything_about_a_member_and_the_export_is_logged(
    app_env, demo_engine, downloads
):
    person = make_person(demo_engine)
    at = members_page(person.member_id)
    assert "Auskunft als Excel" in [b.label for b in at.get("download_button")]
    with captured_log() as log:
        data = downloads[f"auskunft-mitglied-{person.member_id}.xlsx"]()
    sheets = workbook_text(data)
    assert list(sheets)[:2] == ["Auskunft", "Mitglied"]
    assert found(sheets["Mitglied"], [FIRST, LAST]) == [FIRST, LAST]
    assert [(e["user"], e["member_id"]) for e in log.named("personal_data_export")] == [
        ("geschaeftsstelle", person.member_id)
    ]
    assert found(log.text, TRACES) == []


def test_anonymising_through_the_page_needs_the_confirmation(app_env, demo_engine):
    person = make_person(demo_engine)
    at = members_page(person.member_id)
    form = f"members_anonymise_{person.member_id}"
    submit(at, "Mitglied anonymisieren", form)
    assert "Bitte erst bestätigen" in errors(at)
    with Session(demo_engine) as s:
        assert s.get(Member, person.member_id).anonymised_at is None

    with captured_log() as log:
        at.checkbox(key=f"members_anonymise_confirm_{person.member_id}").check()
        submit(at, "Mitglied anonymisieren", form)
    assert not at.error, errors(at)
    with Session(demo_engine) as s:
        member = s.get(Member, person.member_id)
        assert (member.last_name, member.anonymised_at is not None) == ("Anonymisiert", True)
    assert [(e["user"], e["member_id"]) for e in log.named("member_anonymised")] == [
        ("geschaeftsstelle", person.member_id)
    ]
    assert found(log.text, TRACES) == []
    # the page now shows the placeholder, no form to edit or anonymise the record
    assert any("anonymisiert" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Mitglied anonymisieren"]
    assert not [f for f in at.text_input if f.value == FIRST]
    options = at.selectbox(key="members_selected").options
    assert [o for o in options if o.startswith(f"Anonymisiert, #{person.member_id} – ")]


def test_a_viewer_can_reach_neither_the_export_nor_the_anonymisation(app_env, demo_engine):
    at = signed_in("leitung")
    assert "Mitglieder" not in page_titles(at)
    with pytest.raises(ValueError):
        at.switch_page("pages/edit_members.py")
    with Session(demo_engine) as s:
        member_id = s.scalar(select(Member.id).limit(1))
    viewer = Actor("leitung", "viewer")
    for service, args in [
        (services.anonymise_member, (member_id,)),
        (services.anonymise_expired, (TODAY, 1)),
    ]:
        with pytest.raises(PermissionDenied), session_scope(demo_engine) as s:
            service(s, viewer, *args)


# --------------------------------------------------------------------------- exports afterwards

EDITOR_PAGES_WITH_DOWNLOADS = [
    "pages/participation.py",
    "pages/measures.py",
    "pages/calendar.py",
    "pages/edit_members.py",
    "pages/edit_measures.py",
    "pages/import_data.py",
]


def _text_of(name: str, data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if name.endswith(".xlsx"):
        return "\n".join(workbook_text(data).values())
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8-sig", "replace")


def test_after_anonymising_no_download_holds_a_trace_of_the_person(app_env, demo_engine, downloads):
    person = make_person(demo_engine)
    with Session(demo_engine) as s:
        version = s.get(Member, person.member_id).version
        attended = s.get(Attendance, (person.plenary_id, person.member_id))
        assert attended.deputy_attended  # she is on the plenary's participants list
    with session_scope(demo_engine) as s:
        services.anonymise_member(s, EDITOR, person.member_id, version)

    at = signed_in("geschaeftsstelle")
    for path in EDITOR_PAGES_WITH_DOWNLOADS:
        at.switch_page(path).run()
        assert not at.exception, (path, at.exception)
        if path == "pages/calendar.py":
            at.selectbox(key="cal_detail").select(person.plenary_id).run()
        if path == "pages/edit_members.py":  # the access export of her deputy
            at.selectbox(key="members_selected").select(person.deputy_id).run()
        if path == "pages/import_data.py":
            at.radio(key="import_kind").set_value("measures").run()
            at.radio(key="import_kind").set_value("members").run()
        assert not at.exception, (path, at.exception)
    tables = {n: f for n, f in downloads.items() if n.endswith((".csv", ".xlsx", ".ics"))}
    with captured_log() as log:
        texts = {name: _text_of(name, make()) for name, make in tables.items()}
    # downloads of personal data are logged, without the data
    exported = [
        {k: v for k, v in e.items() if k not in ("time", "level", "event")}
        for e in log.named("personal_data_export")
    ]
    assert {"user": "geschaeftsstelle", "meeting_id": person.plenary_id} in exported
    assert {"user": "geschaeftsstelle", "member_id": person.deputy_id} in exported
    assert len([e for e in exported if e.get("list") == "members"]) == 2  # Excel and CSV
    assert {"teilnehmende.csv", "mitglieder.xlsx", "massnahmen.csv"} <= set(texts)
    assert f"auskunft-mitglied-{person.deputy_id}.xlsx" in texts
    assert {name: found(text, TRACES) for name, text in texts.items() if found(text, TRACES)} == {}
    placeholder = f"Anonymisiert, #{person.member_id}"
    assert placeholder in texts["teilnehmende.csv"]
    assert placeholder in texts[f"auskunft-mitglied-{person.deputy_id}.xlsx"]
    assert privacy.placeholder(person.member_id) in texts["massnahmen.csv"]
