"""The form for printing voting cards."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from lsi_assembly.core.forms import options

#: The sheets in words (``card_layout.SHEETS`` has the geometry).
SHEET_LABELS = {
    "a6": _l("A6 paper, one card per page"),
    "a4": _l("A4 paper, four cards per page with crop marks (cut along them)"),
}


class CardPrintForm(FlaskForm):
    """Which voting cards to print (the button pressed), and on which paper."""

    sheet = RadioField(_l("Paper"), default="a6", choices=options(SHEET_LABELS.items()),
                       validators=[InputRequired(_l("Please choose the paper."))])
    print_all = SubmitField(_l("Print all valid cards"))
    print_new = SubmitField(_l("Print the cards not printed yet"))
