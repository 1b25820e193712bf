"""Sign-in form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.services import MIN_PASSWORD_LENGTH
from lsi_assembly.core.forms import ValidEmail, options
from lsi_assembly.core.text import CleanText, strip_filter


class LoginForm(FlaskForm):
    """E-mail and password of a staff account."""

    page_order = ("email", "password", "remember")

    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=254), CleanText()],
                       filters=[strip_filter], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=200), CleanText()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(FlaskForm):
    """Ask for a password-reset link."""

    page_order = ("email",)
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=254), CleanText()],
                       filters=[strip_filter], render_kw={"autocomplete": "username"})
    submit = SubmitField(_l("Send me a reset link"))


class NewPasswordForm(FlaskForm):
    """Choose a new password."""

    page_order = ("password", "confirm")
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please fill in this field.")),
                    Length(min=MIN_PASSWORD_LENGTH, max=200,
                           message=_l("Please use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH))],
        description=_l("At least %(min)d characters. A few unrelated words make a strong password.",
                       min=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password, again"),
        validators=[DataRequired(_l("Please fill in this field.")),
                    EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set the new password"))


#: The roles as the account form offers them: each role's label (``Role.label``) with what it may do.
ROLE_CHOICES = {
    Role.ADMIN: _l("Administrator: everything, including staff accounts"),
    Role.ORGANIZER: _l("Organizer: the event, organizations and participants"),
    Role.DESK: _l("Desk: check-in and badges on site"),
}


class StaffAccountForm(FlaskForm):
    """An administrator creates a staff account; its owner sets the password through an e-mailed link."""

    page_order = ("email", "name", "role")
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=254), CleanText(), ValidEmail()],
                       filters=[strip_filter], render_kw={"autocomplete": "off"})
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200), CleanText(name=True)],
                       filters=[strip_filter])
    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES.items()))
    submit = SubmitField(_l("Create the account and e-mail the link"))


class StaffRoleForm(FlaskForm):
    """Change an account's role or switch it on or off."""

    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES.items()))
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))
