"""What the Abonnements page shows: German words for the schedule and the state
of the deliveries, and its two tables (subscriptions, sent and due mails)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import fmt
from db.vocabulary import DELIVERY_STATUS_LABELS

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def hour(value: int) -> str:
    return f"{int(value):02d}:00 Uhr"


def schedule(row: Any, area_names: dict[int, str]) -> str:
    """'montags 07:00 Uhr; 3 Tage vor Plenarsitzungen und AG Arbeitsmarkt & Integration'."""
    parts = []
    if fmt.or_none(row["weekday"]) is not None:
        parts.append(f"{WEEKDAYS[int(row['weekday'])].lower()}s {hour(row['hour'])}")
    if fmt.or_none(row["days_before"]) is not None:
        which = (["Plenarsitzungen"] if row["before_plenary"] else []) + [
            f"AG {area_names.get(int(i), '?')}" for i in row["area_ids"]
        ]
        days = int(row["days_before"])
        when = "am Tag" if days == 0 else f"{days} {'Tag' if days == 1 else 'Tage'}"
        parts.append(f"{when} vor {' und '.join(which)}, {hour(row['hour'])}")
    return "; ".join(parts)


def _when(value: Any) -> str | None:
    return fmt.datetime(value) if fmt.or_none(value) is not None else None


def overview(subs: pd.DataFrame, area_names: dict[int, str]) -> pd.DataFrame:
    """One row per subscription: who gets what when, and how the last mail went."""
    pending = subs["latest_status"].isin(["due", "failed"])
    return pd.DataFrame(
        {
            "Bezeichnung": subs["name"],
            "Zeitplan": [schedule(row, area_names) for _, row in subs.iterrows()],
            "Letzter Versand": subs["latest_status"].map(DELIVERY_STATUS_LABELS),
            "Zuletzt gesendet": subs["last_sent_at"].map(_when),
            "Nächster Versuch": subs["latest_next_attempt_at"].where(pending).map(_when),
            "Letzter Fehler": subs["latest_last_error"].map(fmt.or_none),
            "Empfänger": subs["recipients"].map(", ".join),
            "Anhänge": subs["include_deck"].map(
                {True: "Lagebild, Präsentation", False: "Lagebild"}
            ),
            "Aktiv": subs["active"].map({True: "ja", False: "nein"}),
            "Eingerichtet von": subs["created_by"],
        }
    )


def occasion(row: Any) -> str:
    kind = str(row["occasion"]).split(":")[0]
    if kind == "weekly":
        return f"Wöchentlich, {fmt.date(row['due_at'])}"
    if kind == "meeting":
        return f"Vor „{row['meeting_title'] or 'abgesagter Termin'}“"
    return f"Test (von {row['requested_by']})"


def history(deliveries: pd.DataFrame) -> pd.DataFrame:
    """The mails of one subscription, newest first."""
    return pd.DataFrame(
        {
            "Anlass": [occasion(row) for _, row in deliveries.iterrows()],
            "Fällig": deliveries["due_at"].map(_when),
            "Status": deliveries["status"].map(DELIVERY_STATUS_LABELS),
            "Versuche": deliveries["attempts"],
            "Gesendet": deliveries["sent_at"].map(_when),
            "Empfänger": deliveries["recipient_count"].astype("Int64"),
            "Fehler": deliveries["last_error"].map(fmt.or_none),
        }
    )
