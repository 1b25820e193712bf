"""The entry desk of the public event: scan a ticket or find a name, let people in, undo an entry."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.public import services
from lsi_assembly.public.desk import AT_THE_DESK, admit, desk_page
from lsi_assembly.public.forms import ActionForm, TicketLookupForm
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee, PublicEvent

bp = Blueprint("desk_public", __name__, url_prefix="/desk/public")
guard_blueprint(bp)
load_event(bp, current_event)

DESK = (Role.DESK, Role.ORGANIZER)


def _own_public_event() -> PublicEvent:
    public_event = services.public_event_of(g.event)
    if public_event is None:
        abort(404)
    return public_event


@bp.get("/")
@allow(*DESK)
def index():
    """The entry desk: the lookup input and the counts."""
    return desk_page(_own_public_event())


@bp.post("/")
@allow(*DESK)
def lookup():
    """A scanned ticket is let in at once; a name lists the people it matches."""
    public_event = _own_public_event()
    form = TicketLookupForm()
    if not form.validate_on_submit():
        return desk_page(public_event, form=form, status=422)
    attendee = services.attendee_for_ticket(public_event, form.q.data)
    if attendee is not None:
        return admit(public_event, attendee)
    stmt = (services.attendees_query(public_event, query=form.q.data)
            .where(PublicAttendee.status.in_(AT_THE_DESK)))
    matches = list(db.session.scalars(stmt.limit(26)))
    return desk_page(public_event, matches=matches)


def _desk_attendee(attendee_id: int) -> tuple[PublicEvent, PublicAttendee]:
    attendee = get_in_event_or_404(PublicAttendee, attendee_id)
    if attendee.status not in AT_THE_DESK:
        abort(404)  # the desk sees people who had a seat or were in line, not unconfirmed registrations
    return attendee.public_event, attendee


@bp.get("/attendees/<int:attendee_id>")
@allow(*DESK)
def attendee(attendee_id: int):
    """One person as the entry desk sees them."""
    public_event, person = _desk_attendee(attendee_id)
    return desk_page(public_event, shown=person)


@bp.post("/attendees/<int:attendee_id>/check-in")
@allow(*DESK)
def check_in(attendee_id: int):
    """Let someone in by hand."""
    public_event, person = _desk_attendee(attendee_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if person.status != AttendeeStatus.CONFIRMED:
        flash(_("This person has no seat: they cannot be let in with this list."), "error")
        return desk_page(public_event, shown=person, status=409)
    return admit(public_event, person)


@bp.post("/attendees/<int:attendee_id>/undo")
@allow(*DESK)
def undo(attendee_id: int):
    """Take back an entry made by mistake."""
    _public_event, person = _desk_attendee(attendee_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.undo_check_in(person)
    db.session.commit()
    flash(_("Entry undone."), "success")
    return redirect(url_for("desk_public.attendee", attendee_id=person.id))


@bp.get("/counts.json")
@allow(*DESK)
def counts():
    """The counts, for the desk page to refresh itself."""
    figures = services.counts(_own_public_event())
    return {"confirmed": figures["confirmed"], "checked_in": figures["checked_in"]}
