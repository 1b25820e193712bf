"""Form pieces every domain uses: choices, checkbox groups, clean text fields."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lsi_assembly.core.text import CleanText, strip_filter, strip_multiline_filter


def optional_int(value) -> int | None:
    """Coerce a select's value to an int, the empty placeholder to None."""
    if value in ("", None):
        return None
    return int(value)


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered inside a fieldset by the form macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def text_field(label, max_length, required=False, multiline=False, **kwargs):
    """A text field that is trimmed, NFC-normalized, length-checked and refuses control characters."""
    validators = [DataRequired(message=_l("Please fill in this field."))] if required else [Optional()]
    validators += [
        Length(max=max_length, message=_l("Please use at most %(max)d characters.", max=max_length)),
        CleanText(multiline=multiline),
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
