"""The one iCalendar builder (core.calendar): what a calendar app reads back from it."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar

from lsi_assembly.core.calendar import CalendarEntry, calendar_file

PARIS = ZoneInfo("Europe/Paris")


def test_entries_keep_their_time_zone_and_leave_out_empty_fields():
    data = calendar_file([
        CalendarEntry(uid="run-1@lsi-assembly", summary="Safe shelters",
                      starts_at=datetime(2027, 6, 24, 10, tzinfo=PARIS),
                      ends_at=datetime(2027, 6, 24, 11, 30, tzinfo=PARIS), location="Salle Jaurès, CCEM",
                      description="Ana, Bo"),
        CalendarEntry(uid="public-1@lsi-assembly", summary="Evening",
                      starts_at=datetime(2027, 6, 25, 16, tzinfo=timezone.utc),
                      ends_at=datetime(2027, 6, 25, 18, 30, tzinfo=timezone.utc)),
    ], name="LSI General Assembly 2027")
    calendar = Calendar.from_ical(data)
    assert str(calendar["x-wr-calname"]) == "LSI General Assembly 2027"
    workshop, evening = calendar.walk("VEVENT")
    assert workshop.decoded("dtstart") == datetime(2027, 6, 24, 10, tzinfo=PARIS)
    assert b"DTSTART;TZID=Europe/Paris:20270624T100000" in data
    assert (str(workshop["location"]), str(workshop["description"])) == ("Salle Jaurès, CCEM", "Ana, Bo")
    assert evening.decoded("dtstart") == datetime(2027, 6, 25, 16, tzinfo=timezone.utc)
    assert "location" not in evening and "description" not in evening
    assert {str(entry["uid"]) for entry in (workshop, evening)} == {"run-1@lsi-assembly", "public-1@lsi-assembly"}
    assert all("dtstamp" in entry for entry in (workshop, evening))


def test_a_calendar_without_a_name_has_no_title():
    assert "x-wr-calname" not in Calendar.from_ical(calendar_file([]))
