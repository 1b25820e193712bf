"""Forms for member organizations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, SelectField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from lsi_assembly.core.countries import country_names
from lsi_assembly.core.forms import ValidEmail, options, text_field
from lsi_assembly.core.text import CleanText, strip_filter
from lsi_assembly.organizations.models import Membership


def kept_when_not_sent(form, field) -> None:
    """Keep the field's value (the organization's, or the default) when a request does not send it at all,
    as requests written before the field existed; sent empty, it is still refused."""
    if not field.raw_data:
        raise StopValidation()


class OrganizationForm(FlaskForm):
    """Create or change a member organization."""

    page_order = ("name", "country", "delegate_quota", "contact_name", "contact_email", "membership", "votes",
                  "is_active")
    name = text_field(_l("Name"), 200, required=True, name=True, render_kw={"autocomplete": "off"})
    country = SelectField(_l("Country"), validators=[DataRequired(_l("Please choose a country."))])
    delegate_quota = IntegerField(
        _l("Delegate quota"), default=2,
        validators=[InputRequired(_l("Please fill in this field.")),
                    NumberRange(min=0, max=1000, message=_l("Please give a whole number from 0 to 1000."))],
        description=_l("How many delegates may hold a place; more are put on the organization's waiting list."))
    contact_name = text_field(_l("Contact person"), 200, name=True)
    contact_email = EmailField(_l("Contact e-mail address"), validators=[Optional(), Length(max=254), CleanText(), ValidEmail()],
                               filters=[strip_filter])
    membership = SelectField(_l("Membership"), default=Membership.FULL,
                             validators=[kept_when_not_sent, DataRequired(_l("Please choose a membership."))],
                             description=_l("Only full members vote at the General Assembly."))
    votes = IntegerField(
        _l("Votes"), default=1,
        validators=[kept_when_not_sent, InputRequired(_l("Please fill in this field.")),
                    NumberRange(min=0, max=1000, message=_l("Please give a whole number from 0 to 1000."))],
        description=_l("The member's votes at the General Assembly (counted for full members only)."))
    is_active = BooleanField(_l("Active (its delegates can register)"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, locale="en", name_taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Choose a country")), *country_names(locale).items()])
        self.membership.choices = options(Membership.choices())
        self._name_taken = name_taken

    def validate_name(self, field) -> None:
        if self._name_taken and field.data and self._name_taken(field.data):
            raise ValidationError(_l("Another organization already has this name."))


class MemberListForm(FlaskForm):
    """Upload the member list."""

    page_order = ("file",)
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Please choose a file.")),
                                                 FileAllowed(["csv", "txt"], _l("Please choose a .csv file."))],
                     description=_l("Columns name,country and, if you like, delegate_quota,contact_name,"
                                    "contact_email,membership,votes (membership: full, associate or partner). "
                                    "An organization already listed (same name) is updated."))
    submit = SubmitField(_l("Import the member list"))
