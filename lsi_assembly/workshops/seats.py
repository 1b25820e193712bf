"""Keeping workshop seats right between assignment runs: by hand, and as registrations change.

Every change to seats takes the event's seat lock first (``assignment.lock_seats``), so an assignment
run, an organizer's move and the placing of a late registrant never count free seats at the same time.

Seats follow registrations: every change of a participant's status or days goes through
``registration.services.change_status`` or ``change_days``, which send
``registration.signals.participants_changed`` (once for a group of changes), and this module
subscribes to it (``seats_follow_participants``). In the same transaction, ``keep_seats`` drops the
seats of people who no longer come (cancelled, rejected, back on the waiting list) or who dropped
the day of a seat. Once the seats are published it also places people into the free seats by their
preferences, optimally and without moving anyone already seated, and queues an e-mail to those who
got a new seat (it leaves the outbox after the commit).
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from lsi_assembly.core.links import NoBaseURL
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.signals import participants_changed
from lsi_assembly.workshops.assignment import build_instance, drop_invalid_seats, lock_seats, send_schedule
from lsi_assembly.workshops.models import Workshop, WorkshopAssignment, WorkshopRun
from lsi_assembly.workshops.scheduler import InstanceError, parse_instance, solve

log = logging.getLogger(__name__)

#: Seconds the solver may take to fill free seats inside someone's request.
FILL_TIME_LIMIT = 5.0


def seats_taken(event: Event) -> Counter:
    """Seats taken per run id."""
    return Counter(dict(db.session.execute(
        sa.select(WorkshopAssignment.run_id, sa.func.count())
        .where(WorkshopAssignment.run_id.in_(sa.select(WorkshopRun.id).join(Workshop)
                                             .where(Workshop.event_id == event.id)))
        .group_by(WorkshopAssignment.run_id)).all()))


def fill_free_seats(event: Event) -> dict[int, list[int]]:
    """Place confirmed participants into free seats by their preferences; move nobody already seated.

    Every seat held is kept as it is (the engine sees them as pins); the engine then fills the attended
    slots still without a seat at minimal cost. Returns the new seats, participant id -> run ids. The
    caller holds the seat lock.
    """
    data, _people, _runs = build_instance(event, keep="all")
    if not any(p["slots"] for p in data["participants"]) or not data["workshops"]:
        return {}
    try:
        instance = parse_instance(data)
    except InstanceError:
        # The seats held break a rule (a run made smaller than the people it holds): the assignment
        # page says so; refusing someone's registration or cancellation would help nobody.
        log.warning("free seats not filled for event %s: the seats held break a rule", event.id, exc_info=True)
        return {}
    try:
        solution = solve(instance, method="optimal", time_limit=FILL_TIME_LIMIT)
    except RuntimeError:
        # The solver gave up: first come, first served among those without a seat still fills the
        # free seats by preference, which beats leaving them empty or refusing the change.
        log.warning("free seats of event %s given first come, first served: the solver failed", event.id,
                    exc_info=True)
        solution = solve(instance, method="greedy")
    held = {(p["id"], run_id) for p in data["participants"] for run_id in p["pinned"]}
    new = defaultdict(list)
    for participant_id, run_ids in solution.assignments.items():
        for run_id in run_ids:
            if (participant_id, run_id) not in held:
                new[participant_id].append(run_id)
    db.session.add_all(WorkshopAssignment(participant_id=participant_id, run_id=run_id)
                       for participant_id, run_ids in new.items() for run_id in run_ids)
    db.session.flush()
    return dict(new)


def place_in_free_seats(event: Event, tell: bool) -> dict[int, list[int]]:
    """Drop seats no longer valid, then fill free seats (``fill_free_seats``); e-mail the people placed if ``tell``.

    Takes the seat lock. Returns the new seats (participant id -> run ids).
    """
    lock_seats(event)
    drop_invalid_seats(event)
    new = fill_free_seats(event)
    if tell and new:
        held = dict(db.session.execute(
            sa.select(WorkshopAssignment.participant_id, sa.func.count())
            .where(WorkshopAssignment.participant_id.in_(list(new))).group_by(WorkshopAssignment.participant_id)).all())
        for participant in db.session.scalars(sa.select(Participant).where(Participant.id.in_(list(new)))):
            had_seats = held.get(participant.id, 0) > len(new[participant.id])
            try:
                send_schedule(participant, changed=had_seats)
            except NoBaseURL:
                # A command without BASE_URL (an import, say): keep the seats, say who was not told.
                log.warning("participant %s was given a workshop seat but not e-mailed: set BASE_URL",
                            participant.id)
    return new


def keep_seats(event: Event, participant_ids: list[int]) -> dict[int, list[int]]:
    """Bring the seats in line with changed registrations; once published, fill free seats and tell people.

    Returns the new seats given (participant id -> run ids).
    """
    lock_seats(event)
    db.session.refresh(event, ["assignment_published_at"])  # as it is now, under the lock
    dropped = drop_invalid_seats(event)
    if event.assignment_published_at is None:
        return {}
    confirmed = db.session.scalar(sa.select(sa.func.count()).where(
        Participant.id.in_(participant_ids), Participant.status == Status.CONFIRMED))
    if not dropped and not confirmed:
        return {}
    return place_in_free_seats(event, tell=True)


@participants_changed.connect
def seats_follow_participants(event: Event, *, participant_ids: list[int], **_ignored) -> None:
    """Receiver of ``participants_changed``: bring the event's seats in line with the changed participants."""
    keep_seats(event, participant_ids)


@dataclass
class SeatChoice:
    """What an organizer chose for one slot of a participant: a run (or none) and whether to keep it."""

    slot_id: int
    run_id: int | None
    pinned: bool


def seat_problems(participant: Participant, choices: list[SeatChoice]) -> dict[int, str]:
    """Check an organizer's choice of seats; return slot id -> the rule broken (empty: all well).

    Rules: the run is in that slot, on a day the person attends; it has a free seat (the person's own
    seat counts as free); no workshop twice. The caller holds the seat lock.
    """
    event = participant.event
    runs = {run.id: run for run in db.session.scalars(
        sa.select(WorkshopRun).where(WorkshopRun.id.in_([c.run_id for c in choices if c.run_id])))}
    own = set(db.session.scalars(sa.select(WorkshopAssignment.run_id).where(
        WorkshopAssignment.participant_id == participant.id)))
    taken = seats_taken(event)
    attended_days = {day.id for day in participant.days}
    problems: dict[int, str] = {}
    seen_workshops: dict[int, int] = {}
    for choice in choices:
        if choice.run_id is None:
            continue
        run = runs.get(choice.run_id)
        if run is None or run.slot_id != choice.slot_id or run.workshop.event_id != event.id:
            problems[choice.slot_id] = "slot"
        elif run.slot.day_id not in attended_days:
            problems[choice.slot_id] = "day"
        elif run.id not in own and taken[run.id] >= run.capacity:
            problems[choice.slot_id] = "full"
        elif run.workshop_id in seen_workshops:
            problems[choice.slot_id] = "twice"
        else:
            seen_workshops[run.workshop_id] = choice.slot_id
    return problems


def set_seats(participant: Participant, choices: list[SeatChoice]) -> tuple[bool, bool]:
    """Replace a participant's seats with an organizer's (checked) choices.

    Returns (whether a seat changed, whether only a seat's pin changed).
    A seat that changes is pinned, so that the next assignment run keeps it; an unchanged seat is
    pinned or released as chosen.
    """
    current = {row.run.slot_id: row for row in db.session.scalars(
        sa.select(WorkshopAssignment).where(WorkshopAssignment.participant_id == participant.id))}
    moved = repinned = False
    for choice in choices:
        row = current.get(choice.slot_id)
        if choice.run_id is None:
            if row is not None:
                db.session.delete(row)
                moved = True
        elif row is None or row.run_id != choice.run_id:
            if row is not None:
                db.session.delete(row)
                db.session.flush()
            db.session.add(WorkshopAssignment(participant_id=participant.id, run_id=choice.run_id, pinned=True))
            moved = True
        elif row.pinned != choice.pinned:
            row.pinned = choice.pinned
            repinned = True
    db.session.flush()
    return moved, repinned


def over_organization_cap(participant: Participant) -> list[WorkshopRun]:
    """The participant's runs that hold more people of their organization than the event's cap."""
    cap = participant.event.workshop_organization_cap
    if cap is None or participant.organization_id is None:
        return []
    same_org = (sa.select(sa.func.count()).select_from(WorkshopAssignment)
                .join(Participant, WorkshopAssignment.participant_id == Participant.id)
                .where(WorkshopAssignment.run_id == WorkshopRun.id,
                       Participant.organization_id == participant.organization_id)
                .scalar_subquery())
    return list(db.session.scalars(
        sa.select(WorkshopRun).join(WorkshopAssignment, WorkshopAssignment.run_id == WorkshopRun.id)
        .where(WorkshopAssignment.participant_id == participant.id, same_org > cap)))
