"""Figures for the organizers' dashboard: counts only, never who."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import PLACE_HOLDING, Participant, Status, participant_days
from lsi_assembly.registration.queries import QuotaRow, quota_overview


@dataclass
class DayCatering:
    day: EventDay
    #: People expected (confirmed or awaiting confirmation).
    expected: int
    #: Count per diet code.
    diets: dict[str, int]
    #: People who wrote a free-text dietary note.
    with_notes: int


@dataclass
class Dashboard:
    by_status: dict[str, int]
    by_category: list[tuple[str, int]]
    by_country: list[tuple[str, int]]
    by_day: list[tuple[EventDay, int]]
    catering: list[DayCatering]
    accessibility_needs: int
    #: (day, registrations that day, total so far), one entry per day from the first registration.
    timeline: list[tuple[date, int, int]]
    quotas: list[QuotaRow]

    @property
    def active(self) -> int:
        return sum(count for status, count in self.by_status.items()
                   if status not in (Status.CANCELLED, Status.UNCONFIRMED))


def _grouped(column, event: Event, *conditions) -> list[tuple[str, int]]:
    rows = db.session.execute(
        sa.select(column, sa.func.count()).where(Participant.event_id == event.id, *conditions)
        .group_by(column).order_by(sa.func.count().desc(), column))
    return [(value, count) for value, count in rows]


def dashboard(event: Event) -> Dashboard:
    """Compute the dashboard's figures for ``event`` (a handful of queries, whatever its size)."""
    # Registrations whose address is not confirmed only show in their own counter (by_status).
    not_cancelled = Participant.status.in_((Status.PENDING, Status.CONFIRMED, Status.WAITLISTED))
    expected = Participant.status.in_(PLACE_HOLDING)
    by_status = {status.value: 0 for status in Status}
    by_status.update(dict(_grouped(Participant.status, event)))

    day_counts = dict(db.session.execute(
        sa.select(participant_days.c.event_day_id, sa.func.count())
        .join(Participant, Participant.id == participant_days.c.participant_id)
        .where(Participant.event_id == event.id, expected)
        .group_by(participant_days.c.event_day_id)).all())

    diets: dict[int, Counter] = {day.id: Counter() for day in event.days}
    notes: Counter = Counter()
    rows = db.session.execute(
        sa.select(participant_days.c.event_day_id, Participant.dietary, Participant.dietary_notes)
        .join(Participant, Participant.id == participant_days.c.participant_id)
        .where(Participant.event_id == event.id, expected))
    for day_id, dietary, note in rows:
        diets[day_id].update(dietary or [])
        if note:
            notes[day_id] += 1

    created = sorted(db.session.scalars(
        sa.select(Participant.created_at).where(Participant.event_id == event.id, not_cancelled)))
    zone = ZoneInfo(event.timezone)
    per_day = Counter(moment.astimezone(zone).date() for moment in created)  # days as seen at the venue
    timeline, total = [], 0
    if per_day:
        first, last = min(per_day), max(per_day)
        for offset in range((last - first).days + 1):
            day = date.fromordinal(first.toordinal() + offset)
            total += per_day.get(day, 0)
            timeline.append((day, per_day.get(day, 0), total))

    return Dashboard(
        by_status=by_status,
        by_category=_grouped(Participant.category, event, not_cancelled),
        by_country=_grouped(Participant.country, event, not_cancelled),
        by_day=[(day, day_counts.get(day.id, 0)) for day in event.days],
        catering=[DayCatering(day, day_counts.get(day.id, 0), dict(diets[day.id]), notes[day.id])
                  for day in event.days],
        accessibility_needs=db.session.scalar(sa.select(sa.func.count()).where(
            Participant.event_id == event.id, not_cancelled,
            Participant.accessibility_needs.is_not(None))) or 0,  # encrypted: "" is stored as NULL
        timeline=timeline,
        quotas=quota_overview(event),
    )


@dataclass
class Chart:
    """A bar chart laid out for SVG: bars in a 0..width x 0..height box."""

    width: int
    height: int
    bars: list[tuple[float, float, float, float, str]]  # x, y, w, h, title
    max_value: int
    labels: list[tuple[float, str, str]]  # x, text, text-anchor


def timeline_chart(timeline: list[tuple[date, int, int]], width: int = 640, height: int = 160) -> Chart:
    """Lay out the running total of registrations as bars, one per day, with a few date labels."""
    if not timeline:
        return Chart(width, height, [], 0, [])
    top = max(total for _, _, total in timeline) or 1
    step = width / len(timeline)
    bars = []
    for index, (day, new, total) in enumerate(timeline):
        bar_height = height * total / top
        bars.append((round(index * step, 2), round(height - bar_height, 2), round(max(step - 1, 0.5), 2),
                     round(bar_height, 2), f"{day.isoformat()}: +{new}, {total}"))
    # First and last day, and a few between, never so close to the ends that they would overlap.
    every = max(len(timeline) // 4, 1)
    labels = [(0.0, timeline[0][0].isoformat(), "start")]
    labels += [(round((i + 0.5) * step, 2), timeline[i][0].isoformat(), "middle")
               for i in range(every, len(timeline) - every // 2 - 1, every)]
    if len(timeline) > 1:
        labels.append((float(width), timeline[-1][0].isoformat(), "end"))
    return Chart(width, height, bars, top, labels)
