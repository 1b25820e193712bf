"""This desk's settings, kept on the device: its name, the day it checks in for, its printer's badge size.

They live in a signed cookie of their own, not in the session: a laptop set up as "Desk 2" on the first
morning stays Desk 2 after a sign-out, a closed browser or another staff member's sign-in, until a few
days after the Assembly (its last day + ``DAYS_AFTER``). The cookie is HttpOnly, SameSite=Lax, limited to
``/desk``, and Secure when the app is served over https (as the session's). It holds no personal data:
a desk name, ids and a date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from flask_login import current_user

from lsi_assembly.checkin import services
from lsi_assembly.core.tokens import DESK_STATION, BadToken, sign, unsign
from lsi_assembly.events.models import Event, EventDay

COOKIE = "lsi_desk"
PATH = "/desk"
#: The cookie lasts until this many days after the event's last day (at least one day from now).
DAYS_AFTER = 7
DEFAULT_PRESET = "card-86x54"


@dataclass(frozen=True)
class Station:
    """What the desk's setup step saved on this device."""

    event_id: int
    name: str
    day_id: int | None
    #: The venue's date when the day was chosen: a day chosen by hand holds on that date only.
    chosen_on: str
    preset: str

    def day(self, event: Event, today: date | None = None) -> EventDay | None:
        """The day this desk checks in for: the one chosen, on the date it was chosen; on each day of the
        Assembly, that day; else still the one chosen (setting up the desk the day before)."""
        today = today or services.venue_today(event)
        chosen = next((d for d in event.days if d.id == self.day_id), None)
        if chosen is not None and self.chosen_on == today.isoformat():
            return chosen
        return services.desk_day(event, today) or chosen


def read_station(event: Event) -> Station | None:
    """This device's desk settings for ``event``; None before its setup step (or with a forged cookie)."""
    value = _read()
    if value is None or value.get("event") != event.id:
        return None
    day_id, name, chosen_on, preset = value.get("day"), value.get("name"), value.get("on"), value.get("preset")
    if not (isinstance(name, str) and name and isinstance(chosen_on, str) and isinstance(preset, str)
            and (day_id is None or isinstance(day_id, int))):
        return None
    return Station(event_id=event.id, name=name, day_id=day_id, chosen_on=chosen_on, preset=preset)


def _read() -> dict | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        value = unsign(DESK_STATION, token)
    except BadToken:
        return None
    return value if isinstance(value, dict) else None


def desk_name() -> str:
    """This device's desk name (whatever the event), else the staff member's address."""
    value = _read() or {}
    name = value.get("name")
    return name if isinstance(name, str) and name else current_user.email


def save_station(response: Response, event: Event, name: str, day_id: int | None, preset: str) -> None:
    """Set the cookie that keeps this desk's settings on the device until a few days after the event."""
    today = services.venue_today(event)
    zone = ZoneInfo(event.timezone)
    last_day = max((d.date for d in event.days), default=today)
    until = datetime.combine(last_day + timedelta(days=DAYS_AFTER), time.max, zone)
    max_age = max(int((until - datetime.now(zone)).total_seconds()), 24 * 3600)
    token = sign(DESK_STATION, {"event": event.id, "name": name, "day": day_id, "on": today.isoformat(),
                                "preset": preset})
    response.set_cookie(COOKIE, token, max_age=max_age, path=PATH, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
