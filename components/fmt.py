"""German number and date formats (decimal comma, dd.mm.yyyy), via Babel."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

from db.models import BERLIN

LOCALE = "de_DE"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=LOCALE)


def percent(share: float | None, digits: int = 0) -> str:
    """SHARE is a fraction (0.456 -> '45,6 %' with one digit)."""
    if share is None or pd.isna(share):
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    # Babel writes a plain space; the no-break space keeps '19,5 %' on one line
    # and is what the charts and fmt.progress write.
    return format_percent(share, format=fmt, locale=LOCALE).replace(" ", "\u00a0")


def date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = value.astimezone(BERLIN).date()
    return format_date(value, "dd.MM.yyyy", locale=LOCALE)


def datetime(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    return format_datetime(
        value.astimezone(BERLIN), "dd.MM.yyyy, HH:mm 'Uhr'", tzinfo=BERLIN, locale=LOCALE
    )


def time_of_day(value: dt.datetime) -> str:
    """'14:05:30' (Berlin time), for waits shorter than a minute or two."""
    return format_datetime(value.astimezone(BERLIN), "HH:mm:ss", tzinfo=BERLIN, locale=LOCALE)


def duration(value: dt.timedelta) -> str:
    """'8 Stunden', '1 Woche', '4 Sekunden'."""
    return format_timedelta(value, threshold=1, locale=LOCALE)


def weekday_date(value: dt.datetime) -> str:
    """'Mo., 05.10.2026' for meeting lists."""
    return format_datetime(
        value.astimezone(BERLIN), "EEE, dd.MM.yyyy", tzinfo=BERLIN, locale=LOCALE
    )


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md(text: object) -> str:
    """TEXT escaped for Streamlit's markdown elements, so that typed text is
    shown literally: no emphasis, no links, no HTML."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def progress(value: float | None, missing: str = "unbekannt") -> str:
    """A measure's progress: '45 %', or 'unbekannt' (never shown as 0 %)."""
    if value is None or value != value:  # NaN from pandas
        return missing
    return f"{value:.0f}\u00a0%"


_WEEKDAYS = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]


def weekday_dates(times: pd.Series) -> pd.Series:
    """`weekday_date` for a whole column of Berlin times at once ('Mi., 03.09.2025').

    Vectorised, because formatting thousands of meetings one by one costs a
    noticeable part of every rerun; tests check it against `weekday_date`.
    """
    local = times.dt.tz_convert(BERLIN)
    return (
        local.dt.day_of_week.map(dict(enumerate(_WEEKDAYS))) + ", " + local.dt.strftime("%d.%m.%Y")
    )


def dates(times: pd.Series) -> pd.Series:
    """`date` for a whole column of Berlin times at once ('03.09.2025')."""
    return times.dt.tz_convert(BERLIN).dt.strftime("%d.%m.%Y")


def days(values: pd.Series) -> pd.Series:
    """`date` for a whole column of calendar days (datetime.date or None) at once."""
    return pd.to_datetime(values).dt.strftime("%d.%m.%Y").fillna("–")


def count_change(now: float | None, then: float | None) -> str | None:
    """'+3' / '−2' / '±0' against a former value; None without one."""
    if now is None or then is None or pd.isna(now) or pd.isna(then):
        return None
    diff = now - then
    return f"{'+' if diff > 0 else '±' if diff == 0 else '−'}{number(abs(diff))}"


def points_change(now: float | None, then: float | None, scale: float = 100) -> str | None:
    """Change of a share (or, with scale=1, a percent) in percentage points,
    German style ('+2,5 Pp.'); None without a former value. The change is that of
    the two values as they are shown (one decimal), so '38,3 %' against '36,7 %'
    reads '+1,6 Pp.', never a difference the reader cannot make."""
    if now is None or then is None or pd.isna(now) or pd.isna(then):
        return None
    diff = round(now * scale, 1) - round(then * scale, 1)
    sign = "+" if diff > 0.05 else "−" if diff < -0.05 else "±"
    return f"{sign}{number(abs(diff), 1)}\u00a0Pp."


def or_none(value: object) -> object:
    """VALUE, or None when it is a missing value of pandas or NumPy (None, NaN, NaT,
    pd.NA). A DataFrame row holds NaN for a NULL, and NaN is truthy: without this,
    `row["notes"] or ""` is NaN and a form or text shows and saves "nan"."""
    if isinstance(value, str | bytes) or not pd.api.types.is_scalar(value):
        return value
    return None if pd.isna(value) else value


def key_figure(value: float | None, total: int | None, kind: str) -> str:
    """A key figure as shown ('81,8 %', '3 von 37', '78'); '–' without a value.
    KIND 'share' is a fraction shown as a percent with one decimal, as its change."""
    if value is None or pd.isna(value):
        return "–"
    text = percent(value, 1) if kind == "share" else number(value)
    return f"{text} von {number(total)}" if total is not None else text


def key_figure_change(value: float | None, previous: float | None, kind: str) -> str | None:
    """Its change against PREVIOUS ('+1,6 Pp.', '−2', '±0'); None without one."""
    if kind == "share":
        return points_change(value, previous)
    return count_change(value, previous)
