"""Form pieces every domain uses: choices, checkbox groups, clean text fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
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
