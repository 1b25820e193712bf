"""Forms of the privacy pages: erasure, the notice's new version, the organizers' settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional


class EraseMyDataForm(FlaskForm):
    """The person's erasure: one explicit confirmation."""

    understood = BooleanField(
        _l("I understand that my registration and my data will be deleted, and that this cannot be undone"),
        validators=[DataRequired(_l("Please tick the box to confirm."))])


class StaffEraseForm(FlaskForm):
    """The organizers' erasure: why (kept in the audit log without the name) and a confirmation."""

    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Please give the reason.")), Length(max=200)],
                         description=_l("For example: “asked by e-mail on 3 May”. Do not write the person's name: "
                                        "the audit log keeps the reason."))
    understood = BooleanField(_l("I understand that this cannot be undone"),
                              validators=[DataRequired(_l("Please tick the box to confirm."))])


class AcknowledgeNoticeForm(FlaskForm):
    """The person has read the new version of the privacy notice."""


class ApplyScheduleForm(FlaskForm):
    """Apply the retention schedule now (the same as ``flask privacy purge``)."""

    understood = BooleanField(_l("I understand that what is listed above will be deleted now"),
                              validators=[DataRequired(_l("Please tick the box to confirm."))])


class PrivacySettingsForm(FlaskForm):
    """The controller named in the notice and the retention periods (one field per rule, added at run time)."""

    controller_name = StringField(_l("Controller (the organization responsible for the data)"),
                                  validators=[DataRequired(_l("Please name the controller.")), Length(max=200)],
                                  render_kw={"autocomplete": "organization"})
    controller_address = TextAreaField(_l("Controller's postal address"),
                                       validators=[DataRequired(_l("Please give the controller's address.")),
                                                   Length(max=500)],
                                       render_kw={"autocomplete": "street-address", "rows": 3})
    controller_email = EmailField(_l("Contact address for questions about personal data"),
                                  validators=[DataRequired(_l("Please give a contact address.")),
                                              Email(_l("Please enter a valid e-mail address.")), Length(max=254)],
                                  render_kw={"autocomplete": "email"})
    dpo_name = StringField(_l("Data protection officer (if any)"), validators=[Optional(), Length(max=200)],
                           render_kw={"autocomplete": "name"})
    dpo_email = EmailField(_l("Data protection officer's address"),
                           validators=[Optional(), Email(_l("Please enter a valid e-mail address.")), Length(max=254)],
                           render_kw={"autocomplete": "email"})


def days_field(label: str, minimum: int, maximum: int) -> IntegerField:
    """A field for one rule's period, in days."""
    message = _l("Please enter a number of days from %(min)s to %(max)s.", min=minimum, max=maximum)
    return IntegerField(label, validators=[InputRequired(message), NumberRange(minimum, maximum, message)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
