"""Forms of a member's delegation page: its mandate and its proxy (the focal point's and the organizers')."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from lsi_assembly.core.forms import optional_id, options


class MandateForm(FlaskForm):
    """Name the member's voting delegate and alternate among its confirmed delegates."""

    page_order = ("voter_id", "alternate_id")
    voter_id = SelectField(_l("Voting delegate"), coerce=optional_id, validate_choice=False,
                           validators=[InputRequired(_l("Please choose the voting delegate."))],
                           description=_l("Casts the member's votes at the Assembly."))
    alternate_id = SelectField(_l("Alternate"), coerce=optional_id, validate_choice=False,
                               description=_l("Votes while the voting delegate is out of the hall."))

    def __init__(self, delegates, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = [(person.id, person.full_name) for person in delegates]
        self.voter_id.choices = options([("", _l("Choose…")), *people])
        self.alternate_id.choices = options([("", _l("No alternate")), *people])


class ProxyForm(FlaskForm):
    """Give the member's vote to another full member."""

    page_order = ("holder_id",)
    holder_id = SelectField(_l("Give our vote to"), coerce=optional_id, validate_choice=False,
                            validators=[InputRequired(_l("Please choose the member that will hold the proxy."))],
                            description=_l("Only full members that may still hold a proxy are listed."))

    def __init__(self, holders, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.holder_id.choices = options([("", _l("Choose…")), *((o.id, o.name) for o in holders)])
