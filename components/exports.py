"""Pure byte builders for downloads: CSV and Excel for German spreadsheets,
PNG/SVG charts rendered offline, and an iCalendar file of the meetings.

No Streamlit here: every function takes data and returns bytes, so the pages
only wire the results into download buttons.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import numbers
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import icalendar
import numpy as np
import openpyxl
import pandas as pd
import vl_convert
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from components.fmt import or_none
from db.vocabulary import MEETING_KIND_LABELS

BERLIN = ZoneInfo("Europe/Berlin")

# Cells starting with one of these are read as formulas by spreadsheet programs
# (OWASP "CSV Injection"); they get a leading apostrophe / are stored as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMAT_CSV = "%d.%m.%Y"
DATETIME_FORMAT_CSV = "%d.%m.%Y %H:%M"
DATE_FORMAT_XLSX = "DD.MM.YYYY"
DATETIME_FORMAT_XLSX = "DD.MM.YYYY HH:MM"

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_CELL_MAX = 32767
COLUMN_WIDTH_MIN = 8
COLUMN_WIDTH_MAX = 60

ICS_DOMAIN = "integrationskonferenz.hessen.de"
ICS_PRODID = "-//Hessische Integrationskonferenz//Dashboard//DE"


class _Chart(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


# --------------------------------------------------------------------------- tables


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str | bytes):
        return False
    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def _column_values(series: pd.Series) -> list[object]:
    """Plain Python values of one column; datetimes as naive Berlin wall time.

    A column whose datetimes are all naive and at midnight holds dates and is
    returned as `datetime.date` values.
    """
    values: list[object] = []
    date_only = True
    for raw in series.tolist():
        value: object = None if _is_missing(raw) else raw
        if isinstance(value, dt.datetime):
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            if value.tzinfo is not None:
                value = value.astimezone(BERLIN).replace(tzinfo=None)
                date_only = False
            elif value.time() != dt.time(0, 0):
                date_only = False
        values.append(value)
    if date_only:
        values = [v.date() if isinstance(v, dt.datetime) else v for v in values]
    return values


def _neutralise(text: str) -> str:
    """Prefix an apostrophe when a spreadsheet would read TEXT as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _german_number(value: float | Decimal) -> str:
    """Decimal comma, never scientific notation (1e-07 -> 0,0000001)."""
    text = (
        format(value, "f")
        if isinstance(value, Decimal)
        else np.format_float_positional(value, trim="0")
    )
    return text.replace(".", ",")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nein"
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FORMAT_CSV)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT_CSV)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, Decimal):
        return _german_number(value)
    if isinstance(value, numbers.Real):
        return _german_number(float(value))
    return _neutralise(str(value))


# What the display tables write for a figure, read back for a spreadsheet (where a
# figure must be a number or a date a formula and the filter can use):
# '19,5 %' / '82 %' / '−3 %' -> 19.5 under 'Name (%)'
PERCENT_TEXT = re.compile(r"^([+\-\u2212]?\d{1,3}(?:\.\d{3})*(?:,\d+)?)[ \u00a0\u202f]?%$")
# '+2,5 Pp.' / '−1,0 Pp.' / '±0,0 Pp.' -> 2.5 under 'Name (Pp.)'
POINTS_TEXT = re.compile(r"^([+\-\u2212±]?\d{1,3}(?:\.\d{3})*(?:,\d+)?)[ \u00a0\u202f]Pp\.$")
# '27.12.2025' / 'Mi., 24.02.2027' -> a date
DATE_TEXT = re.compile(r"^(?:[A-Z][a-z]\.,\s)?(\d{2})\.(\d{2})\.(\d{4})$")
# What such a column may hold besides figures: no figure (kept as text).
NOT_A_FIGURE = {"", "–", "-", "unbekannt"}


def _number(match: re.Match) -> float:
    figure = match.group(1).replace(".", "").replace(",", ".")
    return float(figure.replace("\u2212", "-").replace("±", ""))


def _date(match: re.Match) -> dt.date | None:
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:  # '31.02.2025' typed by someone: stays text
        return None


# (pattern, reader, unit the header gets, Excel number format)
FIGURE_TEXTS = [
    (PERCENT_TEXT, _number, "(%)", "0.0"),
    (POINTS_TEXT, _number, "(Pp.)", "+0.0;-0.0;0.0"),
    (DATE_TEXT, _date, None, None),
]


def _unit_format(name: str) -> str | None:
    """The Excel number format of a column whose header names its unit."""
    for _, _, unit, number_format in FIGURE_TEXTS:
        if unit and str(name).endswith(unit):
            return number_format
    return None


def spreadsheet_table(df: pd.DataFrame) -> pd.DataFrame:
    """DF as it goes into a spreadsheet: a column of figures as shown on screen
    becomes the figures themselves, so that a spreadsheet can sort and compute
    with them and every export writes a figure one way: percents ('19,5 %') as
    numbers (19.5) under a header that says so ('Anteil (%)'), changes in
    percentage points ('+2,5 Pp.') likewise under '(Pp.)', dates ('27.12.2025',
    'Mi., 24.02.2027') as dates. Cells without a figure ('unbekannt', '–') stay."""
    out = df.copy()
    for i, name in enumerate(df.columns):
        values = df.iloc[:, i]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        texts = [v.strip() for v in values.tolist() if isinstance(v, str)]
        for pattern, read, unit, _ in FIGURE_TEXTS:

            def figure(text: str, pattern=pattern, read=read) -> object:
                match = pattern.match(text)
                return None if match is None else read(match)

            figures = {t: figure(t) for t in texts}
            if all(f is None for f in figures.values()) or any(
                f is None and t not in NOT_A_FIGURE for t, f in figures.items()
            ):
                continue
            column = pd.Series(
                [
                    figures[v.strip()]
                    if isinstance(v, str) and figures[v.strip()] is not None
                    else v
                    for v in values.tolist()
                ],
                index=df.index,
                dtype=object,
            )
            out.isetitem(i, column)
            if unit and not str(name).endswith(unit):
                out.columns = [f"{name} {unit}" if j == i else c for j, c in enumerate(out.columns)]
            break
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV for German Excel: UTF-8 with BOM, `;`, decimal comma, dd.mm.yyyy dates,
    percents as numbers under a '(%)' header (`spreadsheet_table`).

    String cells and headers that could be read as a formula get a leading `'`.
    """
    df = spreadsheet_table(df)
    columns = [_column_values(df.iloc[:, i]) for i in range(df.shape[1])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_neutralise(str(name)) for name in df.columns)
    for row in zip(*columns, strict=True):
        writer.writerow(_csv_cell(value) for value in row)
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(name: str) -> str:
    """Excel's rules: no []:*?/\\, at most 31 characters, no leading/trailing `'`."""
    title = SHEET_NAME_FORBIDDEN.sub("", name)[:SHEET_NAME_MAX].strip("'").strip()
    return title or "Daten"


def _xlsx_text(value: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_CELL_MAX]


def _set_cell(cell: Any, value: object) -> int:
    """Write VALUE into CELL with the right type and format; return its display width."""
    if value is None:
        return 0
    if isinstance(value, bool | Decimal):
        cell.value = value
        return len(_csv_cell(value))
    if isinstance(value, numbers.Integral):
        cell.value = int(value)
        return len(_csv_cell(value))
    if isinstance(value, numbers.Real):
        cell.value = float(value)
        return len(_csv_cell(value))
    if isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = DATETIME_FORMAT_XLSX
        return len(DATETIME_FORMAT_XLSX)
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT_XLSX
        return len(DATE_FORMAT_XLSX)
    text = _xlsx_text(value)
    cell.value = text
    if text.startswith(FORMULA_PREFIXES):
        # openpyxl turns "=..." into a formula; force a text cell, as Excel's leading `'`.
        cell.data_type = "s"
        cell.quotePrefix = True
    return max((len(line) for line in text.splitlines()), default=0)


def excel_bytes(df: pd.DataFrame, sheet_name: str = "Daten") -> bytes:
    """An .xlsx workbook of DF: bold, frozen header row, real dates and numbers
    (percents as in `csv_bytes`)."""
    return excel_workbook({sheet_name: df})


def excel_workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per entry of SHEETS (name -> table), each
    as in `excel_bytes`."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    titles: set[str] = set()
    for name, df in sheets.items():
        title, base, number = _sheet_title(name), _sheet_title(name), 1
        while title.lower() in titles:  # Excel refuses two sheets of the same name
            number += 1
            title = f"{base[: SHEET_NAME_MAX - len(str(number)) - 1]}_{number}"
        titles.add(title.lower())
        _fill_sheet(workbook.create_sheet(title), df)
    if not sheets:
        workbook.create_sheet("Daten")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill_sheet(sheet: Any, df: pd.DataFrame) -> None:
    df = spreadsheet_table(df)
    bold = Font(bold=True)
    for col, name in enumerate(df.columns, start=1):
        header = sheet.cell(row=1, column=col)
        width = _set_cell(header, str(name))
        header.font = bold
        number_format = _unit_format(name)
        for row, value in enumerate(_column_values(df.iloc[:, col - 1]), start=2):
            cell = sheet.cell(row=row, column=col)
            width = max(width, _set_cell(cell, value))
            if number_format and isinstance(value, float):
                cell.number_format = number_format
        sheet.column_dimensions[get_column_letter(col)].width = min(
            max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX
        )
    sheet.freeze_panes = "A2"
    # Printed: landscape, all columns on the page's width, the header on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    if df.shape[1]:
        sheet.auto_filter.ref = f"A1:{get_column_letter(df.shape[1])}{len(df) + 1}"


# --------------------------------------------------------------------------- charts


def _vl_options(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Vega-Lite version matching the spec's $schema, and German number/date locales.

    A `config.locale` inside the spec takes precedence over these defaults.
    """
    options: dict[str, Any] = {"format_locale": "de-DE", "time_format_locale": "de-DE"}
    match = re.search(r"/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
    if match:
        version = f"{match.group(1)}.{match.group(2)}"
        if version in vl_convert.get_vegalite_versions():
            options["vl_version"] = version
    return options


def chart_png(chart: _Chart, scale: float = 2.0) -> bytes:
    """PNG of an Altair chart, rendered offline; SCALE 2 gives double the pixels."""
    spec = chart.to_dict()
    return bytes(vl_convert.vegalite_to_png(spec, scale=scale, **_vl_options(spec)))


def chart_svg(chart: _Chart) -> bytes:
    """SVG of an Altair chart, rendered offline, as UTF-8 bytes."""
    spec = chart.to_dict()
    return vl_convert.vegalite_to_svg(spec, **_vl_options(spec)).encode("utf-8")


# --------------------------------------------------------------------------- calendar


def _berlin(value: dt.datetime) -> dt.datetime:
    """VALUE in Europe/Berlin; naive values are taken as Berlin wall time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=BERLIN)
    return value.astimezone(BERLIN)


def _ics_text(meeting: Mapping[str, Any], key: str) -> str | None:
    """The text of KEY, or None when it is missing (None, NaN, pd.NA) or blank: a
    DataFrame row holds NaN for a NULL, and NaN is truthy."""
    value = or_none(meeting.get(key))
    text = "" if value is None else str(value).strip()
    return text or None


def _description(meeting: Mapping[str, Any]) -> str:
    lines = [MEETING_KIND_LABELS.get(meeting["kind"], MEETING_KIND_LABELS["other"])]
    area = _ics_text(meeting, "area")
    if area:
        lines.append(f"Themenbereich: {area}")
    notes = _ics_text(meeting, "notes")
    if notes:
        lines += ["", notes]
    return "\n".join(lines)


def _event(meeting: Mapping[str, Any]) -> icalendar.Event:
    version = or_none(meeting.get("version"))
    return icalendar.Event.new(
        uid=f"meeting-{meeting['id']}@{ICS_DOMAIN}",
        summary=_ics_text(meeting, "title"),
        start=_berlin(meeting["starts_at"]),
        end=_berlin(meeting["ends_at"]),
        location=_ics_text(meeting, "location"),
        description=_description(meeting),
        status="CANCELLED" if meeting["status"] == "cancelled" else "CONFIRMED",
        sequence=max(int(version or 1) - 1, 0),
    )


def _timezone_window(meetings: Iterable[Mapping[str, Any]]) -> tuple[dt.date, dt.date]:
    """Years the VTIMEZONE must describe: all meetings, with a year's margin."""
    years = [_berlin(m[key]).year for m in meetings for key in ("starts_at", "ends_at")]
    if not years:
        years = [dt.date.today().year]
    return dt.date(min(years) - 1, 1, 1), dt.date(max(years) + 2, 1, 1)


def ics_bytes(
    meetings: list[dict[str, Any]], calendar_name: str = "Hessische Integrationskonferenz"
) -> bytes:
    """RFC 5545 calendar of MEETINGS, times in Europe/Berlin with one VTIMEZONE.

    UIDs depend only on the meeting id, so re-importing an export updates the
    events instead of duplicating them; SEQUENCE follows the meeting's version.
    """
    return _calendar(meetings, calendar_name).to_ical()


def _calendar(meetings: list[dict[str, Any]], calendar_name: str) -> icalendar.Calendar:
    first, last = _timezone_window(meetings)
    calendar = icalendar.Calendar.new(
        name=calendar_name,  # writes NAME and X-WR-CALNAME
        prodid=ICS_PRODID,
        uid=f"calendar@{ICS_DOMAIN}",  # otherwise a fresh uuid4 on every export
    )
    calendar.add("X-WR-TIMEZONE", "Europe/Berlin")
    calendar.add_component(
        icalendar.Timezone.from_tzid("Europe/Berlin", first_date=first, last_date=last)
    )
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return calendar


# A member's answer as the attendee's participation status (RFC 5545, PARTSTAT).
PARTSTAT = {
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "deputy": "DELEGATED",
    "none": "NEEDS-ACTION",
}


def invitation_bytes(
    meeting: dict[str, Any], attendees: pd.DataFrame, organizer: tuple[str, str]
) -> bytes:
    """An iTIP invitation (RFC 5546) to MEETING for calendar programs: METHOD:REQUEST
    with ORGANIZER (name, e-mail) and one ATTENDEE per row of ATTENDEES (name,
    email, answer) that has an e-mail; for a cancelled meeting METHOD:CANCEL with
    STATUS:CANCELLED. UID and SEQUENCE are those of the calendar export, so a
    changed meeting is an update of the same event with a higher SEQUENCE."""
    calendar = _calendar([meeting], "Hessische Integrationskonferenz")
    cancelled = meeting["status"] == "cancelled"
    calendar.add("METHOD", "CANCEL" if cancelled else "REQUEST")
    event = calendar.events[0]
    name, email = organizer
    event.add("ORGANIZER", icalendar.vCalAddress(f"mailto:{email}"), parameters={"CN": name})
    for person in attendees.itertuples():
        address = _ics_text({"email": person.email}, "email")
        if address is None:
            continue
        event.add(
            "ATTENDEE",
            icalendar.vCalAddress(f"mailto:{address}"),
            parameters={
                "CN": person.name,
                "CUTYPE": "INDIVIDUAL",
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": PARTSTAT[person.answer],
                "RSVP": "FALSE" if cancelled else "TRUE",
            },
        )
    return calendar.to_ical()
