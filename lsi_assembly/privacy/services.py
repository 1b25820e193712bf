"""The organizers' privacy settings and the retention table shown to people."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.personal_data import RetentionRule, retention_rules
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.settings import retention_days, settings_for, stored_settings


@dataclass(frozen=True)
class ScheduleRow:
    """One line of the retention table: what, for how long, and the day it goes when known."""

    rule: RetentionRule
    period: str
    #: The day the data goes, for rules counted from the end of the event (None otherwise).
    deleted_on: date | None


def schedule_rows(event: Event | None) -> list[ScheduleRow]:
    """The retention table of the notice and the settings page, from the rules and the event's settings."""
    rows = []
    for rule in retention_rules():
        if not rule.configurable:
            rows.append(ScheduleRow(rule, rule.fixed_period(), None))
            continue
        days = retention_days(event, rule.key) if event is not None else rule.default_days
        ends = event.last_day if event is not None else None
        rows.append(ScheduleRow(rule, rule.period % {"days": days}, (ends + timedelta(days=days + 1))
                                if ends is not None and rule.after_event else None))
    return rows


def save_settings(event: Event, controller: dict, days: dict[str, int]) -> bool:
    """Store the settings; a change of what the notice says raises its version. Returns whether anything changed."""
    settings = settings_for(event)
    current = {name: getattr(settings, name) for name in controller}
    current_days = {key: (settings.retention_days or {}).get(key, rule.default_days)
                    for key, rule in ((rule.key, rule) for rule in retention_rules()) if key in days}
    changed = current != controller or current_days != days
    settings = stored_settings(event)
    for name, value in controller.items():
        setattr(settings, name, value)
    settings.retention_days = dict(days)
    if changed:
        settings.notice_version = (settings.notice_version or 1) + 1
        settings.notice_changed_at = utcnow()
    db.session.flush()
    return changed
