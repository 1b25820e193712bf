"""The organizers' programme pages: time slots, rooms, workshops and their runs."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import ngettext
from flask_babel import gettext as _

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.links import external_url
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.workshops.assignment import lock_seats
from lsi_assembly.workshops.forms import PreferenceWindowForm, RoomForm, RunForm, TimeSlotForm, WorkshopForm
from lsi_assembly.workshops.labels import slot_label
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopAssignment, WorkshopRun
from lsi_assembly.workshops.services import room_taken, rooms_of, slots_of, without_ranking, workshops_of

bp = Blueprint("manage_programme", __name__, url_prefix="/manage/programme")
guard_blueprint(bp)
load_event(bp, current_event)


def _overview(event, slot_form=None, room_form=None, status=200):
    return render_template(
        "workshops/manage.html", event=event, slots=slots_of(event), rooms=rooms_of(event),
        workshops=workshops_of(event), slot_form=slot_form or TimeSlotForm(event=event, formdata=None),
        room_form=room_form or RoomForm(formdata=None), slot_label=slot_label,
        window_form=PreferenceWindowForm(obj=event, formdata=None),
        waiting=len(without_ranking(event)) if event.preferences_open else None), status


@bp.get("/")
@allow(Role.ORGANIZER)
def index():
    """The programme: time slots, rooms and workshops."""
    return _overview(g.event)


@bp.post("/slots")
@allow(Role.ORGANIZER)
def add_slot():
    """Add a time slot."""
    event = g.event
    form = TimeSlotForm(event=event)
    if not form.validate_on_submit():
        return _overview(event, slot_form=form, status=422)
    db.session.add(TimeSlot(event_id=event.id, day_id=form.day_id.data, starts_at=form.starts_at.data,
                            ends_at=form.ends_at.data))
    db.session.commit()
    flash(_("The time slot is added."), "success")
    return redirect(url_for("manage_programme.index"))


@bp.post("/rooms")
@allow(Role.ORGANIZER)
def add_room():
    """Add a room."""
    event = g.event
    form = RoomForm()
    valid = form.validate_on_submit()
    if valid and any(room.name.casefold() == form.name.data.casefold() for room in rooms_of(event)):
        form.name.errors = [_("There is already a room with this name.")]
        valid = False
    if not valid:
        return _overview(event, room_form=form, status=422)
    db.session.add(Room(event_id=event.id, name=form.name.data, capacity=form.capacity.data,
                        step_free=form.step_free.data))
    db.session.commit()
    flash(_("The room is added."), "success")
    return redirect(url_for("manage_programme.index"))


@bp.post("/<any(slots, rooms):kind>/<int:item_id>/delete")
@allow(Role.ORGANIZER)
def delete_item(kind: str, item_id: int):
    """Remove a time slot or a room that holds no workshop."""
    model, column = (TimeSlot, WorkshopRun.slot_id) if kind == "slots" else (Room, WorkshopRun.room_id)
    item = get_in_event_or_404(model, item_id)
    if db.session.scalar(sa.select(WorkshopRun.id).where(column == item.id).limit(1)) is not None:
        flash(_("Workshops are held there: move or remove them first."), "error")
    else:
        db.session.delete(item)
        db.session.commit()
        flash(_("Removed."), "success")
    return redirect(url_for("manage_programme.index"))


@bp.route("/workshops/new", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def new_workshop():
    """Add a workshop; its runs are added on its page."""
    event = g.event
    form = WorkshopForm()
    if form.validate_on_submit():
        workshop = Workshop(event_id=event.id, title=form.title.data, description=form.description.data,
                            title_fr=form.title_fr.data or None,
                            description_fr=form.description_fr.data or None,
                            facilitators=form.facilitators.data, language=form.language.data)
        db.session.add(workshop)
        db.session.commit()
        flash(_("The workshop is added: now choose when and where it is held."), "success")
        return redirect(url_for("manage_programme.workshop", workshop_id=workshop.id))
    return render_template("workshops/workshop.html", event=event, form=form, workshop=None), (
        422 if form.errors else 200)


def _run_form(event, **kwargs) -> RunForm:
    return RunForm(slots=slots_of(event), rooms=rooms_of(event), slot_label=slot_label, room_taken=room_taken,
                   **kwargs)


@bp.route("/workshops/<int:workshop_id>", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def workshop(workshop_id: int):
    """Change a workshop and see its runs."""
    workshop = get_in_event_or_404(Workshop, workshop_id)
    event = g.event
    form = WorkshopForm(obj=workshop)
    if form.validate_on_submit():
        for name in ("title", "description", "facilitators", "language"):
            setattr(workshop, name, getattr(form, name).data)
        for name in ("title_fr", "description_fr"):  # empty: the English text is shown
            setattr(workshop, name, getattr(form, name).data or None)
        db.session.commit()
        flash(_("The workshop is saved."), "success")
        return redirect(url_for("manage_programme.workshop", workshop_id=workshop.id))
    return render_template("workshops/workshop.html", event=event, form=form, workshop=workshop,
                           run_form=_run_form(event, formdata=None), slot_label=slot_label), (
        422 if form.errors else 200)


@bp.post("/workshops/<int:workshop_id>/runs")
@allow(Role.ORGANIZER)
def add_run(workshop_id: int):
    """Hold the workshop in one more slot and room."""
    workshop = get_in_event_or_404(Workshop, workshop_id)
    event = g.event
    form = _run_form(event)
    if not form.validate_on_submit():
        return render_template("workshops/workshop.html", event=event, form=WorkshopForm(obj=workshop, formdata=None),
                               workshop=workshop, run_form=form, slot_label=slot_label), 422
    room = db.session.get(Room, form.room_id.data)
    db.session.add(WorkshopRun(workshop_id=workshop.id, slot_id=form.slot_id.data, room_id=room.id,
                               capacity=room.capacity if form.capacity.data is None else form.capacity.data))
    db.session.commit()
    flash(_("The run is added."), "success")
    return redirect(url_for("manage_programme.workshop", workshop_id=workshop.id))


@bp.post("/runs/<int:run_id>/delete")
@allow(Role.ORGANIZER)
def delete_run(run_id: int):
    """Stop holding a workshop in a slot."""
    run = get_in_event_or_404(WorkshopRun, run_id)
    workshop_id = run.workshop_id
    event = g.event
    lock_seats(event)  # no seat is given in this run while we look
    db.session.refresh(event, ["assignment_published_at"])
    if event.assignment_published_at is not None and db.session.scalar(
            sa.select(WorkshopAssignment.id).where(WorkshopAssignment.run_id == run.id).limit(1)) is not None:
        flash(_("People were told they have a seat in this run: move them to other runs first."), "error")
        return redirect(url_for("manage_programme.workshop", workshop_id=workshop_id))
    db.session.delete(run)
    db.session.commit()
    flash(_("The run is removed."), "success")
    return redirect(url_for("manage_programme.workshop", workshop_id=workshop_id))


@bp.post("/preferences")
@allow(Role.ORGANIZER)
def preference_window():
    """Open or close the choice of workshops, and set how many each person ranks."""
    event = g.event
    form = PreferenceWindowForm()
    if form.validate_on_submit():
        event.preferences_open = form.preferences_open.data
        event.max_preferences = form.max_preferences.data
        event.workshop_organization_cap = form.workshop_organization_cap.data
        db.session.commit()
        flash(_("Choosing workshops is open.") if event.preferences_open else _("Choosing workshops is closed."),
              "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("manage_programme.index") + "#preferences")


@bp.post("/preferences/remind")
@allow(Role.ORGANIZER)
def remind():
    """E-mail every confirmed participant who has not chosen workshops yet."""
    event = g.event
    if not event.preferences_open:
        flash(_("Open the choice of workshops first."), "error")
        return redirect(url_for("manage_programme.index") + "#preferences")
    people = without_ranking(event)
    for participant in people:
        queue_mail(participant.email, "workshop_reminder", participant.locale, participant=participant,
                   link=external_url("workshops.ranking", token=make_token(participant.access_key)))
    db.session.commit()
    flash(ngettext("A reminder went to %(num)d person.", "A reminder went to %(num)d people.", len(people)),
          "success")
    return redirect(url_for("manage_programme.index") + "#preferences")
