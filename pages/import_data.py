import streamlit as st

from components import data, database, exports, fmt, navigation, ui
from db import list_import, logs
from db.errors import DomainError, InvalidInput
from db.vocabulary import IMPORT_KIND_LABELS

actor = navigation.page_actor("editor")
DONE_KEY = "import_done"

st.title("Import")
kind = st.radio(
    "Was importieren?",
    list(IMPORT_KIND_LABELS),
    format_func=IMPORT_KIND_LABELS.get,
    horizontal=True,
    key="import_kind",
)
label = IMPORT_KIND_LABELS[kind]
st.markdown(
    "So geht's: aktuelle Liste herunterladen, in Excel bearbeiten und wieder hochladen. "
    "Vor dem Speichern zeigt eine Vorschau jede Zeile mit ihrer Aktion.\n\n"
    "- Zeilen **mit ID** ändern den bestehenden Eintrag, Zeilen **ohne ID** werden neu "
    "angelegt. Zeilen, die in der Datei fehlen, werden nicht gelöscht.\n"
    "- Namen von Organisation, Bereich, Themenbereich, Status und Arbeitsgruppen müssen "
    "so geschrieben sein wie im Dashboard; Datumsangaben als TT.MM.JJJJ.\n"
    "- Hat jemand einen Eintrag seit dem Herunterladen geändert (Spalte „Version“), wird "
    "die Zeile abgelehnt: bitte neu herunterladen.\n"
    "- Es wird alles oder nichts importiert: enthält eine Zeile einen Fehler, wird keine "
    "Zeile gespeichert."
)

current = data.read(list_import.export, kind)
file_stem = {"members": "mitglieder", "measures": "massnahmen", "responses": "rueckmeldungen"}[kind]


def logged(make, what: str = kind, rows: int = len(current)):
    """The member list is personal data: log each download (who, how many rows, no data)."""

    def run() -> bytes:
        if what in ("members", "responses"):
            logs.event("personal_data_export", user=actor.username, list=what, rows=rows)
        return make()

    return run


row = st.container(horizontal=True, gap="small")
row.download_button(
    f"{label} als Excel",
    data=logged(lambda: exports.excel_bytes(current, sheet_name=label)),
    file_name=f"{file_stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
    key="import_export_xlsx",
)
row.download_button(
    f"{label} als CSV",
    data=logged(lambda: exports.csv_bytes(current)),
    file_name=f"{file_stem}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    key="import_export_csv",
)

uploaded = st.file_uploader("Datei (Excel oder CSV)", type=["xlsx", "csv"], key="import_file")
if uploaded is None:
    st.stop()

done = st.session_state.get(DONE_KEY)
if done and done["file_id"] == uploaded.file_id and done["kind"] == kind:
    st.success(
        f"Import abgeschlossen: {done['neu']} neu angelegt, {done['ändern']} geändert.",
        icon=":material/check_circle:",
    )
    st.info("Für einen weiteren Import bitte eine neue Datei hochladen.", icon=":material/info:")
    st.stop()

try:
    table = list_import.read_table(uploaded.getvalue(), uploaded.name, kind)
    preview = data.read_fresh(list_import.preview, kind, table)
except InvalidInput as exc:
    st.error("\n\n".join(fmt.md(m) for m in exc.messages), icon=":material/error:")
    st.stop()

if not preview.rows:
    st.info("Die Datei enthält keine Datenzeilen.", icon=":material/info:")
    st.stop()

st.subheader("Vorschau")
st.write(list_import.summary(preview))
ui.frame(list_import.preview_frame(preview))

if not preview.ok:
    lines = ", ".join(str(n) for n in preview.error_lines)
    which = "Zeile {} enthält" if len(preview.error_lines) == 1 else "Zeilen {} enthalten"
    st.error(
        f"{which.format(lines)} Fehler (siehe Spalte „Fehler“). Bitte in der Datei "
        "korrigieren und erneut hochladen; bis dahin wird nichts importiert.",
        icon=":material/error:",
    )
elif not preview.changes:
    st.info("Nichts zu importieren: alle Zeilen sind unverändert.", icon=":material/info:")


def progress_text(done: int, total: int) -> str:
    return f"Import läuft: {fmt.number(done)} von {fmt.number(total)} Zeilen"


if st.button(
    "Alle Zeilen importieren",
    type="primary",
    disabled=not preview.ok or not preview.changes,
    key="import_apply",
):
    bar = st.progress(0.0, text=progress_text(0, preview.changes))

    def show(done: int, total: int) -> None:
        # Also where a closed browser stops the import: Streamlit raises here, and the
        # transaction, with everything written so far, is rolled back.
        bar.progress(done / total if total else 1.0, text=progress_text(done, total))

    try:
        counts = database.write(actor, list_import.apply_import, kind, preview, progress=show)
    except DomainError as exc:
        bar.empty()
        failed = exc.messages if isinstance(exc, InvalidInput) else [str(exc)]
        st.error(
            "\n\n".join(
                ["Import abgebrochen – es wurde nichts gespeichert.", *map(fmt.md, failed)]
            ),
            icon=":material/error:",
        )
    else:
        st.session_state[DONE_KEY] = {"file_id": uploaded.file_id, "kind": kind, **counts}
        st.rerun()
