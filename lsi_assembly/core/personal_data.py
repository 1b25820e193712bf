"""Where each domain declares the personal data it keeps: how long (retention rules), how it is
erased with the person, and what of it the person's export holds.

The privacy domain (``lsi_assembly/privacy``) runs the schedule (``flask --app wsgi privacy purge``),
erases a person and builds their export; it knows no domain's tables. Each domain that stores personal
data registers, at import time of its module:

- a ``RetentionRule`` per kind of data with a period (``register_rule``): the privacy notice's retention
  table, the settings page ``/manage/privacy`` and the purge are all made from these;
- an eraser (``register_eraser``): called with a participant before the privacy domain anonymizes
  their row, it deletes or blanks what the domain holds about them (and flushes);
- an exporter (``register_exporter``): called with a participant, it returns the JSON-ready part of
  the person's data export (``/registration/<token>/data``) the domain holds, never a secret (keys,
  passport numbers) or another person's data.

This module imports no model: a domain importing it creates no cycle.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

# core imports no domain: an event is an ``events.models.Event``, a participant a
# ``registration.models.Participant``.
Event = Any
Participant = Any


class PurgeRun(Protocol):
    """One application of the schedule, as a rule's ``purge`` function sees it."""

    #: The day the schedule is applied for (``--today``; the real date by default).
    today: date
    #: Count what is due, change nothing.
    dry_run: bool

    def days(self, event: Event) -> int:
        """The rule's period for this event (the organizers' setting, or the rule's default)."""

    def due(self, event: Event) -> bool:
        """Tell whether the event ended at least the rule's period before ``today``."""


@dataclass(frozen=True)
class RetentionRule:
    """A kind of personal data and when it is deleted."""

    #: Stable name, the key of the setting (e.g. ``sensitive_notes``): never renamed.
    key: str
    #: What is deleted, for the notice and the settings page (a lazy translated string).
    data: Any
    #: When, with ``%(days)s`` for the period (e.g. "%(days)s days after the event ends").
    period: Any
    default_days: int
    #: Deletes (or with ``run.dry_run``, counts) what is due; returns how many items.
    purge: Callable[[PurgeRun], int]
    #: Position in the notice's table and the settings page.
    order: int = 100
    #: Smallest and largest period organizers may set.
    min_days: int = 0
    max_days: int = 3650
    #: For a period fixed by the application's settings (hours, not days): the period in words, made when
    #: shown; organizers do not set it on /manage/privacy.
    fixed_period: Callable[[], str] | None = None
    #: The period counts from the end of the event (the notice then gives the day the data goes).
    after_event: bool = False

    @property
    def configurable(self) -> bool:
        """Tell whether organizers set this rule's period."""
        return self.fixed_period is None


_RULES: dict[str, RetentionRule] = {}
_ERASERS: list[Callable[[Participant], None]] = []
_EXPORTERS: dict[str, Callable[[Participant], Any]] = {}


def register_rule(rule: RetentionRule) -> RetentionRule:
    """Add a retention rule (a second rule with the same key replaces the first: module reloads)."""
    _RULES[rule.key] = rule
    return rule


def retention_rules() -> list[RetentionRule]:
    """Every retention rule, in the notice's order."""
    return sorted(_RULES.values(), key=lambda rule: (rule.order, rule.key))


def retention_rule(key: str) -> RetentionRule:
    """The rule named ``key`` (KeyError when no domain registered it)."""
    return _RULES[key]


def register_eraser(eraser: Callable[[Participant], None]) -> Callable[[Participant], None]:
    """Add a function that erases a domain's data about a participant (usable as a decorator)."""
    if eraser not in _ERASERS:
        _ERASERS.append(eraser)
    return eraser


def erasers() -> list[Callable[[Participant], None]]:
    """Every registered eraser, in registration order."""
    return list(_ERASERS)


def register_exporter(section: str) -> Callable[[Callable[[Participant], Any]], Callable[[Participant], Any]]:
    """Add the function giving the export's ``section`` for a participant (a decorator)."""
    def decorate(exporter: Callable[[Participant], Any]) -> Callable[[Participant], Any]:
        _EXPORTERS[section] = exporter
        return exporter
    return decorate


def exporters() -> dict[str, Callable[[Participant], Any]]:
    """Every registered export section, by name."""
    return dict(_EXPORTERS)
