"""The programme: time slots, rooms, workshops and their runs (a workshop in one slot and room)."""
from __future__ import annotations

from datetime import datetime, time
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.database import utcnow
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db


class TimeSlot(db.Model):
    __tablename__ = "time_slots"
    __table_args__ = (
        sa.UniqueConstraint("day_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("event_days.id", ondelete="CASCADE"))
    #: Local time at the venue (the event's time zone).
    starts_at: Mapped[time] = mapped_column(sa.Time)
    ends_at: Mapped[time] = mapped_column(sa.Time)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    day: Mapped[EventDay] = relationship()

    def __repr__(self) -> str:
        return f"<TimeSlot {self.id} day={self.day_id} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}>"


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"), sa.CheckConstraint("capacity >= 0", name="capacity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    capacity: Mapped[int]
    #: Reachable without steps (shown to participants who need it).
    step_free: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.name!r} capacity={self.capacity}>"


class Workshop(db.Model):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: The title and description in French (None: the English ones are shown); see ``core.localized``.
    title_fr: Mapped[str | None] = mapped_column(sa.String(200))
    description_fr: Mapped[str | None] = mapped_column(sa.Text)
    facilitators: Mapped[str | None] = mapped_column(sa.String(300))
    #: Language(s) it is held in, in the organizers' words (e.g. "English, French interpretation").
    language: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    runs: Mapped[list[WorkshopRun]] = relationship(back_populates="workshop", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.title!r}>"


class WorkshopRun(db.Model):
    """A workshop held in one slot and room; the unit people are assigned to."""

    __tablename__ = "workshop_runs"
    __table_args__ = (sa.UniqueConstraint("slot_id", "room_id"), sa.CheckConstraint("capacity >= 0", name="capacity"))
    #: How a run reaches its event (core.event_scope.get_in_event_or_404).
    event_path: ClassVar[tuple[str, ...]] = ("workshop",)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("time_slots.id", ondelete="RESTRICT"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="RESTRICT"))
    #: Seats for this run (at most the room's capacity).
    capacity: Mapped[int]

    workshop: Mapped[Workshop] = relationship(back_populates="runs")
    slot: Mapped[TimeSlot] = relationship()
    room: Mapped[Room] = relationship()

    def __repr__(self) -> str:
        return f"<WorkshopRun {self.id} workshop={self.workshop_id} slot={self.slot_id} room={self.room_id}>"


class Preference(db.Model):
    """A participant's ranking of one workshop (1 is their first choice)."""

    __tablename__ = "workshop_preferences"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "rank"),
        sa.UniqueConstraint("participant_id", "workshop_id"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workshop: Mapped[Workshop] = relationship()

    def __repr__(self) -> str:
        return f"<Preference participant={self.participant_id} rank={self.rank} workshop={self.workshop_id}>"


class WorkshopAssignment(db.Model):
    """A participant's seat in a run, given by the assignment engine or pinned by an organizer."""

    __tablename__ = "workshop_assignments"
    __table_args__ = (sa.UniqueConstraint("participant_id", "run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop_runs.id", ondelete="CASCADE"), index=True)
    #: Fixed by an organizer: kept by every new assignment run.
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    run: Mapped[WorkshopRun] = relationship()

    def __repr__(self) -> str:
        return f"<WorkshopAssignment participant={self.participant_id} run={self.run_id} pinned={self.pinned}>"
