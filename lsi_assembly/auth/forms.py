"""Sign-in form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from lsi_assembly.core.text import strip_filter


class LoginForm(FlaskForm):
    """E-mail and password of a staff account."""

    page_order = ("email", "password", "remember")

    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=254)],
                       filters=[strip_filter], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please fill in this field.")),
                                                         Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))
