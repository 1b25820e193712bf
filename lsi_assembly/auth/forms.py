"""Sign-in form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from lsi_assembly.auth.services import MIN_PASSWORD_LENGTH
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
