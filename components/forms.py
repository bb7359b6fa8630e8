"""Form renderers returning plain payloads for db/services, and the shared
handling of a save: the version a form loaded, German errors, conflicts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components import database, fmt, ui
from db import fields
from db.errors import Conflict, DomainError, InvalidInput, ValidationError
from db.models import BERLIN
from db.permissions import Actor
from db.validation import parse_day
from db.vocabulary import MEETING_KIND_LABELS, MEETING_STATUS_LABELS


def require_same_password(password: str, repeat: str, label: str = "Passwort wiederholen") -> None:
    if password != repeat:
        raise ValidationError(label, "stimmt nicht mit dem Passwort überein.")


# --- the version a form loaded (optimistic locking) --------------------------------------


def loaded_version(prefix: str, record_id: int, current: int) -> int:
    """The version of the record when this user opened its form (kept across reruns)."""
    key = f"{prefix}_loaded_{record_id}"
    if key not in st.session_state:
        st.session_state[key] = int(current)
    return st.session_state[key]


def reload(prefix: str, record_id: int) -> None:
    """Forget the loaded version and the typed values: the form shows the current state."""
    st.session_state.pop(f"{prefix}_loaded_{record_id}", None)
    st.session_state[f"{prefix}_generation"] = st.session_state.get(f"{prefix}_generation", 0) + 1


def widget_key(prefix: str, record_id: int | str, field: str) -> str:
    """Widget keys change with a reload, so the form then shows fresh values."""
    return f"{prefix}_{record_id}_{st.session_state.get(f'{prefix}_generation', 0)}_{field}"


FLASH_KEY = "_flash"


def show_flash() -> None:
    """Show what the last save reported (called by the frame on the run after a save)."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        success, warnings = flash
        st.toast(fmt.md(success), icon=":material/check_circle:")
        for warning in warnings:
            st.warning(fmt.md(warning), icon=":material/event_busy:")


def done(success: str, warnings: list[str] | tuple[str, ...] = ()) -> None:
    """Rerun now and report SUCCESS (and WARNINGS) on the next run."""
    st.session_state[FLASH_KEY] = (success, list(warnings))
    st.rerun()


def save(
    actor: Actor,
    service: Callable[..., Any],
    *args: Any,
    success: str | Callable[[Any], str],
    warnings: list[str] | tuple[str, ...] = (),
    prefix: str | None = None,
    record_id: int | None = None,
    after: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Run SERVICE; on success call AFTER with its result (if given), then rerun and
    report SUCCESS (a text, or made from the result) and WARNINGS on the next run;
    on a domain error show it in German (the form keeps its input) and return None."""
    try:
        result = database.write(actor, service, *args, **kwargs)
    except Conflict as exc:
        st.error(fmt.md(str(exc)), icon=":material/sync_problem:")
        if exc.current:
            ui.frame(_current_values(exc.current))
        if prefix is not None and record_id is not None:
            st.button(
                "Aktuellen Stand laden",
                key=f"{prefix}_reload_{record_id}",
                on_click=reload,
                args=(prefix, record_id),
            )
        return None
    except InvalidInput as exc:
        st.error("\n\n".join(fmt.md(m) for m in exc.messages), icon=":material/error:")
        return None
    except DomainError as exc:
        st.error(fmt.md(str(exc)), icon=":material/error:")
        return None
    if after is not None:
        after(result)
    if prefix is not None and record_id is not None:
        reload(prefix, record_id)
    done(success(result) if callable(success) else success, warnings)
    return result  # pragma: no cover - st.rerun() does not return


def _current_values(current: dict[str, Any]) -> pd.DataFrame:
    rows = [(key, _shown(value)) for key, value in current.items() if key != "password_hash"]
    return pd.DataFrame(rows, columns=["Feld", "Aktueller Wert"])


def _shown(value: Any) -> str:
    """A stored value as staff read it: an empty field as "–", never "null" or "nan"."""
    value = fmt.or_none(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime):
        return fmt.datetime(value)
    if isinstance(value, dt.date):
        return fmt.date(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


# --- pre-filling a form from a DataFrame row ---------------------------------------------


def record(frame: pd.DataFrame, record_id: int) -> dict[str, Any]:
    """The row of FRAME (with an `id` column) whose id is RECORD_ID, as a dict for a
    form's pre-fill. A NULL arrives in a DataFrame as NaN/NaT/pd.NA, which is truthy
    and would be shown, and saved, as "nan": here every one of them is None."""
    row = frame.set_index("id").loc[record_id].to_dict()
    return {key: fmt.or_none(value) for key, value in row.items()}


def text(row: dict[str, Any], field: str) -> str:
    """The pre-fill of a text widget: the row's text, or "" for a missing value."""
    value = fmt.or_none(row.get(field))
    return "" if value is None else str(value)


def person_names(people: pd.DataFrame, id_column: str = "id") -> pd.Series:
    """The name of each row of PEOPLE as 'Last, First'; where two rows share it, the
    organisation follows, and where that is shared too, the member number, so that
    staff can tell namesakes apart in a list or a grid."""
    name = people["last_name"] + ", " + people["first_name"]
    with_org = name + " (" + people["organisation"] + ")"
    name = name.where(~name.duplicated(keep=False), with_org)
    with_number = with_org.str[:-1] + ", Nr. " + people[id_column].astype(str) + ")"
    return name.where(~name.duplicated(keep=False), with_number)


# --- widgets -----------------------------------------------------------------------------


NONE = -1  # Streamlit shows a None option as "no selection", so "none" gets its own value


def choice(
    label: str,
    options: pd.DataFrame,
    current: Any,
    key: str,
    label_column: str = "name",
    optional: bool = False,
    none_label: str = "–",
) -> Any:
    """A selectbox over OPTIONS (id + label column) returning the chosen id (or None)."""
    ids = [NONE] if optional else []
    ids += [int(i) for i in options["id"]]
    labels = dict(zip(options["id"].astype(int), options[label_column], strict=True))
    current = fmt.or_none(current)
    wanted = NONE if current is None else int(current)
    chosen = st.selectbox(
        label,
        ids,
        index=ids.index(wanted) if wanted in ids else (0 if ids else None),
        format_func=lambda i: none_label if i == NONE else labels[i],
        key=key,
        placeholder="Bitte auswählen",
    )
    return None if chosen in (None, NONE) else chosen


DATE_HELP = "Als TT.MM.JJJJ, z. B. 05.03.2027."


def date_field(label: str, value: dt.date | None, key: str, where: Any = st) -> str:
    """A date typed as TT.MM.JJJJ. It is checked on saving (db.validation), so a
    date that does not exist or lies out of range is refused with a message naming
    the field, never moved or replaced (a date picker corrects such input silently)."""
    return where.text_input(
        label,
        value=fmt.date(value) if fmt.or_none(value) is not None else "",
        placeholder="TT.MM.JJJJ",
        help=DATE_HELP,
        key=key,
    )


def number_field(label: str, value: int | None, key: str, help: str | None = None) -> str:
    """A whole number typed as text, checked on saving: "50,5" or "101" are refused
    with a message naming the field, never read as 505 or replaced by the old value."""
    return st.text_input(label, value="" if value is None else str(int(value)), help=help, key=key)


class _Rows:
    """Places form fields in rows: a wide field takes a row, two others share one."""

    def __init__(self) -> None:
        self.free: list[Any] = []

    def place(self, wide: bool) -> Any:
        if wide:
            self.free = []
            return st.container()
        if not self.free:
            self.free = list(st.columns(2))
        return self.free.pop(0)


def entity_form(
    entity: fields.Entity,
    prefix: str,
    record_id: int | str,
    row: dict[str, Any],
    options: dict[str, pd.DataFrame],
) -> dict[str, Any]:
    """The widgets of ENTITY's declared fields, pre-filled from ROW; returns the payload
    for the entity's schema (`db.validation`). OPTIONS holds the choices of the
    reference kinds: "organisation" (id, name, sector_id), "member" and "meeting"
    (id, label), "areas", "area" and "need" (id, name). A sector follows from the
    chosen organisation; fields not `in_form` are left to the page."""
    rows = _Rows()
    payload: dict[str, Any] = {}
    for f in entity:
        key = widget_key(prefix, record_id, f.name)
        if f.kind == "sector" or not f.in_form:
            continue
        where = rows.place(f.wide)
        value = row.get(f.name)
        match f.kind:
            case "text" | "email":
                payload[f.name] = where.text_input(f.form_label, value=text(row, f.name), key=key)
            case "longtext":
                payload[f.name] = where.text_area(f.form_label, value=text(row, f.name), key=key)
            case "date":
                shown = fmt.or_none(value) or (dt.date.today() if f.required else None)
                payload[f.name] = date_field(f.form_label, shown, key, where)
            case "choice":
                with where:
                    payload[f.name] = _code_choice(f, value, key)
            case "organisation" | "member" | "area" | "need" | "meeting":
                with where:
                    payload[f.name] = choice(
                        f.form_label,
                        options[f.kind],
                        value,
                        key,
                        label_column="label" if f.kind in ("member", "meeting") else "name",
                        optional=not f.required,
                        none_label=f.none_label,
                    )
            case "areas":
                names = dict(zip(options["areas"]["id"], options["areas"]["name"], strict=True))
                payload[f.name] = tuple(
                    where.multiselect(
                        f.form_label,
                        list(names),
                        default=[a for a in value or () if a in names],
                        format_func=names.get,
                        key=key,
                        placeholder="keine",
                        select_all=False,
                    )
                )
    for f in entity:
        if f.kind == "sector":
            organisations = options["organisation"]
            sector_of = dict(zip(organisations["id"], organisations["sector_id"], strict=True))
            payload[f.name] = sector_of.get(payload.get("organisation_id"))
    return payload


def _code_choice(declared: fields.Field, current: Any, key: str) -> str | None:
    """A selectbox over a declared choice's words, returning its code (None: nothing chosen)."""
    codes = ([] if declared.required else [""]) + list(declared.choices)  # "": see NONE
    current = fmt.or_none(current) or ""
    chosen = st.selectbox(
        declared.form_label,
        codes,
        index=codes.index(current) if current in codes else 0,
        format_func=lambda code: declared.choices.get(code, declared.none_label),
        key=key,
    )
    return chosen or None


def meeting_fields(prefix: str, record_id: int | str, row: dict, areas: pd.DataFrame) -> dict:
    """The fields of the meeting form; returns the payload for MeetingInput."""
    k = lambda f: widget_key(prefix, record_id, f)  # noqa: E731
    start = fmt.or_none(row.get("starts_at")) or dt.datetime.now(BERLIN).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    end = fmt.or_none(row.get("ends_at")) or start + dt.timedelta(hours=3)
    c1, c2 = st.columns(2)
    kind = c1.selectbox(
        "Art des Termins",
        list(MEETING_KIND_LABELS),
        index=list(MEETING_KIND_LABELS).index(row.get("kind") or "working_group"),
        format_func=MEETING_KIND_LABELS.get,
        key=k("kind"),
    )
    area_id = choice(
        "Themenbereich (für Arbeitsgruppen)",
        areas,
        row.get("area_id"),
        k("area"),
        optional=True,
        none_label="kein Themenbereich",
    )
    title = st.text_input("Titel", value=text(row, "title"), key=k("title"))
    c1, c2, c3, c4 = st.columns(4)
    day = date_field("Datum", start.date(), k("day"), c1)
    begin = c2.time_input("Beginn", value=start.time().replace(tzinfo=None), key=k("begin"))
    end_day = date_field("Datum Ende", end.date(), k("end_day"), c3)
    finish = c4.time_input("Ende", value=end.time().replace(tzinfo=None), key=k("end"))
    location = st.text_input("Ort", value=text(row, "location"), key=k("location"))
    status = st.selectbox(
        "Status",
        list(MEETING_STATUS_LABELS),
        index=list(MEETING_STATUS_LABELS).index(row.get("status") or "planned"),
        format_func=MEETING_STATUS_LABELS.get,
        key=k("status"),
    )
    notes = st.text_area("Notizen", value=text(row, "notes"), key=k("notes"))
    return {
        "kind": kind,
        "title": title,
        "area_id": area_id,
        "starts_at": _combine(day, begin),
        "ends_at": _combine(end_day, finish),
        "location": location,
        "status": status,
        "notes": notes,
    }


def _combine(day: str, time: dt.time | None) -> dt.datetime | str | None:
    """The typed date and the time as one moment; the text itself when the date does
    not parse (the validation names it)."""
    if not day.strip() or time is None:
        return None
    try:
        return dt.datetime.combine(parse_day(day), time, tzinfo=BERLIN)
    except ValueError:
        return day
