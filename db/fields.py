"""The fields of the records staff edit, declared once.

Each `Field` says what a person sees and types: its German label, its kind,
whether it is required, how long it may be, how wide it is in the form, and
its column in the import and export lists. From one entity's declaration are
built
- the validation schema (`db/validation.py`: every message names the label),
- the form (`components/forms.entity_form`),
- the read the form is filled from (`db/form_data.py`),
- the import (`db/list_import.py`: its columns, which are required, how a cell is read),
- the export (`db/list_export.py`: the same columns, so a list goes round trip),
- the access document (`db/privacy.py`) and what anonymisation erases.

A new optional field of a member is a column in `db/models.py`, its migration,
and one `Field` line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "text",  # a line of text
    "longtext",  # a text of several lines
    "email",  # a line of text that must be an e-mail address
    "date",  # a day, typed TT.MM.JJJJ
    "choice",  # one of CHOICES (code -> German word); the database stores the code
    "organisation",  # the id of an organisation, named in the lists
    "sector",  # the id of a sector; follows from the organisation in the form
    "member",  # the id of another member
    "areas",  # the ids of thematic areas (working groups), named by short name in the lists
    "area",  # the id of a thematic area, named (or short-named) in the lists
    "status",  # the id of a measure status, named in the lists
    "need",  # the id of a need for action (not in the lists)
    "meeting",  # the id of a meeting, as its ID in the lists
    "percent",  # a whole number from 0 to 100, or unknown
]


@dataclass(frozen=True)
class Field:
    name: str  # attribute of the model and key of the payload
    label: str  # German label of the form field, the list column and every message
    kind: Kind = "text"
    required: bool = False
    max_length: int = 200  # text kinds
    wide: bool = False  # a whole form row (otherwise half of one, two side by side)
    choices: Mapping[str, str] = field(default_factory=dict)  # kind "choice"
    column: str | None = None  # the list column, when it must say more than the label
    hint: str | None = None  # shown after the label in the form: "E-Mail (freiwillig)"
    none_label: str = "–"  # an optional choice's "nothing chosen"
    personal: bool = False  # names or reaches the person: erased on anonymisation
    listed: bool = True  # a column of the import and export lists
    in_form: bool = True  # a widget of the entity form (False: the page sets it its own way)

    @property
    def header(self) -> str:
        """The column of the import and export lists."""
        return self.column or self.label

    @property
    def form_label(self) -> str:
        return f"{self.label} ({self.hint})" if self.hint else self.label

    def word(self, code: str | None) -> str | None:
        """The German word of a choice's CODE (None stays None)."""
        return None if code is None else self.choices.get(code, code)


@dataclass(frozen=True)
class Entity:
    fields: tuple[Field, ...]

    def __iter__(self):
        return iter(self.fields)

    def __getitem__(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def headers(self) -> list[str]:
        """The list columns: ID, the fields, Version (the import's optimistic lock)."""
        return ["ID", *(f.header for f in self.listed), "Version"]

    @property
    def listed(self) -> tuple[Field, ...]:
        """The fields that are columns of the import and export lists, in their order."""
        return tuple(f for f in self.fields if f.listed)

    @property
    def required_headers(self) -> list[str]:
        return [f.header for f in self.listed if f.required]

    @property
    def personal(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.personal)


MEMBER = Entity(
    (
        Field("first_name", "Vorname", required=True, max_length=100, personal=True),
        Field("last_name", "Nachname", required=True, max_length=100, personal=True),
        Field("function", "Funktion", personal=True),
        Field("email", "E-Mail", "email", hint="freiwillig", personal=True),
        Field("organisation_id", "Organisation", "organisation", required=True, wide=True),
        Field("sector_id", "Bereich", "sector", required=True),
        Field("active_from", "Mitglied seit", "date", required=True),
        Field("active_to", "Mitglied bis", "date"),
        Field(
            "deputy_for_id",
            "Stellvertretung für",
            "member",
            wide=True,
            column="Stellvertretung für (ID)",
            none_label="– eigener Sitz –",
        ),
        Field("area_ids", "Arbeitsgruppen", "areas", wide=True),
        Field(
            "working_group_role",
            "Rolle in der Arbeitsgruppe",
            "choice",
            choices={"member": "Mitglied", "spokesperson": "Sprecherin/Sprecher"},
            none_label="– keine Angabe –",
        ),
    )
)

MEASURE = Entity(
    (
        Field("title", "Titel", required=True, wide=True),
        Field("description", "Beschreibung", "longtext", max_length=4000, wide=True),
        Field("area_id", "Themenbereich", "area", required=True),
        Field("need_id", "Handlungsbedarf", "need", listed=False),
        # status and percent are chosen outside the form: a status proposes its percent
        Field("status_id", "Status", "status", required=True, in_form=False),
        Field("progress", "Fortschritt (%)", "percent", in_form=False),
        Field("responsible", "Verantwortlich"),
        Field(
            "proposed_at_meeting_id",
            "Vorgeschlagen in",
            "meeting",
            column="Vorgeschlagen in (Termin-ID)",
        ),
        Field("start_date", "Beginn", "date"),
        Field("due_date", "Fällig am", "date"),
    )
)
