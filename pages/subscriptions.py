import datetime as dt

import streamlit as st

from components import briefing_sender, data, database, fmt, forms, navigation, ui
from components import subscription_views as views
from db import form_data, services, subscriptions
from db.config import ConfigError, smtp_settings
from db.errors import DomainError

actor = navigation.page_actor("admin")
st.title("Abonnements")
st.caption(
    "Das Lagebild per E-Mail für die Leitung: an welche Adressen, mit welchen Anhängen und "
    "wann – wöchentlich und/oder einige Tage vor Sitzungen. Der Dienst "
    "„send-due-briefings“ prüft alle 5 Minuten, was fällig ist."
)

try:
    smtp = smtp_settings()
except ConfigError as exc:
    smtp = None
    st.error(fmt.md(exc), icon=":material/error:")
if smtp is None:
    st.info(
        "Der E-Mail-Versand ist nicht eingerichtet (SMTP_HOST fehlt): Es wird nichts gesendet. "
        "Abonnements können trotzdem angelegt werden.",
        icon=":material/unsubscribe:",
    )
else:
    st.caption(f"Versand über `{smtp.host}:{smtp.port}` als `{smtp.sender}`.")
if failure := st.session_state.pop("subscriptions_test_error", None):
    st.error(fmt.md(f"Die Test-E-Mail wurde nicht gesendet: {failure}"), icon=":material/error:")

subs = data.read_fresh(subscriptions.subscriptions)
areas = data.read(form_data.areas)
area_names = dict(zip(areas["id"].astype(int), areas["name"], strict=True))
if subs.empty:
    ui.empty("Noch keine Abonnements.")
else:
    ui.frame(views.overview(subs, area_names))

ids = [forms.NONE, *subs["id"].astype(int)]
names = dict(zip(subs["id"].astype(int), subs["name"], strict=True))
chosen = st.selectbox(
    "Abonnement",
    ids,
    format_func=lambda i: "Neues Abonnement" if i == forms.NONE else names[i],
    key="subscriptions_selected",
)
row = forms.record(subs, chosen) if chosen != forms.NONE else {}
record_id = chosen if row else "new"


def key(field: str) -> str:
    return forms.widget_key("subscriptions", record_id, field)


weekdays = [forms.NONE, *range(7)]
current_weekday = row.get("weekday") if row else 0
with st.form(f"subscriptions_form_{record_id}", border=True):
    name = st.text_input("Bezeichnung", forms.text(row, "name"), key=key("name"))
    recipients = st.text_area(
        "Empfänger",
        "\n".join(row.get("recipients") or []),
        help="E-Mail-Adressen, eine je Zeile (oder mit Komma getrennt).",
        key=key("recipients"),
    )
    left, right = st.columns(2)
    weekday = left.selectbox(
        "Wochentag",
        weekdays,
        index=weekdays.index(forms.NONE if current_weekday is None else int(current_weekday)),
        format_func=lambda d: (
            "kein wöchentlicher Versand" if d == forms.NONE else views.WEEKDAYS[d]
        ),
        key=key("weekday"),
    )
    hour = right.selectbox(
        "Uhrzeit (volle Stunde)",
        list(range(24)),
        index=int(row.get("hour", 7)),
        format_func=views.hour,
        key=key("hour"),
    )
    days = left.text_input(
        "Tage vor dem Termin",
        "" if row.get("days_before") is None else str(int(row["days_before"])),
        help="Leer: kein Versand vor Sitzungen. 0: am Tag der Sitzung.",
        key=key("days"),
    )
    plenary = right.checkbox(
        "Vor Plenarsitzungen", bool(row.get("before_plenary", False)), key=key("plenary")
    )
    chosen_areas = st.multiselect(
        "Vor Sitzungen der Arbeitsgruppen",
        list(area_names),
        default=[int(i) for i in row.get("area_ids") or [] if int(i) in area_names],
        format_func=area_names.get,
        key=key("areas"),
        select_all=False,
        placeholder="Themenbereiche wählen",
    )
    deck = st.checkbox(
        "Präsentation (PDF) anhängen",
        bool(row.get("include_deck", False)),
        help="Zusätzlich zum Lagebild alle Folien der Präsentation als PDF.",
        key=key("deck"),
    )
    active = st.checkbox("Aktiv", bool(row.get("active", True)), key=key("active"))
    submitted = st.form_submit_button("Speichern", type="primary")
if submitted:
    values = {
        "name": name,
        "recipients": recipients,
        "weekday": None if weekday == forms.NONE else weekday,
        "hour": hour,
        "days_before": days.strip() or None,
        "before_plenary": plenary,
        "area_ids": chosen_areas,
        "include_deck": deck,
        "active": active,
    }
    version = forms.loaded_version("subscriptions", chosen, int(row["version"])) if row else None
    forms.save(
        actor,
        services.save_subscription,
        chosen if row else None,
        values,
        expected_version=version,
        success=f"Abonnement „{name.strip()}“ gespeichert.",
        prefix="subscriptions",
        record_id=record_id,
    )

if not row:
    st.stop()

send, delete = st.columns(2)
if send.button("Jetzt senden", disabled=smtp is None, help="Eine Test-E-Mail an alle Empfänger."):
    with st.spinner("Lagebild wird erstellt und gesendet …"):
        try:
            now = dt.datetime.now(dt.UTC)
            error = briefing_sender.send_test(database.engine(), actor, chosen, now, smtp)
        except DomainError as exc:
            error = str(exc)
    if error:
        st.session_state["subscriptions_test_error"] = error
        st.rerun()
    forms.done(f"Test-E-Mail an {len(row['recipients'])} Empfänger gesendet.")
with delete.popover("Löschen"):
    st.write(f"„{row['name']}“ mit allen geplanten Sendungen löschen?")
    if st.button("Endgültig löschen", type="primary"):
        forms.save(
            actor,
            services.delete_subscription,
            chosen,
            expected_version=int(row["version"]),
            success=f"Abonnement „{row['name']}“ gelöscht.",
        )

st.subheader("Sendungen")
history = data.read_fresh(subscriptions.deliveries, chosen)
if history.empty:
    ui.empty("Noch keine Sendungen.")
else:
    ui.frame(views.history(history))
