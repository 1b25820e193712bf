"""The General Assembly: statutory sessions, mandates, proxies, the hall's door, the quorum, what the
chair records, voting cards.

Services change data and flush; the page or command that calls them commits (or rolls back on
``AssemblyError``). A service that decides on several rows at once (a mandate, a proxy, the voting
cards) first takes ``_lock_for_decision``, so two decisions of the same event run one after the
other and the second sees what the first committed. The door needs no lock: one row per (session,
person) under a unique constraint makes double scans and two doors at once harmless.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lsi_assembly.assembly import quorum
from lsi_assembly.assembly.models import (
    HallPresence,
    Mandate,
    Proxy,
    QuorumRecord,
    StatutorySession,
    VoteResult,
    VotingCard,
)
from lsi_assembly.badges.models import BadgeCode
from lsi_assembly.badges.services import new_code, normalize_code
from lsi_assembly.core.audit import current_actor
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.locking import lock
from lsi_assembly.core.search import fold
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Membership, Organization
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.registration.signals import participants_changed

#: Longest motion text recorded with a vote result.
MAX_MOTION_LENGTH = 2000


class AssemblyError(Exception):
    """A rule of the Assembly refused a change; nothing was changed. ``str()`` is the reason, translated.

    ``about`` names what the reason is about when a form should show it on one field (e.g. "alternate").
    """

    def __init__(self, message: str = "", *, about: str | None = None):
        super().__init__(message)
        self.about = about


def _lock_for_decision(event_id: int) -> None:
    """Serialize the Assembly's decisions of one event (mandates, proxies, voting cards) until the
    transaction ends: the event's row, first in core.locking's order."""
    lock(Event, event_id)


# Statutory sessions


#: What a quorum fraction may look like (after "," became "."): digits, decimals, or a ratio of whole numbers.
#: Checked before ``Fraction`` reads it, which would spend seconds on an exponent like ``1e-99999999``.
_FRACTION = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:/[0-9]+)?")


def parse_fraction(text: str) -> Decimal:
    """Read a quorum fraction typed as ``0.5``, ``0,5`` or ``2/3`` (kept to four decimals)."""
    cleaned = (text or "").strip().replace(",", ".")
    try:
        if len(cleaned) > 20 or not _FRACTION.fullmatch(cleaned):
            raise ValueError(cleaned)
        exact = Fraction(cleaned)
        if not 0 <= exact < 1:
            raise ValueError(cleaned)
    except (ValueError, ZeroDivisionError):
        raise AssemblyError(_("The quorum fraction must be a number from 0 to less than 1, such as 0.5 or 2/3."
                              )) from None
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.0001"))


def _checked_session_fields(event: Event, name: str, day: date, starts_at: time | None, ends_at: time | None,
                            quorum_fraction: Decimal, *, excluding: int | None = None) -> str:
    """Check a session's fields against the rules; return the name, spaces tidied."""
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise AssemblyError(_("Please give the session a name (at most 200 characters)."))
    if day not in {d.date for d in event.days}:
        raise AssemblyError(_("%(day)s is not a day of the event.", day=day.isoformat()))
    if starts_at and ends_at and ends_at <= starts_at:
        raise AssemblyError(_("The session must end after it starts."))
    try:
        quorum.check_fraction(quorum_fraction)
    except ValueError:
        raise AssemblyError(_("The quorum fraction must be a number from 0 to less than 1, such as 0.5 or 2/3."
                              )) from None
    if session_name_taken(event, name, excluding=excluding):
        raise AssemblyError(_("There is already a session named “%(name)s”.", name=name))
    return name


def session_name_taken(event: Event, name: str, *, excluding: int | None = None) -> bool:
    """Whether another session of the event has this name (capitals and spaces aside)."""
    name = " ".join((name or "").split())
    query = sa.select(StatutorySession.id).where(
        StatutorySession.event_id == event.id, sa.func.lower(StatutorySession.name) == name.lower())
    if excluding is not None:
        query = query.where(StatutorySession.id != excluding)
    return db.session.scalar(query) is not None


def add_session(event: Event, name: str, day: date, *, starts_at: time | None = None, ends_at: time | None = None,
                quorum_fraction: Decimal = quorum.DEFAULT_FRACTION) -> StatutorySession:
    """Add a statutory session on one of the event's days."""
    name = _checked_session_fields(event, name, day, starts_at, ends_at, quorum_fraction)
    session = StatutorySession(event_id=event.id, name=name, day=day, starts_at=starts_at, ends_at=ends_at,
                               quorum_fraction=Decimal(quorum_fraction))
    _flush_named(session, add=True)
    return session


def _flush_named(session: StatutorySession, *, add: bool = False) -> None:
    """Flush in a savepoint: two organizers saving the same name at once get the refusal, not an error."""
    try:
        with db.session.begin_nested():
            if add:
                db.session.add(session)
    except IntegrityError:
        raise AssemblyError(_("There is already a session named “%(name)s”.", name=session.name)) from None


def change_session(session: StatutorySession, name: str, day: date, *, starts_at: time | None = None,
                   ends_at: time | None = None, quorum_fraction: Decimal = quorum.DEFAULT_FRACTION) -> None:
    """Change a session's name, day, times or quorum fraction (the same rules as ``add_session``).

    Quorums and votes recorded before keep the figures and the fraction of their moment.
    """
    session.name = _checked_session_fields(session.event, name, day, starts_at, ends_at, quorum_fraction,
                                           excluding=session.id)
    session.day, session.starts_at, session.ends_at = day, starts_at, ends_at
    session.quorum_fraction = Decimal(quorum_fraction)
    _flush_named(session)


def session_in_use(session: StatutorySession) -> bool:
    """Whether anyone entered the hall for ``session`` or a quorum or vote was recorded in it."""
    return any(db.session.scalar(sa.select(sa.exists().where(model.session_id == session.id)))
               for model in (HallPresence, QuorumRecord, VoteResult))


def delete_session(session: StatutorySession) -> None:
    """Delete a session nobody entered and in which nothing was recorded (it belongs to the minutes then)."""
    if session_in_use(session):
        raise AssemblyError(_("“%(name)s” cannot be deleted: people entered the hall or the quorum or a vote "
                              "was recorded, and these belong to the minutes.", name=session.name))
    db.session.delete(session)
    db.session.flush()


def list_sessions(event: Event) -> list[StatutorySession]:
    """The event's statutory sessions in the order they take place."""
    return list(db.session.scalars(sa.select(StatutorySession).where(StatutorySession.event_id == event.id)
                                   .order_by(StatutorySession.day, StatutorySession.starts_at, StatutorySession.id)))


def find_session(event: Event, session_id: int | str) -> StatutorySession:
    """The event's session with this id."""
    number = int(session_id) if str(session_id).isascii() and str(session_id).isdecimal() else None
    session = db.session.get(StatutorySession, number) if number is not None and number < 2**31 else None
    if session is None or session.event_id != event.id:
        raise AssemblyError(_("There is no session %(session)s.", session=session_id))
    return session


def proxies_revocable(event: Event, now: datetime | None = None) -> bool:
    """Whether proxies may still be revoked: until the event's first statutory session starts."""
    return not quorum.session_started([s.begins_at(event.timezone) for s in list_sessions(event)], now or utcnow())


# Members and delegates


def find_organization(event: Event, text: str | int) -> Organization:
    """The event's organization with this id, or this name (accents and capitals aside)."""
    text = str(text).strip()
    organization = None
    if text.isascii() and text.isdecimal() and int(text) < 2**31:
        organization = db.session.get(Organization, int(text))
        if organization is not None and organization.event_id != event.id:
            organization = None
    if organization is None and text:
        organization = db.session.scalar(sa.select(Organization).where(
            Organization.event_id == event.id, Organization.search_name == fold(text)))
    if organization is None:
        raise AssemblyError(_("There is no organization “%(organization)s”.", organization=text))
    return organization


def find_participant(event: Event, email: str) -> Participant:
    """The event's participant registered with this e-mail address."""
    address = (email or "").strip().lower()
    participant = db.session.scalar(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.email == address,
        Participant.status != Status.UNCONFIRMED)) if address else None
    if participant is None:
        raise AssemblyError(_("Nobody is registered with the e-mail address %(email)s.", email=address or "–"))
    return participant


def _is_confirmed_delegate(participant: Participant | None, organization_id: int) -> bool:
    return (participant is not None and participant.organization_id == organization_id
            and participant.category == Category.DELEGATE and participant.status == Status.CONFIRMED)


def _require_full_member(organization: Organization) -> None:
    if organization.membership != Membership.FULL:
        raise AssemblyError(_("%(organization)s is not a full member: only full members vote.",
                              organization=organization.name))


# Mandates


def mandates(event: Event) -> dict[int, Mandate]:
    """The event's mandates by organization id."""
    rows = db.session.scalars(sa.select(Mandate).where(Mandate.event_id == event.id).options(
        selectinload(Mandate.voter), selectinload(Mandate.alternate)))
    return {mandate.organization_id: mandate for mandate in rows}


def set_mandate(event: Event, organization: Organization, voter: Participant,
                alternate: Participant | None = None, *, now: datetime | None = None) -> Mandate:
    """Name a full member's voting delegate and alternate: confirmed delegates of that member, two people.

    The member's voting cards (and those of the proxies it holds) are voided and reissued to the new
    voting delegate.
    """
    _lock_for_decision(event.id)
    _require_full_member(organization)
    if alternate is not None and alternate.id == voter.id:
        raise AssemblyError(_("The voting delegate and the alternate must be two different people."),
                            about="alternate")
    for person, about in ((voter, "voter"), (alternate, "alternate")):
        if person is not None and not _is_confirmed_delegate(person, organization.id):
            raise AssemblyError(_("%(person)s is not a confirmed delegate of %(organization)s.",
                                  person=person.full_name, organization=organization.name), about=about)
    mandate = db.session.scalar(sa.select(Mandate).where(Mandate.organization_id == organization.id))
    if mandate is None:
        mandate = Mandate(event_id=event.id, organization_id=organization.id, voter_id=voter.id,
                          alternate_id=alternate.id if alternate else None)
        db.session.add(mandate)
    else:
        mandate.voter_id, mandate.alternate_id = voter.id, alternate.id if alternate else None
    db.session.flush()
    _refresh_cards(event, now or utcnow())
    return mandate


def remove_mandate(event: Event, organization: Organization, *, now: datetime | None = None) -> bool:
    """Withdraw a member's mandate (its voting cards are voided); returns whether there was one."""
    _lock_for_decision(event.id)
    mandate = db.session.scalar(sa.select(Mandate).where(Mandate.organization_id == organization.id))
    if mandate is None:
        return False
    db.session.delete(mandate)
    db.session.flush()
    _refresh_cards(event, now or utcnow())
    return True


# Proxies


def active_proxies(event: Event) -> list[Proxy]:
    """The proxies holding now, in the order they were given."""
    return list(db.session.scalars(sa.select(Proxy).where(Proxy.event_id == event.id, Proxy.revoked_at.is_(None))
                                   .order_by(Proxy.given_at, Proxy.id)))


def _member(organization: Organization) -> quorum.Member:
    return quorum.Member(organization.id, organization.name, organization.votes,
                         full=organization.membership == Membership.FULL)


def _proxy_message(refusal: quorum.ProxyRefusal, giver: Organization, holder: Organization | None) -> str:
    max_proxies = current_app.config["ASSEMBLY_MAX_PROXIES"]
    giver_name, holder_name = giver.name, holder.name if holder else ""
    return {
        quorum.ProxyRefusal.GIVER_NOT_FULL: lambda: _(
            "%(organization)s is not a full member: only full members give a proxy.", organization=giver_name),
        quorum.ProxyRefusal.HOLDER_NOT_FULL: lambda: _(
            "%(organization)s is not a full member: only full members hold a proxy.", organization=holder_name),
        quorum.ProxyRefusal.TO_ITSELF: lambda: _("A member cannot give its proxy to itself."),
        quorum.ProxyRefusal.ALREADY_GIVEN: lambda: _(
            "%(organization)s has already given its proxy: a member gives one at most.", organization=giver_name),
        quorum.ProxyRefusal.GIVER_HOLDS: lambda: _(
            "%(organization)s holds another member's proxy, so it cannot give its own.", organization=giver_name),
        quorum.ProxyRefusal.HOLDER_GAVE: lambda: _(
            "%(organization)s has given its own proxy, so it cannot hold one.", organization=holder_name),
        quorum.ProxyRefusal.HOLDER_FULL: lambda: _(
            "%(organization)s already holds as many proxies as a member may (%(max)d).",
            organization=holder_name, max=max_proxies),
        quorum.ProxyRefusal.NONE_GIVEN: lambda: _(
            "%(organization)s has no proxy to revoke.", organization=giver_name),
        quorum.ProxyRefusal.SESSION_STARTED: lambda: _(
            "A proxy can no longer be revoked: the session has started."),
    }[refusal]()


def give_proxy(event: Event, giver: Organization, holder: Organization, *, now: datetime | None = None) -> Proxy:
    """Give ``giver``'s vote to ``holder`` (the rules: ``quorum.proxy_refusal``, at most ASSEMBLY_MAX_PROXIES
    per holder).

    Atomic: under the event's lock, the active proxies are read after the previous decision committed,
    so two members giving their proxy to the same holder at once end with one accepted when only one
    fits; the partial unique index on an active proxy's giver backs the one-proxy-per-giver rule.
    """
    _lock_for_decision(event.id)
    now = now or utcnow()
    proxies = [quorum.Proxy(p.giver_id, p.holder_id) for p in active_proxies(event)]
    refusal = quorum.proxy_refusal(_member(giver), _member(holder), proxies,
                                   current_app.config["ASSEMBLY_MAX_PROXIES"])
    if refusal is not None:
        raise AssemblyError(_proxy_message(refusal, giver, holder))
    proxy = Proxy(event_id=event.id, giver_id=giver.id, holder_id=holder.id, given_at=now)
    db.session.add(proxy)
    db.session.flush()
    _refresh_cards(event, now)
    return proxy


def revoke_proxy(event: Event, giver: Organization, *, now: datetime | None = None) -> Proxy:
    """Revoke ``giver``'s proxy, which is possible until the event's first statutory session starts."""
    _lock_for_decision(event.id)
    now = now or utcnow()
    proxy = db.session.scalar(sa.select(Proxy).where(Proxy.giver_id == giver.id, Proxy.revoked_at.is_(None)))
    starts = [s.begins_at(event.timezone) for s in list_sessions(event)]
    refusal = quorum.revocation_refusal(
        _member(giver), [quorum.Proxy(proxy.giver_id, proxy.holder_id)] if proxy else [], starts, now)
    if refusal is not None:
        raise AssemblyError(_proxy_message(refusal, giver, None))
    proxy.revoked_at = now
    db.session.flush()
    _refresh_cards(event, now)
    return proxy


# The hall's door


def find_person(event: Event, text: str) -> Participant:
    """The person a badge code, a voting card's code or an e-mail address names, if they may come in.

    A replaced badge's code and a void voting card's code are refused.
    """
    text = (text or "").strip()
    code = normalize_code(text)
    participant = None
    if code is not None:
        badge = db.session.scalar(sa.select(BadgeCode).join(Participant).where(
            BadgeCode.code == code, Participant.event_id == event.id))
        if badge is not None and badge.revoked_at is not None:
            raise AssemblyError(_("This badge was replaced by a new one: take the old one back."))
        card = None if badge else db.session.scalar(sa.select(VotingCard).where(
            VotingCard.code == code, VotingCard.event_id == event.id))
        if card is not None and card.voided_at is not None:
            raise AssemblyError(_("This voting card is void: the mandate or a proxy changed since it was printed."))
        if card is not None and _card_holders(event).get(card.organization_id) != (card.participant_id, card.votes):
            # Not voided yet, but its holder is no longer the member's voting delegate (registration changed).
            raise AssemblyError(_("This voting card is no longer valid: its holder is no longer the voting "
                                  "delegate it was printed for."))
        participant = badge.participant if badge else card.participant if card else None
    elif "@" in text:
        participant = db.session.scalar(sa.select(Participant).where(
            Participant.event_id == event.id, Participant.email == text.lower()))
    if participant is None or participant.status == Status.UNCONFIRMED:
        raise AssemblyError(_("No participant has this badge code or e-mail address: %(text)s", text=text[:80]))
    if participant.status == Status.CANCELLED:
        raise AssemblyError(_("The registration of %(person)s is cancelled.", person=participant.full_name))
    return participant


def _presence(session: StatutorySession, participant: Participant) -> HallPresence | None:
    return db.session.scalar(sa.select(HallPresence).where(
        HallPresence.session_id == session.id, HallPresence.participant_id == participant.id))


def enter(session: StatutorySession, participant: Participant, *, now: datetime | None = None) -> bool:
    """Let a person into the hall; returns False when they were inside already (a double scan).

    Two doors at once: the unique (session, person) row lets one insert win; the other finds it.
    """
    now = now or utcnow()
    presence = _presence(session, participant)
    if presence is None:
        try:
            with db.session.begin_nested():
                db.session.add(HallPresence(session_id=session.id, participant_id=participant.id, inside=True,
                                            first_entered_at=now, entered_at=now))
            return True
        except IntegrityError:
            presence = _presence(session, participant)
    if presence.inside:
        return False
    presence.inside, presence.entered_at, presence.left_at = True, now, None
    db.session.flush()
    return True


def leave(session: StatutorySession, participant: Participant, *, now: datetime | None = None) -> bool:
    """Let a person out of the hall; returns False when they were not inside."""
    presence = _presence(session, participant)
    if presence is None or not presence.inside:
        return False
    presence.inside, presence.left_at = False, now or utcnow()
    db.session.flush()
    return True


def inside(session: StatutorySession) -> set[int]:
    """The ids of the people in the hall now."""
    return set(db.session.scalars(sa.select(HallPresence.participant_id).where(
        HallPresence.session_id == session.id, HallPresence.inside.is_(True))))


# The quorum


@dataclass(frozen=True)
class SessionStatus:
    """A session's quorum now: the pure core's figures, and what they mean as JSON."""

    session: StatutorySession
    figures: quorum.Figures

    def as_dict(self) -> dict:
        """The figures as plain data: counts, votes, and the members present, represented and missing."""
        f = self.figures
        return {
            "session": {"id": self.session.id, "name": self.session.name, "day": self.session.day.isoformat()},
            "members": len(f.members), "present": len(f.present), "represented": len(f.represented),
            "missing": len(f.missing), "votes_total": f.votes_total, "votes_present": f.votes_present,
            "votes_needed": f.votes_needed, "quorum": f.quorum, "quorum_fraction": str(f.fraction.normalize()),
            "members_present": [{"id": a.member.id, "name": a.member.name, "votes": a.member.votes, "by": a.by}
                                for a in f.present],
            "members_represented": [{"id": a.member.id, "name": a.member.name, "votes": a.member.votes,
                                     "holder": a.holder.name, "holder_id": a.holder.id} for a in f.represented],
            "members_missing": [{"id": m.id, "name": m.name, "votes": m.votes} for m in f.missing],
        }


def status(session: StatutorySession, *, came_in: set[int] | None = None) -> SessionStatus:
    """Who is present and represented in ``session`` now, the votes present and needed.

    Every full member counts (its votes are in the total, active for registration or not); a voting
    delegate or alternate counts only while a confirmed delegate of the member.
    """
    event_id = session.event_id
    named = mandates(session.event)
    members = []
    for organization in db.session.scalars(sa.select(Organization).where(Organization.event_id == event_id)
                                           .order_by(Organization.search_name, Organization.id)):
        mandate = named.get(organization.id)
        voter = mandate.voter if mandate else None
        alternate = mandate.alternate if mandate else None
        members.append(quorum.Member(
            organization.id, organization.name, organization.votes, organization.membership == Membership.FULL,
            voter=voter.id if _is_confirmed_delegate(voter, organization.id) else None,
            alternate=alternate.id if _is_confirmed_delegate(alternate, organization.id) else None))
    proxies = [quorum.Proxy(p.giver_id, p.holder_id) for p in active_proxies(session.event)]
    people = inside(session) if came_in is None else came_in
    return SessionStatus(session, quorum.count(members, proxies, people, session.quorum_fraction))


def attendance(session: StatutorySession) -> tuple[SessionStatus, dict[int, datetime]]:
    """Who attended ``session`` (the attendance register): the figures when everyone who came in at any
    time during the session counts as inside, and each such person's first time in, by participant id.

    The same rules as ``status`` (present by the voting delegate, else the alternate; represented when
    the proxy holder attended); only the set of people is "came in", not "is inside now".
    """
    first_in = dict(db.session.execute(sa.select(HallPresence.participant_id, HallPresence.first_entered_at)
                                       .where(HallPresence.session_id == session.id)).all())
    return status(session, came_in=set(first_in)), first_in


def record_quorum(session: StatutorySession, *, now: datetime | None = None) -> QuorumRecord:
    """Record the quorum now, with who records it and the members present and represented, for the minutes."""
    figures = status(session)
    data = figures.as_dict()
    user_id, actor = current_actor()
    record = QuorumRecord(
        session_id=session.id, recorded_at=now or utcnow(), user_id=user_id, actor=actor,
        members=data["members"], present=data["present"], represented=data["represented"],
        votes_total=data["votes_total"], votes_present=data["votes_present"], votes_needed=data["votes_needed"],
        quorum=data["quorum"], quorum_fraction=session.quorum_fraction,
        details={key: data[key] for key in ("members_present", "members_represented", "members_missing")})
    db.session.add(record)
    db.session.flush()
    return record


def record_vote(session: StatutorySession, motion: str, votes_for: int, votes_against: int, abstentions: int,
                *, now: datetime | None = None) -> VoteResult:
    """Record a vote's result; refused when for + against + abstentions exceed the votes present now."""
    motion = (motion or "").strip()
    if not motion or len(motion) > MAX_MOTION_LENGTH:
        raise AssemblyError(_("Please give the motion's text (at most %(max)d characters).", max=MAX_MOTION_LENGTH))
    counts = (votes_for, votes_against, abstentions)
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
        raise AssemblyError(_("Votes for, against and abstentions must be whole numbers, 0 or more."))
    present = status(session).figures.votes_present
    if sum(counts) > present:
        raise AssemblyError(_("%(cast)d votes were cast, more than the %(present)d votes present.",
                              cast=sum(counts), present=present))
    user_id, actor = current_actor()
    result = VoteResult(session_id=session.id, motion=motion, votes_for=votes_for, votes_against=votes_against,
                        abstentions=abstentions, votes_present=present, recorded_at=now or utcnow(),
                        user_id=user_id, actor=actor)
    db.session.add(result)
    db.session.flush()
    return result


def quorum_records(session: StatutorySession) -> list[QuorumRecord]:
    """The quorums recorded in a session, oldest first."""
    return list(db.session.scalars(sa.select(QuorumRecord).where(QuorumRecord.session_id == session.id)
                                   .order_by(QuorumRecord.recorded_at, QuorumRecord.id)))


def vote_results(session: StatutorySession) -> list[VoteResult]:
    """The vote results recorded in a session, oldest first."""
    return list(db.session.scalars(sa.select(VoteResult).where(VoteResult.session_id == session.id)
                                   .order_by(VoteResult.recorded_at, VoteResult.id)))


# Voting cards


def _card_holders(event: Event) -> dict[int, tuple[int, int]]:
    """Who should hold each full member's vote: {member id: (voting delegate's participant id, votes)}."""
    organizations = {o.id: o for o in db.session.scalars(sa.select(Organization).where(
        Organization.event_id == event.id))}
    full = {i for i, o in organizations.items() if o.membership == Membership.FULL}
    named = mandates(event)
    voters = {i: m.voter_id for i, m in named.items() if i in full and _is_confirmed_delegate(m.voter, i)}
    carried_by = {p.giver_id: p.holder_id for p in active_proxies(event) if p.giver_id in full and p.holder_id in full}
    holders = {}
    for member_id in full:
        votes = organizations[member_id].votes
        voter = voters.get(carried_by.get(member_id, member_id))
        if votes > 0 and voter is not None:
            holders[member_id] = (voter, votes)
    return holders


def _refresh_cards(event: Event, now: datetime) -> None:
    wanted = _card_holders(event)
    valid = {card.organization_id: card for card in db.session.scalars(sa.select(VotingCard).where(
        VotingCard.event_id == event.id, VotingCard.voided_at.is_(None)))}
    for member_id, card in valid.items():
        if wanted.get(member_id) != (card.participant_id, card.votes):
            card.voided_at = now
    db.session.flush()  # voided before their replacements: one valid card per member
    for member_id, (participant_id, votes) in wanted.items():
        card = valid.get(member_id)
        if card is None or card.voided_at is not None:
            db.session.add(VotingCard(event_id=event.id, participant_id=participant_id, organization_id=member_id,
                                      votes=votes, code=new_code(), issued_at=now))
    db.session.flush()


@participants_changed.connect
def cards_follow_participants(event: Event, *, participant_ids: list[int], **_ignored) -> None:
    """Receiver of ``participants_changed``: when a changed participant holds a valid voting card or is
    named by a mandate (a cancellation, a new category or organization), the event's voting cards are
    brought up to date in the same transaction (a card no longer held rightly is voided)."""
    if not participant_ids:
        return
    concerned = db.session.scalar(sa.select(sa.or_(
        sa.exists().where(VotingCard.event_id == event.id, VotingCard.voided_at.is_(None),
                          VotingCard.participant_id.in_(participant_ids)),
        sa.exists().where(Mandate.event_id == event.id, Mandate.voter_id.in_(participant_ids)))))
    if concerned:
        _lock_for_decision(event.id)
        _refresh_cards(event, utcnow())


def refresh_voting_cards(event: Event, *, now: datetime | None = None) -> list[VotingCard]:
    """Bring the voting cards up to date and return the valid ones (e.g. before printing them).

    One card per full member's vote, held by the voting delegate of that member or of the member holding
    its proxy; a card whose holder or votes changed is voided and a new one issued. Mandates and proxies
    refresh them by themselves; a change of a member's votes or membership shows here.
    """
    _lock_for_decision(event.id)
    _refresh_cards(event, now or utcnow())
    return valid_voting_cards(event)


def valid_voting_cards(event: Event) -> list[VotingCard]:
    """The valid voting cards, by holder's name, their own member's card first."""
    cards = db.session.scalars(sa.select(VotingCard).where(VotingCard.event_id == event.id,
                                                           VotingCard.voided_at.is_(None))
                               .options(selectinload(VotingCard.participant), selectinload(VotingCard.organization)))
    return sorted(cards, key=lambda c: (c.participant.sort_name, c.participant_id,
                                        c.organization_id != c.participant.organization_id, c.organization.search_name))



def voting_cards_to_print(event: Event, *, not_printed: bool = False,
                          now: datetime | None = None) -> list[VotingCard]:
    """Bring the voting cards up to date and return the valid ones to print (``not_printed``: only those
    never printed, i.e. the new cards issued since the last print run)."""
    cards = refresh_voting_cards(event, now=now)
    return [card for card in cards if card.printed_at is None] if not_printed else cards


def record_card_prints(cards: list[VotingCard], *, now: datetime | None = None) -> None:
    """Note that these cards were printed now (a void card keeps the note: it is still out there)."""
    now = now or utcnow()
    for card in cards:
        card.printed_at = now
    db.session.flush()


def voting_cards_to_take_back(event: Event) -> list[VotingCard]:
    """Printed cards that are void and whose member's vote is not on a printed valid card yet, oldest first.

    Their holders must hand them in (the door refuses them anyway); the list empties as the
    replacements are printed. A member that no longer has a card (no votes, no longer a full member,
    no voting delegate) keeps its printed void cards here until a card of it is printed again.
    """
    printed_valid = sa.select(VotingCard.organization_id).where(
        VotingCard.event_id == event.id, VotingCard.voided_at.is_(None), VotingCard.printed_at.is_not(None))
    return list(db.session.scalars(
        sa.select(VotingCard).where(VotingCard.event_id == event.id, VotingCard.voided_at.is_not(None),
                                    VotingCard.printed_at.is_not(None),
                                    VotingCard.organization_id.not_in(printed_valid))
        .options(selectinload(VotingCard.participant), selectinload(VotingCard.organization))
        .order_by(VotingCard.voided_at, VotingCard.id)))
