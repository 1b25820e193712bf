"""Forms: the person's request, the organizers' decisions, the letterhead."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from lsi_assembly.core.countries import country_names
from lsi_assembly.core.forms import options, text_field
from lsi_assembly.core.i18n import language_choices
from lsi_assembly.visas.models import CostCover

PASSPORT_NUMBER_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -")


class VisaRequestForm(FlaskForm):
    """What a letter needs, each with why (the descriptions)."""

    page_order = ("passport_name", "nationality", "passport_number", "birth_date", "passport_expiry",
                  "consulate_city", "consulate_country")
    passport_name = text_field(
        _l("Full name as in your passport"), 200, required=True, name=True,
        description=_l("Exactly as printed in your passport: the consulate compares the letter with it."),
        render_kw={"autocomplete": "name"})
    nationality = SelectField(
        _l("Nationality"), validators=[InputRequired(_l("Please choose the country of your passport."))],
        description=_l("The country that issued your passport: the letter names it."),
        render_kw={"autocomplete": "off"})
    passport_number = text_field(
        _l("Passport number"), 30, required=True,
        description=_l("Printed in the letter, so that the consulate can match it with your application."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
    birth_date = DateField(
        _l("Date of birth"), validators=[InputRequired(_l("Please give your date of birth."))],
        description=_l("Printed in the letter: it identifies you together with your passport number."),
        render_kw={"autocomplete": "bday"})
    passport_expiry = DateField(
        _l("Passport valid until"), validators=[InputRequired(_l("Please give the date your passport expires."))],
        description=_l("A visa is granted only on a passport valid beyond your stay: we check it before writing."),
        render_kw={"autocomplete": "off"})
    consulate_city = text_field(
        _l("Consulate: city"), 100, required=True,
        description=_l("Where you apply for the visa: the letter is addressed to that consulate."),
        render_kw={"autocomplete": "off"})
    consulate_country = SelectField(
        _l("Consulate: country"), validators=[InputRequired(_l("Please choose the consulate's country."))],
        render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("Send my request"))

    def __init__(self, *args, locale: str = "en", event_end=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = options([("", _l("Choose a country")), *country_names(locale).items()])
        self.nationality.choices = choices
        self.consulate_country.choices = choices
        self._event_end = event_end
        self._today = today

    def validate_nationality(self, field) -> None:
        if field.data not in country_names("en"):
            raise ValidationError(_l("Please choose the country of your passport."))

    def validate_consulate_country(self, field) -> None:
        if field.data not in country_names("en"):
            raise ValidationError(_l("Please choose the consulate's country."))

    def validate_passport_number(self, field) -> None:
        number = (field.data or "").upper()
        if len(number.replace(" ", "").replace("-", "")) < 5 or not set(number) <= PASSPORT_NUMBER_CHARACTERS:
            raise ValidationError(_l("Please give the number as printed in your passport: letters and digits "
                                     "only, at least 5."))

    def validate_birth_date(self, field) -> None:
        if field.data and self._today and not (self._today.replace(year=self._today.year - 120) < field.data
                                               < self._today):
            raise ValidationError(_l("Please give a date of birth in the past."))

    def validate_passport_expiry(self, field) -> None:
        if field.data and self._event_end and field.data <= self._event_end:
            raise ValidationError(_l("Your passport must be valid after the Assembly: please renew it first, "
                                     "then ask for the letter."))


class ApproveForm(FlaskForm):
    """Issue the letter: who covers what costs, and its language."""

    page_order = ("costs", "costs_note", "language")
    costs = SelectField(_l("Costs covered"), choices=options(CostCover.choices()),
                        validators=[InputRequired(_l("Please choose who covers the costs."))])
    costs_note = text_field(_l("Costs: details (optional)"), 300,
                            description=_l("Printed after the choice above, in brackets."))
    language = SelectField(_l("Language of the letter"))
    submit = SubmitField(_l("Approve and send the letter"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class CorrectionForm(FlaskForm):
    """Send the request back with what to correct."""

    page_order = ("message",)
    message = text_field(_l("What should be corrected"), 1000, required=True, multiline=True,
                         description=_l("E-mailed to the participant: do not repeat their passport data."))
    submit = SubmitField(_l("Ask for a correction"))


class DeclineForm(FlaskForm):
    """Decline the request with a reason."""

    page_order = ("reason",)
    reason = text_field(_l("Reason"), 1000, required=True, multiline=True,
                        description=_l("E-mailed to the participant."))
    submit = SubmitField(_l("Decline the request"))


class RevokeForm(FlaskForm):
    """Revoke an issued letter."""

    submit = SubmitField(_l("Revoke the letter"))


class LetterheadForm(FlaskForm):
    """The letterhead: address, signatory, and optionally new images."""

    page_order = ("address", "signatory_name", "signatory_title", "logo", "signature")
    address = text_field(_l("Address (printed at the top right)"), 500, required=True, multiline=True,
                         render_kw={"autocomplete": "street-address"})
    signatory_name = text_field(_l("Signatory's name"), 200, required=True, name=True,
                                render_kw={"autocomplete": "name"})
    signatory_title = text_field(_l("Signatory's title"), 200, render_kw={"autocomplete": "organization-title"})
    logo = FileField(_l("Logo (PNG or SVG, at most 1 MB; leave empty to keep the current one)"),
                     render_kw={"accept": "image/png,image/svg+xml"})
    signature = FileField(_l("Signature image (PNG or SVG, at most 1 MB; leave empty to keep the current one)"),
                          render_kw={"accept": "image/png,image/svg+xml"})
    submit = SubmitField(_l("Save the letterhead"))
