"""Running the assignment engine on the event's data, storing the seats, and judging their quality.

The engine (``workshops.scheduler``) knows nothing of the database: this module turns confirmed
participants, their ranked workshops, the runs and the pinned seats into an instance, and the
solution back into ``WorkshopAssignment`` rows. A workshop is the engine's "topic", a run its
"workshop"; a participant attends the slots on the days they registered for.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lsi_assembly.core import calendar as core_calendar
from lsi_assembly.core.calendar import CalendarEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.links import external_url
from lsi_assembly.core.localized import localized
from lsi_assembly.core.locking import lock
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Participant, Status, participant_days
from lsi_assembly.workshops.models import Preference, TimeSlot, Workshop, WorkshopAssignment, WorkshopRun
from lsi_assembly.workshops.scheduler import Solution, parse_instance, solve
from lsi_assembly.workshops.scheduler.engine import objective_of, statistics


def _event_runs(event: Event) -> list[WorkshopRun]:
    return list(db.session.scalars(
        sa.select(WorkshopRun).join(Workshop).where(Workshop.event_id == event.id)
        .options(selectinload(WorkshopRun.workshop), selectinload(WorkshopRun.slot),
                 selectinload(WorkshopRun.room))))


def lock_seats(event: Event) -> None:
    """Take the event's lock (``core.locking``) before counting or changing seats.

    So an assignment run, an organizer's move and the placing of a late registrant never count free
    seats at the same time, and no run goes over its capacity.
    """
    lock(Event, event.id)


def build_instance(event: Event, keep: str = "pinned") -> tuple[dict, list[int], list[WorkshopRun]]:
    """The engine's instance for ``event``: confirmed participants, runs, rankings and pins.

    ``keep="pinned"``: the seats organizers pinned are the engine's pins (an assignment run);
    ``keep="all"``: every seat held is (filling free seats without moving anyone). Returns the
    instance, the confirmed participants' ids and the runs. Reads plain columns, not ORM objects:
    this runs inside registrations once seats are published, so it must stay cheap.
    """
    runs = _event_runs(event)
    slots = list(db.session.execute(sa.select(TimeSlot.id, TimeSlot.day_id).where(TimeSlot.event_id == event.id)
                                    .order_by(TimeSlot.id)))
    slots_by_day = defaultdict(list)
    for slot_id, day_id in slots:
        slots_by_day[day_id].append(slot_id)
    confirmed = sa.select(Participant.id).where(Participant.event_id == event.id,
                                                Participant.status == Status.CONFIRMED).scalar_subquery()
    people = list(db.session.execute(
        sa.select(Participant.id, Participant.organization_id).where(Participant.id.in_(confirmed))
        .order_by(Participant.id)))
    days = defaultdict(list)
    for participant_id, day_id in db.session.execute(
            sa.select(participant_days.c.participant_id, participant_days.c.event_day_id)
            .where(participant_days.c.participant_id.in_(confirmed))):
        days[participant_id].append(day_id)
    rankings = defaultdict(list)
    for participant_id, workshop_id in db.session.execute(
            sa.select(Preference.participant_id, Preference.workshop_id)
            .where(Preference.participant_id.in_(confirmed)).order_by(Preference.participant_id, Preference.rank)):
        rankings[participant_id].append(workshop_id)
    run_ids = {run.id for run in runs}
    pins = defaultdict(list)
    for participant_id, run_id in db.session.execute(
            sa.select(WorkshopAssignment.participant_id, WorkshopAssignment.run_id)
            .where(WorkshopAssignment.participant_id.in_(confirmed),
                   WorkshopAssignment.pinned.is_(True) if keep == "pinned" else sa.true())):
        if run_id in run_ids:
            pins[participant_id].append(run_id)
    workshop_ids = {run.workshop_id for run in runs}
    instance = {
        "slots": [{"id": slot_id} for slot_id, _day in slots],
        "workshops": [{"id": run.id, "topic": run.workshop_id, "slot": run.slot_id, "capacity": run.capacity}
                      for run in runs],
        "participants": [{
            "id": participant_id, "organization": organization_id,
            "slots": [slot_id for day_id in sorted(days[participant_id]) for slot_id in slots_by_day[day_id]],
            "preferences": [w for w in rankings[participant_id] if w in workshop_ids],
            "pinned": pins[participant_id],
        } for participant_id, organization_id in people],
        "max_per_organization": event.workshop_organization_cap,
    }
    return instance, [participant_id for participant_id, _org in people], runs


def run_assignment(event: Event) -> Solution:
    """Assign every confirmed participant a seat per attended slot, optimally; keep pinned seats.

    The previous unpinned seats of the event are replaced; the caller commits. Takes the seat lock.
    """
    lock_seats(event)
    drop_invalid_seats(event)
    data, _ids, runs = build_instance(event)
    solution = solve(parse_instance(data), method="optimal")
    run_ids = [run.id for run in runs]
    if run_ids:
        db.session.execute(sa.delete(WorkshopAssignment).where(
            WorkshopAssignment.run_id.in_(run_ids), WorkshopAssignment.pinned.is_(False)))
    pinned = {tuple(row) for row in db.session.execute(
        sa.select(WorkshopAssignment.participant_id, WorkshopAssignment.run_id)
        .where(WorkshopAssignment.run_id.in_(run_ids), WorkshopAssignment.pinned.is_(True)))} if run_ids else set()
    rows = [{"participant_id": participant_id, "run_id": run_id}
            for participant_id, seats in solution.assignments.items() for run_id in seats
            if (participant_id, run_id) not in pinned]
    if rows:
        db.session.execute(sa.insert(WorkshopAssignment), rows)  # one statement, not thousands of objects
    return solution


@dataclass
class QualityReport:
    """How good the stored assignment is, for the organizers' report page."""

    stats: dict
    objective: float
    #: (rank label, seats) for the histogram: "1", "2", ..., "unranked", "none".
    histogram: list[tuple[str, int]]
    #: The participants who got the least of what they wanted: (participant, ranks obtained per attended
    #: slot (a rank, 0 for a workshop they did not rank, None for no workshop), their seats).
    worst_off: list[tuple[Participant, list[int | None], list[WorkshopRun]]]
    #: (run, seats taken) for each run, in programme order.
    fill: list[tuple[WorkshopRun, int]]
    #: (organization name, people, people who got their first choice, people without a workshop in a slot),
    #: best served first.
    organizations: list[tuple[str, int, int, int]]
    #: Runs holding more people than their seats (only by hand or from data changed outside the app).
    over_capacity: list[WorkshopRun]
    #: People who ranked workshops, and those of them who got their first choice.
    ranked_people: int = 0
    first_choice_people: int = 0
    #: People without a workshop in at least one slot they attend.
    people_missing_a_slot: int = 0


def quality_report(event: Event, worst: int = 10) -> QualityReport | None:
    """Judge the stored seats with the engine's own measures; None before any assignment."""
    data, _ids, runs = build_instance(event)
    instance = parse_instance(data)
    seats = defaultdict(list)
    for participant_id, run_id in db.session.execute(
            sa.select(WorkshopAssignment.participant_id, WorkshopAssignment.run_id)
            .where(WorkshopAssignment.run_id.in_([run.id for run in runs]))):
        seats[participant_id].append(run_id)
    if not seats:
        return None
    assignments = {p.id: seats.get(p.id, []) for p in instance.participants}
    stats = statistics(instance, assignments)
    runs_by_id = {run.id: run for run in runs}
    organization_of = dict(db.session.execute(
        sa.select(Participant.id, Organization.name).join(Organization, Participant.organization_id == Organization.id)
        .where(Participant.event_id == event.id, Participant.status == Status.CONFIRMED)).all())
    costs = []
    first_choice, missing, ranks_of = set(), set(), {}
    for participant in instance.participants:
        taken = {instance.runs_by_id[r].slot: instance.runs_by_id[r] for r in assignments[participant.id]}
        cost = sum(instance.cost(participant, taken.get(slot)) for slot in participant.slots)
        costs.append((cost, participant.id))
        ranks_of[participant.id] = [instance.rank(participant, taken[slot]) or 0 if slot in taken else None
                                    for slot in participant.slots]
        if participant.preferences and 1 in ranks_of[participant.id]:
            first_choice.add(participant.id)
        if len(taken) < len(participant.slots):
            missing.add(participant.id)
    costs.sort(key=lambda item: (-item[0], item[1]))
    ranked = [(label, count) for label, count in stats["ranks"].items()]
    histogram = ranked + [("none", stats["unseated"])]
    organizations = defaultdict(list)
    for participant in instance.participants:
        if participant.id in organization_of:
            organizations[organization_of[participant.id]].append(participant.id)
    worst_ids = [participant_id for _cost, participant_id in costs[:worst]]
    worst_people = {p.id: p for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(worst_ids)))}
    taken_per_run = defaultdict(int)
    for run_ids in assignments.values():
        for run_id in run_ids:
            taken_per_run[run_id] += 1
    by_organization = [(name, len(ids), len(first_choice.intersection(ids)), len(missing.intersection(ids)))
                       for name, ids in organizations.items()]
    return QualityReport(
        stats=stats,
        objective=objective_of(instance, assignments),
        histogram=histogram,
        worst_off=[(worst_people[pid], ranks_of[pid], [runs_by_id[r] for r in assignments[pid]])
                   for _cost, pid in costs[:worst]],
        fill=[(run, taken_per_run[run.id]) for run in sorted(
            runs, key=lambda run: (run.slot.day_id, run.slot.starts_at, run.room.name))],
        # The organizations whose people are worst served first: most without a workshop, fewest first choices.
        organizations=sorted(by_organization, key=lambda row: (-row[3] / row[1], row[2] / row[1], row[0])),
        over_capacity=[run for run in runs if taken_per_run[run.id] > run.capacity],
        ranked_people=sum(1 for participant in instance.participants if participant.preferences),
        first_choice_people=len(first_choice),
        people_missing_a_slot=len(missing),
    )


def _schedule_query():
    return (sa.select(WorkshopAssignment.participant_id, WorkshopRun)
            .join(WorkshopAssignment, WorkshopAssignment.run_id == WorkshopRun.id)
            .join(TimeSlot, WorkshopRun.slot_id == TimeSlot.id)
            .options(selectinload(WorkshopRun.workshop), selectinload(WorkshopRun.room),
                     selectinload(WorkshopRun.slot).selectinload(TimeSlot.day))
            .order_by(TimeSlot.day_id, TimeSlot.starts_at))


def schedule_of(participant: Participant) -> list[WorkshopRun]:
    """A participant's workshop seats in time order."""
    return [run for _pid, run in db.session.execute(
        _schedule_query().where(WorkshopAssignment.participant_id == participant.id))]


def schedules_of(event: Event) -> dict[int, list[WorkshopRun]]:
    """Every participant's workshop seats in time order, in one query (participant id -> runs)."""
    schedules = defaultdict(list)
    for participant_id, run in db.session.execute(_schedule_query().where(TimeSlot.event_id == event.id)):
        schedules[participant_id].append(run)
    return schedules


def send_schedule(participant: Participant, changed: bool = False, schedule: list[WorkshopRun] | None = None,
                  flush: bool = True) -> None:
    """E-mail a participant their workshop schedule (``changed``: it replaces one they were sent)."""
    queue_mail(participant.email, "workshop_schedule", participant.locale, flush=flush, participant=participant,
               schedule=schedule_of(participant) if schedule is None else schedule, changed=changed,
               link=external_url("workshops.ranking", token=make_token(participant.access_key)))


def drop_invalid_seats(event: Event) -> int:
    """Remove the seats of people who are not confirmed, and seats on days a person no longer attends.

    Returns how many seats were removed.
    """
    attends_day = sa.exists().where(participant_days.c.participant_id == WorkshopAssignment.participant_id,
                                    participant_days.c.event_day_id == TimeSlot.day_id)
    not_confirmed = sa.exists().where(Participant.id == WorkshopAssignment.participant_id,
                                      Participant.status != Status.CONFIRMED)
    stale = list(db.session.scalars(
        sa.select(WorkshopAssignment.id)
        .join(WorkshopRun, WorkshopAssignment.run_id == WorkshopRun.id)
        .join(TimeSlot, WorkshopRun.slot_id == TimeSlot.id)
        .where(TimeSlot.event_id == event.id, sa.or_(not_confirmed, ~attends_day))))
    if stale:
        db.session.execute(sa.delete(WorkshopAssignment).where(WorkshopAssignment.id.in_(stale)))
    return len(stale)


def publish_assignment(event: Event) -> int:
    """Mark the seats published and e-mail every seated, confirmed participant their schedule.

    Returns how many people were told.
    """
    event.assignment_published_at = utcnow()
    schedules = schedules_of(event)
    seated = list(db.session.scalars(
        sa.select(Participant).where(
            Participant.event_id == event.id, Participant.status == Status.CONFIRMED,
            sa.exists().where(WorkshopAssignment.participant_id == Participant.id)).options(
                selectinload(Participant.event))))
    for participant in seated:
        send_schedule(participant, schedule=schedules[participant.id], flush=False)
    db.session.flush()
    return len(seated)


def calendar_file(participant: Participant, runs: list[WorkshopRun]) -> bytes:
    """The participant's workshops as an iCalendar file, times in the event's time zone."""
    event = participant.event
    zone = ZoneInfo(event.timezone)
    return core_calendar.calendar_file((CalendarEntry(
        uid=f"run-{run.id}-participant-{participant.id}@lsi-assembly",
        summary=localized(run.workshop, "title"),
        starts_at=datetime.combine(run.slot.day.date, run.slot.starts_at, tzinfo=zone),
        ends_at=datetime.combine(run.slot.day.date, run.slot.ends_at, tzinfo=zone),
        location=run.room.name + (f", {venue}" if (venue := localized(event, "venue")) else ""),
        description=run.workshop.facilitators or None,
    ) for run in runs), name=localized(event, "name"))
