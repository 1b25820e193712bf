"""The delegate registration form and the form to ask for one's personal link again."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from lsi_assembly.core.bots import BotTraps
from lsi_assembly.core.countries import country_names
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import MultiCheckboxField, ValidEmail, database_id, optional_id, options, text_field
from lsi_assembly.core.localized import localized
from lsi_assembly.core.text import CleanText, strip_filter
from lsi_assembly.registration.fields import (
    FIELDS,
    ORGANIZER_FIELDS,
    PERSON_FIELDS,
    REGISTRATION_FIELDS,
    Kind,
    form_order,
)
from lsi_assembly.registration.models import SELF_SERVICE_CATEGORIES, Category, Diet

#: How far from the event's days an arrival or departure date may be.
TRAVEL_WINDOW = timedelta(days=30)

#: Value of the organization select for someone outside the member organizations.
NOT_A_MEMBER = 0


def _text(name: str, **kwargs):
    """A text field of a participant's (``fields.py``): its label, maximum length and name rules."""
    spec = FIELDS[name]
    return text_field(spec.form_label, spec.max_length, multiline=spec.multiline, name=spec.is_name, **kwargs)


def _email_length() -> Length:
    return Length(max=FIELDS["email"].max_length)


def split_words(text: str | None) -> list[str]:
    """Split a list typed with commas (or semicolons), dropping empties and repeats (the languages)."""
    seen: dict[str, str] = {}
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if part and part.casefold() not in seen:
            seen[part.casefold()] = part[:40]
    return list(seen.values())


class ParticipantDetailsForm(FlaskForm):
    """What a participant can fill in and later change through the personal link."""

    #: Order of the fields on the page, for the error summary.
    page_order = form_order(PERSON_FIELDS)

    given_name = _text("given_name", required=True, render_kw={"autocomplete": "given-name"})
    family_name = _text("family_name", required=True, render_kw={"autocomplete": "family-name"})
    name_on_badge = _text("name_on_badge", description=_l("Leave empty to use your given and family name."),
                          render_kw={"autocomplete": "nickname"})
    latin_name = _text("latin_name", description=_l(
        "Only if your name is not in Latin letters: how to write it in Latin letters (as in your passport). "
        "It is printed under your name on your badge; left empty, it is transliterated."))
    country = SelectField(FIELDS["country"].form_label,
                          validators=[InputRequired(_l("Please choose your country."))],
                          render_kw={"autocomplete": "country-name"})
    job_title = _text("job_title", render_kw={"autocomplete": "organization-title"})
    days = MultiCheckboxField(FIELDS["days"].form_label, coerce=database_id,
                              validators=[DataRequired(_l("Please choose at least one day."))])
    arrival_date = DateField(FIELDS["arrival_date"].form_label, validators=[Optional()],
                             description=_l("Helps the hosts plan; leave empty if you live nearby."))
    departure_date = DateField(FIELDS["departure_date"].form_label, validators=[Optional()])
    dietary = MultiCheckboxField(FIELDS["dietary"].form_label, choices=options(Diet.choices()))
    dietary_notes = _text("dietary_notes")
    accessibility_needs = _text(
        "accessibility_needs",
        description=_l("Anything that helps you take part: step-free access, sign language, "
                       "a quiet room... Seen only by the organizers."),
    )
    languages = _text("languages", description=_l("Separate them with commas, e.g. English, French, Romanian."))
    list_consent = BooleanField(FIELDS["list_consent"].form_label)
    photo_consent = BooleanField(FIELDS["photo_consent"].form_label)
    badge_hide_organization = BooleanField(FIELDS["badge_hide_organization"].form_label)
    protected = BooleanField(
        FIELDS["protected"].form_label,
        description=_l("You are then never on the participant list, whatever you choose above; at the desk we find "
                       "you only by your badge or your full name; your badge shows your name without your "
                       "organization; tables by organization count you without naming you."))

    def __init__(self, *args, event=None, locale="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose a country")), *country_names(locale).items()])
        days = event.days if event is not None else []
        self.days.choices = options(
            (day.id, " – ".join(filter(None, (format_day(day.date, "full"), localized(day, "label")))))
            for day in days
        )
        self._event = event

    def validate_country(self, field) -> None:
        if field.data == "":
            raise ValidationError(_l("Please choose your country."))

    def _check_travel_date(self, field) -> None:
        days = self._event.days if self._event is not None else []
        if field.data and days:
            earliest, latest = days[0].date - TRAVEL_WINDOW, days[-1].date + TRAVEL_WINDOW
            if not earliest <= field.data <= latest:
                raise ValidationError(_l("Please give a date between %(start)s and %(end)s.",
                                         start=format_day(earliest, "long"), end=format_day(latest, "long")))

    def validate_arrival_date(self, field) -> None:
        self._check_travel_date(field)

    def validate_departure_date(self, field) -> None:
        self._check_travel_date(field)
        if field.data and self.arrival_date.data and field.data < self.arrival_date.data:
            raise ValidationError(_l("The departure date cannot be before the arrival date."))

    def validate_languages(self, field) -> None:
        if field.data and len(self.language_list()) > 12:
            raise ValidationError(_l("Please list at most 12 languages."))

    def language_list(self) -> list[str]:
        """Split the languages field on commas, dropping empties and repeats."""
        return split_words(self.languages.data)

    def answers(self, specs) -> dict:
        """Return the answers to the fields ``specs`` (from ``fields.py``) as the model stores them."""
        values = {}
        for spec in specs:
            data = self[spec.name].data
            if spec.kind is Kind.CODES:
                data = list(data or [])
            elif spec.kind is Kind.WORDS:
                data = split_words(data)
            values[spec.name] = data
        return values


class RegistrationForm(BotTraps, ParticipantDetailsForm):
    """The full registration form (with the bot traps of the public forms)."""

    page_order = form_order(REGISTRATION_FIELDS, "privacy")

    email = EmailField(
        FIELDS["email"].form_label,
        validators=[DataRequired(_l("Please fill in this field.")), _email_length(), CleanText(),
                    ValidEmail(deliverability=True)],
        filters=[strip_filter],
        description=_l("We send your confirmation and your personal link here."),
        render_kw={"autocomplete": "email"},
    )
    category = SelectField(FIELDS["category"].form_label, choices=options(Category.choices(SELF_SERVICE_CATEGORIES)),
                           default=Category.DELEGATE.value)
    organization_id = SelectField(FIELDS["organization_id"].form_label, coerce=optional_id,
                                  description=_l("Not a member? Leave this empty and write your "
                                                 "organization's name below."),
                                  render_kw={"autocomplete": "off"})
    organization_name = _text("organization_name", render_kw={"autocomplete": "organization"})
    privacy = BooleanField(
        _l("I have read the privacy notice and agree that my data is used to organize the Assembly"),
        validators=[DataRequired(_l("Please accept the privacy notice to register."))],
    )
    submit = SubmitField(_l("Register"))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = options([
            ("", _l("Choose your organization")),
            *((org.id, org.name) for org in organizations),
            (NOT_A_MEMBER, _l("None of these / not a member")),
        ])

    def validate_organization_id(self, field) -> None:
        if self.category.data == Category.DELEGATE and not field.data:
            raise ValidationError(_l("Delegates register for a member organization: please choose yours."))
        # Someone outside the members who typed their organization's name need not also pick
        # "None of these": the name says it.
        if field.data is None and not (self.organization_name.data or "").strip():
            raise ValidationError(_l("Please choose your organization, or name it below."))

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then require an organization name from someone outside the members."""
        valid = super().validate(extra_validators)
        if (not self.organization_id.data and not self.organization_id.errors
                and self.category.data != Category.DELEGATE and not self.organization_name.data):
            self.organization_name.errors = [
                *self.organization_name.errors,
                _l("Please name your organization (or write “independent”)."),
            ]
            valid = False
        return valid


class RequestLinkForm(FlaskForm):
    """Ask for one's personal link to be e-mailed again."""

    page_order = ("email",)

    email = EmailField(FIELDS["email"].form_label, validators=[DataRequired(_l("Please fill in this field.")),
                                                               _email_length(), CleanText(), ValidEmail()],
                       filters=[strip_filter], render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me my link"))


class CancelForm(FlaskForm):
    """Confirm the cancellation of one's registration."""

    submit = SubmitField(_l("Yes, cancel my registration"))


class ConfirmAddressForm(FlaskForm):
    """The one button of an unconfirmed registration's page (a POST: following a link changes nothing)."""

    submit = SubmitField(_l("Confirm my address"))


class SignOutLinksForm(FlaskForm):
    """Sign out every link sent so far; a new one goes to the registered address."""

    submit = SubmitField(_l("Sign out every link and send me a new one"))


class StaffParticipantForm(ParticipantDetailsForm):
    """An organizer's edit of a registration: everything but the status (changed by actions)."""

    page_order = form_order(ORGANIZER_FIELDS)
    email = EmailField(FIELDS["email"].form_label, validators=[DataRequired(_l("Please fill in this field.")),
                                                               _email_length(), CleanText(), ValidEmail()],
                       filters=[strip_filter], render_kw={"autocomplete": "off"})
    #: The organizers' word for it, not the person's question.
    category = SelectField(FIELDS["category"].label, choices=options(Category.choices()))
    organization_id = SelectField(FIELDS["organization_id"].form_label, coerce=optional_id)
    organization_name = _text("organization_name")
    desk_note = _text("desk_note", description=_l("Shown at the desk when the person arrives, e.g. "
                                                  "\u201ccollect your interpreter headset\u201d."))
    needs_at_desk = BooleanField(FIELDS["needs_at_desk"].form_label)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, organizations=(), email_taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = options([
            (NOT_A_MEMBER, _l("None of these / not a member")), *((org.id, org.name) for org in organizations)])
        self._email_taken = email_taken

    def validate_email(self, field) -> None:
        if self._email_taken and self._email_taken(field.data):
            raise ValidationError(_l("Another registration already uses this e-mail address."))

    def validate_organization_id(self, field) -> None:
        if self.category.data == Category.DELEGATE and not field.data:
            raise ValidationError(_l("Delegates register for a member organization: please choose yours."))


class BulkActionForm(FlaskForm):
    """Apply one action to the registrations ticked in the list."""

    ids = SelectMultipleField(coerce=database_id, validate_choice=False)
    action = SelectField(_l("With the selected registrations"))
    #: "1": every registration matching the list's filters, not only the ticked ones.
    all_matching = HiddenField()
    #: How many matched when the organizer chose "all matching": a different count now refuses the action.
    matching = HiddenField()
    submit = SubmitField(_l("Apply"))


class ImportUploadForm(FlaskForm):
    """Upload a participant list to check it."""

    page_order = ("file", "notify")
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Please choose a file.")),
        FileAllowed(["csv", "txt"], _l("Please choose a .csv file.")),
    ], description=_l("UTF-8, comma or semicolon separated, with a first line naming the columns."))
    notify = BooleanField(_l("E-mail each new participant the personal link to their registration"))
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(FlaskForm):
    """Confirm an import after its dry run."""

    token = HiddenField()
    notify = BooleanField(_l("E-mail each new participant the personal link to their registration"))
    valid_only = BooleanField(_l("Import only the valid lines and leave the others out"))
    submit = SubmitField(_l("Import"))
