"""The public event's entry check, shared by its desk pages (``desk_views``) and the delegates' desk
(``checkin.views``), where a ticket scanned by mistake lets the person in all the same."""
from __future__ import annotations

from flask import render_template

from lsi_assembly.checkin.station import desk_name
from lsi_assembly.extensions import db
from lsi_assembly.public import services
from lsi_assembly.public.forms import ActionForm, TicketLookupForm
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee, PublicEvent

#: Whom the entry desk can find: people with a seat, an offer or a place in line, or a cancelled one.
AT_THE_DESK = (AttendeeStatus.CONFIRMED, AttendeeStatus.OFFERED, AttendeeStatus.WAITING,
               AttendeeStatus.CANCELLED)


def desk_page(public_event: PublicEvent, form=None, shown: PublicAttendee | None = None, admitted=None,
              matches=None, status: int = 200):
    """Render the entry desk: the counts, the lookup, the person shown or the people found."""
    counts = services.counts(public_event)
    return render_template("public/desk.html", public_event=public_event,
                           form=form or TicketLookupForm(formdata=None), shown=shown, admitted=admitted,
                           matches=matches, counts=counts, action_form=ActionForm()), status


def admit(public_event: PublicEvent, attendee: PublicAttendee):
    """A scanned ticket: let the person in (once), and show the desk what happened."""
    admitted = services.check_in(attendee, desk_name()) if attendee.status == AttendeeStatus.CONFIRMED else None
    db.session.commit()
    return desk_page(public_event, shown=attendee, admitted=admitted)
