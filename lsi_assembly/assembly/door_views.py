"""The hall's door at the desk: scan a badge or a voting card, or type a name, to let a person in or out
of a statutory session, and see the count and the votes present.

Built like the check-in desk: a USB scanner types the code and Enter into the focused input. Each
scan is posted, then the page is shown again (post/redirect/get), so reloading never scans twice; the
result waits for that page in the staff member's server-side session (it names a person). Several
doors can work at once: nothing is stored per door but the door's name, in this browser's session.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from lsi_assembly.assembly import services
from lsi_assembly.assembly.door import (
    Direction,
    Outcome,
    Passage,
    door_session,
    entry_made,
    hall_count,
    is_inside,
    pass_door,
    pass_person,
    undo_entry,
    votes_carried,
)
from lsi_assembly.assembly.door_forms import UNDO, DoorSetupForm, PersonForm, ScanForm
from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.permissions import allow, guard_blueprint
from lsi_assembly.auth.services import session_value, set_session_value
from lsi_assembly.checkin.services import venue_today
from lsi_assembly.core.event_scope import get_in_event_or_404, load_event
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant

bp = Blueprint("desk_assembly", __name__, url_prefix="/desk/assembly")
guard_blueprint(bp)
load_event(bp, current_event)

DESK = (Role.DESK, Role.ORGANIZER)
#: Where the last passage waits for the door page, in the staff member's server-side session.
LAST_PASSAGE = "door_passage"
#: The entry this staff member just made (their Undo may take it back), in the same session.
LAST_ENTRY = "door_entry"


def _door_url(the_session: StatutorySession, direction: Direction):
    return url_for("desk_assembly.door", session_id=the_session.id, direction=direction.value)


def _setup_page(form: DoorSetupForm, sessions, status: int = 200):
    return render_template("assembly/door_setup.html", event=g.event, form=form, sessions=sessions), status


@bp.get("/")
@allow(*DESK)
def index():
    """Open a door: choose the session (today's first) and the way people go through."""
    event = g.event
    sessions = services.list_sessions(event)
    default = door_session(event, venue_today(event))
    form = DoorSetupForm(sessions=sessions, formdata=None,
                         data={"session_id": default.id if default else None, "direction": Direction.IN.value,
                               "door": session.get("door_name", "")})
    return _setup_page(form, sessions)


@bp.post("/")
@allow(*DESK)
def open_door():
    """Remember this door's name (in this browser) and go to its page."""
    event = g.event
    sessions = services.list_sessions(event)
    form = DoorSetupForm(sessions=sessions)
    if not form.validate_on_submit():
        return _setup_page(form, sessions, 422)
    the_session = get_in_event_or_404(StatutorySession, form.session_id.data)
    session["door_name"] = form.door.data or ""
    return redirect(_door_url(the_session, Direction.read(form.direction.data)))


def _take_last_passage(the_session: StatutorySession) -> Passage | None:
    """The passage of this staff member's last scan at this session's door, shown once."""
    key = current_user.session_key
    data = session_value(key, LAST_PASSAGE)
    if data is None:
        return None
    set_session_value(key, LAST_PASSAGE, None)
    db.session.commit()
    return Passage.from_data(data.get("passage") or {}) if data.get("session_id") == the_session.id else None


def _keep_passage(the_session: StatutorySession, passage: Passage) -> None:
    set_session_value(current_user.session_key, LAST_PASSAGE,
                      {"session_id": the_session.id, "passage": passage.as_data()})
    set_session_value(current_user.session_key, LAST_ENTRY, entry_made(the_session, passage))


def _people(ids: list[int]) -> list[Participant]:
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(
        sa.select(Participant).where(Participant.id.in_(ids), Participant.event_id == g.event.id))}
    return [found[i] for i in ids if i in found]


def _door_page(the_session: StatutorySession, direction: Direction, passage: Passage | None = None,
               form: ScanForm | None = None, status: int = 200):
    event = g.event
    person = choices = None
    if passage is not None and passage.participant_id is not None:
        person = db.session.get(Participant, passage.participant_id)
        person = person if person is not None and person.event_id == event.id else None
    if passage is not None and passage.outcome == Outcome.CHOICES:
        choices = _people(passage.choice_ids)
    return render_template(
        "assembly/door.html", event=event, the_session=the_session, direction=direction, Direction=Direction,
        Outcome=Outcome, passage=passage, person=person, choices=choices,
        inside_now=is_inside(the_session, person) if person is not None else None,
        votes=votes_carried(event, person) if person is not None else [],
        count=hall_count(the_session), door_name=session.get("door_name") or "",
        form=form or ScanForm(formdata=None, data={"direction": direction.value}),
        person_form=PersonForm(formdata=None)), status


@bp.get("/<int:session_id>/door")
@allow(*DESK)
def door(session_id: int):
    """The door: the scan input, the last result, the people inside and the votes present."""
    the_session = get_in_event_or_404(StatutorySession, session_id)
    return _door_page(the_session, Direction.read(request.args.get("direction")), _take_last_passage(the_session))


def _after(the_session: StatutorySession, passage: Passage, direction: Direction):
    _keep_passage(the_session, passage)
    db.session.commit()
    return redirect(_door_url(the_session, direction))


@bp.post("/<int:session_id>/door")
@allow(*DESK)
def scan(session_id: int):
    """A scanned code, an e-mail or a name: let the person through, or say why not, or list the names."""
    the_session = get_in_event_or_404(StatutorySession, session_id)
    form = ScanForm()
    if not form.validate_on_submit():
        csrf = getattr(form, "csrf_token", None)  # absent when CSRF protection is switched off
        if form.direction.errors or (csrf is not None and csrf.errors):
            abort(400)
        return _door_page(the_session, Direction.read(form.direction.data), form=form, status=422)
    direction = Direction.read(form.direction.data)
    return _after(the_session, pass_door(the_session, form.q.data, direction), direction)


@bp.post("/<int:session_id>/door/people/<int:participant_id>")
@allow(*DESK)
def move(session_id: int, participant_id: int):
    """Let one person in or out: chosen among several names, or the last result's button (undo)."""
    the_session = get_in_event_or_404(StatutorySession, session_id)
    person = get_in_event_or_404(Participant, participant_id)
    form = PersonForm()
    if not form.validate_on_submit():
        abort(400)
    page_direction = Direction.read(request.args.get("back"))
    if form.direction.data == UNDO:
        just_made = session_value(current_user.session_key, LAST_ENTRY)
        return _after(the_session, undo_entry(the_session, person, just_made), page_direction)
    return _after(the_session, pass_person(the_session, person, Direction.read(form.direction.data)), page_direction)


@bp.get("/<int:session_id>/counts.json")
@allow(*DESK)
def counts(session_id: int):
    """The door's figures, for its page to refresh itself."""
    return hall_count(get_in_event_or_404(StatutorySession, session_id)).as_dict()
