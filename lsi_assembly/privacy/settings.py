"""Read an event's privacy settings, with their defaults."""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.core.personal_data import retention_rule
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.models import PrivacySettings

#: The controller named until the organizers fill in their own details on /manage/privacy.
DEFAULT_CONTROLLER = "La Strada International"


def settings_for(event: Event) -> PrivacySettings:
    """The event's settings row; an unsaved one with the defaults when organizers never saved any."""
    found = db.session.scalar(sa.select(PrivacySettings).where(PrivacySettings.event_id == event.id))
    if found is not None:
        return found
    return PrivacySettings(event_id=event.id, controller_name=DEFAULT_CONTROLLER, retention_days={},
                           notice_version=1, notice_changed_at=event.created_at)


def stored_settings(event: Event) -> PrivacySettings:
    """The event's settings row, added to the session when there was none (for a change)."""
    settings = settings_for(event)
    if settings.id is None and settings not in db.session:
        db.session.add(settings)
        db.session.flush()
    return settings


def retention_days(event: Event, key: str) -> int:
    """Days the data of rule ``key`` is kept for this event (the organizers' setting or the default)."""
    days = (settings_for(event).retention_days or {}).get(key)
    return retention_rule(key).default_days if days is None else int(days)


def notice_version(event: Event) -> int:
    """The current version of the event's privacy notice."""
    return settings_for(event).notice_version
