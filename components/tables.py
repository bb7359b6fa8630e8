"""Display tables: German column names and formatted values for what the pages
(and the benchmark's floor) show. Pure functions DataFrame -> DataFrame."""

from __future__ import annotations

import pandas as pd

from components import fmt, labels
from db.vocabulary import (
    MEETING_KIND_LABELS,
    MEETING_STATUS_LABELS,
    PROJECTOR_LINK_STATE_LABELS,
)


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
    """Rows of dashboard_data.meetings."""
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


def progress_since(areas: pd.DataFrame, today, since) -> pd.DataFrame:
    """Each area's progress today and at the sitting on SINCE, and the change in
    percentage points (from progress.area_progress for both days)."""
    now = areas[areas["day"] == today]
    then = areas[areas["day"] == since].set_index("area_id")["mean"].reindex(now["area_id"])

    def shown(values) -> list[str]:
        return [fmt.percent(v / 100, 1) if pd.notna(v) else "–" for v in values]

    return pd.DataFrame(
        {
            "Themenbereich": now["area"].values,
            "Fortschritt heute": shown(now["mean"]),
            f"am {fmt.date(since)}": shown(then),
            "Veränderung": [
                fmt.points_change(v, t, scale=1) or "–"
                for v, t in zip(now["mean"], then, strict=True)
            ],
            "bekannt": now["known"].values,
            "unbekannt": now["unknown"].values,
        }
    )


def _audit_change(row) -> str:
    if row.field is None:
        return "–"
    if row.field == "password_hash":
        return "neu gesetzt"
    before = labels.value_text(row.table_name, row.field, row.old)
    after = labels.value_text(row.table_name, row.field, row.new)
    # A new record has no "before", a deleted one no "after": the value says it all.
    if row.action == "insert":
        return after
    if row.action == "delete":
        return before
    return f"{before} → {after}"


def _audit_title(row) -> str:
    if row.record_title is None:
        return f"Nr. {row.record_id}"
    if row.record_day is None or row.record_day != row.record_day:  # None or NaT
        return str(row.record_title)
    return f"{row.record_title} ({fmt.date(row.record_day)})"


def audit(changes: pd.DataFrame, record: bool = True) -> pd.DataFrame:
    """Audit changes (db.audit.changes) as staff read them: when, who, what, which
    record, which field, 'vorher → nachher' in German; without the record columns
    when RECORD is False (the history of one record)."""
    rows = list(changes.itertuples(index=False))
    view = pd.DataFrame(
        {
            "Zeitpunkt": changes["at"].map(fmt.datetime).values,
            "Benutzer": changes["username"].values,
            "Aktion": [labels.ACTIONS.get(r.action, r.action) for r in rows],
            "Datensatz": [labels.record_name(r.table_name) for r in rows],
            "Bezeichnung": [_audit_title(r) for r in rows],
            "Feld": [labels.field_label(r.table_name, r.field) if r.field else "–" for r in rows],
            "Änderung": [_audit_change(r) for r in rows],
        }
    )
    return view if record else view.drop(columns=["Datensatz", "Bezeichnung"])


def sign_in_sessions(
    df: pd.DataFrame, current: int | None = None, with_user: bool = True
) -> pd.DataFrame:
    """Open sign-in sessions (db.sessions.open_sessions) as the account pages show them;
    CURRENT marks the session of the browser in use."""
    device = df["user_agent"].map(lambda v: v or "unbekannt")
    if current is not None:
        device = device.where(df["id"] != current, device + " (dieses Gerät)")
    shown = pd.DataFrame(
        {
            "Benutzername": df["username"],
            "Name": df["display_name"],
            "Gerät": device,
            "Angemeldet seit": df["created_at"].map(fmt.datetime),
            "Zuletzt aktiv": df["last_seen_at"].map(fmt.datetime),
        }
    )
    return shown if with_user else shown.drop(columns=["Benutzername", "Name"])


def sign_in_session_label(df: pd.DataFrame, session_id: int) -> str:
    """'leitung · Chrome auf Windows · zuletzt aktiv 01.12.2026, 14:05 Uhr' for a choice."""
    row = df.set_index("id").loc[session_id]
    device = row["user_agent"] or "unbekanntes Gerät"
    return f"{row['username']} · {device} · zuletzt aktiv {fmt.datetime(row['last_seen_at'])}"


def projector_links(links: pd.DataFrame) -> pd.DataFrame:
    """The projector links (db.projection.links) as the admin reads them."""
    return pd.DataFrame(
        {
            "Bezeichnung": links["label"],
            "Zustand": links["state"].map(PROJECTOR_LINK_STATE_LABELS),
            "Folgt": links["presentation"].map(lambda t: fmt.or_none(t) or "–"),
            "Gültig bis": links["expires_at"].map(fmt.date),
            "Angelegt von": links["created_by"],
            "Angelegt am": links["created_at"].map(fmt.date),
        }
    )


TOTAL_LABEL = "Gesamt"


def groups_by_sector(composition: pd.DataFrame) -> pd.DataFrame:
    """Members per sector (rows) and working group (columns), all seats first as
    "Gesamt" (participation.composition)."""
    wide = composition.assign(area=composition["area"].fillna(TOTAL_LABEL)).pivot_table(
        index="sector", columns="area", values="members", aggfunc="sum", sort=False, fill_value=0
    )
    wide.columns.name = None
    return wide.reset_index().rename(columns={"sector": "Bereich"})
