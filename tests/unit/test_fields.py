"""A participant's fields are defined once (registration/fields.py): the model, the forms, the import and
export, the personal and the organizers' edit, and the audit log all agree with the spec."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from wtforms.validators import Length

import config
from lsi_assembly.app import create_app
from lsi_assembly.core import audit
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.registration import transfer
from lsi_assembly.registration.fields import (
    FIELDS,
    ORGANIZER_FIELDS,
    PARTICIPANT_FIELDS,
    PERSON_FIELDS,
    REGISTRATION_FIELDS,
    Editor,
    Kind,
    csv_columns,
)
from lsi_assembly.registration.forms import ParticipantDetailsForm, RegistrationForm, StaffParticipantForm
from lsi_assembly.registration.models import Decision, Participant
from lsi_assembly.registration.services import ACTIONS, EDITABLE_FIELDS
from lsi_assembly.registration.staff_views import _EDITED_ONE_BY_ONE

#: Participant columns that are bookkeeping, not fields anyone gives or reads.
BOOKKEEPING = {"id", "updated_at", "status_changed_at", "search_text", "sort_name"}
#: The audit log's hidden fields before they were declared per model: they must stay hidden.
SECRETS_BEFORE = {"password_hash", "access_key", "invite_token", "accessibility_needs", "dietary_notes",
                  "ticket_code"}


def _mapper_keys() -> set[str]:
    return {attr.key for attr in sa.inspect(Participant).attrs} - {"event", "organization"}


def test_every_model_field_is_in_the_spec_and_back():
    assert _mapper_keys() - BOOKKEEPING == set(FIELDS)
    assert len(FIELDS) == len(PARTICIPANT_FIELDS)


@pytest.mark.parametrize("spec", PARTICIPANT_FIELDS, ids=lambda spec: spec.name)
def test_lengths_agree_with_the_model(spec):
    columns = sa.inspect(Participant).columns
    if spec.name not in columns:
        assert spec.kind is Kind.DAYS and spec.max_length is None
        return
    column_type = columns[spec.name].type
    if isinstance(column_type, sa.types.TypeDecorator):  # EncryptedText: a token in a TEXT column
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.Text):
        assert spec.max_length  # unbounded in the database: the spec's limit is the only one
    elif isinstance(column_type, sa.String):
        assert column_type.length == spec.max_length
    elif isinstance(column_type, sa.JSON):
        assert spec.kind in (Kind.CODES, Kind.WORDS)
    else:
        assert spec.max_length is None


def _max_length(unbound) -> int | None:
    lengths = [v.max for v in unbound.kwargs.get("validators", ()) if isinstance(v, Length)]
    return lengths[0] if lengths else None


@pytest.mark.parametrize(("form", "fields", "extra"), [
    (ParticipantDetailsForm, PERSON_FIELDS, ()),
    (RegistrationForm, REGISTRATION_FIELDS, ("privacy",)),
    (StaffParticipantForm, ORGANIZER_FIELDS, ()),
], ids=["personal link", "registration", "organizers"])
def test_forms_hold_the_fields_their_editors_may_change(form, fields, extra):
    assert form.page_order == (*(spec.name for spec in fields), *extra)
    for spec in PARTICIPANT_FIELDS:
        unbound = getattr(form, spec.name, None)
        if spec not in fields:
            assert unbound is None, f"{spec.name} is on {form.__name__}"
            continue
        assert unbound is not None, f"{spec.name} is missing from {form.__name__}"
        assert _max_length(unbound) == (spec.max_length if spec.kind in (Kind.TEXT, Kind.WORDS, Kind.ORGANIZATION)
                                        else None), spec.name
        label = unbound.args[0] if unbound.args else unbound.kwargs["label"]
        assert str(label) in (str(spec.form_label), str(spec.label)), spec.name


def test_the_person_and_the_organizers_change_what_the_spec_allows():
    assert set(EDITABLE_FIELDS) == {spec.name for spec in PERSON_FIELDS} - {"days"}
    handled = {spec.name for spec in _EDITED_ONE_BY_ONE} | {"organization_id", "organization_name", "days"}
    assert handled == {spec.name for spec in ORGANIZER_FIELDS}
    assert all(spec.editor is Editor.NOBODY for spec in PARTICIPANT_FIELDS if spec not in ORGANIZER_FIELDS)


def test_columns_are_numbered_once_in_their_contract_order():
    columns = {}
    for spec in PARTICIPANT_FIELDS:
        if spec.column:
            assert columns.setdefault(spec.column.name, spec.column) == spec.column, spec.name
    assert sorted(c.position for c in columns.values()) == list(range(1, len(columns) + 1))
    assert transfer.EXPORT_COLUMNS == csv_columns() == (
        "first_name", "last_name", "email", "organization", "country", "category", "name_on_badge", "job_title",
        "days", "dietary", "accessibility", "languages", "list_consent", "photo_consent", "status",
        "registered_at", "protected")


@pytest.mark.parametrize("spec", [spec for spec in PARTICIPANT_FIELDS if spec.column], ids=lambda spec: spec.name)
def test_every_field_with_a_column_is_imported_and_exported(spec):
    column = spec.column.name
    assert column in transfer.EXPORT_COLUMNS
    assert column in transfer._EXPORTED_BY_HAND or len([s for s in PARTICIPANT_FIELDS
                                                         if s.column and s.column.name == column]) == 1
    if not spec.column.imported:
        assert column not in transfer.REQUIRED_COLUMNS + transfer.OPTIONAL_COLUMNS
        return
    assert column in (transfer.REQUIRED_COLUMNS if spec.column.required else transfer.OPTIONAL_COLUMNS)
    assert (column in transfer.READ_BY_HAND or spec in transfer.TEXT_COLUMNS
            or spec in transfer.YES_NO_COLUMNS), f"nothing reads the column {column}"
    if spec.max_length and spec.kind is not Kind.CHOICE:
        assert transfer.MAX_LENGTHS[column] == spec.max_length
    assert (column in transfer.NAMES) == any(s.is_name for s in PARTICIPANT_FIELDS if s.column == spec.column)


def test_the_audit_log_names_and_hides_the_fields_as_the_spec_says():
    logged = audit._BY_ENTITY["participant"]
    assert logged.labels == {spec.name: spec.label for spec in PARTICIPANT_FIELDS}
    assert logged.hidden == {"access_key", "accessibility_needs", "dietary_notes", "desk_note"}
    assert set(logged.values) == {"status", "category", "dietary"}


@pytest.mark.parametrize("model", list(audit._AUDITED), ids=lambda model: model.__name__)
def test_every_audited_column_has_a_label_and_secrets_stay_hidden(model):
    logged = audit._AUDITED[model]
    keys = {attr.key for attr in sa.inspect(model).attrs
            if not isinstance(attr, sa.orm.RelationshipProperty) or attr.direction.name == "MANYTOMANY"}
    assert keys - audit.IGNORED - {"id"} <= set(logged.labels)
    assert keys & SECRETS_BEFORE <= logged.hidden


def test_every_labelled_enum_labels_each_member():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    enums = list(subclasses(LabelledEnum))
    assert {e.__name__ for e in enums} >= {"Category", "Status", "Diet", "Decision", "Role", "AttendeeStatus"}
    for labelled in enums:
        assert set(labelled.__labels__) == {member.value for member in labelled}, labelled.__name__
    assert set(Decision) == set(ACTIONS)


def test_the_log_shows_labels_and_escapes_the_rest():
    app = create_app(config.TestConfig())
    with app.test_request_context():
        assert audit.field_label("participant", "needs_at_desk") == "Needs shown at the desk"
        assert audit.field_label("organization", "name") == "Name"
        assert audit.field_label("participant", "id") == "id"
        assert audit.shown_value("participant", "status", "waitlisted") == "On the waiting list"
        assert audit.shown_value("participant", "status", "gone") == "gone"
        assert audit.shown_value("participant", "dietary", ["vegan", "<b>"]) == "Vegan, &lt;b&gt;"
        assert audit.shown_value("user", "role", "desk") == "Desk"
        assert audit.shown_value("participant", "dietary", []) == "–"
        assert audit.shown_value("public_event", "is_open", True) == "Yes"
        assert audit.shown_value("check_in", "desk", "<i>") == "&lt;i&gt;"
