import datetime as dt

import pandas as pd
import streamlit as st

from components import calendar_view, data, exports, filters, fmt, navigation, tables, ui
from db import logs, lookups, participation, queries
from db.vocabulary import MEETING_KIND_LABELS, MEETING_STATUS_LABELS

actor = navigation.page_actor("viewer")
today = dt.date.today()

st.title("Kalender")
since, until, kinds, area_id = filters.meeting_filters("cal", data.read(lookups.areas))
meetings = data.read(queries.meetings, kinds, area_id)
days = meetings["starts_at"].map(lambda t: t.date())
if since:
    meetings = meetings[days >= since]
if until:
    meetings = meetings[days <= until]

if meetings.empty:
    ui.empty("Für diese Auswahl gibt es keine Termine.")
    st.stop()

st.download_button(
    "Alle angezeigten Termine als Kalenderdatei (.ics)",
    data=lambda: exports.ics_bytes(meetings.to_dict("records")),
    file_name="integrationskonferenz-termine.ics",
    mime="text/calendar",
    icon=":material/event:",
    on_click="ignore",
    key="cal_ics_all",
    help="Für Outlook, Thunderbird, Apple Kalender und andere Kalenderprogramme.",
)

upcoming = meetings[(days >= today) & (meetings["status"] != "cancelled")]
if len(upcoming):
    nxt = upcoming.iloc[0]
    with st.container(border=True):
        st.caption("Nächster Termin")
        st.subheader(fmt.md(nxt["title"]), anchor=False)
        st.text(
            f"{fmt.weekday_date(nxt['starts_at'])}, {nxt['starts_at']:%H:%M}–"
            f"{nxt['ends_at']:%H:%M} Uhr · {fmt.or_none(nxt['location']) or 'Ort offen'}"
        )


tab_coming, tab_past, tab_month, tab_detail = st.tabs(
    ["Kommende Termine", "Vergangene Termine", "Monatsansicht", "Termin im Detail"]
)
with tab_coming:
    coming = meetings[days >= today]
    if coming.empty:
        ui.empty("Keine kommenden Termine.")
    else:
        ui.table(tables.meetings(coming), "Kommende Termine", "cal_coming")
with tab_past:
    past = meetings[days < today].iloc[::-1]
    if past.empty:
        ui.empty("Keine vergangenen Termine.")
    else:
        ui.table(tables.meetings(past), "Vergangene Termine", "cal_past")
with tab_month:
    months = calendar_view.months(meetings)
    default = next(
        (i for i, m in enumerate(months) if m >= (today.year, today.month)), len(months) - 1
    )
    year, month = st.selectbox(
        "Monat",
        months,
        index=default,
        format_func=lambda m: calendar_view.month_label(*m),
        key="cal_month",
    )
    grid = calendar_view.month_grid(meetings, year, month)
    ui.frame(
        grid,
        row_height=calendar_view.ROW_HEIGHT,
        height=calendar_view.grid_height(grid),
    )
with tab_detail:
    newest_first = meetings.iloc[::-1]
    labels = dict(
        zip(
            newest_first["id"],
            fmt.dates(newest_first["starts_at"]) + " · " + newest_first["title"],
            strict=True,
        )
    )
    ids = list(labels)
    meeting_id = st.selectbox(
        "Termin",
        ids,
        index=ids.index(calendar_view.focus(meetings, today)),
        format_func=labels.get,
        key="cal_detail",
    )
    meeting = meetings.set_index("id").loc[meeting_id]
    st.subheader(fmt.md(meeting["title"]), anchor=False)
    st.text(
        f"{fmt.weekday_date(meeting['starts_at'])}, {meeting['starts_at']:%H:%M}–"
        f"{meeting['ends_at']:%H:%M} Uhr\n"
        f"Ort: {fmt.or_none(meeting['location']) or 'offen'}\n"
        f"Art: {MEETING_KIND_LABELS[meeting['kind']]}"
        + (f" · {meeting['area']}" if isinstance(meeting["area"], str) else "")
        + f"\nStatus: {MEETING_STATUS_LABELS[meeting['status']]}"
    )
    if isinstance(meeting["notes"], str) and meeting["notes"]:
        st.text(f"Notizen: {meeting['notes']}")
    record = meetings[meetings["id"] == meeting_id].to_dict("records")[0]
    st.download_button(
        "Diesen Termin als .ics",
        data=lambda: exports.ics_bytes([record]),
        file_name=f"termin-{meeting_id}.ics",
        mime="text/calendar",
        icon=":material/event:",
        on_click="ignore",
        key="cal_ics_one",
    )
    attendance = data.read(participation.attendance_by_sector)
    rows = attendance[attendance["meeting_id"] == meeting_id]
    left, right = st.columns(2)
    with left:
        ui.section("Teilnahme nach Bereich")
        if rows.empty and meeting["status"] == "planned":
            ui.empty("Die Anwesenheit wird nach dem Termin erfasst.")
        elif rows.empty:
            ui.empty("Für diesen Termin ist keine Anwesenheit erfasst.")
        else:
            summary = pd.DataFrame(
                {
                    "Bereich": rows["sector"],
                    "Eingeladen": rows["invited"],
                    "Persönlich": rows["present"],
                    "Stellvertretung": rows["deputy"],
                    "Quote": rows["rate"].map(fmt.percent),
                }
            )
            ui.table(summary, "Teilnahme am Termin", "cal_detail_att")
    with right:
        ui.section("Hier vorgeschlagene Maßnahmen")
        proposed = data.read(queries.measures_proposed_at, int(meeting_id))
        if proposed.empty:
            ui.empty("Bei diesem Termin wurden keine Maßnahmen vorgeschlagen.")
        else:
            shown = pd.DataFrame(
                {
                    "Maßnahme": proposed["title"],
                    "Status": proposed["status"],
                    "Fortschritt": proposed["progress"].map(fmt.progress),
                }
            )
            ui.table(shown, "Vorgeschlagene Maßnahmen", "cal_detail_meas")
    people = data.read(participation.participants, int(meeting_id))
    if len(people):
        # The one list with names that viewers see (collapsed, so it is not on the
        # projector by accident); only editors may download it.
        with st.expander(f"Teilnehmende ({fmt.number(len(people))})", icon=":material/group:"):
            listed = pd.DataFrame(
                {
                    "Name": people["name"],
                    "Organisation": people["organisation"],
                    "Bereich": people["sector"],
                    "Teilnahme": people["deputy"].map(
                        {True: "durch Stellvertretung", False: "persönlich"}
                    ),
                }
            )
            if actor.may("editor"):
                ui.table(
                    listed,
                    "Teilnehmende",
                    "cal_detail_people",
                    on_download=lambda meeting=int(meeting_id): logs.event(
                        "personal_data_export", user=actor.username, meeting_id=meeting
                    ),
                )
            else:
                ui.frame(listed, key="cal_detail_people")
            st.caption("Genannt sind nur die Teilnehmenden; Abwesenheiten zählt die Tabelle.")
