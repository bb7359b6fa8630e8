"""What the answers to invitations show: the expected representation per sector
before a meeting (overview, calendar, the Rückmeldungen page), expected against
actual attendance after it, and the invitation file. Viewers see counts per
sector; names (who has not answered, who accepted and did not come) only staff."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

import pandas as pd
import streamlit as st

from components import charts, data, exports, fmt, run_context, ui
from db import logs, responses
from db.config import response_threshold, setting
from db.models import BERLIN

ORGANIZER = (
    "Geschäftsstelle der Hessischen Integrationskonferenz",
    f"geschaeftsstelle@{exports.ICS_DOMAIN}",
)


def _meeting(meeting_id: int) -> dict | None:
    meetings = data.read(responses.meetings_with_answers, dt.date(2000, 1, 1))
    found = meetings[meetings["id"] == meeting_id].to_dict("records")
    return found[0] if found else None


def _staff() -> bool:
    actor = run_context.actor()
    return actor is not None and actor.may("editor")


def expected_table(expected: pd.DataFrame) -> pd.DataFrame:
    """The counts per sector as the pages show them (no names)."""
    return pd.DataFrame(
        {
            "Bereich": expected["sector"],
            "Eingeladen": expected["invited"],
            "Zugesagt": expected["accepted"],
            "Vertretung angekündigt": expected["deputy"],
            "Abgesagt": expected["declined"],
            "Keine Rückmeldung": expected["none"],
            "Erwartet": expected["expected"],
            "Anteil erwartet": expected["share"].map(fmt.percent),
            "Lage": expected["flagged"].map({True: "gefährdet", False: "ausreichend"}),
        }
    )


def _warning(expected: pd.DataFrame, threshold: float) -> None:
    flagged = expected[expected["flagged"].astype(bool)]
    if flagged.empty:
        st.success(
            f"Jeder Bereich erwartet mindestens {fmt.percent(threshold)} seiner Sitze.",
            icon=":material/check_circle:",
        )
        return
    parts = [
        f"{row.sector} ({row.expected} von {row.invited} Sitzen erwartet)"
        for row in flagged.itertuples()
    ]
    st.warning(
        fmt.md(
            ("Gefährdete Bereiche: " if len(parts) > 1 else "Gefährdeter Bereich: ")
            + "; ".join(parts)
            + f". Schwelle: {fmt.percent(threshold)} der eingeladenen Sitze."
        ),
        icon=":material/warning:",
    )


def expectation(meeting_id: int, key: str) -> None:
    """Expected representation of MEETING_ID per sector: the warning, the chart, the
    counts and, for staff, who in a flagged sector has not answered yet."""
    threshold = response_threshold()
    expected = data.read(responses.expected_by_sector, meeting_id, threshold)
    if expected.empty:
        ui.empty("Zu diesem Termin ist niemand eingeladen.")
        return
    _warning(expected, threshold)
    ui.chart(
        lambda m, t: charts.expected_representation(
            data.read(responses.expected_by_sector, m, t), t
        ),
        "Erwartete Vertretung nach Bereich",
        f"{key}_chart",
        meeting_id,
        threshold,
    )
    answered = int(expected["invited"].sum() - expected["none"].sum())
    st.caption(
        f"Erwartet = Zusagen und angekündigte Vertretungen; gestrichelt: die Schwelle von "
        f"{fmt.percent(threshold)}. {fmt.number(answered)} von "
        f"{fmt.number(int(expected['invited'].sum()))} Eingeladenen haben geantwortet."
    )
    with st.expander("Rückmeldungen je Bereich (Anzahl)", icon=":material/table:"):
        ui.table(expected_table(expected), "Erwartete Vertretung", f"{key}_table")
    if _staff():
        _unanswered(meeting_id, expected, key)


def _unanswered(meeting_id: int, expected: pd.DataFrame, key: str) -> None:
    flagged = set(expected.loc[expected["flagged"].astype(bool), "sector"])
    people = data.read(responses.unanswered, meeting_id)
    people = people[people["sector"].isin(flagged)]
    if people.empty:
        return
    with st.expander(
        f"Noch ohne Rückmeldung in gefährdeten Bereichen ({fmt.number(len(people))})",
        icon=":material/call:",
    ):
        ui.frame(
            people.rename(
                columns={
                    "sector": "Bereich",
                    "name": "Name",
                    "organisation": "Organisation",
                    "email": "E-Mail",
                }
            ),
            key=f"{key}_unanswered",
        )
        st.caption("Nur für die Geschäftsstelle sichtbar.")


def outcome(meeting_id: int, key: str) -> None:
    """After a held meeting: expected against actual attendance per sector, and for
    staff the members who accepted and did not come."""
    df = data.read(responses.outcome_by_sector, meeting_id)
    if df.empty:
        ui.empty("Zu diesem Termin wurden keine Rückmeldungen erfasst.")
        return
    table = pd.DataFrame(
        {
            "Bereich": df["sector"],
            "Eingeladen": df["invited"],
            "Geantwortet": df["answered"],
            "Erwartet": df["expected"],
            "Erschienen": df["attended"],
            "Erwartet und erschienen": df["expected_came"],
            "Abweichung": [
                fmt.count_change(a, e) for a, e in zip(df["attended"], df["expected"], strict=True)
            ],
        }
    )
    ui.table(table, "Erwartet und erschienen", f"{key}_outcome")
    expected, came = int(df["expected"].sum()), int(df["expected_came"].sum())
    st.caption(
        "Erschienen = persönlich oder durch die Stellvertretung. Von "
        f"{fmt.number(expected)} erwarteten Sitzen waren {fmt.number(came)} besetzt "
        f"({fmt.percent(came / expected if expected else None)})."
    )
    if not _staff():
        return
    missing = data.read(responses.no_shows, meeting_id)
    with st.expander(
        f"Zugesagt, aber nicht persönlich erschienen ({fmt.number(len(missing))})",
        icon=":material/person_off:",
    ):
        if missing.empty:
            st.text("Alle, die zugesagt hatten, waren da.")
        else:
            ui.frame(
                pd.DataFrame(
                    {
                        "Bereich": missing["sector"],
                        "Name": missing["name"],
                        "Organisation": missing["organisation"],
                        "Stellvertretung anwesend": missing["deputy_came"].map(
                            {True: "ja", False: "nein"}
                        ),
                    }
                ),
                key=f"{key}_no_shows",
            )
        st.caption("Nur für die Geschäftsstelle sichtbar.")


def organizer() -> tuple[str, str]:
    """Name and address of the invitations' organiser: SMTP_FROM when set."""
    name, address = parseaddr(setting("SMTP_FROM") or "")
    return (name or ORGANIZER[0], address) if "@" in address else ORGANIZER


def invitation_button(meeting_id: int, key: str) -> None:
    """For staff: the meeting's invitation (or cancellation) as an .ics file."""
    actor = run_context.actor()
    if actor is None or not actor.may("editor"):
        return
    meeting, people = data.read(responses.invitation, meeting_id)
    if not meeting:
        return
    cancelled = meeting["status"] == "cancelled"
    with_address = int(people["email"].notna().sum())

    def make() -> bytes:
        logs.event("personal_data_export", user=actor.username, meeting_id=meeting_id)
        return exports.invitation_bytes(meeting, people, organizer())

    st.download_button(
        "Absage als Kalendereinladung (.ics)" if cancelled else "Einladung (.ics)",
        data=make,
        file_name=f"{'absage' if cancelled else 'einladung'}-termin-{meeting_id}.ics",
        mime="text/calendar",
        icon=":material/forward_to_inbox:",
        on_click="ignore",
        key=f"{key}_invitation",
        help="Für Outlook und andere Kalenderprogramme: eine Änderung des Termins "
        "ersetzt die frühere Einladung.",
    )
    st.caption(
        f"{fmt.number(with_address)} von {fmt.number(len(people))} Eingeladenen haben eine "
        "E-Mail-Adresse und stehen in der Einladung."
    )


def meeting_detail_section(meeting_id: int) -> None:
    """The calendar's meeting detail: before the meeting the expected representation,
    after it expected against actual attendance; the invitation for staff."""
    meeting = _meeting(meeting_id)
    if meeting is None:  # cancelled: no answers, only the cancellation to send
        invitation_button(meeting_id, "cal_responses")
        return
    ui.section("Rückmeldungen")
    if meeting["status"] == "held":
        outcome(meeting_id, "cal_responses")
    else:
        expectation(meeting_id, "cal_responses")
    invitation_button(meeting_id, "cal_responses")


def expected_for_next_meeting() -> None:
    """The overview's section: expected representation at the next planned meeting."""
    today = dt.date.today()
    now = dt.datetime.combine(today, dt.time(), tzinfo=BERLIN)
    meeting_id = data.read(responses.next_planned, now)
    if meeting_id is None:
        return
    meeting = _meeting(meeting_id)
    if meeting is None:
        return
    ui.section(
        f"Erwartete Vertretung beim nächsten Termin: {meeting['title']}, "
        f"{fmt.weekday_date(meeting['starts_at'])}"
    )
    expectation(meeting_id, "overview_responses")
