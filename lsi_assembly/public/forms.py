"""Forms of the public event: the registration (few fields, bot traps that a person never meets) and the organizers'."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lsi_assembly.core.bots import BotTraps
from lsi_assembly.core.forms import FRENCH, FRENCH_HINT, ValidEmail, options, text_field
from lsi_assembly.core.i18n import language_choices
from lsi_assembly.core.text import CleanText, strip_filter

class PublicRegistrationForm(BotTraps, FlaskForm):
    """Register for the public event: name, e-mail, optional affiliation, language, needs, consent (and the bot traps)."""

    page_order = ("name", "email", "affiliation", "language", "accessibility_needs", "privacy")

    name = text_field(_l("Your name"), 200, required=True, name=True, render_kw={"autocomplete": "name"})
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Please fill in this field.")), Length(max=254), CleanText(),
                    ValidEmail(deliverability=True)],
        filters=[strip_filter], description=_l("We send the link to confirm your place, then your ticket, here."),
        render_kw={"autocomplete": "email", "inputmode": "email"})
    affiliation = text_field(_l("Organization (optional)"), 200, name=True,
                             render_kw={"autocomplete": "organization"})
    language = SelectField(_l("Language of our e-mails"), default="en", render_kw={"autocomplete": "language"})
    accessibility_needs = text_field(
        _l("Accessibility needs (optional)"), 1000, multiline=True,
        description=_l("Anything that helps you take part: step-free access, sign language, a seat near the front…"),
        render_kw={"autocomplete": "off", "rows": 3})
    privacy = BooleanField(
        _l("I have read the privacy notice and agree that my name and e-mail are used to manage my place"),
        validators=[DataRequired(_l("Please accept the privacy notice to register."))])
    submit = SubmitField(_l("Register"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = options(language_choices())


class ActionForm(FlaskForm):
    """A single button (confirm, claim, cancel): a POST with its CSRF token, never a bare link."""

    submit = SubmitField(_l("Continue"))


class PublicEventForm(FlaskForm):
    """The organizers' settings of the public event."""

    page_order = ("title", "title_fr", "description", "description_fr", "venue", "venue_fr", "date", "starts",
                  "ends", "capacity", "no_show_percent",
                  "confirm_hours", "claim_hours", "is_open")

    title = text_field(_l("Title"), 200, required=True)
    title_fr = text_field(_l("Title (French)"), 200, description=FRENCH_HINT, render_kw=FRENCH)
    description = text_field(_l("Description"), 5000, multiline=True, render_kw={"rows": 4})
    description_fr = text_field(_l("Description (French)"), 5000, multiline=True, description=FRENCH_HINT,
                                render_kw={**FRENCH, "rows": 4})
    venue = text_field(_l("Venue"), 300, render_kw={"autocomplete": "street-address"})
    venue_fr = text_field(_l("Venue (French)"), 300, description=FRENCH_HINT,
                          render_kw={**FRENCH, "autocomplete": "off"})
    date = DateField(_l("Date"), validators=[InputRequired(_l("Please give the date."))])
    starts = TimeField(_l("Starts at"), validators=[InputRequired(_l("Please give the time."))])
    ends = TimeField(_l("Ends at"), validators=[InputRequired(_l("Please give the time."))])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(_l("Please give a number.")), NumberRange(
        min=1, max=100_000, message=_l("Please give a number from %(min)d to %(max)d."))])
    no_show_percent = IntegerField(
        _l("Expected no-shows (percent)"), default=0,
        validators=[Optional(), NumberRange(min=0, max=60, message=_l("Please give a number from %(min)d to %(max)d."))],
        description=_l("Free events often see 20 to 40 percent of registered people stay away. With 100 seats "
                       "and 25 percent, up to 133 people are confirmed; the public page says so."))
    confirm_hours = IntegerField(
        _l("Hours to confirm the e-mail address"), default=24,
        validators=[InputRequired(_l("Please give a number.")),
                    NumberRange(min=1, max=24 * 14, message=_l("Please give a number from %(min)d to %(max)d."))])
    claim_hours = IntegerField(
        _l("Hours to claim a seat offered from the waiting list"), default=24,
        validators=[InputRequired(_l("Please give a number.")),
                    NumberRange(min=1, max=24 * 14, message=_l("Please give a number from %(min)d to %(max)d."))])
    is_open = BooleanField(_l("Registration is open"))
    submit = SubmitField(_l("Save"))

    def validate_date(self, field) -> None:
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Please give a date between the years 2000 and 2100."))

    def validate_ends(self, field) -> None:
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The end must come after the start."))


class MessageForm(FlaskForm):
    """A message to every confirmed attendee."""

    page_order = ("subject", "body", "sure")
    subject = text_field(_l("Subject"), 150, required=True)
    body = text_field(_l("Message"), 5000, required=True, multiline=True, render_kw={"rows": 8})
    sure = BooleanField(_l("Yes, send this to every confirmed attendee"),
                        validators=[DataRequired(_l("Please tick the box to send the message."))])
    submit = SubmitField(_l("Send"))


class TicketLookupForm(FlaskForm):
    """The desk's input for the public event: a scanned ticket or a name."""

    page_order = ("q",)
    q = text_field(_l("Scan a ticket or type a name"), 200, required=True,
                   render_kw={"autocomplete": "off", "autofocus": True, "spellcheck": "false",
                              "autocapitalize": "off", "enterkeyhint": "search"})
    submit = SubmitField(_l("Find"))
