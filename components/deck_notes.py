"""The presenter's notes: each slide's key figures in words, from the frozen deck
data (db.deck_data.deck_data), so the speaker can say them without reading the
chart off the projector."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components import fmt


def _sentence(text: str) -> str:
    """TEXT with one full stop at its end ("+1,6 Pp." keeps its own)."""
    return text if text.endswith(".") else text + "."


def _members(d: dict[str, Any]) -> str:
    members = d["members"]
    total = int(members["members"].sum())
    if not total:
        return "Noch keine Mitglieder erfasst."
    top = members.sort_values("members", ascending=False).iloc[0]
    text = (
        f"{fmt.number(total)} Sitze in {fmt.number(len(members))} Bereichen. Am stärksten "
        f"vertreten: {top['sector']} mit {fmt.number(top['members'])} Sitzen "
        f"({fmt.percent(top['share'])})."
    )
    empty = list(members.loc[members["members"] == 0, "sector"])
    if empty:
        text += f" Ohne Sitz: {', '.join(empty)}."
    return text


def _representation(d: dict[str, Any]) -> str:
    shares = d["representation"]
    if shares is None or shares.empty:
        return "Für die Sitzung ist keine Anwesenheit erfasst."
    invited, attended = int(shares["invited"].sum()), int(shares["attended"].sum())
    lowest = shares.sort_values("gap").iloc[0]
    return (
        f"{fmt.number(attended)} von {fmt.number(invited)} eingeladenen Sitzen waren besetzt "
        f"({fmt.percent(attended / invited if invited else None)}). Am wenigsten vertreten "
        f"gemessen an den Sitzen: {lowest['sector']} ({fmt.number(lowest['attended'])} von "
        f"{fmt.number(lowest['invited'])})."
    )


def _progress(d: dict[str, Any]) -> str:
    now = d["progress"][d["progress"]["day"] == d["today"]]
    parts = [
        f"{r.area}: {fmt.progress(r.mean)} im Mittel über {fmt.number(r.measures)} Maßnahmen"
        for r in now.itertuples()
        if r.measures
    ]
    return "; ".join(parts) + "." if parts else "Noch keine Maßnahmen erfasst."


def _change(d: dict[str, Any]) -> str:
    baseline = d["baseline_day"]
    if baseline is None:
        return "Es gibt noch keine frühere Sitzung zum Vergleich."
    progress = d["progress"]
    now = progress[progress["day"] == d["today"]].set_index("area")["mean"]
    then = progress[progress["day"] == baseline].set_index("area")["mean"]
    parts = [
        f"{area}: {fmt.points_change(now[area], then.get(area), scale=1) or 'neu'}"
        for area in now.index
    ]
    return _sentence(f"Seit dem {fmt.date(baseline)}: " + "; ".join(parts))


def _status(d: dict[str, Any]) -> str:
    counts = d["status_counts"].groupby(["status_order", "status"])["measures"].sum()
    if counts.empty:
        return "Noch keine Maßnahmen erfasst."
    parts = [f"{fmt.number(n)} {status}" for (_, status), n in counts.items()]
    return f"{fmt.number(counts.sum())} Maßnahmen: " + ", ".join(parts) + "."


def _overdue(d: dict[str, Any]) -> str:
    overdue = d["overdue"]
    if overdue.empty:
        return "Keine Maßnahme ist überfällig."
    oldest = overdue.iloc[0]
    return (
        f"{fmt.number(len(overdue))} Maßnahmen sind überfällig; am längsten „{oldest['title']}“ "
        f"({oldest['area']}), fällig seit {fmt.date(oldest['due_date'])}."
    )


def _next(d: dict[str, Any]) -> str:
    meetings = d["next_meetings"]
    if meetings.empty:
        return "Keine Termine geplant."
    first = meetings.iloc[0]
    return (
        f"Als Nächstes: {first['title']} am {fmt.weekday_date(first['starts_at'])}; "
        f"insgesamt {fmt.number(len(meetings))} Termine angesetzt."
    )


_NOTES: dict[str, Callable[[dict[str, Any]], str]] = {
    "mitglieder": _members,
    "teilnahme": _representation,
    "fortschritt": _progress,
    "veraenderung": _change,
    "status": _status,
    "ueberfaellig": _overdue,
    "termine": _next,
}


def notes(key: str, deck_data: dict[str, Any]) -> str:
    """What the presenter may say on slide KEY."""
    return _NOTES[key](deck_data)
