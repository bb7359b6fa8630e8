import datetime as dt

import streamlit as st

from components import data, fmt, navigation, response_editing, responses_view
from db import responses
from db.vocabulary import MEETING_KIND_LABELS, MEETING_STATUS_LABELS

actor = navigation.page_actor("editor")
today = dt.date.today()

st.title("Rückmeldungen")
st.caption(
    "Wer hat zugesagt, abgesagt oder eine Vertretung angekündigt? Vor dem Termin zeigt die "
    "erwartete Vertretung je Bereich, wo nachgefragt werden sollte; danach, wie verlässlich "
    "die Rückmeldungen waren."
)

meetings = data.read(responses.meetings_with_answers, today - dt.timedelta(days=120))
if meetings.empty:
    st.info("Keine Termine in den letzten vier Monaten oder in Zukunft.", icon=":material/info:")
    st.stop()
labels = {
    row.id: f"{fmt.date(row.starts_at)} · {row.title} "
    f"({MEETING_KIND_LABELS[row.kind]}, {MEETING_STATUS_LABELS[row.status]})"
    for row in meetings.itertuples()
}
coming = [row.id for row in meetings.itertuples() if row.starts_at.date() >= today]
ids = list(labels)
meeting_id = st.selectbox(
    "Termin",
    ids,
    index=ids.index(coming[0]) if coming else len(ids) - 1,
    format_func=labels.get,
    key="responses_meeting",
)
held = meetings.set_index("id").loc[meeting_id, "status"] == "held"

tab_view, tab_grid, tab_import, tab_invite = st.tabs(
    [
        "Erwartete Vertretung" if not held else "Erwartet und erschienen",
        "Erfassen",
        "Import",
        "Einladung",
    ]
)
with tab_view:
    if held:
        responses_view.outcome(meeting_id, "responses_page")
    else:
        responses_view.expectation(meeting_id, "responses_page")
with tab_grid:
    response_editing.answer_grid(meeting_id, actor)
with tab_import:
    response_editing.answer_import(meeting_id, actor)
with tab_invite:
    st.text(
        "Die Einladung als Kalenderdatei an alle Eingeladenen mit E-Mail-Adresse. Wird der "
        "Termin geändert oder abgesagt, ersetzt eine neu heruntergeladene Datei die frühere "
        "Einladung in den Kalendern (gleiche Kennung, höhere Versionsnummer)."
    )
    responses_view.invitation_button(meeting_id, "responses_page")
