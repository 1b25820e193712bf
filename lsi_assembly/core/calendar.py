"""The one iCalendar builder: a participant's workshops, the public event's evening.

Each entry's times go in as given: aware datetimes in the venue's time zone stay in it (calendar
apps show the workshops at the venue's hours), datetimes in UTC stay in UTC.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from lsi_assembly.core.database import utcnow

PRODUCT_ID = "-//La Strada International//LSI Assembly//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """One event in a calendar file."""

    #: Stable across downloads, so that importing the file again updates the entry instead of adding one.
    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str | None = None
    description: str | None = None


def calendar_file(entries: Iterable[CalendarEntry], name: str | None = None) -> bytes:
    """Return an iCalendar file (RFC 5545) of ``entries``; ``name`` is the calendar's title, if any."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    if name:
        calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for entry in entries:
        event = CalendarEvent()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("summary", entry.summary)
        event.add("dtstart", entry.starts_at)
        event.add("dtend", entry.ends_at)
        if entry.location:
            event.add("location", entry.location)
        if entry.description:
            event.add("description", entry.description)
        calendar.add_component(event)
    return calendar.to_ical()
