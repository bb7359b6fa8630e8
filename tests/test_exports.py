"""Download builders: CSV/Excel for German spreadsheets (formula injection
neutralised), offline chart rendering, and the meetings calendar."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
from zoneinfo import ZoneInfo

import altair as alt
import icalendar
import openpyxl
import pandas as pd
import pytest

from components import tables
from components.exports import chart_png, chart_svg, csv_bytes, excel_bytes, ics_bytes

BERLIN = ZoneInfo("Europe/Berlin")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
UNICODE_TITLE = "Grüße aus Gießen – مرحبا – Çalışma grubu 🎉"


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Name": ["=1+1", "+49 611 123", "-5", "@SUM(A1)", "Müller; Söhne", "Normal"],
            "Anzahl": [1, -5, 3, 4, 5, 6],
            "Anteil": [1.5, -2.25, 0.1, 3.0, None, 0.0000001],
            "Datum": [dt.date(2025, 3, 1)] * 6,
            "Stichtag": pd.to_datetime(["2025-12-24"] * 6),
            "Beginn": pd.to_datetime(["2025-07-01 08:30Z"] * 6),  # 10:30 in Berlin (CEST)
        }
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# --------------------------------------------------------------------------- CSV


def test_csv_has_bom_and_semicolons() -> None:
    data = csv_bytes(_table())
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].split(b"\r\n")[0].decode()
    assert header == "Name;Anzahl;Anteil;Datum;Stichtag;Beginn"


def test_csv_neutralises_formula_cells_but_not_plain_text_or_numbers() -> None:
    rows = _csv_rows(csv_bytes(_table()))
    names = [row[0] for row in rows[1:]]
    assert names == ["'=1+1", "'+49 611 123", "'-5", "'@SUM(A1)", "Müller; Söhne", "Normal"]
    assert [row[1] for row in rows[1:]] == ["1", "-5", "3", "4", "5", "6"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_every_dangerous_prefix(prefix: str) -> None:
    rows = _csv_rows(csv_bytes(pd.DataFrame({"x": [prefix + "cmd"]})))
    assert rows[1] == ["'" + prefix + "cmd"]


def test_csv_neutralises_headers() -> None:
    rows = _csv_rows(csv_bytes(pd.DataFrame({"=HYPERLINK()": [1], "Ok": [2]})))
    assert rows[0] == ["'=HYPERLINK()", "Ok"]


def test_csv_german_numbers_and_dates() -> None:
    rows = _csv_rows(csv_bytes(_table()))
    assert [row[2] for row in rows[1:]] == ["1,5", "-2,25", "0,1", "3,0", "", "0,0000001"]
    assert {row[3] for row in rows[1:]} == {"01.03.2025"}
    assert {row[4] for row in rows[1:]} == {"24.12.2025"}
    assert {row[5] for row in rows[1:]} == {"01.07.2025 10:30"}


def test_csv_quotes_separator_in_text_and_writes_no_index() -> None:
    raw = csv_bytes(_table()).decode("utf-8-sig")
    assert '"Müller; Söhne"' in raw
    assert all(row[0] != "0" for row in _csv_rows(raw.encode("utf-8-sig"))[1:])
    assert len(_csv_rows(raw.encode("utf-8-sig"))[0]) == 6


# --------------------------------------------------------------------------- Excel


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_excel_opens_with_bold_frozen_header() -> None:
    sheet = _sheet(excel_bytes(_table()))
    assert sheet.title == "Daten"
    assert [c.value for c in sheet[1]] == [
        "Name",
        "Anzahl",
        "Anteil",
        "Datum",
        "Stichtag",
        "Beginn",
    ]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 7
    assert sheet.column_dimensions["A"].width >= len("Müller; Söhne")


def test_excel_keeps_formula_strings_as_text() -> None:
    sheet = _sheet(excel_bytes(_table()))
    formula = sheet["A2"]
    assert formula.value == "=1+1"
    assert formula.data_type == "s"
    assert formula.quotePrefix
    assert [sheet.cell(row=r, column=1).value for r in range(3, 6)] == [
        "+49 611 123",
        "-5",
        "@SUM(A1)",
    ]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 8))
    assert sheet["A6"].value == "Müller; Söhne"
    assert not sheet["A6"].quotePrefix


def test_excel_formula_header_is_text() -> None:
    sheet = _sheet(excel_bytes(pd.DataFrame({"=1+1": [1]})))
    assert sheet["A1"].value == "=1+1"
    assert sheet["A1"].data_type == "s"


def test_excel_numbers_and_dates_are_typed() -> None:
    sheet = _sheet(excel_bytes(_table()))
    assert sheet["B3"].value == -5 and sheet["B3"].data_type == "n"
    assert sheet["C2"].value == pytest.approx(1.5) and sheet["C2"].data_type == "n"
    assert sheet["C6"].value is None
    date_cell = sheet["D2"]
    assert date_cell.is_date
    assert date_cell.value == dt.datetime(2025, 3, 1)
    assert date_cell.number_format == "DD.MM.YYYY"
    assert sheet["E2"].is_date and sheet["E2"].number_format == "DD.MM.YYYY"
    assert sheet["E2"].value == dt.datetime(2025, 12, 24)
    stamp = sheet["F2"]
    assert stamp.is_date
    assert stamp.value == dt.datetime(2025, 7, 1, 10, 30)  # converted to Berlin, naive
    assert stamp.number_format == "DD.MM.YYYY HH:MM"


def test_excel_sheet_name_is_sanitised() -> None:
    data = excel_bytes(
        _table(), sheet_name="Sitzungen [2025/26]: Übersicht*? mit sehr langem Namen"
    )
    title = _sheet(data).title
    assert len(title) <= 31
    assert not set(title) & set("[]:*?/\\")
    assert title.startswith("Sitzungen 202526 Übersicht")


# --------------------------------------------------------------------------- charts


def _bar_chart() -> alt.Chart:
    return alt.Chart(pd.DataFrame({"a": ["x"], "b": [1]})).mark_bar().encode(x="a", y="b")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, chunk_type = struct.unpack(">I4s", data[8:16])
    assert chunk_type == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def test_chart_png_is_a_png_and_scale_doubles_width() -> None:
    chart = _bar_chart()
    small = chart_png(chart, scale=1)
    large = chart_png(chart, scale=2)
    width1, height1 = _png_size(small)
    width2, height2 = _png_size(large)
    assert width1 > 0 and height1 > 0
    assert width2 == 2 * width1
    assert height2 == 2 * height1
    assert _png_size(chart_png(chart)) == (width2, height2)  # default scale 2


def test_chart_svg_is_utf8_svg() -> None:
    data = chart_svg(_bar_chart())
    assert isinstance(data, bytes)
    text = data.decode("utf-8").lstrip()
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    assert text.startswith("<svg")
    assert text.rstrip().endswith("</svg>")


def test_chart_svg_uses_german_number_format() -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1500.5, 2500.0]})
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(x="a", y=alt.Y("b", axis=alt.Axis(format=",.1f", values=[1000.5])))
    )
    text = chart_svg(chart).decode("utf-8")
    assert "1.000,5" in text
    assert "1,000.5" not in text


# --------------------------------------------------------------------------- calendar


def _meetings() -> list[dict]:
    return [
        {
            "id": 7,
            "title": "Plenum Frühjahr",
            "kind": "plenary",
            "area": None,
            "starts_at": dt.datetime(2025, 3, 20, 10, 0, tzinfo=BERLIN),
            "ends_at": dt.datetime(2025, 3, 20, 15, 30, tzinfo=BERLIN),
            "location": "Wiesbaden, Landtag",
            "status": "held",
            "notes": "Tagesordnung folgt; bitte anmelden, danke.",
            "version": 1,
        },
        {
            "id": 8,
            "title": UNICODE_TITLE,
            "kind": "working_group",
            "area": "Bildung & Sprache",
            "starts_at": dt.datetime(2025, 7, 2, 14, 0, tzinfo=BERLIN),
            "ends_at": dt.datetime(2025, 7, 2, 16, 0, tzinfo=BERLIN),
            "location": None,
            "status": "cancelled",
            "notes": None,
            "version": 3,
        },
        {
            "id": 9,
            "title": "Austausch",
            "kind": "other",
            "area": None,
            "starts_at": dt.datetime(2025, 11, 5, 9, 0, tzinfo=BERLIN),
            "ends_at": dt.datetime(2025, 11, 5, 10, 0, tzinfo=BERLIN),
            "location": "Online",
            "status": "planned",
            "notes": None,
            "version": 2,
        },
    ]


def _events(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_ics_calendar_header() -> None:
    data = ics_bytes(_meetings())
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["X-WR-CALNAME"] == "Hessische Integrationskonferenz"
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.rstrip().endswith(b"END:VCALENDAR")


def test_ics_every_meeting_once_with_stable_uid() -> None:
    first = ics_bytes(_meetings())
    second = ics_bytes(list(reversed(_meetings())))
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(first).walk("VEVENT")]
    assert sorted(uids) == [
        "meeting-7@integrationskonferenz.hessen.de",
        "meeting-8@integrationskonferenz.hessen.de",
        "meeting-9@integrationskonferenz.hessen.de",
    ]
    assert set(_events(first)) == set(_events(second))


def test_ics_times_are_europe_berlin_not_utc() -> None:
    data = ics_bytes(_meetings())
    assert b"DTSTART;TZID=Europe/Berlin:20250320T100000" in data
    assert b"DTEND;TZID=Europe/Berlin:20250702T160000" in data
    for event in _events(data).values():
        for key in ("DTSTART", "DTEND"):
            value = event.decoded(key)
            assert isinstance(value, dt.datetime)
            assert getattr(value.tzinfo, "key", str(value.tzinfo)) == "Europe/Berlin"
        assert "DTSTAMP" in event
    start = _events(data)["meeting-8@integrationskonferenz.hessen.de"].decoded("DTSTART")
    assert start.utcoffset() == dt.timedelta(hours=2)


def test_ics_converts_other_timezones_to_berlin() -> None:
    meeting = _meetings()[0] | {
        "starts_at": dt.datetime(2025, 3, 20, 9, 0, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2025, 3, 20, 10, 0, tzinfo=dt.UTC),
    }
    data = ics_bytes([meeting])
    assert b"DTSTART;TZID=Europe/Berlin:20250320T100000" in data
    assert b"Z\r\nDTEND" not in data


def test_ics_status_sequence_and_description() -> None:
    events = _events(ics_bytes(_meetings()))
    plenary = events["meeting-7@integrationskonferenz.hessen.de"]
    group = events["meeting-8@integrationskonferenz.hessen.de"]
    other = events["meeting-9@integrationskonferenz.hessen.de"]
    assert str(group["STATUS"]) == "CANCELLED"
    assert str(plenary["STATUS"]) == "CONFIRMED"
    assert str(other["STATUS"]) == "CONFIRMED"
    assert [int(e["SEQUENCE"]) for e in (plenary, group, other)] == [0, 2, 1]
    assert str(plenary["LOCATION"]) == "Wiesbaden, Landtag"
    assert "LOCATION" not in group
    assert str(plenary["DESCRIPTION"]).startswith("Plenarsitzung")
    assert "Tagesordnung folgt; bitte anmelden, danke." in str(plenary["DESCRIPTION"])
    assert "Arbeitsgruppe" in str(group["DESCRIPTION"])
    assert "Bildung & Sprache" in str(group["DESCRIPTION"])
    assert str(other["DESCRIPTION"]) == "Sonstiger Termin"


def test_ics_has_exactly_one_berlin_vtimezone() -> None:
    for meetings in (_meetings(), []):
        calendar = icalendar.Calendar.from_ical(ics_bytes(meetings))
        zones = calendar.walk("VTIMEZONE")
        assert len(zones) == 1
        assert str(zones[0]["TZID"]) == "Europe/Berlin"


def test_ics_unicode_round_trips() -> None:
    data = ics_bytes(_meetings(), calendar_name="Kalender Öffentlichkeit 🎉")
    data.decode("utf-8")  # raises if not UTF-8
    events = _events(data)
    assert str(events["meeting-8@integrationskonferenz.hessen.de"]["SUMMARY"]) == UNICODE_TITLE
    assert str(events["meeting-7@integrationskonferenz.hessen.de"]["SUMMARY"]) == "Plenum Frühjahr"
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["X-WR-CALNAME"] == "Kalender Öffentlichkeit 🎉"


def test_ics_empty_is_valid_calendar() -> None:
    calendar = icalendar.Calendar.from_ical(ics_bytes([]))
    assert calendar.name == "VCALENDAR"
    assert calendar.walk("VEVENT") == []
    assert calendar["VERSION"] == "2.0"


# --------------------------------------------------------------------------- percents


def test_percents_are_exported_as_on_screen_as_numbers_under_a_percent_header() -> None:
    shown = pd.DataFrame(
        {
            "Bereich": ["Politik", "Verwaltung", "Wissenschaft"],
            "Anteil": ["19,5 %", "81,8\u00a0%", "–"],
            "Fortschritt": ["45\u00a0%", "unbekannt", None],
            "Notiz": ["5 % mehr", "x", "y"],
        }
    )
    rows = _csv_rows(csv_bytes(shown))
    assert rows[0] == ["Bereich", "Anteil (%)", "Fortschritt (%)", "Notiz"]
    assert [r[1] for r in rows[1:]] == ["19,5", "81,8", "–"]
    assert [r[2] for r in rows[1:]] == ["45,0", "unbekannt", ""]
    sheet = _sheet(excel_bytes(shown))
    assert [c.value for c in sheet[1]] == ["Bereich", "Anteil (%)", "Fortschritt (%)", "Notiz"]
    assert sheet["B2"].value == 19.5 and sheet["B3"].value == 81.8
    assert sheet["D2"].value == "5 % mehr"


def test_attendance_export_holds_the_percent_the_screen_shows() -> None:
    per_sector = pd.DataFrame(
        {"sector": ["Politik"], "invited": [20], "present": [15], "deputy": [2],
         "excused": [2], "absent": [1], "rate": [0.8175]}
    )  # fmt: skip
    shown, export = tables.attendance(per_sector)
    assert shown["Teilnahmequote"].iloc[0].replace("\u00a0", " ") == "81,8 %"
    rows = _csv_rows(csv_bytes(export))
    assert rows[0][-1] == "Teilnahmequote (%)" and rows[1][-1] == "81,8"
    assert _csv_rows(csv_bytes(shown))[1][-1] == "81,8"


def test_figures_shown_as_text_go_into_a_spreadsheet_as_figures() -> None:
    """A display table writes dates, percents and changes as text; a spreadsheet
    gets dates and numbers it can sort and compute with, in both formats."""
    shown = pd.DataFrame(
        {
            "Fällig": ["27.12.2025", "–", "01.03.2026"],
            "Datum": ["Mi., 24.02.2027", "Do., 25.02.2027", "Fr., 26.02.2027"],
            "Fortschritt": ["42,4\u00a0%", "unbekannt", "100\u00a0%"],
            "Veränderung": ["+7,0\u00a0Pp.", "\u22121,5\u00a0Pp.", "±0,0\u00a0Pp."],
            "Notiz": ["+ wichtig", "31.02.2025", "frei"],
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes(shown))).active
    header = [c.value for c in sheet[1]]
    assert header == ["Fällig", "Datum", "Fortschritt (%)", "Veränderung (Pp.)", "Notiz"]
    row = [c.value for c in sheet[2]]
    assert row[0] == dt.datetime(2025, 12, 27) and sheet["A2"].number_format == "DD.MM.YYYY"
    assert sheet["A3"].value == "–"
    assert row[1] == dt.datetime(2027, 2, 24)
    assert row[2] == 42.4 and sheet["C2"].number_format == "0.0"
    assert sheet["C3"].value == "unbekannt"
    assert [sheet[f"D{r}"].value for r in (2, 3, 4)] == [7.0, -1.5, 0.0]
    assert sheet["E2"].value == "+ wichtig" and sheet["E3"].value == "31.02.2025"  # stays text
    lines = csv_bytes(shown).decode("utf-8-sig").splitlines()
    assert lines[0] == "Fällig;Datum;Fortschritt (%);Veränderung (Pp.);Notiz"
    assert lines[1] == "27.12.2025;24.02.2027;42,4;7,0;'+ wichtig"
    assert lines[2] == "–;25.02.2027;unbekannt;-1,5;31.02.2025"


def test_a_sheet_prints_landscape_on_the_page_width_with_its_header_on_every_page() -> None:
    wide = pd.DataFrame({f"Spalte {i}": ["Ein längerer Text"] * 80 for i in range(9)})
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes(wide))).active
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
