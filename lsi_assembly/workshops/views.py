"""The public programme: days, time slots and rooms at a glance."""
from flask import Blueprint, render_template

from lsi_assembly.events.services import current_event_or_404
from lsi_assembly.workshops.services import programme_grid

bp = Blueprint("workshops", __name__)


@bp.get("/programme")
def programme():
    """Show the programme grid: day x slot x room (readable on a phone, printable)."""
    event = current_event_or_404()
    return render_template("workshops/programme.html", event=event, grid=programme_grid(event))
