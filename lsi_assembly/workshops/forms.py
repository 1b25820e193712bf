"""Forms for the programme: time slots, rooms, workshops and their runs."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SubmitField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import FRENCH, FRENCH_HINT, BoundedFieldList, optional_id, options, text_field
from lsi_assembly.core.localized import localized

#: Most workshops the organizers may let each person rank.
MAX_PREFERENCES = 20


def _capacity(label):
    return IntegerField(label, validators=[InputRequired(_l("Please fill in this field.")),
                                           NumberRange(min=0, max=10_000,
                                                       message=_l("Please give a whole number from 0 to 10000."))])


class TimeSlotForm(FlaskForm):
    """A time slot on one day of the event."""

    page_order = ("day_id", "starts_at", "ends_at")
    day_id = SelectField(_l("Day"), coerce=optional_id,
                         validators=[InputRequired(_l("Please choose a day."))])
    starts_at = TimeField(_l("Starts at"), validators=[InputRequired(_l("Please give a time, e.g. 14:00."))])
    ends_at = TimeField(_l("Ends at"), validators=[InputRequired(_l("Please give a time, e.g. 15:30."))])
    submit = SubmitField(_l("Add the time slot"))

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.day_id.choices = options((day.id, format_day(day.date, "full")) for day in event.days)

    def validate_ends_at(self, field) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))


class RoomForm(FlaskForm):
    """A room and how many people it holds."""

    page_order = ("name", "capacity", "step_free")
    name = text_field(_l("Room"), 120, required=True)
    capacity = _capacity(_l("Seats"))
    step_free = BooleanField(_l("Reachable without steps"), default=True)
    submit = SubmitField(_l("Add the room"))


class WorkshopForm(FlaskForm):
    """What a workshop is about and who leads it."""

    page_order = ("title", "title_fr", "description", "description_fr", "facilitators", "language")
    title = text_field(_l("Title"), 200, required=True)
    title_fr = text_field(_l("Title (French)"), 200, description=FRENCH_HINT, render_kw=FRENCH)
    description = text_field(_l("Description"), 3000, multiline=True)
    description_fr = text_field(_l("Description (French)"), 3000, multiline=True, description=FRENCH_HINT,
                                render_kw=FRENCH)
    facilitators = text_field(_l("Facilitators"), 300)
    language = text_field(_l("Language"), 100, description=_l("E.g. English, with French interpretation."))
    submit = SubmitField(_l("Save the workshop"))


class RunForm(FlaskForm):
    """Hold a workshop in one slot and room."""

    page_order = ("slot_id", "room_id", "capacity")
    slot_id = SelectField(_l("Time slot"), coerce=optional_id, validators=[InputRequired(_l("Please choose a slot."))])
    room_id = SelectField(_l("Room"), coerce=optional_id, validators=[InputRequired(_l("Please choose a room."))])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=0, max=10_000, message=_l(
        "Please give a whole number from 0 to 10000."))], description=_l("Leave empty for the room's size."))
    submit = SubmitField(_l("Add this run"))

    def __init__(self, *args, slots=(), rooms=(), slot_label=str, room_taken=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_id.choices = options((slot.id, slot_label(slot)) for slot in slots)
        self.room_id.choices = options((room.id, f"{room.name} ({room.capacity})") for room in rooms)
        self._rooms = {room.id: room for room in rooms}
        self._room_taken = room_taken

    def validate_room_id(self, field) -> None:
        if self._room_taken and field.data and self.slot_id.data and self._room_taken(self.slot_id.data, field.data):
            raise ValidationError(_l("This room already holds another workshop in that slot."))

    def validate_capacity(self, field) -> None:
        room = self._rooms.get(self.room_id.data)
        if room is not None and field.data is not None and field.data > room.capacity:
            raise ValidationError(_l("The room holds only %(seats)d people.", seats=room.capacity))


class RankingForm(FlaskForm):
    """Rank workshops: one select per rank (works without JavaScript); a workshop only once."""

    ranks = BoundedFieldList(SelectField(coerce=optional_id, validate_choice=True), min_entries=1,
                             max_entries=MAX_PREFERENCES)
    submit = SubmitField(_l("Save my choices"))

    def __init__(self, *args, workshops=(), places=5, **kwargs):
        super().__init__(*args, **kwargs)
        self._places = places
        while len(self.ranks) > places:
            self.ranks.pop_entry()
        while len(self.ranks) < places:
            self.ranks.append_entry()
        choices = options([("", _l("No choice")), *((w.id, localized(w, "title")) for w in workshops)])
        for number, entry in enumerate(self.ranks, start=1):
            entry.choices = choices
            entry.label.text = _l("Choice %(rank)d", rank=number)
        self.page_order = tuple(entry.name for entry in self.ranks)

    def __getitem__(self, name):
        for entry in self.ranks:
            if entry.name == name:
                return entry
        return super().__getitem__(name)

    def validate_ranks(self, field) -> None:
        if field.sent > self._places:
            message = _l("Please choose at most %(num)d workshops.", num=self._places)
            field.entries[0].errors = [*field.entries[0].errors, message]
            raise ValidationError(message)
        seen = set()
        for entry in field:
            if entry.data is None:
                continue
            if entry.data in seen:
                entry.errors = [*entry.errors, _l("You chose this workshop already: pick another one.")]
                raise ValidationError(_l("A workshop may be chosen only once."))
            seen.add(entry.data)

    def chosen(self) -> list[int]:
        """The workshops chosen, best first, leaving out empty choices."""
        return [entry.data for entry in self.ranks if entry.data is not None]


class PreferenceWindowForm(FlaskForm):
    """Open or close the participants' choice of workshops."""

    preferences_open = BooleanField(_l("Participants may choose their workshops now"))
    max_preferences = IntegerField(_l("How many workshops each person ranks"), default=5, validators=[
        InputRequired(_l("Please fill in this field.")),
        NumberRange(min=1, max=MAX_PREFERENCES, message=_l("Please give a whole number from 1 to 20."))])
    workshop_organization_cap = IntegerField(
        _l("Most people of one organization in one workshop"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Please give a whole number from 1 to 1000."))],
        description=_l("Leave empty for no limit. Helps delegations spread over the workshops."))
    submit = SubmitField(_l("Save"))


class SeatsForm(FlaskForm):
    """An organizer's choice of seats for one participant: a run (or none) per slot they attend.

    Built by ``seats_form``, which adds a ``run_<slot id>`` select and a ``keep_<slot id>`` checkbox
    per slot.
    """

    notify = BooleanField(_l("E-mail the participant their new schedule"))
    submit = SubmitField(_l("Save the seats"))


def seats_form(slots, runs_by_slot, taken, slot_label, run_label, **kwargs) -> SeatsForm:
    """A SeatsForm with one select of runs (and "no seat") and one "keep" box per slot in ``slots``."""
    fields = {}
    for slot in slots:
        choices = [("", _l("No seat")), *(
            (run.id, _l("%(run)s (%(taken)d of %(seats)d seats taken)", run=run_label(run),
                        taken=taken[run.id], seats=run.capacity))
            for run in runs_by_slot.get(slot.id, []))]
        fields[f"run_{slot.id}"] = SelectField(slot_label(slot), coerce=optional_id, choices=options(choices))
        fields[f"keep_{slot.id}"] = BooleanField(_l("Keep this seat when seats are assigned again"))
    form = type("BoundSeatsForm", (SeatsForm,), fields)(**kwargs)
    form.page_order = tuple(name for slot in slots for name in (f"run_{slot.id}", f"keep_{slot.id}"))
    form.slot_fields = [(slot, form[f"run_{slot.id}"], form[f"keep_{slot.id}"]) for slot in slots]
    return form
