"""Data protection on the member editing page: the access export and anonymisation of
one member (Art. 15 and 17 DSGVO), and the retention tab for former members."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components import data, exports, fmt, forms, ui
from db import logs, privacy, services
from db.models import BERLIN
from db.permissions import Actor


def _access_file(actor: Actor, member_id: int) -> bytes:
    """The access export (Art. 15 DSGVO) of MEMBER_ID; made and logged on click."""
    report = data.read_fresh(privacy.access_report, member_id, dt.datetime.now(BERLIN))
    logs.event("personal_data_export", user=actor.username, member_id=member_id)
    return exports.excel_workbook(report)


def _anonymised(actor: Actor, ids: list[int]) -> None:
    """After a successful anonymisation: log it and drop every cached copy of the old
    names in this process."""
    for member_id in ids:
        logs.event("member_anonymised", user=actor.username, member_id=member_id)
    data.forget_cached()


def member_box(actor: Actor, member_id: int, version: int, is_anonymised: bool) -> None:
    """Access export and anonymisation of member MEMBER_ID."""
    with st.container(border=True):
        st.markdown("**Datenschutz** – Auskunft und Anonymisierung (Art. 15 und 17 DSGVO)")
        st.download_button(
            "Auskunft als Excel",
            data=lambda: _access_file(actor, member_id),
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
            _anonymise(actor, member_id, version)


def _anonymise(actor: Actor, member_id: int, version: int) -> None:
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
        forms.save(
            actor,
            services.anonymise_member,
            member_id,
            version,
            success=f"Mitglied Nr. {member_id} anonymisiert.",
            prefix="members",
            record_id=member_id,
            after=lambda _: _anonymised(actor, [member_id]),
        )


def retention_tab(actor: Actor, today: dt.date) -> None:
    """Former members past the retention period, and anonymising them by hand."""
    months = privacy.retention_months()
    st.markdown(
        f"Ehemalige Mitglieder werden **{months} Monate** nach dem Ende ihrer Mitgliedschaft "
        "anonymisiert (Einstellung `RETENTION_MONTHS`): täglich durch den Befehl "
        "`python -m db.cli anonymise-expired` auf dem Server, oder hier von Hand."
    )
    expired = data.read(privacy.expired_members, today, months)
    if expired.empty:
        ui.empty("Kein ehemaliges Mitglied hat die Aufbewahrungsfrist überschritten.")
        return
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
        forms.save(
            actor,
            services.anonymise_expired,
            today,
            months,
            success=lambda ids: f"{fmt.number(len(ids))} ehemalige Mitglieder anonymisiert.",
            after=lambda ids: _anonymised(actor, ids),
        )
