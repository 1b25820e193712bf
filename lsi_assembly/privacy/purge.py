"""Apply the retention schedule: every registered rule, for every event (``flask --app wsgi privacy purge``).

Each rule's ``purge`` deletes what is due and flushes (or, in a dry run, only counts); the caller
commits once, so a purge is all or nothing. Applying it twice deletes nothing more the second time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from lsi_assembly.core.personal_data import RetentionRule, retention_rules
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.privacy import rules  # noqa: F401  (registers the rules of the registration data)
from lsi_assembly.privacy.settings import retention_days


@dataclass
class Run:
    """One application of the schedule, for one rule (``core.personal_data.PurgeRun``)."""

    rule: RetentionRule
    today: date
    dry_run: bool = False
    _days: dict[int, int] = field(default_factory=dict)

    def days(self, event: Event) -> int:
        """The rule's period for this event."""
        if event.id not in self._days:
            self._days[event.id] = retention_days(event, self.rule.key)
        return self._days[event.id]

    def due(self, event: Event) -> bool:
        """Tell whether the event ended more than the rule's period before ``today``."""
        return event.last_day is not None and event.last_day + timedelta(days=self.days(event)) < self.today

    @property
    def now(self) -> datetime:
        """The end of ``today`` (UTC), for rules counted from a moment (a cancellation, a sending)."""
        return datetime.combine(self.today, time.max, tzinfo=UTC)

    def before(self, event: Event) -> datetime:
        """The moment a thing counted from must be older than: ``today`` minus the period."""
        return datetime.combine(self.today - timedelta(days=self.days(event)), time.min, tzinfo=UTC)

    def events(self) -> list[Event]:
        """Every event, oldest first."""
        return list(db.session.scalars(sa.select(Event).order_by(Event.id)))


def run_purge(today: date, dry_run: bool = False) -> list[tuple[RetentionRule, int]]:
    """Apply (or, with ``dry_run``, count) every rule; return each rule with how many items it deleted."""
    results = []
    for rule in retention_rules():
        results.append((rule, rule.purge(Run(rule, today, dry_run))))
    if not dry_run:
        db.session.flush()
    return results
