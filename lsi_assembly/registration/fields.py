"""A participant's fields, defined once: what each is called, how long it may be, who may change it,
how private it is, and where it goes in the CSV files.

Everything that lists a participant's fields derives from ``PARTICIPANT_FIELDS``: the length checks
and the order of the errors on the forms (``forms.py``), what the person may change through their
personal link (``services.EDITABLE_FIELDS``), what the organizers' edit saves (``staff_views.edit``),
the import's columns and maximum lengths and the export's columns (``transfer.py``), the model's
column lengths (``models.py``) and how the audit log names and shows each field (``models.py``
registers them with ``core.audit``). docs/architecture.md says how to add a field.

Pure data: this module imports neither the models nor Flask (only the lazy translations).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class Editor(enum.Enum):
    """Who may change a field."""

    #: The person, on the registration form and later through their personal link (and the organizers).
    PERSON = "person"
    #: The person chooses it on the registration form; afterwards only the organizers change it.
    REGISTRATION = "registration"
    #: Only the organizers.
    ORGANIZERS = "organizers"
    #: Nobody by hand: the application sets it (status through the actions, time stamps, keys).
    NOBODY = "nobody"


class Privacy(enum.Enum):
    """How private a field's value is."""

    #: About the person, given by them or the organizers; the audit log shows old and new values.
    PERSONAL = "personal"
    #: Health-related (dietary notes, accessibility needs): seen by the organizers, at the desk only when
    #: they ask for it; the audit log records that it changed ("(changed)"), never the values.
    SENSITIVE = "sensitive"
    #: Kept by the organizers or the application about the registration (status, the desk's note).
    INTERNAL = "internal"
    #: A credential (the key of the personal link): never shown; the audit log says "(changed)".
    SECRET = "secret"


class Kind(enum.Enum):
    """What a field holds, as far as forms, import and export must know."""

    TEXT = "text"
    #: One value from a list (a country code, a category, a status).
    CHOICE = "choice"
    #: Several codes from a list (the diets), stored as a JSON list.
    CODES = "codes"
    #: Free words typed separated by commas (the languages), stored as a JSON list.
    WORDS = "words"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOL = "bool"
    #: The event days the person attends (a relationship, given as day ids).
    DAYS = "days"
    #: The member organization, or a free-text name for someone outside them: the two are set together.
    ORGANIZATION = "organization"
    #: The id of another row (the event).
    REFERENCE = "reference"


@dataclass(frozen=True)
class Column:
    """A field's column in the participant CSV files (the names and order are a contract:
    docs/import-export.md)."""

    name: str
    #: Place in the export, from 1; a new column takes the next number.
    position: int
    #: A file without this column is refused.
    required: bool = False
    #: False: written by the export only (an import ignores it).
    imported: bool = True


@dataclass(frozen=True)
class FieldSpec:
    """One field of a participant."""

    name: str
    #: What organizers and the audit log call it.
    label: str
    editor: Editor
    kind: Kind = Kind.TEXT
    #: Longest text accepted (forms, import); for a text column, its length in the database.
    max_length: int | None = None
    privacy: Privacy = Privacy.PERSONAL
    #: The label on the person's form, when it asks in other words than ``label``.
    question: str | None = None
    #: Text that may span lines.
    multiline: bool = False
    #: A person's or an organization's name: invisible and direction characters are refused.
    is_name: bool = False
    #: Where it goes in the CSV files (two fields may share a column: organization, dietary).
    column: Column | None = None

    @property
    def form_label(self) -> str:
        """The label on the person's form."""
        return self.question or self.label

    @property
    def hidden_in_audit(self) -> bool:
        """Tell whether the audit log records only that the value changed."""
        return self.privacy in (Privacy.SENSITIVE, Privacy.SECRET)


#: Every field of a participant, in the order of the forms' pages.
PARTICIPANT_FIELDS = (
    FieldSpec("given_name", _l("Given name"), Editor.PERSON, max_length=100, is_name=True,
              column=Column("first_name", 1, required=True)),
    FieldSpec("family_name", _l("Family name"), Editor.PERSON, max_length=100, is_name=True,
              column=Column("last_name", 2, required=True)),
    FieldSpec("name_on_badge", _l("Name on badge"), Editor.PERSON, max_length=100, is_name=True,
              column=Column("name_on_badge", 7)),
    FieldSpec("latin_name", _l("Name in Latin letters"), Editor.PERSON, max_length=100, is_name=True),
    FieldSpec("email", _l("E-mail address"), Editor.REGISTRATION, max_length=254,
              column=Column("email", 3, required=True)),
    FieldSpec("country", _l("Country"), Editor.PERSON, Kind.CHOICE, max_length=2,
              column=Column("country", 5, required=True)),
    FieldSpec("category", _l("Category"), Editor.REGISTRATION, Kind.CHOICE, max_length=20,
              question=_l("I am registering as"), column=Column("category", 6, required=True)),
    FieldSpec("organization_id", _l("Organization"), Editor.REGISTRATION, Kind.ORGANIZATION,
              question=_l("Member organization"), column=Column("organization", 4, required=True)),
    FieldSpec("organization_name", _l("Organization"), Editor.REGISTRATION, Kind.ORGANIZATION, max_length=200,
              is_name=True, question=_l("Organization (if not a member of La Strada International)"),
              column=Column("organization", 4, required=True)),
    FieldSpec("job_title", _l("Job title"), Editor.PERSON, max_length=150, column=Column("job_title", 8)),
    FieldSpec("days", _l("Days"), Editor.PERSON, Kind.DAYS, question=_l("Days you will attend"),
              column=Column("days", 9)),
    FieldSpec("arrival_date", _l("Arrival date"), Editor.PERSON, Kind.DATE),
    FieldSpec("departure_date", _l("Departure date"), Editor.PERSON, Kind.DATE),
    FieldSpec("dietary", _l("Dietary requirements"), Editor.PERSON, Kind.CODES, column=Column("dietary", 10)),
    FieldSpec("dietary_notes", _l("Other dietary needs or allergies"), Editor.PERSON, max_length=300,
              privacy=Privacy.SENSITIVE, column=Column("dietary", 10)),
    FieldSpec("accessibility_needs", _l("Accessibility needs"), Editor.PERSON, max_length=1000,
              privacy=Privacy.SENSITIVE, multiline=True, column=Column("accessibility", 11)),
    FieldSpec("languages", _l("Languages"), Editor.PERSON, Kind.WORDS, max_length=200,
              question=_l("Languages you speak"), column=Column("languages", 12)),
    FieldSpec("list_consent", _l("On the participant list"), Editor.PERSON, Kind.BOOL,
              question=_l("Show my name, organization and country on the participant list shared with other "
                          "participants"), column=Column("list_consent", 13)),
    FieldSpec("photo_consent", _l("May be photographed"), Editor.PERSON, Kind.BOOL,
              question=_l("I agree to be photographed during the Assembly"), column=Column("photo_consent", 14)),
    FieldSpec("protected", _l("Protected"), Editor.PERSON, Kind.BOOL,
              question=_l("I prefer not to appear anywhere others can see"), column=Column("protected", 17)),
    FieldSpec("badge_hide_organization", _l("Organization left off the badge"), Editor.PERSON, Kind.BOOL,
              question=_l("Leave my organization off my badge")),
    # Sensitive: encrypted at rest, and the audit log keeps only that it changed (it may say why someone needs help).
    FieldSpec("desk_note", _l("Note for the check-in desk"), Editor.ORGANIZERS, max_length=300,
              privacy=Privacy.SENSITIVE),
    FieldSpec("needs_at_desk", _l("Needs shown at the desk"), Editor.ORGANIZERS, Kind.BOOL,
              privacy=Privacy.INTERNAL,
              question=_l("Show the dietary and accessibility needs at the check-in desk")),
    FieldSpec("status", _l("Status"), Editor.NOBODY, Kind.CHOICE, max_length=20, privacy=Privacy.INTERNAL,
              column=Column("status", 15, imported=False)),
    FieldSpec("privacy_accepted_at", _l("Privacy notice accepted"), Editor.NOBODY, Kind.TIMESTAMP),
    FieldSpec("locale", _l("Language"), Editor.NOBODY, Kind.CHOICE, max_length=10),
    FieldSpec("email_confirmed_at", _l("E-mail address confirmed"), Editor.NOBODY, Kind.TIMESTAMP),
    FieldSpec("access_key", _l("Personal link"), Editor.NOBODY, max_length=64, privacy=Privacy.SECRET),
    FieldSpec("event_id", _l("Event"), Editor.NOBODY, Kind.REFERENCE, privacy=Privacy.INTERNAL),
    FieldSpec("anonymized_at", _l("Personal data erased"), Editor.NOBODY, Kind.TIMESTAMP, privacy=Privacy.INTERNAL),
    FieldSpec("created_at", _l("Registered"), Editor.NOBODY, Kind.TIMESTAMP, privacy=Privacy.INTERNAL,
              column=Column("registered_at", 16, imported=False)),
)

#: The fields by name.
FIELDS = {spec.name: spec for spec in PARTICIPANT_FIELDS}

def fields_edited_by(*editors: Editor) -> tuple[FieldSpec, ...]:
    """Return the fields that one of ``editors`` may change, in page order."""
    return tuple(spec for spec in PARTICIPANT_FIELDS if spec.editor in editors)


#: What the person may change through their personal link.
PERSON_FIELDS = fields_edited_by(Editor.PERSON)
#: What the registration form asks: the person's fields and those chosen once.
REGISTRATION_FIELDS = fields_edited_by(Editor.PERSON, Editor.REGISTRATION)
#: What the organizers' edit changes.
ORGANIZER_FIELDS = fields_edited_by(Editor.PERSON, Editor.REGISTRATION, Editor.ORGANIZERS)


def form_order(fields: tuple[FieldSpec, ...], *extra: str) -> tuple[str, ...]:
    """The names of ``fields`` in page order, then ``extra`` form fields (for a form's error summary)."""
    return (*(spec.name for spec in fields), *extra)


def csv_columns(*, imported: bool | None = None, required: bool | None = None) -> tuple[str, ...]:
    """Return the CSV columns in their contract order, optionally only those (not) imported or (not) required."""
    columns = {spec.column.name: spec.column for spec in PARTICIPANT_FIELDS if spec.column}
    return tuple(column.name for column in sorted(columns.values(), key=lambda c: c.position)
                 if (imported is None or column.imported == imported)
                 and (required is None or column.required == required))


def column_fields(column: str) -> tuple[FieldSpec, ...]:
    """Return the fields written in ``column`` (one, or two for organization and dietary)."""
    return tuple(spec for spec in PARTICIPANT_FIELDS if spec.column and spec.column.name == column)


def audit_labels() -> dict[str, str]:
    """How the audit log names each field."""
    return {spec.name: spec.label for spec in PARTICIPANT_FIELDS}


def audit_hidden() -> frozenset[str]:
    """The fields whose values the audit log never records (only that they changed)."""
    return frozenset(spec.name for spec in PARTICIPANT_FIELDS if spec.hidden_in_audit)
