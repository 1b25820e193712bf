"""How the organizers' pages and forms name a time slot and a run, in the reader's language."""
from __future__ import annotations


from lsi_assembly.core.dates import format_day
from lsi_assembly.core.localized import localized
from lsi_assembly.workshops.models import TimeSlot, WorkshopRun


def slot_label(slot: TimeSlot) -> str:
    """E.g. "Thu 24 Jun, 14:00-15:30" in the reader's language."""
    return f"{format_day(slot.day.date, 'EEE d MMM')}, {slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}"


def run_label(run: WorkshopRun) -> str:
    """E.g. "Safe shelters – Salle Jaurès"."""
    return f"{localized(run.workshop, 'title')} – {run.room.name}"
