import datetime as dt

import pandas as pd
import streamlit as st

from components import data, database, exports, fmt, forms, navigation, ui
from db import logs, lookups, privacy, services
from db.errors import Conflict, DomainError
from db.models import BERLIN

actor = navigation.page_actor("editor")
today = dt.date.today()

st.title("Mitglieder und Organisationen")
members = data.read(lookups.members)
organisations = data.read(lookups.organisations)
areas = data.read(lookups.areas)
sectors = data.read(lookups.sectors)


def member_label(row: pd.Series) -> str:
    until = fmt.or_none(row["active_to"])
    gone = " (ausgeschieden)" if until is not None and until < today else ""
    return f"{row['last_name']}, {row['first_name']} – {row['organisation']}{gone}"


def access_file(member_id: int) -> bytes:
    """The access export (Art. 15 DSGVO) of MEMBER_ID; made and logged on click."""
    report = data.read_fresh(privacy.access_report, member_id, dt.datetime.now(BERLIN))
    logs.event("personal_data_export", user=actor.username, member_id=member_id)
    return exports.excel_workbook(report)


def anonymised(ids: list[int]) -> None:
    """After a successful anonymisation: log it, drop every cached copy of the old
    names in this process, and report."""
    for member_id in ids:
        logs.event("member_anonymised", user=actor.username, member_id=member_id)
    data.forget_cached()


def member_form(prefix: str, record_id: int | str, row: dict) -> dict:
    k = lambda f: forms.widget_key(prefix, record_id, f)  # noqa: E731
    c1, c2 = st.columns(2)
    first = c1.text_input("Vorname", value=forms.text(row, "first_name"), key=k("first"))
    last = c2.text_input("Nachname", value=forms.text(row, "last_name"), key=k("last"))
    c1, c2 = st.columns(2)
    function = c1.text_input("Funktion", value=forms.text(row, "function"), key=k("function"))
    email = c2.text_input("E-Mail (freiwillig)", value=forms.text(row, "email"), key=k("email"))
    org_id = forms.choice("Organisation", organisations, row.get("organisation_id"), k("org"))
    sector_of = dict(zip(organisations["id"], organisations["sector_id"], strict=True))
    c1, c2 = st.columns(2)
    since = forms.date_field(
        "Mitglied seit", fmt.or_none(row.get("active_from")) or today, k("from"), c1
    )
    until = forms.date_field("Mitglied bis", row.get("active_to"), k("to"), c2)
    others = members[members["id"] != record_id].assign(label=forms.person_names)
    deputy_for = forms.choice(
        "Stellvertretung für",
        others,
        row.get("deputy_for_id"),
        k("deputy"),
        label_column="label",
        optional=True,
        none_label="– eigener Sitz –",
    )
    names = dict(zip(areas["id"], areas["name"], strict=True))
    groups = st.multiselect(
        "Arbeitsgruppen",
        list(names),
        default=[a for a in row.get("area_ids", ()) if a in names],
        format_func=names.get,
        key=k("groups"),
        placeholder="keine",
        select_all=False,
    )
    return {
        "first_name": first,
        "last_name": last,
        "function": function,
        "email": email,
        "organisation_id": org_id,
        "sector_id": sector_of.get(org_id),
        "active_from": since,
        "active_to": until,
        "deputy_for_id": deputy_for,
        "area_ids": tuple(groups),
    }


tab_edit, tab_new, tab_orgs, tab_retention = st.tabs(
    ["Mitglied bearbeiten", "Neues Mitglied", "Organisationen", "Aufbewahrungsfrist"]
)

with tab_edit:
    if members.empty:
        ui.empty("Noch keine Mitglieder erfasst.")
    else:
        labels = {int(r["id"]): member_label(r) for _, r in members.iterrows()}
        member_id = st.selectbox(
            "Mitglied", list(labels), format_func=labels.get, key="members_selected"
        )
        row = forms.record(members, member_id)
        version = forms.loaded_version("members", member_id, row["version"])
        st.caption(f"Bereich: {fmt.md(row['sector'])} (folgt aus der Organisation)")
        is_anonymised = row["anonymised_at"] is not None
        if is_anonymised:
            st.info(
                f"Dieses Mitglied wurde am {fmt.date(row['anonymised_at'])} anonymisiert: Name, "
                "Funktion und E-Mail-Adresse sind gelöscht. Bereich, Organisation, Zeitraum, "
                "Arbeitsgruppen und Teilnahme bleiben für die Statistik.",
                icon=":material/shield_person:",
            )
        else:
            with st.form(f"members_edit_{member_id}"):
                payload = member_form("members", member_id, row)
                submitted = st.form_submit_button("Speichern", type="primary")
            if submitted:
                forms.save(
                    actor,
                    services.update_member,
                    member_id,
                    payload,
                    version,
                    success="Mitglied gespeichert.",
                    prefix="members",
                    record_id=member_id,
                )
        with st.form(f"members_leave_{member_id}"):
            st.markdown(
                "**Mitgliedschaft beenden** – die Person und ihre Teilnahme bleiben erhalten."
            )
            last_day = forms.date_field("Letzter Tag", today, f"members_leave_day_{member_id}")
            submitted = st.form_submit_button("Mitgliedschaft beenden")
        if submitted:
            forms.save(
                actor,
                services.deactivate_member,
                member_id,
                last_day,
                version,
                success="Mitgliedschaft beendet.",
                prefix="members",
                record_id=member_id,
            )
        with st.container(border=True):
            st.markdown("**Datenschutz** – Auskunft und Anonymisierung (Art. 15 und 17 DSGVO)")
            st.download_button(
                "Auskunft als Excel",
                data=lambda member_id=member_id: access_file(member_id),
                file_name=f"auskunft-mitglied-{member_id}.xlsx",
                mime=ui.XLSX,
                icon=":material/download:",
                on_click="ignore",
                key="members_access_export",
                help="Alles, was über dieses Mitglied gespeichert ist, ein Blatt je Art "
                "(Stammdaten, Arbeitsgruppen, Anwesenheit, Stellvertretung, Änderungsprotokoll, "
                "Erwähnungen). Der Export wird ohne Inhalte protokolliert.",
            )
            if not is_anonymised:
                with st.form(f"members_anonymise_{member_id}"):
                    st.markdown(
                        "**Anonymisieren** auf Antrag: Name, Funktion und E-Mail-Adresse werden "
                        "überall gelöscht, auch in Freitexten und im Änderungsprotokoll. Bereich, "
                        "Organisation, Zeitraum, Arbeitsgruppen, Stellvertretung und Teilnahme "
                        "bleiben, alle Auswertungen bleiben gleich. Das lässt sich nicht "
                        "rückgängig machen."
                    )
                    confirmed = st.checkbox(
                        "Ich bestätige: dieses Mitglied soll endgültig anonymisiert werden.",
                        key=f"members_anonymise_confirm_{member_id}",
                    )
                    submitted = st.form_submit_button("Mitglied anonymisieren")
                if submitted and not confirmed:
                    st.error(
                        "Bitte erst bestätigen, dass das Mitglied endgültig anonymisiert werden "
                        "soll. Es wurde nichts geändert.",
                        icon=":material/error:",
                    )
                elif submitted:
                    try:
                        database.write(actor, services.anonymise_member, member_id, version)
                    except DomainError as exc:
                        st.error(fmt.md(str(exc)), icon=":material/error:")
                        if isinstance(exc, Conflict):
                            st.button(
                                "Aktuellen Stand laden",
                                key=f"members_anonymise_reload_{member_id}",
                                on_click=forms.reload,
                                args=("members", member_id),
                            )
                    else:
                        anonymised([member_id])
                        forms.reload("members", member_id)
                        forms.done(f"Mitglied Nr. {member_id} anonymisiert.")

with tab_new:
    if organisations.empty:
        ui.empty("Legen Sie zuerst eine Organisation an (Reiter „Organisationen“).")
    else:
        with st.form("members_new"):
            payload = member_form("members_new", "neu", {})
            submitted = st.form_submit_button("Mitglied anlegen", type="primary")
        if submitted:
            forms.save(
                actor,
                services.create_member,
                payload,
                success="Mitglied angelegt.",
                prefix="members_new",
                record_id=0,
            )

with tab_orgs:
    shown = organisations.rename(
        columns={"name": "Organisation", "sector": "Bereich", "members": "Mitglieder"}
    )[["Organisation", "Bereich", "Mitglieder"]]
    ui.table(shown, "Organisationen", "orgs_table")
    left, right = st.columns(2)
    with left:
        with st.form("orgs_new"):
            st.markdown("**Neue Organisation**")
            name = st.text_input("Name der Organisation", key="orgs_new_name")
            sector_id = forms.choice("Bereich", sectors, None, "orgs_new_sector")
            submitted = st.form_submit_button("Organisation anlegen")
        if submitted:
            forms.save(
                actor,
                services.create_organisation,
                {"name": name, "sector_id": sector_id},
                success="Organisation angelegt.",
            )
    with right:
        if not organisations.empty:
            org_id = forms.choice("Organisation bearbeiten", organisations, None, "orgs_selected")
            org = forms.record(organisations, org_id)
            org_version = forms.loaded_version("orgs", org_id, org["version"])
            with st.form(f"orgs_edit_{org_id}"):
                k = lambda f: forms.widget_key("orgs", org_id, f)  # noqa: E731
                name = st.text_input("Name der Organisation", value=org["name"], key=k("name"))
                sector_id = forms.choice("Bereich", sectors, org["sector_id"], k("sector"))
                submitted = st.form_submit_button("Speichern")
            if submitted:
                forms.save(
                    actor,
                    services.update_organisation,
                    org_id,
                    {"name": name, "sector_id": sector_id},
                    org_version,
                    success="Organisation gespeichert.",
                    prefix="orgs",
                    record_id=org_id,
                )

with tab_retention:
    months = privacy.retention_months()
    st.markdown(
        f"Ehemalige Mitglieder werden **{months} Monate** nach dem Ende ihrer Mitgliedschaft "
        "anonymisiert (Einstellung `RETENTION_MONTHS`): täglich durch den Befehl "
        "`python -m db.cli anonymise-expired` auf dem Server, oder hier von Hand."
    )
    expired = data.read(privacy.expired_members, today, months)
    if expired.empty:
        ui.empty("Kein ehemaliges Mitglied hat die Aufbewahrungsfrist überschritten.")
    else:
        ui.frame(
            pd.DataFrame(
                {
                    "Name": expired["last_name"] + ", " + expired["first_name"],
                    "Organisation": expired["organisation"],
                    "Mitglied bis": expired["active_to"].map(fmt.date),
                }
            )
        )
        with st.form("members_retention"):
            confirmed = st.checkbox(
                f"Ich bestätige: diese {fmt.number(len(expired))} ehemaligen Mitglieder sollen "
                "endgültig anonymisiert werden.",
                key="members_retention_confirm",
            )
            submitted = st.form_submit_button("Jetzt anonymisieren")
        if submitted and not confirmed:
            st.error("Bitte erst bestätigen. Es wurde nichts geändert.", icon=":material/error:")
        elif submitted:
            try:
                ids = database.write(actor, services.anonymise_expired, today, months)
            except DomainError as exc:
                st.error(fmt.md(str(exc)), icon=":material/error:")
            else:
                anonymised(ids)
                forms.done(f"{fmt.number(len(ids))} ehemalige Mitglieder anonymisiert.")
