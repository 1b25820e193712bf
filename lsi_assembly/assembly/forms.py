"""Forms of the Assembly's pages: a statutory session and a vote result (the chair's), a member's mandate
and proxy (its delegation page)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from lsi_assembly.assembly.services import MAX_MOTION_LENGTH, AssemblyError, parse_fraction
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import optional_id, options, text_field
from lsi_assembly.core.text import strip_filter

#: The most votes one count may give (far above any assembly; keeps the numbers within the database's integer).
MAX_VOTES = 100_000


class SessionForm(FlaskForm):
    """Add or change a statutory session."""

    page_order = ("name", "day", "starts_at", "ends_at", "quorum_fraction")
    name = text_field(_l("Name"), 200, required=True, render_kw={"autocomplete": "off"},
                      description=_l("E.g. Statutory session 1."))
    day = SelectField(_l("Day"), validators=[InputRequired(_l("Please choose a day."))])
    starts_at = TimeField(_l("Starts at"), validators=[Optional()],
                          description=_l("Local time at the venue. Proxies can be revoked until the first "
                                         "session starts."))
    ends_at = TimeField(_l("Ends at"), validators=[Optional()])
    quorum_fraction = StringField(
        _l("Quorum"), default="1/2", filters=[strip_filter], render_kw={"autocomplete": "off", "inputmode": "decimal"},
        validators=[InputRequired(_l("Please give the quorum fraction, such as 1/2 or 0.5."))],
        description=_l("The quorum is reached with MORE than this fraction of all full members' votes: "
                       "1/2 (or 0.5) is “more than half”, 2/3 “more than two thirds”."))
    submit = SubmitField(_l("Save the session"))

    def __init__(self, *args, event=None, name_taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.day.choices = options([("", _l("Choose a day")),
                                    *((d.date.isoformat(), format_day(d.date, "full")) for d in event.days)])
        self._name_taken = name_taken

    @property
    def chosen_day(self) -> date:
        """The day chosen (after validation: one of the event's days)."""
        return date.fromisoformat(self.day.data)

    def validate_name(self, field) -> None:
        if self._name_taken and field.data and self._name_taken(field.data):
            raise ValidationError(_l("There is already a session with this name."))

    def validate_ends_at(self, field) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_quorum_fraction(self, field) -> None:
        try:
            field.fraction = parse_fraction(field.data)
        except AssemblyError as error:
            raise ValidationError(str(error)) from None


def _count(label):
    return IntegerField(label, default=0, render_kw={"inputmode": "numeric", "autocomplete": "off"}, validators=[
        InputRequired(_l("Please give a whole number, 0 or more.")),
        NumberRange(min=0, max=MAX_VOTES, message=_l("Please give a whole number from 0 to %(max)d.", max=MAX_VOTES))])


class VoteForm(FlaskForm):
    """The result of a vote on one motion."""

    page_order = ("motion", "votes_for", "votes_against", "abstentions")
    motion = text_field(_l("Motion"), MAX_MOTION_LENGTH, required=True, multiline=True, render_kw={"rows": 3},
                        description=_l("The text put to the vote, as it goes into the minutes."))
    votes_for = _count(_l("For"))
    votes_against = _count(_l("Against"))
    abstentions = _count(_l("Abstentions"))
    submit = SubmitField(_l("Record the result"))


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
