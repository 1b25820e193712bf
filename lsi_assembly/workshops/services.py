"""Reading and changing the programme."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopRun


def slots_of(event: Event) -> list[TimeSlot]:
    """The event's time slots in time order."""
    return list(db.session.scalars(
        sa.select(TimeSlot).join(EventDay, TimeSlot.day_id == EventDay.id).where(TimeSlot.event_id == event.id)
        .options(selectinload(TimeSlot.day)).order_by(EventDay.date, TimeSlot.starts_at)))


def rooms_of(event: Event) -> list[Room]:
    """The event's rooms by name."""
    return list(db.session.scalars(sa.select(Room).where(Room.event_id == event.id).order_by(Room.name)))


def workshops_of(event: Event) -> list[Workshop]:
    """The event's workshops with their runs, by title."""
    return list(db.session.scalars(
        sa.select(Workshop).where(Workshop.event_id == event.id)
        .options(selectinload(Workshop.runs).selectinload(WorkshopRun.slot),
                 selectinload(Workshop.runs).selectinload(WorkshopRun.room))
        .order_by(Workshop.title)))


def room_taken(slot_id: int, room_id: int, excluding: int | None = None) -> bool:
    """Tell whether a room already holds a run in a slot."""
    stmt = sa.select(WorkshopRun.id).where(WorkshopRun.slot_id == slot_id, WorkshopRun.room_id == room_id)
    if excluding is not None:
        stmt = stmt.where(WorkshopRun.id != excluding)
    return db.session.scalar(stmt.limit(1)) is not None


@dataclass
class GridDay:
    """One day of the programme grid: its slots (rows) and, per slot, the run in each room (columns)."""

    day: EventDay
    slots: list[TimeSlot]
    rooms: list[Room]
    cells: dict  # (slot id, room id) -> WorkshopRun


def programme_grid(event: Event) -> list[GridDay]:
    """Lay the programme out day by day, slot by slot and room by room (only rooms in use that day)."""
    runs = list(db.session.scalars(
        sa.select(WorkshopRun).join(Workshop).where(Workshop.event_id == event.id)
        .options(selectinload(WorkshopRun.workshop), selectinload(WorkshopRun.room),
                 selectinload(WorkshopRun.slot))))
    slots = slots_of(event)
    grid = []
    for day in event.days:
        day_slots = [slot for slot in slots if slot.day_id == day.id]
        if not day_slots:
            continue
        ids = {slot.id for slot in day_slots}
        day_runs = [run for run in runs if run.slot_id in ids]
        rooms = sorted({run.room.id: run.room for run in day_runs}.values(), key=lambda room: room.name)
        grid.append(GridDay(day, day_slots, rooms, {(run.slot_id, run.room_id): run for run in day_runs}))
    return grid


def rankable_workshops(participant) -> list[Workshop]:
    """Workshops held on a day the participant attends, by title."""
    day_ids = [day.id for day in participant.days]
    return list(db.session.scalars(
        sa.select(Workshop).join(WorkshopRun).join(TimeSlot, WorkshopRun.slot_id == TimeSlot.id)
        .where(Workshop.event_id == participant.event_id, TimeSlot.day_id.in_(day_ids))
        .distinct().order_by(Workshop.title)))


def ranking_of(participant) -> list[Workshop]:
    """The workshops a participant ranked, best first."""
    return list(db.session.scalars(
        sa.select(Workshop).join(Preference, Preference.workshop_id == Workshop.id)
        .where(Preference.participant_id == participant.id).order_by(Preference.rank)))


def save_ranking(participant, workshop_ids: list[int]) -> None:
    """Replace a participant's ranking with ``workshop_ids``, best first (already checked)."""
    db.session.execute(sa.delete(Preference).where(Preference.participant_id == participant.id))
    db.session.add_all(Preference(participant_id=participant.id, workshop_id=workshop_id, rank=rank)
                       for rank, workshop_id in enumerate(workshop_ids, start=1))
    db.session.flush()


def without_ranking(event: Event) -> list:
    """Confirmed participants who have not ranked any workshop yet."""
    return list(db.session.scalars(
        sa.select(Participant).where(
            Participant.event_id == event.id, Participant.status == Status.CONFIRMED,
            ~sa.exists().where(Preference.participant_id == Participant.id))))
