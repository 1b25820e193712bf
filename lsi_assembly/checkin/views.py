"""The check-in desk: one input for a scanned badge or a name, check-in per day, badges, walk-ins, counts.

Built for a laptop at a table with a USB scanner (it types the code and Enter into the focused
input), usable on a phone. Every page works without JavaScript; with it the counts refresh and a
phone's camera can scan. The desk sees what it needs: dietary and accessibility details only when the
organizers marked the person for desk attention.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.badges.printing import print_and_log
from lsi_assembly.badges.services import BadgeFilter, presets, reissue
from lsi_assembly.checkin.forms import DeskSettingsForm, LookupForm, WalkInForm
from lsi_assembly.checkin.services import (
    check_in,
    day_counts,
    desk_day,
    desk_view,
    look_up,
    register_walk_in,
    undo_check_in,
    venue_today,
)
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.events.models import EventDay
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.public.desk import admit
from lsi_assembly.public.services import attendee_for_ticket, public_event_of
from lsi_assembly.registration.models import Participant, Status

bp = Blueprint("desk", __name__, url_prefix="/desk")
guard_blueprint(bp)
load_event(bp, current_event)

DESK = (Role.DESK, Role.ORGANIZER)
DEFAULT_PRESET = "card-86x54"


def _settings(event) -> tuple[str, EventDay | None, str]:
    """This browser's desk name, the day it checks in for, its printer's badge size.

    A day chosen by hand holds only on the date it was chosen: on each day of the Assembly the desk
    checks in for that day, even if yesterday's choice is still in the session.
    """
    desk = session.get("desk_name") or current_user.email
    chosen_id, chosen_on = session.get("desk_day") or (None, None)
    today = venue_today(event)
    chosen = next((d for d in event.days if d.id == chosen_id), None) if chosen_on == today.isoformat() else None
    day = chosen or desk_day(event, today) or next((d for d in event.days if d.id == chosen_id), None)
    preset = session.get("desk_preset")
    if preset not in presets(event):
        preset = DEFAULT_PRESET
    return desk, day, preset


def _desk_page(event, lookup_form=None, lookup=None, shown=None, status=200):
    desk, day, preset = _settings(event)
    settings_form = DeskSettingsForm(days=event.days, presets=presets(event), formdata=None,
                                     data={"desk": desk, "day_id": day.id if day else None, "preset": preset})
    return render_template(
        "checkin/desk.html", event=event, day=day, desk=desk, lookup_form=lookup_form or LookupForm(formdata=None),
        lookup=lookup, shown=shown, counts=day_counts(event, day) if day else None, settings_form=settings_form,
        has_public_event=public_event_of(event) is not None), status


def _person_at_desk(participant_id: int) -> tuple[Participant, str, EventDay | None, str]:
    """The participant (404 if not of this event), this desk's name, its day and its printer's badge size."""
    person = get_in_event_or_404(Participant, participant_id)
    return (person, *_settings(g.event))


@bp.get("/")
@allow(*DESK)
def index():
    """The desk: the lookup input, today's counts, this desk's settings."""
    return _desk_page(g.event)


@bp.post("/")
@allow(*DESK)
def lookup():
    """Find by scanned code or by name; one confirmed match registered for today is checked in at once."""
    event = g.event
    form = LookupForm()
    if not form.validate_on_submit():
        return _desk_page(event, lookup_form=form, status=422)
    desk, day, _preset = _settings(event)
    found = look_up(event, form.q.data)
    if found.participant is None:
        public_event = public_event_of(event)
        ticket = attendee_for_ticket(public_event, form.q.data) if public_event is not None else None
        if ticket is not None:  # a public event's ticket scanned at this desk: let them in there
            return admit(public_event, ticket)
        return _desk_page(event, lookup_form=LookupForm(formdata=None), lookup=found)
    person = found.participant
    if day is not None and not found.revoked and person.status == Status.CONFIRMED and any(
            d.id == day.id for d in person.days):
        _row, created = check_in(person, day, desk, current_user.id)
        db.session.commit()
        if created:
            flash(_("Checked in."), "success")
    return _desk_page(event, lookup=found, shown=desk_view(person, day, revoked_code=found.revoked))


@bp.get("/participants/<int:participant_id>")
@allow(*DESK)
def participant(participant_id: int):
    """One person as the desk sees them."""
    person, _desk, day, _preset = _person_at_desk(participant_id)
    return _desk_page(g.event, shown=desk_view(person, day))


@bp.post("/participants/<int:participant_id>/check-in")
@allow(*DESK)
def check_in_person(participant_id: int):
    """Check someone in by hand (also someone not registered for today, after the desk's warning)."""
    person, desk, day, _preset = _person_at_desk(participant_id)
    if day is None:
        flash(_("Choose the day this desk checks in for first."), "error")
    elif person.status != Status.CONFIRMED:
        flash(_("Only confirmed participants can be checked in: send this person to the organizers."), "error")
    else:
        _row, created = check_in(person, day, desk, current_user.id)
        db.session.commit()
        flash(_("Checked in.") if created else _("Already checked in today."), "success")
    return redirect(url_for("desk.participant", participant_id=person.id))


@bp.post("/participants/<int:participant_id>/undo")
@allow(*DESK)
def undo(participant_id: int):
    """Take back today's check-in (made by mistake)."""
    person, _desk, day, _preset = _person_at_desk(participant_id)
    if day is not None and undo_check_in(person, day):
        db.session.commit()
        flash(_("The check-in is taken back."), "success")
    return redirect(url_for("desk.participant", participant_id=person.id))


@bp.post("/participants/<int:participant_id>/badge")
@allow(*DESK)
def badge(participant_id: int):
    """Print one badge now (a reprint must be confirmed); answers with the PDF to print."""
    event = g.event
    person, _desk, day, preset_name = _person_at_desk(participant_id)
    view = desk_view(person, day)
    if person.status != Status.CONFIRMED:
        flash(_("Only confirmed participants get a badge: send this person to the organizers."), "error")
        return redirect(url_for("desk.participant", participant_id=person.id))
    if view.badge_printed and request.form.get("confirm") != "y":
        flash(_("This badge was printed before. Tick the confirmation to print it again."), "error")
        return redirect(url_for("desk.participant", participant_id=person.id))
    pdf, _count = print_and_log(event, BadgeFilter(participant_ids=[person.id]), presets(event)[preset_name],
                                with_back=False, crop_marks=False, locale=current_language(),
                                actor=current_user.email, user_id=current_user.id)
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f"inline; filename=badge-{person.id}.pdf"
    return response


@bp.post("/participants/<int:participant_id>/reissue")
@allow(*DESK)
def reissue_badge(participant_id: int):
    """A lost badge: its code stops working; a new code is issued for a new badge."""
    person = get_in_event_or_404(Participant, participant_id)
    if request.form.get("confirm") != "y":
        flash(_("Tick the confirmation: the old badge will no longer work."), "error")
    else:
        reissue(person)
        db.session.commit()
        flash(_("The old badge no longer works. Print the new badge now."), "success")
    return redirect(url_for("desk.participant", participant_id=person.id))


@bp.post("/settings")
@allow(*DESK)
def settings():
    """Remember this desk's name, day and badge printer (in this browser's session)."""
    event = g.event
    form = DeskSettingsForm(days=event.days, presets=presets(event))
    if form.validate_on_submit():
        session["desk_name"] = form.desk.data
        session["desk_day"] = (form.day_id.data, venue_today(event).isoformat())
        session["desk_preset"] = form.preset.data
        flash(_("Saved."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("desk.index"))


@bp.route("/walk-in", methods=["GET", "POST"])
@allow(*DESK)
def walk_in():
    """Register someone at the desk, check them in, and go straight to printing their badge."""
    event = g.event
    desk, day, _preset = _settings(event)
    form = WalkInForm(locale=current_language())
    if day is not None and form.validate_on_submit():
        person, created = register_walk_in(event, day, form, desk, current_user.id, current_language())
        if created:
            db.session.commit()
            flash(_("Registered and checked in. Print the badge now."), "success")
            return redirect(url_for("desk.participant", participant_id=person.id, _anchor="badge"))
        form.email.errors = [_("This e-mail address is already registered: look the person up instead.")]
    return render_template("checkin/walk_in.html", event=event, day=day, form=form), 422 if form.errors else 200


@bp.get("/counts.json")
@allow(*DESK)
def counts():
    """Today's counts, for the desk page to refresh itself."""
    event = g.event
    _desk, day, _preset = _settings(event)
    if day is None:
        return jsonify({"expected": 0, "arrived": 0})
    figures = day_counts(event, day)
    return jsonify({"expected": figures.expected, "arrived": figures.arrived})
