"""Public pages of the public event: register, confirm, ticket, claim an offered seat, cancel.

Links in e-mails lead to pages with one button (a POST with its CSRF token), never to a change made
by the GET itself: mail scanners open links, and a scanner must not confirm or cancel anyone's place.
"""
from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from lsi_assembly.core.bots import Verdict
from lsi_assembly.core.event_scope import load_event, without_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db, limiter
from lsi_assembly.public import services
from lsi_assembly.public.forms import ActionForm, PublicRegistrationForm
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee, PublicEvent

log = logging.getLogger(__name__)
bp = Blueprint("public", __name__, url_prefix="/public")
#: The form's pages need the event; a person's links name their own (``without_event``).
load_event(bp, current_event)


def _public_event() -> PublicEvent:
    public_event = services.public_event_of(g.event)
    if public_event is None:
        abort(404)
    return public_event


def _attendee(token: str) -> PublicAttendee:
    attendee = services.attendee_from_token(token)
    if attendee is None:
        abort(404)
    return attendee


def _rate_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def register():
    """The registration form, with the honest count of places left."""
    public_event = _public_event()
    if request.method == "GET" and services.sweep_if_due(public_event):
        db.session.commit()  # lapsed offers and expired registrations leave the counter
    if not public_event.is_open:
        return render_template("public/closed.html", public_event=public_event)
    form = PublicRegistrationForm()
    verdict = form.bot_verdict(current_app.config["PUBLIC_MIN_SECONDS"]) if form.is_submitted() else None
    if verdict == Verdict.TRAPPED:
        # A program filled the hidden field: tell it nothing, store nothing.
        log.info("public registration refused: the hidden field was filled")
        session["public_submitted"] = True
        return redirect(url_for("public.done"))
    if form.validate_on_submit() and verdict == Verdict.PASSED:
        try:
            services.register(public_event, services.RegistrationData(
                name=form.name.data, email=form.email.data, affiliation=form.affiliation.data or None,
                locale=form.language.data, accessibility_needs=form.accessibility_needs.data or None))
        except services.Closed:
            return render_template("public/closed.html", public_event=public_event)
        db.session.commit()
        session["public_submitted"] = True
        return redirect(url_for("public.done"))
    if not form.is_submitted():
        form.language.data = current_language()
    form.stamp()
    status = 422 if form.is_submitted() else 200
    return render_template("public/register.html", public_event=public_event, form=form,
                           available=services.availability(public_event),
                           too_quick=verdict == Verdict.TOO_QUICK), status


@bp.get("/done")
def done():
    public_event = _public_event()
    if not session.get("public_submitted"):
        return redirect(url_for("public.register"))
    return render_template("public/done.html", public_event=public_event)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@without_event
def confirm(token: str):
    """The link in the first e-mail: one button confirms the address (and gives a seat or a place in line)."""
    attendee = _attendee(token)
    form = ActionForm()
    if attendee.status != AttendeeStatus.UNCONFIRMED:
        return redirect(url_for("public.ticket", token=token))
    if form.validate_on_submit():
        services.confirm(attendee)
        db.session.commit()
        return redirect(url_for("public.ticket", token=token))
    return render_template("public/confirm.html", attendee=attendee, public_event=attendee.public_event,
                           form=form, token=token)


@bp.get("/ticket/<token>")
@without_event
def ticket(token: str):
    """The person's page: their ticket, their place in line, or the offer to claim."""
    attendee = _attendee(token)
    public_event = attendee.public_event
    return render_template(
        "public/ticket.html", attendee=attendee, public_event=public_event, token=token, form=ActionForm(),
        position=services.position(attendee),
        qr=services.ticket_svg(attendee.ticket_code) if attendee.status == AttendeeStatus.CONFIRMED else None)


@bp.get("/ticket/<token>/event.ics")
@without_event
def calendar(token: str):
    attendee = _attendee(token)
    response = make_response(services.calendar_file(attendee.public_event))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=public-event.ics"
    return response


@bp.route("/claim/<token>", methods=["GET", "POST"])
@without_event
def claim(token: str):
    """The link in the offer e-mail: one button takes the seat kept for the person."""
    attendee = _attendee(token)
    form = ActionForm()
    if form.validate_on_submit():
        services.claim(attendee)
        db.session.commit()
        if attendee.status == AttendeeStatus.CONFIRMED:
            flash(_("The seat is yours. Here is your ticket."), "success")
        elif attendee.status == AttendeeStatus.LAPSED:
            flash(_("Sorry, the offer has expired and the seat went to the next person in line."), "error")
    return redirect(url_for("public.ticket", token=token))


@bp.route("/cancel/<token>", methods=["GET", "POST"])
@without_event
def cancel(token: str):
    """One button frees the seat (or the place in line) for someone else."""
    attendee = _attendee(token)
    form = ActionForm()
    if attendee.status not in (AttendeeStatus.CONFIRMED, AttendeeStatus.WAITING, AttendeeStatus.OFFERED,
                               AttendeeStatus.UNCONFIRMED):
        return redirect(url_for("public.ticket", token=token))
    if form.validate_on_submit():
        services.cancel(attendee)
        db.session.commit()
        flash(_("Your registration is cancelled. Thank you for freeing your place."), "success")
        return redirect(url_for("public.ticket", token=token))
    return render_template("public/cancel.html", attendee=attendee, public_event=attendee.public_event, form=form,
                           token=token)
