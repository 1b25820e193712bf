"""The public programme: days, time slots and rooms at a glance."""
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lsi_assembly.core.event_scope import load_event, without_event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import participant_from_link
from lsi_assembly.registration.models import Status
from lsi_assembly.workshops.assignment import calendar_file, schedule_of
from lsi_assembly.workshops.forms import RankingForm
from lsi_assembly.workshops.services import programme_grid, rankable_workshops, ranking_of, save_ranking

bp = Blueprint("workshops", __name__)
load_event(bp, current_event)


@bp.get("/programme")
def programme():
    """Show the programme: a list by day and time slot, each workshop with its room and description."""
    event = g.event
    grid = programme_grid(event)
    with_steps = any(not room.step_free for day in grid for room in day.rooms)
    return render_template("workshops/programme.html", event=event, grid=grid, with_steps=with_steps)


@bp.route("/registration/<token>/workshops", methods=["GET", "POST"])
@without_event
def ranking(token: str):
    """Let a confirmed participant rank workshops held on their days, while the organizers allow it."""
    participant = participant_from_link(token)
    event = participant.event
    workshops = rankable_workshops(participant)
    can_rank = event.preferences_open and participant.status == Status.CONFIRMED and bool(workshops)
    current = ranking_of(participant)
    if request.method == "POST" and not can_rank:
        # Refused before reading what was sent; the page says why (not confirmed, closed, nothing to rank).
        return _ranking_page(participant, None, current, token, can_rank=False, workshops=workshops), 403
    form = RankingForm(workshops=workshops, places=event.max_preferences)
    if request.method == "GET":
        for entry, workshop in zip(form.ranks, current, strict=False):
            entry.data = workshop.id
    if form.validate_on_submit():
        save_ranking(participant, form.chosen())
        db.session.commit()
        flash(_("Your choices are saved. You can change them until the organizers close the choices."), "success")
        return redirect(url_for("workshops.ranking", token=token))
    return _ranking_page(participant, form, current, token, can_rank, workshops), 422 if form.errors else 200


def _ranking_page(participant, form: RankingForm | None, current, token: str, can_rank: bool,
                  workshops=()) -> str:
    event = participant.event
    schedule = schedule_of(participant) if event.assignment_published_at else []
    return render_template("workshops/ranking.html", participant=participant, event=event, form=form,
                           current=current, can_rank=can_rank, token=token, schedule=schedule,
                           workshops=workshops if can_rank else ())


@bp.get("/registration/<token>/workshops.ics")
@without_event
def calendar(token: str):
    """The participant's published workshops as a calendar file."""
    participant = participant_from_link(token)
    if participant.event.assignment_published_at is None:
        abort(404)
    response = make_response(calendar_file(participant, schedule_of(participant)))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=workshops.ics"
    return response
