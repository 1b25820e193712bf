"""The check-in desk: one input for a scanned badge or a name, check-in per day, badges, walk-ins, counts.

Built for a laptop at a table with a USB scanner (it types the code and Enter into the focused
input), usable on a phone. Every page works without JavaScript; with it the counts refresh and a
phone's camera can scan. The desk sees what it needs: dietary and accessibility details only when the
organizers marked the person for desk attention.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.badges.printing import print_and_log
from lsi_assembly.badges.services import BadgeFilter, presets, reissue
from lsi_assembly.checkin.forms import DeskSettingsForm, LookupForm, WalkInForm
from lsi_assembly.checkin.services import (
    WHY_NO_CHECK_IN,
    check_in,
    check_ins_on,
    day_counts,
    desk_day,
    desk_view,
    look_up,
    register_walk_in,
    undo_check_in,
)
from lsi_assembly.checkin.station import DEFAULT_PRESET, read_station, save_station
from lsi_assembly.core.dates import format_day
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language, safe_next
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


def _settings(event) -> tuple[str, EventDay | None, str]:
    """This device's desk name, the day it checks in for, its printer's badge size (``checkin.station``).

    Before the desk's setup step: the staff member's address and no day (nothing is checked in).
    """
    station = read_station(event)
    if station is None:
        return current_user.email, None, DEFAULT_PRESET
    preset = station.preset if station.preset in presets(event) else DEFAULT_PRESET
    return station.name, station.day(event), preset


def _settings_form(event, formdata=None, next_url: str | None = None) -> DeskSettingsForm:
    """The desk's settings: as saved on this device, or for the setup step, today's day if it is an event day."""
    station = read_station(event)
    if formdata is not None:
        return DeskSettingsForm(days=event.days, presets=presets(event), blank_day=desk_day(event) is None)
    if station is None:
        today = desk_day(event)
        data = {"desk": "", "day_id": today.id if today else None, "preset": DEFAULT_PRESET, "next": next_url}
        form = DeskSettingsForm(days=event.days, presets=presets(event), blank_day=today is None, formdata=None,
                                data=data)
        form.desk.render_kw = {**form.desk.render_kw, "autofocus": True}  # the setup step is the page's task
        return form
    desk, day, preset = _settings(event)
    return DeskSettingsForm(days=event.days, presets=presets(event), formdata=None,
                            data={"desk": desk, "day_id": day.id if day else None, "preset": preset})


def _desk_page(event, lookup_form=None, lookup=None, shown=None, settings_form=None, status=200):
    desk, day, preset = _settings(event)
    set_up = read_station(event) is not None
    settings_form = settings_form or _settings_form(event, next_url=request.full_path.rstrip("?")
                                                    if request.method == "GET" else None)
    matches = (lookup.matches or []) if lookup else []
    return render_template(
        "checkin/desk.html", event=event, day=day, desk=desk, set_up=set_up,
        lookup_form=lookup_form or LookupForm(formdata=None), lookup=lookup, shown=shown,
        counts=day_counts(event, day) if day else None, settings_form=settings_form,
        arrived=check_ins_on(day, matches) if day else {}, why_no_check_in=WHY_NO_CHECK_IN,
        has_public_event=public_event_of(event) is not None), status


def _not_set_up():
    """A desk that has not been set up on this device: back to its setup step, saying why."""
    flash(_("Set up this desk first: its name and the day it checks in for."), "error")
    return redirect(url_for("desk.index"))


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
    if read_station(g.event) is None:
        return _not_set_up()
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
    """Set up this desk, or change its settings: name, day and badge printer, kept on this device (a cookie)."""
    event = g.event
    form = _settings_form(event, formdata=request.form)
    if not form.validate_on_submit():
        return _desk_page(event, settings_form=form, status=422)
    first_time = read_station(event) is None
    back = form.next.data or ""
    response = redirect(back if safe_next(back) == back and back.startswith("/desk/") else url_for("desk.index"))
    save_station(response, event, form.desk.data, form.day_id.data, form.preset.data)
    day = next(d for d in event.days if d.id == form.day_id.data)
    flash(_("This desk is set up: %(desk)s, checking in for %(day)s.", desk=form.desk.data,
            day=format_day(day.date, "full")) if first_time else _("Saved."), "success")
    return response


@bp.route("/walk-in", methods=["GET", "POST"])
@allow(*DESK)
def walk_in():
    """Register someone at the desk, check them in, and go straight to printing their badge."""
    event = g.event
    desk, day, _preset = _settings(event)
    if read_station(event) is None:
        return _desk_page(event) if request.method == "GET" else _not_set_up()
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
