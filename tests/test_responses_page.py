"""The Rückmeldungen page through AppTest, on SQLite and PostgreSQL: the grid
(valid and invalid entry), the import of a list (valid, invalid, round trip),
and what viewers see of the answers (counts, never names)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from components import exports
from db import responses
from db.demo_catalogue import AT_RISK
from db.list_export import export_responses
from db.models import BERLIN, MeetingResponse
from tests.apptest import errors, signed_in
from tests.conftest import TODAY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = dt.datetime.combine(TODAY, dt.time(), tzinfo=BERLIN)


def page(user: str, path: str = "pages/responses.py"):
    at = signed_in(user)
    at.switch_page(path).run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def stored(engine, meeting_id: int) -> dict[int, tuple]:
    with Session(engine) as s:
        rows = s.scalars(select(MeetingResponse).where(MeetingResponse.meeting_id == meeting_id))
        return {r.member_id: (r.answer, r.deputy_name, r.received_on) for r in rows}


def next_meeting(engine) -> int:
    with Session(engine) as s:
        return responses.next_planned(s, NOW)


def edit_grid(at, meeting_id: int, edits: dict[int, dict]):
    """Type EDITS (grid row -> column -> value) into the grid and save."""
    key = f"responses_{meeting_id}_0_grid"
    at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == "Rückmeldungen speichern").click()
    at.run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def test_the_grid_saves_typed_answers_and_refuses_a_bad_day(app_env, demo_engine):
    meeting_id = next_meeting(demo_engine)
    at = page("geschaeftsstelle")
    assert at.selectbox(key="responses_meeting").value == meeting_id
    (grid,) = at.data_editor
    table = grid.value
    assert list(table.columns)[1:] == [
        "Name", "Bereich", "Organisation", "Rückmeldung", "Vertretung", "Eingegangen am",
    ]  # fmt: skip
    before = stored(demo_engine, meeting_id)
    silent = [i for i, answer in enumerate(table["Rückmeldung"]) if answer == "keine Rückmeldung"]
    first, second = (int(table.loc[i, "member_id"]) for i in silent[:2])

    edit_grid(
        at, meeting_id, {silent[0]: {"Rückmeldung": "zugesagt", "Eingegangen am": "31.02.2026"}}
    )
    shown = errors(at).replace("\\", "")  # markdown escapes
    assert "Eingegangen am: ist kein gültiges Datum (TT.MM.JJJJ)." in shown
    assert stored(demo_engine, meeting_id) == before  # nothing saved, the grid keeps the input

    edit_grid(
        at,
        meeting_id,
        {
            silent[0]: {"Rückmeldung": "zugesagt", "Eingegangen am": "28.11.2026"},
            silent[1]: {"Rückmeldung": "Vertretung angekündigt", "Vertretung": "Ida Gast"},
        },
    )
    assert not at.error, errors(at)
    after = stored(demo_engine, meeting_id)
    assert after[first] == ("accepted", None, dt.date(2026, 11, 28))
    assert after[second][:2] == ("deputy", "Ida Gast")
    # the saved grid shows the stored state again
    (grid,) = at.data_editor
    assert grid.value.loc[silent[1], "Vertretung"] == "Ida Gast"


def test_the_import_tab_previews_refuses_and_imports_a_list(app_env, demo_engine):
    meeting_id = next_meeting(demo_engine)
    with Session(demo_engine) as s:
        listed = export_responses(s, meeting_id)
    at = page("geschaeftsstelle")
    uploader = at.file_uploader(key=f"responses_file_{meeting_id}")

    bad = listed.copy()
    bad.loc[0, "Rückmeldung"] = "vielleicht"
    uploader.upload("liste.csv", exports.csv_bytes(bad), "text/csv").run()
    assert "Die Datei enthält Fehler" in errors(at)
    assert next(b for b in at.button if b.label == "Alle Zeilen importieren").disabled

    unchanged = exports.excel_bytes(listed)
    at.file_uploader(key=f"responses_file_{meeting_id}").upload("liste.xlsx", unchanged, XLSX).run()
    assert any(f"{len(listed)} unverändert" in m.value for m in at.markdown)

    silent = listed.index[listed["Rückmeldung"] == "keine Rückmeldung"][0]
    good = listed.copy()
    good.loc[silent, "Rückmeldung"] = "abgesagt"
    at.file_uploader(key=f"responses_file_{meeting_id}").upload(
        "liste2.csv", exports.csv_bytes(good), "text/csv"
    ).run()
    next(b for b in at.button if b.label == "Alle Zeilen importieren").click()
    at.run()
    assert not at.exception
    assert any("Import abgeschlossen: 1 neu" in s.value for s in at.success)
    member_id = int(listed.loc[silent, "Mitglied-ID"])
    assert stored(demo_engine, meeting_id)[member_id][0] == "declined"


def test_viewers_see_the_warning_and_counts_but_no_names(app_env, demo_engine):
    at = page("leitung", "pages/overview.py")
    warnings = " ".join(w.value for w in at.warning)
    assert AT_RISK in warnings and "Sitzen erwartet" in warnings
    assert not any("ohne Rückmeldung" in e.label for e in at.expander)
    staff = page("geschaeftsstelle", "pages/overview.py")
    assert any("Noch ohne Rückmeldung in gefährdeten Bereichen" in e.label for e in staff.expander)


def test_the_import_page_offers_the_answers_of_all_planned_meetings(app_env, demo_engine):
    with Session(demo_engine) as s:
        listed = export_responses(s)
    assert listed["Termin-ID"].nunique() >= 3
    at = page("geschaeftsstelle", "pages/import_data.py")
    at.radio(key="import_kind").set_value("responses").run()
    edited = listed.copy()
    edited.loc[0, "Rückmeldung"] = (
        "abgesagt" if listed.loc[0, "Rückmeldung"] != "abgesagt" else "zugesagt"
    )
    at.file_uploader(key="import_file").upload("liste.csv", exports.csv_bytes(edited), "text/csv")
    at.run()
    assert not at.exception and not at.error, errors(at)
    assert any("1 geändert" in m.value or "1 neu" in m.value for m in at.markdown)
