"""Checking people in at the desk: finding them, one check-in per day, the day's counts."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lsi_assembly.badges.models import BadgeCode, BadgePrint
from lsi_assembly.badges.services import participant_for_code
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.search import full_name_keys, like_pattern, search_terms
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.privacy.consent import record_consents
from lsi_assembly.registration.links import new_access_key
from lsi_assembly.registration.models import Participant, Status, participant_days
from lsi_assembly.registration.services import change_status, erase_registrations

#: At most this many people are listed for a name search (the desk narrows down by typing more).
MAX_MATCHES = 25
#: Why the desk cannot check someone in, by status: what the desk tells the person, and where to send them.
WHY_NO_CHECK_IN = {
    Status.PENDING: _l("Awaiting the organizers' confirmation: no check-in and no badge yet. "
                       "Send the person to the organizers."),
    Status.WAITLISTED: _l("On the waiting list: no place yet, so no check-in and no badge. "
                          "Send the person to the organizers."),
    Status.CANCELLED: _l("Registration cancelled: no check-in and no badge. Send the person to the organizers."),
    Status.UNCONFIRMED: _l("The e-mail address was never confirmed: no registration yet. "
                           "Send the person to the organizers."),
}


def venue_today(event: Event) -> date:
    """Today's date at the venue (the event's time zone), whatever the server's."""
    return datetime.now(ZoneInfo(event.timezone)).date()


def desk_day(event: Event, today: date | None = None) -> EventDay | None:
    """The event day it is today at the venue (None outside the event's days)."""
    today = today or venue_today(event)
    return next((day for day in event.days if day.date == today), None)


@dataclass
class Lookup:
    """What the desk's one input found: a person by badge code, or people by name."""

    participant: Participant | None = None
    matches: list[Participant] | None = None
    #: The code was one of a reissued badge: the person is found, but the old badge must be taken back.
    revoked: bool = False


def look_up(event: Event, text: str) -> Lookup:
    """A scanned badge code, or words of a name, badge name, e-mail or organization (accents ignored)."""
    participant, revoked = participant_for_code(event, text)
    if participant is not None:
        return Lookup(participant=participant, revoked=revoked)
    terms = search_terms(text)
    if not terms:
        return Lookup(matches=[])
    stmt = (sa.select(Participant).outerjoin(Organization, Participant.organization_id == Organization.id)
            .where(Participant.event_id == event.id, Participant.status != Status.UNCONFIRMED)
            .options(selectinload(Participant.organization), selectinload(Participant.days))
            .order_by(Participant.sort_name, Participant.id).limit(MAX_MATCHES + 1))
    for term in terms:
        pattern = like_pattern(term)
        stmt = stmt.where(sa.or_(Participant.search_text.like(pattern, escape="\\"),
                                 Organization.search_name.like(pattern, escape="\\")))
    # A protected person is found by their badge or their exact full name only (docs/privacy.md).
    stmt = stmt.where(sa.or_(Participant.protected.is_(False), Participant.sort_name.in_(full_name_keys(text))))
    matches = list(db.session.scalars(stmt))
    if len(matches) == 1:
        return Lookup(participant=matches[0])
    return Lookup(matches=matches)


def check_in_of(participant: Participant, day: EventDay) -> CheckIn | None:
    """The participant's check-in on ``day``, if any."""
    return db.session.scalar(sa.select(CheckIn).where(CheckIn.participant_id == participant.id,
                                                      CheckIn.day_id == day.id))


def check_ins_on(day: EventDay, participants: list[Participant]) -> dict[int, CheckIn]:
    """The check-ins on ``day`` of ``participants``, by participant id (one query, for a list of matches)."""
    ids = [p.id for p in participants]
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(CheckIn).where(CheckIn.day_id == day.id, CheckIn.participant_id.in_(ids)))
    return {row.participant_id: row for row in rows}


def check_in(participant: Participant, day: EventDay, desk: str, user_id: int | None) -> tuple[CheckIn, bool]:
    """Check a participant in on ``day``; returns (the check-in, whether it is new).

    Two desks scanning the same person at once: the unique (participant, day) constraint lets one
    insert win; the other finds that check-in and reports it, without an error.
    """
    existing = check_in_of(participant, day)
    if existing is not None:
        return existing, False
    try:
        with db.session.begin_nested():
            row = CheckIn(participant_id=participant.id, day_id=day.id, desk=desk[:60], user_id=user_id)
            db.session.add(row)
        return row, True
    except IntegrityError:
        return check_in_of(participant, day), False


def undo_check_in(participant: Participant, day: EventDay) -> bool:
    """Take back a check-in made by mistake; returns whether there was one."""
    row = check_in_of(participant, day)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


@dataclass
class DeskView:
    """What the desk needs to know about one person today."""

    participant: Participant
    day: EventDay | None
    checked_in: CheckIn | None
    attends_today: bool
    confirmed: bool
    badge_printed: bool
    revoked_code: bool = False


def desk_view(participant: Participant, day: EventDay | None, revoked_code: bool = False) -> DeskView:
    """Gather the desk's facts about ``participant`` on ``day``."""
    printed = db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint).join(BadgeCode).where(
        BadgePrint.participant_id == participant.id, BadgeCode.revoked_at.is_(None))) > 0
    return DeskView(
        participant=participant, day=day,
        checked_in=check_in_of(participant, day) if day else None,
        attends_today=day is not None and any(d.id == day.id for d in participant.days),
        confirmed=participant.status == Status.CONFIRMED,
        badge_printed=printed, revoked_code=revoked_code)


@dataclass
class DayCounts:
    """Arrivals of one day: in all, by category, by hour (local time)."""

    expected: int
    arrived: int
    by_category: list[tuple[str, int, int]]  # (category, arrived, expected)
    by_hour: list[tuple[int, int]]  # (hour, arrivals in that hour)


def day_counts(event: Event, day: EventDay) -> DayCounts:
    """Who was expected on ``day`` (confirmed and registered for it) and who has arrived."""
    registered = (sa.select(Participant.category, sa.func.count())
                  .join(participant_days, participant_days.c.participant_id == Participant.id)
                  .where(Participant.event_id == event.id, Participant.status == Status.CONFIRMED,
                         participant_days.c.event_day_id == day.id).group_by(Participant.category))
    expected = dict(db.session.execute(registered).all())
    arrived = Counter()
    hours = Counter()
    zone = ZoneInfo(event.timezone)
    for category, checked_in_at in db.session.execute(
            sa.select(Participant.category, CheckIn.checked_in_at).join(CheckIn, CheckIn.participant_id == Participant.id)
            .where(CheckIn.day_id == day.id)):
        arrived[category] += 1
        hours[checked_in_at.astimezone(zone).hour] += 1
    categories = sorted(set(expected) | set(arrived))
    span = range(min(hours), max(hours) + 1) if hours else range(0)
    return DayCounts(
        expected=sum(expected.values()), arrived=sum(arrived.values()),
        by_category=[(category, arrived[category], expected.get(category, 0)) for category in categories],
        by_hour=[(hour, hours[hour]) for hour in span])


def register_walk_in(event: Event, day: EventDay, form, desk: str, user_id: int | None,
                     locale: str) -> tuple[Participant, bool]:
    """Register someone at the desk (confirmed, for ``day``) and check them in.

    Returns (participant, created); an e-mail already registered gives that registration, unchanged.
    A registration of the address that was never confirmed is replaced: the person is here.
    """
    existing = db.session.scalar(sa.select(Participant).where(Participant.event_id == event.id,
                                                              Participant.email == form.email.data))
    if existing is not None and existing.status == Status.UNCONFIRMED:
        erase_registrations([existing])
    elif existing is not None:
        return existing, False
    now = utcnow()
    person = Participant(
        event_id=event.id, email=form.email.data, given_name=form.given_name.data,
        family_name=form.family_name.data, country=form.country.data, category=form.category.data,
        organization_name=form.organization_name.data or None, languages=form.language_list(),
        photo_consent=form.photo_consent.data, privacy_accepted_at=now, locale=locale,
        access_key=new_access_key(), created_at=now)
    person.days = [day]
    try:
        with db.session.begin_nested():  # two desks registering the same person at once: one wins
            db.session.add(person)
            change_status(person, Status.CONFIRMED, by="desk", reason="walk-in", now=now)
    except IntegrityError:
        return db.session.scalar(sa.select(Participant).where(Participant.event_id == event.id,
                                                              Participant.email == form.email.data)), False
    record_consents(person, None, by="organizers")
    check_in(person, day, desk, user_id)
    return person, True
