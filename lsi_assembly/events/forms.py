"""The organizers' form for the event's own texts: its name, venue and day labels, in English and French."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SubmitField
from wtforms import Form as PlainForm

from lsi_assembly.core.forms import FRENCH, FRENCH_HINT, text_field


class DayLabelsForm(PlainForm):
    """One day's label in each language (the day's date is not edited here)."""

    label = text_field(_l("Label"), 200)
    label_fr = text_field(_l("Label (French)"), 200, description=FRENCH_HINT, render_kw={**FRENCH, "autocomplete": "off"})


class EventTextsForm(FlaskForm):
    """The event's name and venue in each language, and each day's label."""

    #: The error summary lists these; the days' fields are listed by the template after them.
    page_order = ("name", "name_fr", "venue", "venue_fr")

    name = text_field(_l("Name"), 200, required=True, render_kw={"autocomplete": "off"})
    name_fr = text_field(_l("Name (French)"), 200, description=FRENCH_HINT, render_kw={**FRENCH, "autocomplete": "off"})
    venue = text_field(_l("Venue"), 300, render_kw={"autocomplete": "off"})
    venue_fr = text_field(_l("Venue (French)"), 300, description=FRENCH_HINT,
                          render_kw={**FRENCH, "autocomplete": "off"})
    days = FieldList(FormField(DayLabelsForm))
    submit = SubmitField(_l("Save"))
