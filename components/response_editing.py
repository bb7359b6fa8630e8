"""Entering members' answers to an invitation: the grid of one meeting (keyboard
entry, saved at once) and the import of the mail tool's list for that meeting."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from components import data, database, exports, fmt, forms, ui
from db import list_export, list_import, logs, response_list, responses, services
from db.errors import DomainError, InvalidInput
from db.permissions import Actor
from db.vocabulary import RESPONSE_LABELS

PREFIX = "responses"
FROM_LABEL = {word: code for code, word in RESPONSE_LABELS.items()}
DONE_KEY = "responses_import_done"


def grid_table(sheet: pd.DataFrame) -> pd.DataFrame:
    """The answer sheet of `responses.response_sheet` as the grid shows it."""
    return pd.DataFrame(
        {
            "member_id": sheet["member_id"],
            "Name": forms.person_names(sheet, "member_id"),
            "Bereich": sheet["sector"],
            "Organisation": sheet["organisation"],
            "Rückmeldung": sheet["answer"].map(RESPONSE_LABELS),
            "Vertretung": sheet["deputy"].map(fmt.or_none),
            "Eingegangen am": sheet["received_on"].map(
                lambda d: fmt.date(d) if fmt.or_none(d) is not None else None
            ),
        }
    ).reset_index(drop=True)


def changed_rows(
    base: pd.DataFrame, edited: pd.DataFrame, names: dict[str, int | None]
) -> list[dict[str, Any]]:
    """The rows of EDITED that differ from BASE, as payloads of `save_responses`; a
    deputy that names a member (NAMES, from `responses.member_names`) is that member."""
    rows = []
    columns = ["Rückmeldung", "Vertretung", "Eingegangen am"]
    for (_, before), (_, after) in zip(base.iterrows(), edited.iterrows(), strict=True):
        old = [fmt.or_none(before[c]) for c in columns]
        new = [fmt.or_none(after[c]) for c in columns]
        new = [v.strip() or None if isinstance(v, str) else v for v in new]
        if old == new:
            continue
        answer, deputy, received = new
        if FROM_LABEL.get(answer) == "none":  # cleared, whatever deputy and day still say
            answer, deputy, received = None, None, None
        deputy_id = names.get(responses.name_key(deputy)) if deputy else None
        rows.append(
            {
                "member_id": int(after["member_id"]),
                "answer": FROM_LABEL.get(answer, answer) if answer else None,
                "deputy_member_id": deputy_id,
                "deputy_name": None if deputy_id else deputy,
                "received_on": received,
                "name": after["Name"],
            }
        )
    return rows


def _save(
    session: Session,
    actor: Actor,
    meeting_id: int,
    rows: list[dict[str, Any]],
    versions: dict[int, int | None],
) -> dict[str, int]:
    """`save_responses` with its row numbers replaced by the members' names."""
    payload = [{k: v for k, v in row.items() if k != "name"} for row in rows]
    try:
        return services.save_responses(session, actor, meeting_id, payload, versions)
    except InvalidInput as exc:
        messages = []
        for message in exc.messages:
            match = re.match(r"Zeile (\d+): ", message)
            if match:
                message = f"{rows[int(match.group(1)) - 1]['name']}: {message[match.end() :]}"
            messages.append(message)
        raise InvalidInput(messages) from exc


def answer_grid(meeting_id: int, actor: Actor) -> None:
    """All invited members of MEETING_ID with their answers, edited in one grid and
    saved together; only changed rows are written, each checked against the
    version this user loaded."""
    base_key = forms.widget_key(PREFIX, meeting_id, "base")
    if base_key not in st.session_state:
        st.session_state[base_key] = data.read(responses.response_sheet, meeting_id)
    sheet = st.session_state[base_key]
    if sheet.empty:
        ui.empty("Zu diesem Termin ist niemand eingeladen.")
        return
    base = grid_table(sheet)
    with st.form(f"responses_grid_{meeting_id}"):
        edited = st.data_editor(
            base,
            hide_index=True,
            width="stretch",
            num_rows="fixed",
            placeholder=ui.MISSING,
            height=min(36 + 35 * len(base), 640),
            disabled=["Name", "Bereich", "Organisation"],
            column_order=["Name", "Bereich", "Organisation", *base.columns[4:]],
            column_config={
                "Name": st.column_config.TextColumn("Name", pinned=True, width="medium"),
                "Rückmeldung": st.column_config.SelectboxColumn(
                    "Rückmeldung", options=list(FROM_LABEL), required=True
                ),
                "Vertretung": st.column_config.TextColumn(
                    "Vertretung",
                    help="Nur bei „Vertretung angekündigt“: Vor- und Nachname. Ist die "
                    "Person Mitglied, wird sie als Mitglied erkannt.",
                    max_chars=200,
                ),
                "Eingegangen am": st.column_config.TextColumn(
                    "Eingegangen am",
                    help="TT.MM.JJJJ; leer: heute (bei einer neuen oder geänderten Rückmeldung).",
                    max_chars=10,
                ),
            },
            key=forms.widget_key(PREFIX, meeting_id, "grid"),
        )
        submitted = st.form_submit_button("Rückmeldungen speichern", type="primary")
    if submitted:
        rows = changed_rows(base, edited, data.read(responses.member_names))
        if not rows:
            st.info("Nichts geändert.", icon=":material/info:")
        else:
            loaded = dict(zip(sheet["member_id"], sheet["version"], strict=True))
            versions = {row["member_id"]: fmt.or_none(loaded[row["member_id"]]) for row in rows}
            forms.save(
                actor,
                _save,
                meeting_id,
                rows,
                versions,
                success=lambda c: f"Gespeichert: {c['neu']} neu, {c['ändern']} geändert.",
                prefix=PREFIX,
                record_id=meeting_id,
            )
    answered = int((sheet["answer"] != "none").sum())
    st.caption(
        f"{fmt.number(answered)} von {fmt.number(len(sheet))} haben geantwortet "
        "(gespeicherter Stand). Mit Tab und Pfeiltasten von Zelle zu Zelle, Enter öffnet die "
        "Auswahl."
    )


def answer_import(meeting_id: int, actor: Actor) -> None:
    """The list of MEETING_ID to download, and the upload of an edited list or the mail
    tool's: a preview of every line, then all lines or none."""
    current = data.read(list_export.export_responses, meeting_id)
    row = st.container(horizontal=True, gap="small")
    for label, suffix, mime, make in (
        ("Liste als Excel", "xlsx", ui.XLSX, lambda: exports.excel_bytes(current, "Rückmeldungen")),
        ("Liste als CSV", "csv", "text/csv", lambda: exports.csv_bytes(current)),
    ):
        row.download_button(
            label,
            data=_logged(make, actor, meeting_id),
            file_name=f"rueckmeldungen-termin-{meeting_id}.{suffix}",
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            key=f"responses_export_{suffix}",
        )
    st.caption(
        "Spalten wie in der Liste; ein Mitglied wird an Mitglied-ID, E-Mail oder Vor- und "
        "Nachname erkannt. Rückmeldung: zugesagt, abgesagt, Vertretung angekündigt oder keine "
        "Rückmeldung. Es wird alles oder nichts importiert."
    )
    uploaded = st.file_uploader(
        "Datei (Excel oder CSV)", type=["xlsx", "csv"], key=f"responses_file_{meeting_id}"
    )
    if uploaded is None:
        return
    done = st.session_state.get(DONE_KEY)
    if done and done["file_id"] == uploaded.file_id:
        st.success(
            f"Import abgeschlossen: {done['neu']} neu, {done['ändern']} geändert.",
            icon=":material/check_circle:",
        )
        return
    try:
        table = list_import.read_table(uploaded.getvalue(), uploaded.name, "responses")
        preview = data.read_fresh(response_list.preview_responses, table, meeting_id)
    except InvalidInput as exc:
        st.error("\n\n".join(fmt.md(m) for m in exc.messages), icon=":material/error:")
        return
    st.write(list_import.summary(preview))
    ui.frame(list_import.preview_frame(preview), key="responses_preview")
    if not preview.ok:
        st.error(
            "Die Datei enthält Fehler (Spalte „Fehler“); es wird nichts importiert.",
            icon=":material/error:",
        )
    if st.button(
        "Alle Zeilen importieren",
        type="primary",
        disabled=not preview.ok or not preview.changes,
        key="responses_import_apply",
    ):
        try:
            counts = database.write(actor, list_import.apply_import, "responses", preview)
        except DomainError as exc:
            failed = exc.messages if isinstance(exc, InvalidInput) else [str(exc)]
            st.error(
                "\n\n".join(
                    ["Import abgebrochen – es wurde nichts gespeichert.", *map(fmt.md, failed)]
                ),
                icon=":material/error:",
            )
        else:
            st.session_state[DONE_KEY] = {"file_id": uploaded.file_id, **counts}
            forms.reload(PREFIX, meeting_id)
            st.rerun()


def _logged(make: Any, actor: Actor, meeting_id: int) -> Any:
    """The list names people: log each download (who, which meeting, no data)."""

    def run() -> bytes:
        logs.event("personal_data_export", user=actor.username, meeting_id=meeting_id)
        return make()

    return run
