"""Forms of the hall's door: which session and which way, the one scan input, a person's button."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SubmitField
from wtforms.validators import AnyOf, InputRequired

from lsi_assembly.assembly.door import Direction
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.forms import optional_id, options, text_field

#: The door staff type about someone else: the browser must not offer its own saved entries.
NOT_MINE = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
DIRECTIONS = [d.value for d in Direction]


class DoorSetupForm(FlaskForm):
    """Open a door: the session, the way people go through, and a name for this door."""

    page_order = ("session_id", "direction", "door")
    session_id = SelectField(_l("Session"), coerce=optional_id,
                             validators=[InputRequired(_l("Please choose a session."))])
    direction = RadioField(_l("This door lets people"), default=Direction.IN.value,
                           choices=options([(Direction.IN.value, _l("In: an entrance")),
                                            (Direction.OUT.value, _l("Out: an exit")),
                                            (Direction.TOGGLE.value, _l("Toggle: in if outside, out if inside"))]),
                           validators=[InputRequired(_l("Please choose which way this door lets people."))])
    door = text_field(_l("Door name (optional)"), 40, description=_l("Shown on this browser's door page, "
                                                                      "e.g. Main door."), render_kw=NOT_MINE)
    submit = SubmitField(_l("Open the door"))

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.session_id.choices = options(
            (s.id, f"{s.name} · {format_day(s.day, 'full')}") for s in sessions)


class ScanForm(FlaskForm):
    """The door's one input: a scanner types a badge or voting card code, then Enter; or a name."""

    page_order = ("q",)
    q = text_field(_l("Badge code, voting card code, e-mail or name"), 200, required=True,
                   description=_l("Scan, or type a name: accents do not matter."),
                   render_kw={**NOT_MINE, "autofocus": True, "enterkeyhint": "go"})
    direction = HiddenField(validators=[AnyOf(DIRECTIONS)])
    submit = SubmitField(_l("Go"))


#: The last result's undo button: take back an entry scanned by mistake.
UNDO = "undo"


class PersonForm(FlaskForm):
    """A button on the door page that lets one person in or out, or takes back their entry."""

    direction = HiddenField(validators=[AnyOf([*DIRECTIONS, UNDO])])
