"""Forms for printing badges and adding badge sizes."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import FiniteDecimalField, optional_id, options, text_field
from lsi_assembly.registration.models import Category

NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class PrintForm(FlaskForm):
    """Which badges to print, and how."""

    page_order = ("preset", "organization_id", "category", "day_id", "not_printed", "changed", "back",
                  "crop_marks")
    preset = SelectField(_l("Badge size"), validators=[InputRequired(_l("Please choose a badge size."))])
    organization_id = SelectField(_l("Organization"), coerce=optional_id, validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    day_id = SelectField(_l("Attending on"), coerce=optional_id, validators=[Optional()])
    not_printed = BooleanField(_l("Only badges not printed yet"))
    changed = BooleanField(_l("Only badges changed since they were printed"))
    back = BooleanField(_l("Print the back too (workshops and practical information; print on both sides)"))
    crop_marks = BooleanField(_l("Crop marks"), description=_l(
        "Drawn in the page margins, along every cut: A6 sheets and cards have no margin for them."))
    submit = SubmitField(_l("Print the badges"))

    def __init__(self, *args, presets=None, organizations=(), days=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.preset.choices = options((name, preset.label) for name, preset in (presets or {}).items())
        self.organization_id.choices = options([("", _l("All organizations")),
                                                *((o.id, o.name) for o in organizations)])
        self.category.choices = options([("", _l("All categories")),
                                         *Category.choices()])
        self.day_id.choices = options([("", _l("Any day")), *((d.id, format_day(d.date, "full")) for d in days)])


def _millimetres(label, low, high):
    return FiniteDecimalField(label, places=1, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=low, max=high, message=_l("Please give a size from %(low)s to %(high)s mm.",
                                                  low=low, high=high))])


class PresetForm(FlaskForm):
    """A badge size of the organizers' own."""

    page_order = ("name", "badge_width", "badge_height", "page_width", "page_height", "columns", "rows",
                  "gap_x", "gap_y")
    name = text_field(_l("Name"), 60, required=True,
                      description=_l("Letters, digits and hyphens, e.g. pouch-100x70."))
    badge_width = _millimetres(_l("Badge width (mm)"), 40, 300)
    badge_height = _millimetres(_l("Badge height (mm)"), 30, 300)
    page_width = _millimetres(_l("Page width (mm)"), 40, 500)
    page_height = _millimetres(_l("Page height (mm)"), 30, 500)
    columns = IntegerField(_l("Badges across"), default=1, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=1, max=10, message=_l("Please give a whole number from 1 to 10."))])
    rows = IntegerField(_l("Badges down"), default=1, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=1, max=20, message=_l("Please give a whole number from 1 to 20."))])
    gap_x = FiniteDecimalField(_l("Gap between columns (mm)"), places=1, default=0, validators=[
        Optional(), NumberRange(min=0, max=50, message=_l("Please give a size from %(low)s to %(high)s mm.",
                                                          low=0, high=50))])
    gap_y = FiniteDecimalField(_l("Gap between rows (mm)"), places=1, default=0, validators=[
        Optional(), NumberRange(min=0, max=50, message=_l("Please give a size from %(low)s to %(high)s mm.",
                                                          low=0, high=50))])
    submit = SubmitField(_l("Add this size"))

    def validate_name(self, field) -> None:
        if field.data and not NAME.fullmatch(field.data):
            raise ValidationError(_l("Use lower-case letters, digits and hyphens only."))


class InfoForm(FlaskForm):
    """The practical information printed on the back of badges."""

    badge_info = text_field(_l("Practical information"), 1000, multiline=True,
                            description=_l("Venue, Wi-Fi, emergency numbers: a few short lines."))
    submit = SubmitField(_l("Save"))


class LogoForm(FlaskForm):
    """The organizers' logo on the badges (checked by content in ``badges.logo``)."""

    logo = FileField(_l("Logo (PNG or SVG, at most 1 MB)"),
                     validators=[FileRequired(_l("Please choose a file."))],
                     render_kw={"accept": "image/png,image/svg+xml"})
    submit = SubmitField(_l("Upload the logo"))


class PreviewForm(FlaskForm):
    """Which badge size the preview shows (a GET form: no CSRF needed, nothing changes)."""

    class Meta:
        csrf = False

    preview = SelectField(_l("Badge size"))

    def __init__(self, *args, presets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview.choices = options((name, preset.label) for name, preset in (presets or {}).items())
