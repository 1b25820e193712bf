"""The organizers' assignment pages: run the engine, judge the result, move people, publish, rosters."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import force_locale, ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.core.i18n import current_language
from lsi_assembly.core.jobs import job_work, new_job, start_job
from lsi_assembly.events.models import Event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.workshops.assignment import (
    lock_seats,
    publish_assignment,
    quality_report,
    run_assignment,
    send_schedule,
)
from lsi_assembly.workshops.forms import seats_form
from lsi_assembly.workshops.labels import run_label, slot_label
from lsi_assembly.workshops.models import TimeSlot, Workshop, WorkshopAssignment, WorkshopRun
from lsi_assembly.workshops.seats import (
    SeatChoice,
    over_organization_cap,
    place_in_free_seats,
    seat_problems,
    seats_taken,
    set_seats,
)
from lsi_assembly.workshops.services import ranking_of, slots_of

bp = Blueprint("manage_assignment", __name__, url_prefix="/manage/programme")
guard_blueprint(bp)
load_event(bp, current_event)

SEAT_PROBLEMS = {
    "slot": _l("Choose a workshop held in this time slot."),
    "day": _l("This person does not attend that day."),
    "full": _l("This run is full: choose another one or free a seat in it first."),
    "twice": _l("This workshop is already chosen in another time slot."),
}


def _event_runs(event) -> list[WorkshopRun]:
    """The event's runs in programme order (day, start, room)."""
    return list(db.session.scalars(
        sa.select(WorkshopRun).join(Workshop).join(TimeSlot, WorkshopRun.slot_id == TimeSlot.id)
        .where(Workshop.event_id == event.id)
        .options(selectinload(WorkshopRun.workshop), selectinload(WorkshopRun.room),
                 selectinload(WorkshopRun.slot).selectinload(TimeSlot.day))
        .order_by(TimeSlot.day_id, TimeSlot.starts_at, WorkshopRun.room_id)))


@bp.post("/assign")
@allow(Role.ORGANIZER)
def assign():
    """Assign seats to every confirmed participant, optimally, keeping pinned seats, in the worker (takes
    seconds); the job's page shows it running, then leads to the assignment report."""
    event = g.event
    if event.assignment_published_at is not None and request.form.get("confirm") != "y":
        flash(_("The seats are published and people were told where they sit. To assign them anew anyway, "
                "tick the confirmation first."), "error")
        return redirect(url_for("manage_programme.index") + "#assignment-title")
    job = new_job("assignment", 0, current_user.id, event_id=event.id, locale=current_language())
    db.session.commit()  # before the job starts: the worker reads the committed row
    start_job(job)
    return redirect(url_for("manage.job", job_id=job.id))


@job_work("assignment")
def _assign_work(progress, *, event_id: int, locale: str) -> tuple[None, str, str]:
    """The job: the optimal assignment (runs in the worker); no file, a message for the report page."""
    event = db.session.get(Event, event_id)
    solution = run_assignment(event)
    db.session.commit()
    progress(1, 1)
    with force_locale(locale):
        return None, "", (
            _("Seats assigned in %(seconds)s s: %(seated)d seats, %(unseated)d attended slots without a seat. "
              "The assignment is proven the best possible.", seconds=f"{solution.solve_seconds:.2f}",
              seated=solution.stats["seated"], unseated=solution.stats["unseated"]) if solution.optimal else
            _("Seats assigned; the best possible assignment could not be proven in time (gap %(gap)s).",
              gap=f"{solution.objective - solution.lower_bound:g}"))


@bp.get("/assignment")
@allow(Role.ORGANIZER)
def report():
    """The quality of the current assignment: ranks obtained, worst off, organizations, fill rates."""
    event = g.event
    return render_template("workshops/assignment.html", event=event, report=quality_report(event),
                           slot_label=slot_label)


@bp.post("/publish")
@allow(Role.ORGANIZER)
def publish():
    """Publish the seats: every seated participant is e-mailed their schedule and sees it on their page."""
    event = g.event
    if request.form.get("confirm") != "y":
        flash(_("Tick the confirmation to publish: everyone with a seat will get an e-mail."), "error")
        return redirect(url_for("manage_assignment.report"))
    lock_seats(event)
    told = publish_assignment(event)
    db.session.commit()
    flash(ngettext("The seats are published; %(num)d person was sent their schedule.",
                   "The seats are published; %(num)d people were sent their schedule.", told), "success")
    return redirect(url_for("manage_assignment.report"))


@bp.post("/assignment/fill")
@allow(Role.ORGANIZER)
def fill():
    """Place people into the free seats by their preferences without moving anyone already seated."""
    event = g.event
    new = place_in_free_seats(event, tell=event.assignment_published_at is not None)
    db.session.commit()
    seats = sum(len(runs) for runs in new.values())
    flash(ngettext("%(num)d free seat was given out.", "%(num)d free seats were given out.", seats) + (
        " " + ngettext("%(num)d person was e-mailed their new schedule.",
                       "%(num)d people were e-mailed their new schedule.", len(new))
        if new and event.assignment_published_at else ""), "success")
    return redirect(url_for("manage_assignment.report"))


@bp.route("/participants/<int:participant_id>/seats", methods=["GET", "POST"])
@allow(Role.ORGANIZER)
def seats(participant_id: int):
    """Move a participant by hand: a seat (or none) per slot they attend; changed seats are pinned."""
    participant = get_in_event_or_404(Participant, participant_id)
    event = g.event
    if request.method == "POST":
        lock_seats(event)  # count free seats, and read the status, under the lock
        db.session.refresh(participant)
    day_ids = {day.id for day in participant.days}
    slots = [slot for slot in slots_of(event) if slot.day_id in day_ids]
    runs = _event_runs(event)
    runs_by_slot = defaultdict(list)
    for run in runs:
        runs_by_slot[run.slot_id].append(run)
    current = {row.run.slot_id: row for row in db.session.scalars(
        sa.select(WorkshopAssignment).where(WorkshopAssignment.participant_id == participant.id)
        .options(selectinload(WorkshopAssignment.run)))}
    initial = {"notify": event.assignment_published_at is not None}
    for slot_id, row in current.items():
        initial[f"run_{slot_id}"] = row.run_id
        initial[f"keep_{slot_id}"] = row.pinned
    form = seats_form(slots, runs_by_slot, seats_taken(event), slot_label, run_label, data=initial)
    status = 200
    if participant.status == Status.CONFIRMED and form.validate_on_submit():
        choices = [SeatChoice(slot.id, form[f"run_{slot.id}"].data, form[f"keep_{slot.id}"].data) for slot in slots]
        problems = seat_problems(participant, choices)
        if not problems:
            had_seats = bool(current)
            moved, repinned = set_seats(participant, choices)
            if moved and form.notify.data and event.assignment_published_at is not None:
                send_schedule(participant, changed=had_seats)
            crowded = over_organization_cap(participant)
            db.session.commit()
            flash(_("The seats are saved.") if moved or repinned else _("Nothing changed."), "success")
            if crowded:
                flash(_("More people of this organization than the limit of %(cap)d sit in: %(runs)s. "
                        "Saved anyway, as you chose.", cap=event.workshop_organization_cap,
                        runs="; ".join(run_label(run) for run in crowded)), "warning")
            return redirect(url_for("manage_assignment.seats", participant_id=participant.id))
        for slot_id, problem in problems.items():
            form[f"run_{slot_id}"].errors = [SEAT_PROBLEMS[problem]]
        status = 422
    elif form.errors:
        status = 422
    return render_template("workshops/seats.html", event=event, participant=participant, form=form,
                           ranking=ranking_of(participant),
                           slot_label=slot_label), status


def _rosters(event, runs: list[WorkshopRun]) -> list[tuple[WorkshopRun, list[tuple[Participant, bool]]]]:
    people = defaultdict(list)
    for participant, pinned, run_id in db.session.execute(
            sa.select(Participant, WorkshopAssignment.pinned, WorkshopAssignment.run_id)
            .join(WorkshopAssignment, WorkshopAssignment.participant_id == Participant.id)
            .where(WorkshopAssignment.run_id.in_([run.id for run in runs]), Participant.status == Status.CONFIRMED)
            .options(selectinload(Participant.organization))
            .order_by(Participant.sort_name, Participant.id)):
        people[run_id].append((participant, pinned))
    return [(run, people[run.id]) for run in runs]


@bp.get("/runs/<int:run_id>/roster")
@allow(Role.ORGANIZER)
def roster(run_id: int):
    """The people seated in one run, for its facilitators (printable)."""
    event = g.event
    run = get_in_event_or_404(WorkshopRun, run_id)
    return render_template("workshops/rosters.html", event=event, rosters=_rosters(event, [run]),
                           slot_label=slot_label, single=True)


@bp.get("/rosters")
@allow(Role.ORGANIZER)
def rosters():
    """Every run's roster, one per printed page."""
    event = g.event
    return render_template("workshops/rosters.html", event=event, rosters=_rosters(event, _event_runs(event)),
                           slot_label=slot_label, single=False)
