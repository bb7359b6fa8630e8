"""One schema per editable thing, used by the forms and by the import.

Pydantic does the checking; `check()` turns its findings into German messages
that name the field, so a user always reads which input is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from db import fields
from db.errors import InvalidInput
from db.models import ATTENDANCE_STATUSES, MEETING_KINDS, MEETING_STATUSES, RESPONSE_ANSWERS

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

M = TypeVar("M", bound=BaseModel)


def _strip(value: Any) -> Any:
    """Trim text; empty text and a missing value of pandas (NaN, NaT, pd.NA: what a
    DataFrame row or a spreadsheet cell holds for an empty field) count as not given."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value


def _required(value: Any) -> Any:
    value = _strip(value)
    if value is None:
        raise PydanticCustomError("missing", "ist ein Pflichtfeld.")
    return str(value) if isinstance(value, int | float) else value


# Control characters other than tab and line breaks: they come with text pasted
# from some programs, are invisible, and PostgreSQL refuses NUL outright, so the
# same input would be saved on SQLite and refused on the shared database.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str | None) -> str | None:
    if value is not None and CONTROL.search(value):
        raise PydanticCustomError(
            "control_character",
            "enthält ein unsichtbares Steuerzeichen (etwa aus kopiertem Text); "
            "bitte den Text neu eingeben.",
        )
    return value


def _plausible(value: dt.date | dt.datetime | None) -> dt.date | dt.datetime | None:
    if value is None:
        return None
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError(
            "implausible_date",
            "muss zwischen {earliest} und {latest} liegen.",
            {"earliest": f"{EARLIEST:%d.%m.%Y}", "latest": f"{LATEST:%d.%m.%Y}"},
        )
    return value


def _email(value: str | None) -> str | None:
    if value is not None and not EMAIL.match(value):
        raise PydanticCustomError("email", "ist keine gültige E-Mail-Adresse.")
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise PydanticCustomError("naive", "braucht eine Zeitzone (Europe/Berlin).")
    return value


def Text(title: str, max_length: int) -> Any:
    return Annotated[
        str,
        BeforeValidator(_required),
        AfterValidator(_printable),
        Field(title=title, max_length=max_length),
    ]


def OptionalText(title: str, max_length: int) -> Any:
    bounded = Annotated[str, Field(max_length=max_length)]
    return Annotated[
        bounded | None,
        BeforeValidator(_strip),
        AfterValidator(_printable),
        Field(None, title=title),
    ]


GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
NOT_A_DAY = "ist kein gültiges Datum (TT.MM.JJJJ)."


def parse_day(text: str) -> dt.date:
    """A typed date: dd.mm.yyyy (also d.m.yy) or ISO; ValueError for anything else,
    including days that do not exist (29.02.2025 is refused, never moved)."""
    text = text.strip()
    if match := GERMAN_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        return dt.date(year + 2000 if year < 100 else year, month, day)
    if match := ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    raise ValueError(text)


def _day(value: Any) -> Any:
    """Dates come as dates (import, services) or as the text typed into a form."""
    value = _strip(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return parse_day(value)
        except ValueError:
            raise PydanticCustomError("date_parsing", NOT_A_DAY) from None
    return value


def _typed_day_of_time(value: Any) -> Any:
    """A meeting's time whose typed date did not parse arrives as that text."""
    if isinstance(value, str):
        raise PydanticCustomError(
            "typed_day", "Datum „{text}“ " + NOT_A_DAY, {"text": value.strip()}
        )
    return value


def _required_day(value: Any) -> Any:
    value = _day(value)
    if value is None:
        raise PydanticCustomError("missing", "ist ein Pflichtfeld.")
    return value


Day = Annotated[dt.date, BeforeValidator(_required_day), AfterValidator(_plausible)]
OptionalDay = Annotated[dt.date | None, BeforeValidator(_day), AfterValidator(_plausible)]
Percent = Annotated[int, Field(ge=0, le=100)]
Progress = Annotated[Percent | None, BeforeValidator(_strip)]
OptionalId = Annotated[int | None, BeforeValidator(_strip)]


class Schema(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)


class OrganisationInput(Schema):
    name: Text("Name der Organisation", 200)
    sector_id: int = Field(title="Bereich")


class _MemberRules(Schema):
    """The rules of a member that involve more than one field."""

    @model_validator(mode="after")
    def _period(self) -> _MemberRules:
        active_from, active_to = self.active_from, self.active_to  # type: ignore[attr-defined]
        if active_to is not None and active_to < active_from:
            raise PydanticCustomError(
                "order", "Mitglied bis: darf nicht vor „Mitglied seit“ liegen."
            )
        return self


def _one_of(choices: Mapping[str, str]) -> Callable[[str | None], str | None]:
    def check_choice(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise PydanticCustomError("choice", "ist keine der vorgesehenen Angaben.")
        return value

    return check_choice


def _field_type(f: fields.Field) -> Any:
    """The type and checks of a declared field (its title is added by `schema`)."""
    match f.kind:
        case "text" | "longtext" | "email":
            kind = (Text if f.required else OptionalText)(f.label, f.max_length)
            return Annotated[kind, AfterValidator(_email)] if f.kind == "email" else kind
        case "date":
            return Day if f.required else OptionalDay
        case "choice":
            return Annotated[
                str | None, BeforeValidator(_strip), AfterValidator(_one_of(f.choices))
            ]
        case "organisation" | "sector" | "member" | "area" | "status" | "need" | "meeting":
            return int if f.required else OptionalId
        case "percent":
            return Progress
        case "areas":
            return tuple[int, ...]
    raise ValueError(f"unknown field kind {f.kind!r}")


def _default(f: fields.Field) -> Any:
    if f.required:
        return ...
    return () if f.kind == "areas" else None


def schema(name: str, entity: fields.Entity, base: type[Schema] = Schema) -> type[Schema]:
    """The validation schema of ENTITY's declared fields (plus BASE's rules)."""
    definitions: dict[str, Any] = {
        f.name: (_field_type(f), Field(_default(f), title=f.label)) for f in entity
    }
    return create_model(name, __base__=base, **definitions)


MemberInput = schema("MemberInput", fields.MEMBER, _MemberRules)


class MeetingInput(Schema):
    kind: str = Field(title="Art des Termins")
    title: Text("Titel", 200)
    area_id: OptionalId = Field(None, title="Themenbereich")
    starts_at: Annotated[
        dt.datetime,
        BeforeValidator(_typed_day_of_time),
        AfterValidator(_aware),
        AfterValidator(_plausible),
    ] = Field(title="Beginn")
    ends_at: Annotated[dt.datetime, BeforeValidator(_typed_day_of_time), AfterValidator(_aware)] = (
        Field(title="Ende")
    )
    location: OptionalText("Ort", 300)
    status: str = Field("planned", title="Status")
    notes: OptionalText("Notizen", 4000)

    @model_validator(mode="after")
    def _rules(self) -> MeetingInput:
        if self.kind not in MEETING_KINDS:
            raise PydanticCustomError("choice", "Art des Termins: unbekannte Art.")
        if self.status not in MEETING_STATUSES:
            raise PydanticCustomError("choice", "Status: unbekannter Status.")
        if self.kind == "working_group" and self.area_id is None:
            raise PydanticCustomError(
                "area", "Themenbereich: ist für eine Arbeitsgruppensitzung ein Pflichtfeld."
            )
        if self.ends_at < self.starts_at:
            raise PydanticCustomError("order", "Ende: darf nicht vor dem Beginn liegen.")
        return self


class CancelInput(Schema):
    reason: OptionalText("Grund der Absage", 300)


class AttendanceInput(Schema):
    member_id: int = Field(title="Mitglied")
    status: str = Field(title="Anwesenheit")
    deputy_attended: bool = Field(False, title="Stellvertretung anwesend")

    @model_validator(mode="after")
    def _rules(self) -> AttendanceInput:
        if self.status not in ATTENDANCE_STATUSES:
            raise PydanticCustomError("choice", "Anwesenheit: unbekannter Wert.")
        if self.deputy_attended and self.status == "present":
            raise PydanticCustomError(
                "deputy",
                "Stellvertretung anwesend: nur möglich, wenn das Mitglied selbst fehlte.",
            )
        return self


class _MeasureRules(Schema):
    """The rules of a measure that involve more than one field."""

    @model_validator(mode="after")
    def _dates(self) -> _MeasureRules:
        start, due = self.start_date, self.due_date  # type: ignore[attr-defined]
        if start and due and due < start:
            raise PydanticCustomError("order", "Fällig am: darf nicht vor dem Beginn liegen.")
        return self


MeasureInput = schema("MeasureInput", fields.MEASURE, _MeasureRules)


class LeaveInput(Schema):
    last_day: Day = Field(title="Letzter Tag")


class ProgressInput(Schema):
    date: Day = Field(title="Datum")
    progress: Progress = Field(None, title="Fortschritt (%)")
    status_id: int = Field(title="Status")
    note: OptionalText("Notiz", 4000)


class SectorInput(Schema):
    name: Text("Name des Bereichs", 80)
    sort_order: int = Field(0, title="Reihenfolge", ge=0, le=999)


class AreaInput(Schema):
    name: Text("Name des Themenbereichs", 120)
    short_name: Text("Kurzname", 20)
    sort_order: int = Field(0, title="Reihenfolge", ge=0, le=999)


class StatusInput(Schema):
    name: Text("Name des Status", 60)
    default_progress: Progress = Field(None, title="Vorgeschlagener Fortschritt (%)")
    is_done: bool = Field(False, title="gilt als umgesetzt")
    is_discontinued: bool = Field(False, title="gilt als zurückgestellt")
    sort_order: int = Field(0, title="Reihenfolge", ge=0, le=999)


MESSAGES = {
    "missing": "ist ein Pflichtfeld.",
    "string_too_long": "darf höchstens {max_length} Zeichen lang sein.",
    "too_long": "darf höchstens {max_length} Zeichen lang sein.",
    "string_type": "muss ein Text sein.",
    "greater_than_equal": "muss mindestens {ge} sein.",
    "less_than_equal": "darf höchstens {le} sein.",
    "int_parsing": "muss eine ganze Zahl sein.",
    "int_type": "muss eine ganze Zahl sein.",
    "int_from_float": "muss eine ganze Zahl sein.",
    "date_parsing": "ist kein gültiges Datum (TT.MM.JJJJ).",
    "date_from_datetime_parsing": "ist kein gültiges Datum (TT.MM.JJJJ).",
    "date_type": "ist kein gültiges Datum (TT.MM.JJJJ).",
    "datetime_parsing": "ist keine gültige Zeitangabe.",
    "datetime_type": "ist keine gültige Zeitangabe.",
    "bool_parsing": "muss ja oder nein sein.",
    "extra_forbidden": "ist kein bekanntes Feld.",
}


def messages(schema: type[BaseModel], error: ValidationError) -> list[str]:
    """German messages naming the field, one per finding."""
    out = []
    for item in error.errors():
        kind = item["type"]
        field = item["loc"][0] if item["loc"] else None
        info = schema.model_fields.get(field) if isinstance(field, str) else None
        label = info.title if info is not None and info.title else None
        ctx = item.get("ctx") or {}
        if kind in MESSAGES:
            text = MESSAGES[kind].format(**ctx)
        else:
            text = item["msg"]  # our own PydanticCustomError messages are German
            if text.startswith("Value error, "):
                text = text.removeprefix("Value error, ")
        out.append(f"{label}: {text}" if label and not text.startswith(f"{label}:") else text)
    return out


def check(schema: type[M], data: dict[str, Any]) -> M:
    """SCHEMA filled from DATA, or InvalidInput with every German message."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(messages(schema, exc)) from None


class ResponseInput(Schema):
    """A member's answer to the invitation to a meeting; `answer` None is no answer
    yet (nothing stored). A deputy is a member or, for someone else, a name."""

    member_id: int = Field(title="Mitglied")
    answer: Annotated[str | None, BeforeValidator(_strip)] = Field(None, title="Rückmeldung")
    deputy_member_id: OptionalId = Field(None, title="Vertretung")
    deputy_name: OptionalText("Vertretung", 200)
    received_on: OptionalDay = Field(None, title="Eingegangen am")

    @model_validator(mode="after")
    def _rules(self) -> ResponseInput:
        if self.answer is not None and self.answer not in RESPONSE_ANSWERS:
            raise PydanticCustomError("choice", "Rückmeldung: unbekannter Wert.")
        has_deputy = self.deputy_member_id is not None or self.deputy_name is not None
        if has_deputy and self.answer != "deputy":
            raise PydanticCustomError(
                "deputy", "Vertretung: nur bei „Vertretung angekündigt“ anzugeben."
            )
        if self.deputy_member_id is not None and self.deputy_name is not None:
            raise PydanticCustomError(
                "deputy", "Vertretung: entweder ein Mitglied oder ein Name, nicht beides."
            )
        if self.deputy_member_id == self.member_id:
            raise PydanticCustomError(
                "deputy", "Vertretung: ein Mitglied kann sich nicht selbst vertreten."
            )
        if self.answer is None and self.received_on is not None:
            raise PydanticCustomError(
                "received", "Eingegangen am: ohne Rückmeldung kein Eingangsdatum."
            )
        return self
