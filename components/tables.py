"""Display tables: German column names and formatted values for what the pages
(and the benchmark's floor) show. Pure functions DataFrame -> DataFrame."""

from __future__ import annotations

import pandas as pd

from components import fmt
from db.queries import MEETING_KIND_LABELS, MEETING_STATUS_LABELS


def attendance(per_sector: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attendance per sector (participation.sector_totals): the table shown ('81,8 %')
    and its export, which holds the same percent as a number (81,8) under
    'Teilnahmequote (%)'."""
    shown = pd.DataFrame(
        {
            "Bereich": per_sector["sector"],
            "Eingeladene Sitze": per_sector["invited"],
            "Persönlich anwesend": per_sector["present"],
            "Durch Stellvertretung": per_sector["deputy"],
            "Entschuldigt": per_sector["excused"],
            "Unentschuldigt": per_sector["absent"],
            "Teilnahmequote": per_sector["rate"].map(lambda v: fmt.percent(v, 1)),
        }
    )
    # The export holds the same figure as the screen, as a number a spreadsheet can use.
    export = shown.drop(columns="Teilnahmequote").assign(
        **{"Teilnahmequote (%)": (per_sector["rate"] * 100).round(1).values}
    )
    return shown, export


def representation(shares: pd.DataFrame) -> pd.DataFrame:
    """The sectors' shares of seats and of attendees at one meeting."""
    return pd.DataFrame(
        {
            "Bereich": shares["sector"],
            "Eingeladene Sitze": shares["invited"],
            "Anwesend (inkl. Stellvertretung)": shares["attended"],
            "Anteil an den Sitzen": shares["share_invited"].map(lambda v: fmt.percent(v, 1)),
            "Anteil an den Anwesenden": shares["share_attended"].map(lambda v: fmt.percent(v, 1)),
        }
    )


def measures(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of progress.measures_table."""
    return pd.DataFrame(
        {
            "Maßnahme": df["title"],
            "Themenbereich": df["area"],
            "Status": df["status"],
            "Fortschritt": df["progress"].map(fmt.progress),
            "Verantwortlich": df["responsible"],
            "Fällig": fmt.days(df["due_date"]),
            "Letzte Meldung": fmt.days(df["last_update"]),
            "Notiz der letzten Meldung": df["last_note"],
        }
    )


def moved(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of progress.changes_since: status and progress then and now."""
    return pd.DataFrame(
        {
            "Maßnahme": df["title"],
            "Themenbereich": df["area"],
            "Status damals": df["status_then"].fillna("noch nicht erfasst"),
            "Status heute": df["status"],
            "Fortschritt damals": df["progress_then"].map(lambda v: fmt.progress(v, "–")),
            "Fortschritt heute": df["progress"].map(fmt.progress),
        }
    )


def meetings(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of queries.meetings."""
    return pd.DataFrame(
        {
            "Datum": fmt.weekday_dates(df["starts_at"]),
            "Zeit": df["starts_at"].dt.strftime("%H:%M") + "–" + df["ends_at"].dt.strftime("%H:%M"),
            "Termin": df["title"],
            "Art": df["kind"].map(MEETING_KIND_LABELS),
            "Themenbereich": df["area"].fillna("–"),
            "Ort": df["location"].fillna("–"),
            "Status": df["status"].map(MEETING_STATUS_LABELS),
        }
    )
