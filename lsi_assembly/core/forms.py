"""Form pieces every domain uses: ids, choices, checkbox groups, lists of fields, clean text and numbers."""
from __future__ import annotations

from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FieldList, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lsi_assembly.core.text import CleanText, strip_filter, strip_multiline_filter


#: The largest id of an INTEGER column. An id from a URL or a form above it cannot exist, and would
#: overflow the database driver (a 500) instead of being refused.
MAX_DATABASE_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """Read a database id sent as text: ASCII digits up to MAX_DATABASE_ID; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_DATABASE_ID else None
    if isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= 10:
        number = int(value)
        return number if number <= MAX_DATABASE_ID else None
    return None


def database_id(value) -> int:
    """Coerce a field's value to a database id (see ``parse_id``); ValueError makes the field refuse it."""
    number = parse_id(value)
    if number is None:
        raise ValueError(f"not a database id: {value!r:.40}")
    return number


def optional_id(value) -> int | None:
    """Coerce a select's value to a database id, its empty placeholder to None."""
    if value in ("", None):
        return None
    return database_id(value)


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered inside a fieldset by the form macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BoundedFieldList(FieldList):
    """A FieldList that builds at most ``max_entries`` entries, whatever is posted; ``sent`` counts the
    entries the request had, so that a form can refuse too many instead of keeping the first ones."""

    def __init__(self, unbound_field, label=None, validators=None, *, max_entries: int, **kwargs) -> None:
        super().__init__(unbound_field, label, validators, max_entries=max_entries, **kwargs)
        self.sent = 0

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.sent = len(set(self._extract_indices(self.name, formdata))) if formdata else 0
        super().process(formdata, data, extra_filters)

    def _extract_indices(self, prefix, formdata):
        """Yield the index N of each key ``prefix-N``: ASCII digits only (``int("²")`` would raise)."""
        start = prefix + self._separator
        for key in formdata:
            if key.startswith(start):
                index = key[len(start):].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdecimal() and len(index) < 7:
                    yield int(index)


INVALID_NUMBER = _l("Please give a number, such as 85 or 85.5.")


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN, infinities and absurd exponents (which break comparisons and rounding)."""

    def __init__(self, *args, invalid_value_message=None, **kwargs) -> None:
        super().__init__(*args, invalid_value_message=invalid_value_message or INVALID_NUMBER, **kwargs)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and (not self.data.is_finite() or self.data.adjusted() > 12):
            self.data = None
            raise ValueError(self.invalid_value_message)


#: The attributes of a field holding French text (the organizers' texts in French): spell-checked as French.
FRENCH = {"lang": "fr"}
#: The hint under such a field.
FRENCH_HINT = _l("Optional. Shown on the French pages; the English text is shown when this is empty.")


def text_field(label, max_length, required=False, multiline=False, name=False, **kwargs):
    """A text field that is trimmed, NFC-normalized, length-checked and refuses control characters.

    ``name``: a person's or an organization's name, which also refuses invisible and direction characters.
    """
    validators = [DataRequired(message=_l("Please fill in this field."))] if required else [Optional()]
    validators += [
        Length(max=max_length, message=_l("Please use at most %(max)d characters.", max=max_length)),
        CleanText(multiline=multiline, name=name),
    ]
    field = TextAreaField if multiline else StringField
    return field(label, validators=validators,
                 filters=[strip_multiline_filter if multiline else strip_filter], **kwargs)


def page_number(value: str | None, last: int = 100_000) -> int:
    """Read a ``page`` query argument: a positive whole number, at most ``last``; 1 for anything else."""
    if value and value.isascii() and value.isdecimal() and len(value) < 7 and int(value) > 0:
        return min(int(value), last)
    return 1


INVALID_EMAIL = _l("This e-mail address is not valid. Please check it (it should look like name@example.org).")
NON_ASCII_EMAIL = _l("This e-mail address has letters with accents or outside the Latin alphabet before the @ "
                     "(such as é or ü), and our mail server cannot send to such addresses. Please give another "
                     "address.")


def smtputf8_allowed() -> bool:
    """Tell whether addresses with non-ASCII characters before the @ are accepted (MAIL_SMTPUTF8)."""
    return bool(has_app_context() and current_app.config.get("MAIL_SMTPUTF8"))


def normalize_email(address: str, check_deliverability: bool = False, allow_smtputf8: bool | None = None) -> str:
    """Validate an e-mail address (email-validator) and return it normalized and lower-cased.

    Raises ``EmailNotValidError``. Lower-cased because people type their address in many ways and it
    is the key that says whether someone is already registered. A non-ASCII local part
    (``josé@example.org``) is refused unless ``allow_smtputf8`` (default: the app's MAIL_SMTPUTF8),
    since the mail relay could never take it; a non-ASCII domain is fine (mail goes to its IDNA form).
    """
    if allow_smtputf8 is None:
        allow_smtputf8 = smtputf8_allowed()
    return validate_email(address, check_deliverability=check_deliverability,
                          allow_smtputf8=allow_smtputf8).normalized.lower()


def email_error(address: str) -> str:
    """Return the message for an address ``normalize_email`` refused: non-ASCII before the @, or invalid."""
    if not smtputf8_allowed() and not address.rpartition("@")[0].isascii():
        try:
            validate_email(address, check_deliverability=False, allow_smtputf8=True)
        except EmailNotValidError:
            pass
        else:
            return NON_ASCII_EMAIL  # valid but for its non-ASCII local part
    return INVALID_EMAIL


class ValidEmail:
    """WTForms validator: refuse an invalid address, and store it normalized (see ``normalize_email``).

    With ``deliverability``, the app's EMAIL_CHECK_DELIVERABILITY setting decides on a DNS look-up.
    """

    def __init__(self, deliverability: bool = False) -> None:
        self.deliverability = deliverability

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        check = bool(self.deliverability and has_app_context()
                     and current_app.config.get("EMAIL_CHECK_DELIVERABILITY"))
        try:
            field.data = normalize_email(field.data, check_deliverability=check)
        except EmailNotValidError:
            raise ValidationError(email_error(field.data)) from None
