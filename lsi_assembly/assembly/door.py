"""The hall's door at the desk: what one scan or one typed name does, and what the door staff see.

The pages (``door_views``) call ``pass_door`` and ``pass_person``; both let a person in or out
through ``services.enter`` and ``services.leave``, whose unique (session, person) row makes double
scans and several doors at once harmless. Nothing here commits: the page does.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lsi_assembly.assembly import services
from lsi_assembly.assembly.models import HallPresence, QuorumRecord, StatutorySession
from lsi_assembly.assembly.services import AssemblyError
from lsi_assembly.badges.services import normalize_code
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.core.search import full_name_keys, like_pattern, search_terms
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Membership, Organization
from lsi_assembly.registration.models import Category, Participant, Status

#: At most this many people are offered for a name (the door narrows down by typing more).
MAX_CHOICES = 12
#: At a Toggle door, a second scan of the same person this soon after their last passage is taken for
#: the scanner sending the code twice: it changes nothing.
TOGGLE_REPEAT = timedelta(seconds=10)
#: How long after an entry the staff member who made it may take it back (erase it) with Undo.
UNDO_WINDOW = timedelta(seconds=60)


class Direction(LabelledEnum):
    """Which way the door lets people through: an entrance, an exit, or both (each scan flips)."""

    IN = "in"
    OUT = "out"
    TOGGLE = "toggle"

    __labels__ = {IN: _l("In"), OUT: _l("Out"), TOGGLE: _l("Toggle")}

    @classmethod
    def read(cls, value: str | None) -> Direction:
        """The direction named ``value``; a door is an entrance unless told otherwise."""
        try:
            return cls(value)
        except ValueError:
            return cls.IN


class Outcome(enum.StrEnum):
    """What a scan did."""

    ENTERED = "entered"
    ALREADY_IN = "already_in"
    LEFT = "left"
    NOT_IN = "not_in"
    UNDONE = "undone"
    REFUSED = "refused"
    NOBODY = "nobody"
    CHOICES = "choices"


@dataclass
class Passage:
    """The result of one scan or name at the door (kept for the next page, by ids)."""

    outcome: Outcome
    participant_id: int | None = None
    #: A refusal's reason or the name that found nobody or several people.
    text: str = ""
    choice_ids: list[int] = field(default_factory=list)

    def as_data(self) -> dict:
        """The passage as JSON, to keep in the server-side staff session."""
        return {"outcome": self.outcome.value, "participant_id": self.participant_id, "text": self.text,
                "choice_ids": self.choice_ids}

    @classmethod
    def from_data(cls, data: dict) -> Passage | None:
        """The passage kept by ``as_data`` (None for anything else)."""
        try:
            return cls(Outcome(data["outcome"]), data.get("participant_id"), str(data.get("text") or ""),
                       [int(i) for i in data.get("choice_ids") or ()])
        except (KeyError, TypeError, ValueError):
            return None


def door_session(event: Event, today: date) -> StatutorySession | None:
    """The session a door opens on by default: today's first, else the next one, else the last."""
    sessions = services.list_sessions(event)
    return (next((s for s in sessions if s.day == today), None)
            or next((s for s in sessions if s.day > today), None)
            or (sessions[-1] if sessions else None))


def is_inside(session: StatutorySession, participant: Participant) -> bool:
    """Whether the person is in the hall now."""
    return bool(db.session.scalar(sa.select(HallPresence.inside).where(
        HallPresence.session_id == session.id, HallPresence.participant_id == participant.id)))


def _check_may_pass(participant: Participant) -> None:
    """Refuse the people ``services.find_person`` refuses, when found by name."""
    if participant.status == Status.UNCONFIRMED:
        raise AssemblyError(_("%(person)s has not confirmed their registration.", person=participant.full_name))
    if participant.status == Status.CANCELLED:
        raise AssemblyError(_("The registration of %(person)s is cancelled.", person=participant.full_name))


def _move(session: StatutorySession, participant: Participant, direction: Direction,
          now: datetime | None = None) -> Passage:
    if direction == Direction.TOGGLE:
        presence = services._presence(session, participant)
        inside = presence is not None and presence.inside
        last_change = max(filter(None, (presence.entered_at, presence.left_at))) if presence is not None else None
        if last_change is not None and (now or utcnow()) - last_change < TOGGLE_REPEAT:
            # The scanner sent the code twice: the person just went through, nothing changes.
            return Passage(Outcome.ALREADY_IN if inside else Outcome.NOT_IN, participant.id)
        direction = Direction.OUT if inside else Direction.IN
    if direction == Direction.IN:
        outcome = Outcome.ENTERED if services.enter(session, participant, now=now) else Outcome.ALREADY_IN
    else:
        outcome = Outcome.LEFT if services.leave(session, participant, now=now) else Outcome.NOT_IN
    return Passage(outcome, participant.id)


def pass_person(session: StatutorySession, participant: Participant, direction: Direction) -> Passage:
    """Let a person chosen at the door (by name, or the last result's button) in or out."""
    try:
        _check_may_pass(participant)
    except AssemblyError as refusal:
        return Passage(Outcome.REFUSED, participant.id, str(refusal))
    return _move(session, participant, direction)


def entry_made(session: StatutorySession, passage: Passage) -> dict | None:
    """What a staff member keeps of the entry they just made (for their Undo): None unless it let someone in."""
    if passage.outcome != Outcome.ENTERED or passage.participant_id is None:
        return None
    entered_at = db.session.scalar(sa.select(HallPresence.entered_at).where(
        HallPresence.session_id == session.id, HallPresence.participant_id == passage.participant_id))
    return {"session_id": session.id, "participant_id": passage.participant_id,
            "entered_at": entered_at.isoformat() if entered_at else None}


def undo_entry(session: StatutorySession, participant: Participant, just_made: dict | None, *,
               now: datetime | None = None) -> Passage:
    """Take back an entry scanned by mistake.

    Only the entry this staff member just made (``just_made``, from ``entry_made``), within
    UNDO_WINDOW, and only a first entry, is erased, so the attendance register does not list the
    person; once a quorum was recorded after it, it is refused. Otherwise Undo lets the person out.
    """
    now = now or utcnow()
    presence = services._presence(session, participant)
    erasable = (presence is not None and presence.inside and presence.left_at is None
                and presence.first_entered_at == presence.entered_at
                and isinstance(just_made, dict) and just_made.get("session_id") == session.id
                and just_made.get("participant_id") == participant.id
                and just_made.get("entered_at") == presence.entered_at.isoformat()
                and now - presence.entered_at <= UNDO_WINDOW)
    if not erasable:
        return _move(session, participant, Direction.OUT, now)
    if db.session.scalar(sa.select(sa.func.count()).select_from(QuorumRecord).where(
            QuorumRecord.session_id == session.id, QuorumRecord.recorded_at >= presence.entered_at)):
        return Passage(Outcome.REFUSED, participant.id, _(
            "A quorum was recorded after %(person)s came in: the entry cannot be taken back. "
            "Use “Let out” if they are leaving.", person=participant.full_name))
    db.session.delete(presence)
    db.session.flush()
    return Passage(Outcome.UNDONE, participant.id)


def search_people(event: Event, text: str) -> list[Participant]:
    """The event's registered people whose name, badge name, e-mail or organization has all the words of
    ``text`` (accents aside), at most MAX_CHOICES + 1 of them."""
    terms = search_terms(text)
    if not terms:
        return []
    stmt = (sa.select(Participant).outerjoin(Organization, Participant.organization_id == Organization.id)
            .where(Participant.event_id == event.id, Participant.status != Status.UNCONFIRMED)
            .options(selectinload(Participant.organization))
            .order_by(Participant.sort_name, Participant.id).limit(MAX_CHOICES + 1))
    for term in terms:
        pattern = like_pattern(term)
        stmt = stmt.where(sa.or_(Participant.search_text.like(pattern, escape="\\"),
                                 Organization.search_name.like(pattern, escape="\\")))
    # A protected person is found by their badge or their exact full name only (docs/privacy.md).
    stmt = stmt.where(sa.or_(Participant.protected.is_(False), Participant.sort_name.in_(full_name_keys(text))))
    return list(db.session.scalars(stmt))


def pass_door(session: StatutorySession, text: str, direction: Direction) -> Passage:
    """One scan or one typed name at the door: a badge code, a voting card's code or an e-mail lets the
    person through (or says why not); a name lets its only match through, or lists the people it matches."""
    text = (text or "").strip()
    if normalize_code(text) is not None or "@" in text:
        try:
            participant = services.find_person(session.event, text)
        except AssemblyError as refusal:
            return Passage(Outcome.REFUSED, None, str(refusal))
        return _move(session, participant, direction)
    matches = search_people(session.event, text)
    if not matches:
        return Passage(Outcome.NOBODY, None, text[:200])
    if len(matches) == 1:
        return pass_person(session, matches[0], direction)
    return Passage(Outcome.CHOICES, None, text[:200], [p.id for p in matches])


# What the door staff see


@dataclass(frozen=True)
class Vote:
    """A vote a person carries into the hall: as ``role`` ("voter", "alternate" or "proxy") for ``member``."""

    role: str
    member: Organization
    #: For a proxy: the member whose voting delegate or alternate carries it.
    holder: Organization | None = None


def _counts_for(participant: Participant, organization_id: int) -> bool:
    return (participant.organization_id == organization_id and participant.category == Category.DELEGATE
            and participant.status == Status.CONFIRMED)


def votes_carried(event: Event, participant: Participant) -> list[Vote]:
    """The votes this person brings in: a full member's as its voting delegate or alternate, and the
    proxies that member holds (as ``services.status`` counts them)."""
    carried, own = [], set()
    for mandate in services.mandates(event).values():
        member = mandate.organization
        if member.membership != Membership.FULL or not _counts_for(participant, member.id):
            continue
        if participant.id in (mandate.voter_id, mandate.alternate_id):
            carried.append(Vote("voter" if mandate.voter_id == participant.id else "alternate", member))
            own.add(member.id)
    for proxy in services.active_proxies(event):
        if proxy.holder_id in own and proxy.giver.membership == Membership.FULL:
            carried.append(Vote("proxy", proxy.giver, proxy.holder))
    return carried


@dataclass(frozen=True)
class HallCount:
    """The figures the door shows: people inside now, the votes present and needed."""

    people: int
    votes_present: int
    votes_needed: int
    quorum: bool

    def as_dict(self) -> dict:
        """The figures as JSON, for the page to refresh itself."""
        return {"people": self.people, "votes_present": self.votes_present, "votes_needed": self.votes_needed,
                "quorum": self.quorum}


def hall_count(session: StatutorySession) -> HallCount:
    """How many people are in the hall now, and the quorum's votes present and needed."""
    people = services.inside(session)
    figures = services.status(session, came_in=people).figures
    return HallCount(len(people), figures.votes_present, figures.votes_needed, figures.quorum)
