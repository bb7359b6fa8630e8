"""The import of member and measure lists: export -> edit -> import round trips
through the real Excel/CSV builders, all-or-nothing on errors, versions, and
the import page through AppTest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from streamlit.elements.progress import ProgressMixin

from components import exports, fmt
from db import list_import, services
from db.engine import session_scope
from db.errors import InvalidInput, PermissionDenied
from db.models import AuditEntry, Measure, Member, ProgressUpdate, WorkingGroupMembership
from db.permissions import Actor
from db.services.core import INTEGRITY
from tests.apptest import signed_in
from tests.conftest import TODAY

EDITOR = Actor("geschaeftsstelle", "editor")
VIEWER = Actor("leitung", "viewer")
FORMATS = ["xlsx", "csv"]
SPECIAL = [
    "Jürgen-Ölaf Straße",
    "مريم",
    "Ğ ş ı",
    "Zoë 🎉",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "=1+1",
    "-5",
    "@home",
    "+49 611 123",
]


# --------------------------------------------------------------------------- helpers


def to_file(df: pd.DataFrame, fmt: str) -> tuple[bytes, str]:
    if fmt == "xlsx":
        return exports.excel_bytes(df, "Import"), "liste.xlsx"
    return exports.csv_bytes(df), "liste.csv"


def export(engine: Engine, kind: str) -> pd.DataFrame:
    with Session(engine) as s:
        return list_import.export(s, kind)


def preview_file(
    engine: Engine, kind: str, data: bytes, filename: str
) -> list_import.ImportPreview:
    table = list_import.read_table(data, filename)
    with Session(engine) as s:
        return list_import.preview(s, kind, table)


def apply(
    engine: Engine, kind: str, preview: list_import.ImportPreview, actor: Actor = EDITOR
) -> dict[str, int]:
    with session_scope(engine, actor) as s:
        return list_import.apply_import(s, actor, kind, preview)


def round_trip(engine: Engine, kind: str, df: pd.DataFrame, fmt: str) -> dict[str, int]:
    preview = preview_file(engine, kind, *to_file(df, fmt))
    assert preview.ok, [(r.line, r.errors) for r in preview.rows if r.errors]
    return apply(engine, kind, preview)


def last_audit_id(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.max(AuditEntry.id))) or 0


def audit_since(engine: Engine, audit_id: int) -> list[AuditEntry]:
    with Session(engine) as s:
        return list(
            s.scalars(select(AuditEntry).where(AuditEntry.id > audit_id).order_by(AuditEntry.id))
        )


def row_counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (Member, WorkingGroupMembership, Measure, ProgressUpdate, AuditEntry)
        )


def records(df: pd.DataFrame) -> dict[Any, dict[str, Any]]:
    return {row["ID"]: row for row in df.to_dict("records")}


def new_member(template: dict[str, Any], first: str, last: str, function: str | None) -> dict:
    """A member row without ID, in the organisation and sector of TEMPLATE."""
    return dict.fromkeys(list_import.MEMBER_COLUMNS) | {
        "Vorname": first,
        "Nachname": last,
        "Funktion": function,
        "Organisation": template["Organisation"],
        "Bereich": template["Bereich"],
        "Mitglied seit": dt.date(2025, 3, 1),
        "Arbeitsgruppen": "AG 1, AG 3",
    }


def new_measure(title: str, description: str | None = None) -> dict:
    return dict.fromkeys(list_import.MEASURE_COLUMNS) | {
        "Titel": title,
        "Beschreibung": description,
        "Themenbereich": "Arbeitsmarkt & Integration",
        "Status": "geplant",
        "Fortschritt (%)": 10,
        "Beginn": dt.date(2026, 1, 15),
        "Fällig am": TODAY + dt.timedelta(days=365),
    }


def with_rows(df: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    return pd.concat([df, pd.DataFrame(rows, columns=df.columns, dtype=object)], ignore_index=True)


# --------------------------------------------------------------------------- export


def test_export_members_lists_every_member_with_names_and_groups(demo_engine):
    df = export(demo_engine, "members")
    assert list(df.columns) == list_import.MEMBER_COLUMNS
    with Session(demo_engine) as s:
        members = s.scalars(select(Member)).all()
        expected = {
            m.id: (
                m.organisation.name,
                m.sector.name,
                ", ".join(
                    a.short_name
                    for a in sorted(m.areas, key=lambda a: (a.sort_order, a.short_name))
                )
                or None,
            )
            for m in members
        }
        assert any(m.deputy_for_id for m in members)
    assert len(df) == len(members)
    shown = {
        r["ID"]: (r["Organisation"], r["Bereich"], r["Arbeitsgruppen"]) for _, r in df.iterrows()
    }
    assert shown == expected
    names = list(zip(df["Nachname"], df["Vorname"], strict=True))
    assert names == sorted(names)
    assert all(isinstance(d, dt.date) for d in df["Mitglied seit"])
    assert df["E-Mail"].isna().all()  # the demo has no e-mail addresses: None, not ""


def test_export_measures_names_area_and_status_and_keeps_unknown_progress(demo_engine):
    with session_scope(demo_engine) as s:
        measure = s.scalars(select(Measure).order_by(Measure.id)).first()
        measure.progress = None
        archived = s.scalars(select(Measure).order_by(Measure.id.desc())).first()
        archived.archived = True
        expected = (measure.id, measure.area.name, measure.status.name, archived.id)
    df = export(demo_engine, "measures")
    assert list(df.columns) == list_import.MEASURE_COLUMNS
    row = records(df)[expected[0]]
    assert (row["Themenbereich"], row["Status"], row["Fortschritt (%)"]) == (
        expected[1],
        expected[2],
        None,
    )
    assert expected[3] not in set(df["ID"])


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unchanged_export_imports_as_unchanged(demo_engine, fmt):
    for kind in ("members", "measures"):
        df = export(demo_engine, kind)
        preview = preview_file(demo_engine, kind, *to_file(df, fmt))
        assert preview.ok
        assert preview.counts == {"neu": 0, "ändern": 0, "unverändert": len(df), "Fehler": 0}
        before = last_audit_id(demo_engine)
        assert apply(demo_engine, kind, preview) == {"neu": 0, "ändern": 0}
        assert audit_since(demo_engine, before) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_changed_function_changes_exactly_that_member(demo_engine, fmt):
    before = export(demo_engine, "members")
    edited = before.copy()
    member_id = edited.loc[3, "ID"]
    edited.loc[3, "Funktion"] = "Referentin für Teilhabe – neu"
    audit_before = last_audit_id(demo_engine)

    preview = preview_file(demo_engine, "members", *to_file(edited, fmt))
    changed = [r for r in preview.rows if r.action == "ändern"]
    assert [(r.record_id, r.line) for r in changed] == [(member_id, 5)]
    assert apply(demo_engine, "members", preview) == {"neu": 0, "ändern": 1}

    after = records(export(demo_engine, "members"))
    expected = records(before)
    expected[member_id] |= {"Funktion": "Referentin für Teilhabe – neu", "Version": 2}
    assert after == expected
    entries = audit_since(demo_engine, audit_before)
    assert [(e.action, e.table_name, e.record_id) for e in entries] == [
        ("update", "members", str(member_id))
    ]
    assert entries[0].username == "geschaeftsstelle"
    assert entries[0].new_values == {"function": "Referentin für Teilhabe – neu"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_measure_status_and_progress_changes_arrive_with_their_history(demo_engine, fmt):
    before = export(demo_engine, "measures")
    edited = before.copy()
    first, second = edited.loc[0, "ID"], edited.loc[1, "ID"]
    status = edited.loc[0, "Status"]
    edited.loc[0, "Status"] = "zurückgestellt" if status != "zurückgestellt" else "geplant"
    edited.loc[1, "Fortschritt (%)"] = 55 if edited.loc[1, "Fortschritt (%)"] != 55 else 56
    audit_before = last_audit_id(demo_engine)

    assert round_trip(demo_engine, "measures", edited, fmt) == {"neu": 0, "ändern": 2}

    after = records(export(demo_engine, "measures"))
    expected = records(edited)
    for measure_id in (first, second):
        expected[measure_id]["Version"] = 2
    assert after == expected
    entries = audit_since(demo_engine, audit_before)
    tables = sorted((e.action, e.table_name) for e in entries)
    assert tables == [
        ("insert", "progress_updates"),
        ("insert", "progress_updates"),
        ("update", "measures"),
        ("update", "measures"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_new_rows_are_inserted_with_their_groups(demo_engine, fmt):
    df = export(demo_engine, "members")
    template = df.iloc[0].to_dict()
    df = with_rows(df, [new_member(template, "Neue", "Person", "Beisitz")])
    counts = row_counts(demo_engine)

    assert round_trip(demo_engine, "members", df, fmt) == {"neu": 1, "ändern": 0}

    with Session(demo_engine) as s:
        member = s.scalars(select(Member).where(Member.last_name == "Person")).one()
        assert (member.first_name, member.function, member.active_from) == (
            "Neue",
            "Beisitz",
            dt.date(2025, 3, 1),
        )
        assert member.organisation.name == template["Organisation"]
        assert sorted(a.short_name for a in member.areas) == ["AG 1", "AG 3"]
    assert row_counts(demo_engine)[:2] == (counts[0] + 1, counts[1] + 2)


@pytest.mark.parametrize("fmt", FORMATS)
def test_special_names_survive_export_and_import_exactly(demo_engine, fmt):
    members = export(demo_engine, "members")
    template = members.iloc[0].to_dict()
    people = [
        new_member(template, name, f"Test {i} {name}", name) for i, name in enumerate(SPECIAL)
    ]
    counts = round_trip(demo_engine, "members", with_rows(members, people), fmt)
    assert counts == {"neu": len(SPECIAL), "ändern": 0}
    measures = export(demo_engine, "measures")
    titles = [new_measure(f"{name} ({i})", name) for i, name in enumerate(SPECIAL)]
    counts = round_trip(demo_engine, "measures", with_rows(measures, titles), fmt)
    assert counts == {"neu": len(SPECIAL), "ändern": 0}

    members = export(demo_engine, "members")
    stored = members[members["Nachname"].str.startswith("Test ")]
    assert sorted(stored["Vorname"]) == sorted(SPECIAL)
    assert sorted(stored["Funktion"]) == sorted(SPECIAL)
    assert sorted(stored["Nachname"]) == sorted(p["Nachname"] for p in people)
    measures = export(demo_engine, "measures")
    assert set(measures["Beschreibung"]) >= set(SPECIAL)
    assert set(measures["Titel"]) >= {t["Titel"] for t in titles}
    # ... and back again: the export of those names reads as unchanged.
    for kind, df in (("members", members), ("measures", measures)):
        preview = preview_file(demo_engine, kind, *to_file(df, fmt))
        assert preview.counts["unverändert"] == len(df), list_import.preview_frame(preview)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_unknown_organisation_imports_nothing_and_names_line_and_field(demo_engine, fmt):
    df = export(demo_engine, "members")
    df.loc[0, "Funktion"] = "wäre eine gültige Änderung"
    df.loc[4, "Organisation"] = "Verein, den es nicht gibt e. V."
    df = with_rows(df, [new_member(df.iloc[1].to_dict(), "Auch", "Neu", None)])
    counts = row_counts(demo_engine)

    preview = preview_file(demo_engine, "members", *to_file(df, fmt))
    assert not preview.ok
    assert preview.error_lines == [6]
    with pytest.raises(InvalidInput) as refused:
        apply(demo_engine, "members", preview)
    assert refused.value.messages == [
        "Zeile 6: Organisation: „Verein, den es nicht gibt e. V.“ gibt es nicht."
    ]
    assert row_counts(demo_engine) == counts
    assert records(export(demo_engine, "members"))[df.loc[0, "ID"]]["Funktion"] != (
        "wäre eine gültige Änderung"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_progress_over_100_imports_no_measure(demo_engine, fmt):
    df = export(demo_engine, "measures")
    df.loc[0, "Status"] = "umgesetzt"
    df.loc[2, "Fortschritt (%)"] = 150
    df = with_rows(df, [new_measure("Neue Maßnahme")])
    counts = row_counts(demo_engine)

    preview = preview_file(demo_engine, "measures", *to_file(df, fmt))
    with pytest.raises(InvalidInput) as refused:
        apply(demo_engine, "measures", preview)
    assert refused.value.messages == ["Zeile 4: Fortschritt (%): darf höchstens 100 sein."]
    assert row_counts(demo_engine) == counts


def test_a_row_changed_by_someone_else_since_the_export_is_refused(demo_engine):
    df = export(demo_engine, "members")
    member_id = df.loc[2, "ID"]
    with session_scope(demo_engine, EDITOR) as s:  # a colleague saves this member meanwhile
        member = s.get(Member, member_id)
        data = {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "function": "vom Kollegen geändert",
            "email": None,
            "organisation_id": member.organisation_id,
            "sector_id": member.sector_id,
            "active_from": member.active_from,
            "active_to": member.active_to,
            "deputy_for_id": member.deputy_for_id,
            "area_ids": tuple(a.id for a in member.areas),
        }
        services.update_member(s, EDITOR, member_id, data, member.version)
    df.loc[2, "Funktion"] = "aus der alten Datei"

    preview = preview_file(demo_engine, "members", *to_file(df, "csv"))
    (row,) = [r for r in preview.rows if r.errors]
    assert row.line == 4 and "wurde inzwischen geändert" in row.errors[0]
    assert row.errors[0].startswith("Version: ")
    with pytest.raises(InvalidInput):
        apply(demo_engine, "members", preview)
    with Session(demo_engine) as s:
        assert s.get(Member, member_id).function == "vom Kollegen geändert"


def test_a_change_after_the_preview_rolls_the_whole_import_back(demo_engine):
    df = export(demo_engine, "measures")
    df.loc[0, "Verantwortlich"] = "Erste Änderung"
    df.loc[5, "Verantwortlich"] = "Zweite Änderung"
    preview = preview_file(demo_engine, "measures", *to_file(df, "xlsx"))
    assert preview.ok
    with session_scope(demo_engine) as s:  # someone saves the second measure meanwhile
        s.get(Measure, df.loc[5, "ID"]).responsible = "dazwischen"
    counts = row_counts(demo_engine)
    with pytest.raises(InvalidInput) as refused:
        apply(demo_engine, "measures", preview)
    assert refused.value.messages[0].startswith("Zeile 7: ")
    assert row_counts(demo_engine) == counts
    with Session(demo_engine) as s:
        assert s.get(Measure, df.loc[0, "ID"]).responsible != "Erste Änderung"


def test_a_viewer_cannot_import(demo_engine):
    df = export(demo_engine, "members")
    df.loc[0, "Funktion"] = "vom Leitungsstab"
    preview = preview_file(demo_engine, "members", *to_file(df, "csv"))
    assert preview.ok
    counts = row_counts(demo_engine)
    with pytest.raises(PermissionDenied):
        apply(demo_engine, "members", preview, actor=VIEWER)
    assert row_counts(demo_engine) == counts


def test_member_rows_are_checked_against_the_reference_data(demo_engine):
    df = export(demo_engine, "members")
    own_sector = df.loc[0, "Bereich"]
    other_sector = next(b for b in df["Bereich"] if b != own_sector)
    df.loc[0, "Bereich"] = other_sector
    df.loc[1, "Arbeitsgruppen"] = "AG 1, AG 9"
    df.loc[2, "ID"] = 99999
    df.loc[3, "Stellvertretung für (ID)"] = df.loc[3, "ID"]
    df.loc[4, "Mitglied seit"] = "31.02.2025"
    df.loc[5, "Vorname"] = None
    preview = preview_file(demo_engine, "members", *to_file(df, "csv"))
    errors = {r.line: r.errors for r in preview.rows if r.errors}
    assert errors[2] == [
        f"Bereich: „{other_sector}“ passt nicht zur Organisation „{df.loc[0, 'Organisation']}“ "
        f"(Bereich „{own_sector}“)."
    ]
    assert errors[3] == ["Arbeitsgruppen: „AG 9“ gibt es nicht."]
    assert errors[4][0].startswith("ID: Das Mitglied mit der ID 99999 gibt es nicht.")
    assert errors[5] == ["Stellvertretung für (ID): Ein Mitglied kann sich nicht selbst vertreten."]
    assert errors[6] == ["Mitglied seit: ist kein gültiges Datum (TT.MM.JJJJ)."]
    assert errors[7] == ["Vorname: ist ein Pflichtfeld."]
    assert len(errors) == 6


def test_duplicate_measure_titles_and_past_due_dates(demo_engine):
    df = export(demo_engine, "measures")
    existing = df.iloc[0].to_dict()
    again = new_measure(existing["Titel"]) | {"Themenbereich": existing["Themenbereich"]}
    late = new_measure("Überfällig") | {"Beginn": None, "Fällig am": TODAY - dt.timedelta(days=1)}
    twice = [new_measure("Doppelt"), new_measure("doppelt")]
    preview = preview_file(
        demo_engine, "measures", *to_file(with_rows(df, [again, late, *twice]), "csv")
    )
    rows = {r.line: r for r in preview.rows if r.action == "neu"}
    n = len(df) + 1
    assert (
        rows[n + 1].errors[0].startswith(f"Titel: „{existing['Titel']}“ gibt es im Themenbereich")
    )
    assert rows[n + 2].errors == []
    assert rows[n + 2].warnings == [
        "Fällig am: liegt in der Vergangenheit, die Maßnahme ist aber nicht umgesetzt."
    ]
    assert rows[n + 4].errors == [f"Titel: „doppelt“ steht schon in Zeile {n + 3}."]


# --------------------------------------------------------------------------- reading files


def test_read_table_names_missing_columns_and_refuses_unreadable_files():
    with pytest.raises(InvalidInput) as missing:
        list_import.read_table(b"Vorname;Nachname;Bereich\nA;B;C\n", "x.csv")
    assert missing.value.messages == [
        "Datei: Es fehlen die Spalten „Organisation“, „Mitglied seit“. "
        "Die Kopfzeile muss wie im Export aussehen."
    ]
    with pytest.raises(InvalidInput) as wrong_kind:
        list_import.read_table(b"Titel;Themenbereich;Status\nA;B;C\n", "x.csv", "members")
    assert "„Vorname“" in wrong_kind.value.messages[0]
    for data, name in [(b"not a zip", "x.xlsx"), (b"", "x.csv"), (b"a,b", "x.ods")]:
        with pytest.raises(InvalidInput) as unreadable:
            list_import.read_table(data, name)
        assert unreadable.value.messages[0].startswith("Datei: ")


def test_read_table_accepts_comma_csv_iso_dates_decimal_comma_and_blank_lines():
    text = (
        "titel,themenbereich,Status,Fortschritt (%),Beginn,Fällig am,Verantwortlich\r\n"
        'Kurs,AG 2,geplant,"50,0",2026-01-15,15.06.2027,\'=Referat\r\n'
        "\r\n"
        ",,,,,,\r\n"
        "Zweiter,AG 2,geplant,75 %,1.2.26,,'Müller\r\n"
    )
    df = list_import.read_table(text.encode("utf-8"), "liste.CSV")
    assert list(df.columns) == [
        "Titel",
        "Themenbereich",
        "Status",
        "Fortschritt (%)",
        "Beginn",
        "Fällig am",
        "Verantwortlich",
    ]
    assert df.iloc[0].tolist() == [
        "Kurs",
        "AG 2",
        "geplant",
        "50,0",
        dt.date(2026, 1, 15),
        dt.date(2027, 6, 15),
        "=Referat",
    ]
    assert df.iloc[3]["Beginn"] == dt.date(2026, 2, 1)
    assert df.iloc[3]["Verantwortlich"] == "'Müller"  # only the export's own apostrophe goes


def test_preview_lines_count_blank_lines_and_parse_numbers(demo_engine):
    text = (
        "Titel;Themenbereich;Status;Fortschritt (%);Beginn;Fällig am\r\n"
        "Kurs;AG 2;geplant;50,0;2026-01-15;15.06.2027\r\n"
        "\r\n"
        "Zweiter;AG 2;gibt es nicht;75 %;;\r\n"
    ).encode("cp1252")
    preview = preview_file(demo_engine, "measures", text, "liste.csv")
    assert [r.line for r in preview.rows] == [2, 4]
    assert preview.rows[0].data["progress"] == 50
    assert preview.rows[1].errors == ["Status: „gibt es nicht“ gibt es nicht."]


# --------------------------------------------------------------------------- the page


def test_editor_imports_a_file_through_the_page(app_env, demo_engine, monkeypatch):
    shown: list[tuple[float, str]] = []
    draw = ProgressMixin.progress

    def progress_bar(self, value, text=None, **kwargs):
        shown.append((value, text))
        return draw(self, value, text, **kwargs)

    monkeypatch.setattr(ProgressMixin, "progress", progress_bar)
    df = export(demo_engine, "members")
    member_id = df.loc[0, "ID"]
    df.loc[0, "Funktion"] = "Über die Seite geändert"
    df = with_rows(df, [new_member(df.iloc[1].to_dict(), "Seiten", "Import", "<b>fett</b>")])

    at = signed_in("geschaeftsstelle")
    at.switch_page("pages/import_data.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Import"]
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"Mitglieder als Excel", "Mitglieder als CSV"}
    at.file_uploader(key="import_file").upload("liste.csv", exports.csv_bytes(df), "text/csv")
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["Zeile", "Aktion", "Fehler", "Hinweise"]
    assert sorted(table["Aktion"].value_counts().items()) == [
        ("neu", 1),
        ("unverändert", len(df) - 2),
        ("ändern", 1),
    ]
    assert not at.button(key="import_apply").disabled
    at.button(key="import_apply").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    assert at.success[0].value == "Import abgeschlossen: 1 neu angelegt, 1 geändert."
    # the progress bar as the import reported it (the bar's first state is drawn by st.progress)
    assert shown == [(0.0, "Import läuft: 0 von 2 Zeilen"), (1.0, "Import läuft: 2 von 2 Zeilen")]
    assert "Alle Zeilen importieren" not in [b.label for b in at.button]
    with Session(demo_engine) as s:
        assert s.get(Member, member_id).function == "Über die Seite geändert"
        new = s.scalars(select(Member).where(Member.last_name == "Import")).one()
        assert new.function == "<b>fett</b>"


def test_an_import_refused_while_writing_says_so_and_saves_nothing(
    app_env, demo_engine, monkeypatch
):
    """The database refuses at the end, after every row was written: the page says so
    in German, the progress bar goes, and the transaction takes every row back."""
    df = export(demo_engine, "members")
    df.loc[2, "Funktion"] = "aus der Datei"
    df = with_rows(df, [new_member(df.iloc[1].to_dict(), "Nie", "Gespeichert", None)])
    write = list_import.apply_import

    def refused_at_the_end(session, actor, kind, preview, progress=None):
        write(session, actor, kind, preview, progress=progress)
        raise InvalidInput([INTEGRITY])

    monkeypatch.setattr(list_import, "apply_import", refused_at_the_end)
    at = signed_in("geschaeftsstelle")
    at.switch_page("pages/import_data.py").run()
    at.file_uploader(key="import_file").upload("liste.csv", exports.csv_bytes(df), "text/csv")
    at.run()
    counts = row_counts(demo_engine)
    at.button(key="import_apply").click()
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value == (
        f"Import abgebrochen – es wurde nichts gespeichert.\n\n{fmt.md(INTEGRITY)}"
    )
    assert not at.success and not at.get("progress")
    assert row_counts(demo_engine) == counts


def test_a_file_with_errors_disables_the_import_button(app_env, demo_engine):
    df = export(demo_engine, "measures")
    df.loc[1, "Fortschritt (%)"] = 150
    counts = row_counts(demo_engine)
    at = signed_in("geschaeftsstelle")
    at.switch_page("pages/import_data.py").run()
    at.radio(key="import_kind").set_value("measures").run()
    at.file_uploader(key="import_file").upload(
        "liste.xlsx", exports.excel_bytes(df), "application/octet-stream"
    )
    at.run()
    assert not at.exception, at.exception
    assert at.button(key="import_apply").disabled
    assert at.error[0].value.startswith("Zeile 3 enthält Fehler")
    table = at.dataframe[0].value
    assert table.loc[table["Zeile"] == 3, "Fehler"].tolist() == [
        "Fortschritt (%): darf höchstens 100 sein."
    ]
    assert row_counts(demo_engine) == counts


def test_a_viewer_cannot_open_the_import_page(app_env):
    at = signed_in("leitung")
    with pytest.raises(ValueError):
        at.switch_page("pages/import_data.py")
