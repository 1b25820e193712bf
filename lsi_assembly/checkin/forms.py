"""Forms of the check-in desk: the one lookup input, the desk's settings, a walk-in registration."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from lsi_assembly.core.countries import country_names
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import ValidEmail, optional_id, options, text_field
from lsi_assembly.core.text import CleanText, strip_filter
from lsi_assembly.registration.fields import FIELDS
from lsi_assembly.registration.models import Category

#: Staff type here about someone else: the browser must not offer the desk's own saved details.
NOT_MINE = {"autocomplete": "off"}
#: Not delegates: a delegate's place comes from their organization's quota, decided by the organizers.
WALK_IN_CATEGORIES = (Category.OBSERVER, Category.GUEST, Category.PRESS, Category.SPEAKER)


class LookupForm(FlaskForm):
    """The desk's one input: a scanned badge code (the scanner types it, then Enter) or a name."""

    q = text_field(_l("Scan a badge or type a name"), 200, required=True,
                   description=_l("Name, badge name, e-mail or organization; accents do not matter."),
                   render_kw={"autocomplete": "off", "autofocus": True, "spellcheck": "false",
                              "autocapitalize": "off", "enterkeyhint": "search"})
    submit = SubmitField(_l("Find"))
    page_order = ("q",)


class DeskSettingsForm(FlaskForm):
    """Which desk this is, which day it checks in for, which badge size its printer takes.

    ``blank_day``: the day list starts with "Choose a day" (the setup step, when today is no event day),
    so that no day looks chosen before someone chooses it.
    """

    page_order = ("desk", "day_id", "preset")
    desk = text_field(_l("Desk name"), 60, required=True, description=_l("Shown with each check-in, e.g. Desk 2."),
                      render_kw={"autocomplete": "off"})
    day_id = SelectField(_l("Checking in for"), coerce=optional_id,
                         validators=[InputRequired(_l("Please choose a day."))])
    preset = SelectField(_l("Badge printer"), validators=[InputRequired(_l("Please choose a badge size."))])
    #: The desk page to go back to once the desk is set up (a person's page opened before the setup).
    next = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, days=(), presets=None, blank_day=False, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", _l("Choose a day"))] if blank_day else []
        self.day_id.choices = options([*blank, *((day.id, format_day(day.date, "full")) for day in days)])
        self.preset.choices = options((name, preset.label) for name, preset in (presets or {}).items())

    def validate_day_id(self, field) -> None:
        if field.data is None:
            raise ValidationError(_l("Please choose a day."))


class WalkInForm(FlaskForm):
    """Someone who did not register: the least the desk needs to welcome them and print a badge."""

    page_order = ("given_name", "family_name", "email", "country", "category", "organization_name", "languages",
                  "photo_consent", "privacy")
    given_name = text_field(FIELDS["given_name"].label, FIELDS["given_name"].max_length, required=True, name=True,
                            render_kw=NOT_MINE)
    family_name = text_field(FIELDS["family_name"].label, FIELDS["family_name"].max_length, required=True, name=True,
                             render_kw=NOT_MINE)
    email = EmailField(FIELDS["email"].label, filters=[strip_filter], render_kw=NOT_MINE, validators=[
        DataRequired(_l("Please fill in this field.")), Length(max=FIELDS["email"].max_length), CleanText(),
        ValidEmail()])
    country = SelectField(FIELDS["country"].label, validators=[InputRequired(_l("Please choose a country."))],
                          render_kw=NOT_MINE)
    category = SelectField(FIELDS["category"].label, default=Category.OBSERVER.value,
                           choices=options(Category.choices(WALK_IN_CATEGORIES)))
    organization_name = text_field(FIELDS["organization_name"].label, FIELDS["organization_name"].max_length, name=True,
                                   render_kw=NOT_MINE)
    languages = text_field(_l("Languages spoken"), FIELDS["languages"].max_length, render_kw=NOT_MINE,
                           description=_l("Separate them with commas."))
    photo_consent = BooleanField(_l("Agrees to be photographed"))
    privacy = BooleanField(_l("The person has read the privacy notice and agrees"),
                           validators=[DataRequired(_l("The privacy notice must be accepted first."))])
    submit = SubmitField(_l("Register, check in and print the badge"))

    def __init__(self, *args, locale="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose a country")), *country_names(locale).items()])

    def validate_country(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Please choose a country."))

    def language_list(self) -> list[str]:
        """The languages typed, split on commas, without repeats."""
        seen: dict[str, str] = {}
        for part in (self.languages.data or "").replace(";", ",").split(","):
            if part.strip():
                seen.setdefault(part.strip().casefold(), part.strip()[:40])
        return list(seen.values())[:12]
