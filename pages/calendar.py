import datetime as dt

import pandas as pd
import streamlit as st

from components import calendar_view, data, exports, filters, fmt, navigation, tables, ui
from components.page_views import CalendarListing, MeetingDetail
from components.responses_view import meeting_detail_section
from db import dashboard_data, form_data, logs, participation
from db.vocabulary import MEETING_KIND_LABELS, MEETING_STATUS_LABELS

actor = navigation.page_actor("viewer")
today = dt.date.today()


def _listing(day: dt.date, since, until, kinds, area_id) -> CalendarListing | None:
    meetings = data.read(dashboard_data.meetings, kinds, area_id)
    days = meetings["starts_at"].map(lambda t: t.date())
    if since:
        meetings, days = meetings[days >= since], days[days >= since]
    if until:
        meetings, days = meetings[days <= until], days[days <= until]
    if meetings.empty:
        return None
    upcoming = meetings[(days >= day) & (meetings["status"] != "cancelled")]
    next_meeting = None
    if len(upcoming):
        nxt = upcoming.iloc[0]
        next_meeting = (
            nxt["title"],
            f"{fmt.weekday_date(nxt['starts_at'])}, {nxt['starts_at']:%H:%M}–"
            f"{nxt['ends_at']:%H:%M} Uhr · {fmt.or_none(nxt['location']) or 'Ort offen'}",
        )
    coming, past = meetings[days >= day], meetings[days < day].iloc[::-1]
    months = calendar_view.months(meetings)
    newest_first = meetings.iloc[::-1]
    labels = dict(
        zip(
            (int(i) for i in newest_first["id"]),
            fmt.dates(newest_first["starts_at"]) + " · " + newest_first["title"],
            strict=True,
        )
    )
    return CalendarListing(
        meetings=meetings,
        next_meeting=next_meeting,
        coming=None if coming.empty else tables.meetings(coming),
        past=None if past.empty else tables.meetings(past),
        months=tuple(months),
        month=next(
            (i for i, m in enumerate(months) if m >= (day.year, day.month)), len(months) - 1
        ),
        labels=labels,
        focus=int(calendar_view.focus(meetings, day)),
    )


def _month(year: int, month: int, *chosen) -> pd.DataFrame:
    return calendar_view.month_grid(
        data.derived("cal_listing", _listing, *chosen).meetings, year, month
    )


def _detail(meeting_id: int) -> MeetingDetail:
    meetings = data.read(dashboard_data.meetings, (), None)
    meeting = meetings.set_index("id").loc[meeting_id]
    rows = data.read(participation.attendance_by_sector)
    rows = rows[rows["meeting_id"] == meeting_id]
    proposed = data.read(dashboard_data.measures_proposed_at, meeting_id)
    people = data.read(participation.participants, meeting_id)
    return MeetingDetail(
        title=meeting["title"],
        text=f"{fmt.weekday_date(meeting['starts_at'])}, {meeting['starts_at']:%H:%M}–"
        f"{meeting['ends_at']:%H:%M} Uhr\n"
        f"Ort: {fmt.or_none(meeting['location']) or 'offen'}\n"
        f"Art: {MEETING_KIND_LABELS[meeting['kind']]}"
        + (f" · {meeting['area']}" if isinstance(meeting["area"], str) else "")
        + f"\nStatus: {MEETING_STATUS_LABELS[meeting['status']]}",
        notes=meeting["notes"] if isinstance(meeting["notes"], str) and meeting["notes"] else None,
        planned=meeting["status"] == "planned",
        attendance=None
        if rows.empty
        else pd.DataFrame(
            {
                "Bereich": rows["sector"],
                "Eingeladen": rows["invited"],
                "Persönlich": rows["present"],
                "Stellvertretung": rows["deputy"],
                "Quote": rows["rate"].map(fmt.percent),
            }
        ),
        proposed=None
        if proposed.empty
        else pd.DataFrame(
            {
                "Maßnahme": proposed["title"],
                "Status": proposed["status"],
                "Fortschritt": proposed["progress"].map(fmt.progress),
            }
        ),
        people=None
        if not len(people)
        else pd.DataFrame(
            {
                "Name": people["name"],
                "Organisation": people["organisation"],
                "Bereich": people["sector"],
                "Teilnahme": people["deputy"].map(
                    {True: "durch Stellvertretung", False: "persönlich"}
                ),
            }
        ),
    )


def _area_names() -> dict[int, str]:
    areas = data.read(form_data.areas)
    return {int(k): v for k, v in zip(areas["id"], areas["name"], strict=True)}


st.title("Kalender")
chosen = (today, *filters.meeting_filters("cal", data.derived("cal_areas", _area_names)))
listing = data.derived("cal_listing", _listing, *chosen)

if listing is None:
    ui.empty("Für diese Auswahl gibt es keine Termine.")
    st.stop()

st.download_button(
    "Alle angezeigten Termine als Kalenderdatei (.ics)",
    data=lambda: exports.ics_bytes(listing.meetings.to_dict("records")),
    file_name="integrationskonferenz-termine.ics",
    mime="text/calendar",
    icon=":material/event:",
    on_click="ignore",
    key="cal_ics_all",
    help="Für Outlook, Thunderbird, Apple Kalender und andere Kalenderprogramme.",
)

if listing.next_meeting:
    title, when = listing.next_meeting
    with st.container(border=True):
        st.caption("Nächster Termin")
        st.subheader(fmt.md(title), anchor=False)
        st.text(when)


tab_coming, tab_past, tab_month, tab_detail = st.tabs(
    ["Kommende Termine", "Vergangene Termine", "Monatsansicht", "Termin im Detail"]
)
with tab_coming:
    if listing.coming is None:
        ui.empty("Keine kommenden Termine.")
    else:
        ui.table(listing.coming, "Kommende Termine", "cal_coming")
with tab_past:
    if listing.past is None:
        ui.empty("Keine vergangenen Termine.")
    else:
        ui.table(listing.past, "Vergangene Termine", "cal_past")
with tab_month:
    year, month = st.selectbox(
        "Monat",
        listing.months,
        index=listing.month,
        format_func=lambda m: calendar_view.month_label(*m),
        key="cal_month",
    )
    grid = data.derived("cal_month_grid", _month, year, month, *chosen)
    ui.frame(
        grid,
        row_height=calendar_view.ROW_HEIGHT,
        height=calendar_view.grid_height(grid),
    )
with tab_detail:
    ids = list(listing.labels)
    meeting_id = st.selectbox(
        "Termin",
        ids,
        index=ids.index(listing.focus),
        format_func=listing.labels.get,
        key="cal_detail",
    )
    detail = data.derived("cal_detail", _detail, meeting_id)
    st.subheader(fmt.md(detail.title), anchor=False)
    st.text(detail.text)
    if detail.notes:
        st.text(f"Notizen: {detail.notes}")
    st.download_button(
        "Diesen Termin als .ics",
        data=lambda: exports.ics_bytes(
            listing.meetings[listing.meetings["id"] == meeting_id].to_dict("records")
        ),
        file_name=f"termin-{meeting_id}.ics",
        mime="text/calendar",
        icon=":material/event:",
        on_click="ignore",
        key="cal_ics_one",
    )
    left, right = st.columns(2)
    with left:
        ui.section("Teilnahme nach Bereich")
        if detail.attendance is None and detail.planned:
            ui.empty("Die Anwesenheit wird nach dem Termin erfasst.")
        elif detail.attendance is None:
            ui.empty("Für diesen Termin ist keine Anwesenheit erfasst.")
        else:
            ui.table(detail.attendance, "Teilnahme am Termin", "cal_detail_att")
    with right:
        ui.section("Hier vorgeschlagene Maßnahmen")
        if detail.proposed is None:
            ui.empty("Bei diesem Termin wurden keine Maßnahmen vorgeschlagen.")
        else:
            ui.table(detail.proposed, "Vorgeschlagene Maßnahmen", "cal_detail_meas")
    meeting_detail_section(meeting_id)
    if detail.people is not None:
        # The one list with names that viewers see (collapsed, so it is not on the
        # projector by accident); only editors may download it.
        people = detail.people
        with st.expander(f"Teilnehmende ({fmt.number(len(people))})", icon=":material/group:"):
            if actor.may("editor"):
                ui.table(
                    people,
                    "Teilnehmende",
                    "cal_detail_people",
                    on_download=lambda meeting=meeting_id: logs.event(
                        "personal_data_export", user=actor.username, meeting_id=meeting
                    ),
                )
            else:
                ui.frame(people, key="cal_detail_people")
            st.caption("Genannt sind nur die Teilnehmenden; Abwesenheiten zählt die Tabelle.")
