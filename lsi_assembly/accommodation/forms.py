"""The forms of accommodation: the person's room request, and the organizers' hotels, blocks and moves."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, RadioField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from lsi_assembly.accommodation.models import RoomType, Sharing
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import FiniteDecimalField, MultiCheckboxField, ValidEmail, optional_id, options, text_field
from lsi_assembly.core.text import strip_filter


class RoomRequestForm(FlaskForm):
    """Nights and how the person would share."""

    page_order = ("check_in", "check_out", "sharing", "colleague_id", "colleague_email")
    check_in = DateField(_l("Check-in"), validators=[InputRequired(_l("Please give a date."))],
                         description=_l("The day you arrive at the hotel."))
    check_out = DateField(_l("Check-out"), validators=[InputRequired(_l("Please give a date."))],
                          description=_l("The day you leave the hotel."))
    sharing = RadioField(_l("How would you share?"), choices=options(Sharing.choices()), default=Sharing.ALONE,
                         validators=[InputRequired(_l("Please choose one."))])
    colleague_id = SelectField(_l("Colleague of your organization"), coerce=optional_id)
    colleague_email = EmailField(_l("Or your colleague's e-mail address"), filters=[strip_filter],
                                 validators=[Optional(), ValidEmail()], render_kw={"autocomplete": "off"},
                                 description=_l("The address your colleague registered with (another organization)."))
    submit = SubmitField(_l("Save my request"))

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.colleague_id.choices = options([("", _l("Nobody chosen")), *((c.id, c.full_name) for c in colleagues)])

    def validate_check_out(self, field) -> None:
        if field.data and self.check_in.data and field.data <= self.check_in.data:
            raise ValidationError(_l("The check-out must be after the check-in."))

    def validate_colleague_id(self, field) -> None:
        if self.sharing.data == Sharing.COLLEAGUE and not field.data and not self.colleague_email.data:
            raise ValidationError(_l("Choose a colleague, or give their e-mail address."))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my request"))


class HotelForm(FlaskForm):
    page_order = ("name", "address")
    name = text_field(_l("Hotel"), 200, required=True, render_kw={"autocomplete": "off"})
    address = text_field(_l("Address"), 500, required=True, multiline=True, render_kw={"autocomplete": "off"})
    submit = SubmitField(_l("Add the hotel"))


class BlockForm(FlaskForm):
    page_order = ("room_type", "rooms", "nights", "price")
    room_type = SelectField(_l("Room type"), choices=options(RoomType.choices()))
    rooms = IntegerField(_l("Number of rooms"), validators=[
        InputRequired(_l("Please give a number.")),
        NumberRange(1, 1000, _l("Please give a number from %(min)s to %(max)s."))])
    nights = MultiCheckboxField(_l("Nights"), validators=[DataRequired(_l("Choose at least one night."))],
                                description=_l("Each night is named by its evening: the night of 23 June ends on 24 June."))
    price = FiniteDecimalField(_l("Price per room and night (EUR)"), places=2, validators=[
        InputRequired(_l("Please give a number.")),
        NumberRange(0, 100000, _l("Please give a number from %(min)s to %(max)s."))])
    submit = SubmitField(_l("Add the rooms"))

    def __init__(self, *args, nights=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nights.choices = options((night.isoformat(), format_day(night, "full")) for night in nights)


class MoveForm(FlaskForm):
    """Where the organizers put a person: a block (or none), and a roommate in a twin room."""

    page_order = ("block_id", "roommate_id")
    block_id = SelectField(_l("Room block"), coerce=optional_id, validators=[Optional()])
    roommate_id = SelectField(_l("Roommate"), coerce=optional_id, validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, blocks=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.block_id.choices = options([("", _l("No room")), *((b.id, label) for b, label in blocks)])
        self.roommate_id.choices = options([("", _l("Alone")), *((p.id, p.full_name) for p in people)])


class ConfirmForm(FlaskForm):
    """A button (propose, publish, delete) with its CSRF token."""

    submit = SubmitField(_l("Confirm"))
