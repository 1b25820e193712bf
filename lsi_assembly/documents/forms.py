"""The organizers' form for certificates in bulk."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from lsi_assembly.core.forms import optional_id, options


class CertificatesForm(FlaskForm):
    """Whose certificates to print: everyone checked in, or one organization's."""

    page_order = ("organization_id",)
    organization_id = SelectField(_l("Organization"), coerce=optional_id, validators=[Optional()])
    submit = SubmitField(_l("Print the certificates"))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = options([("", _l("All organizations")),
                                                *((o.id, o.name) for o in organizations)])
