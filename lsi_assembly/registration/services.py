"""Registering, confirming the address, editing and cancelling; the delegate quota and the waiting list.

A registration sent on the form is ``unconfirmed``: it holds no place and is on no list until its
holder follows the link e-mailed to the address and presses the button (``confirm_address``), so
that typing other people's addresses cannot fill an organization's quota. The quota decision is made
then; one not confirmed within REGISTRATION_CONFIRM_HOURS is deleted (``delete_expired_unconfirmed``,
run by ``flask participants sweep``, and for one address when it registers again). The mails anyone
can cause by typing an address are limited per recipient (MAIL_PER_RECIPIENT_PER_HOUR).

A registration's status changes in one place, ``change_status``, and its days in ``change_days``:
what follows a change (the person's e-mail, a freed quota place given to the waiting list, the
workshop seats through ``signals.participants_changed``) is called from there, so "what happens when
someone is cancelled" has one answer. Changes made together (a bulk action, an import) are grouped
by ``participant_changes``: the waiting lists and the seats follow once, at the end of the group.

Services change data and flush; the unit of work (the request, the command) commits once, and the
mail queued in the outbox leaves after that. Each quota decision first locks the event, then the
organization (``core.locking``, in its lock order: events, organizations, participants): on
PostgreSQL row locks held until commit, on SQLite the database's write lock. The places held are
counted only after the locks are granted, so concurrent registrations for the last place are decided
one at a time and the quota holds with any number of workers. The event's lock comes first because
the workshop seats, which follow statuses, are guarded by it too.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.links import external_url
from lsi_assembly.core.locking import lock, lock_all
from lsi_assembly.core.mail import OutboxMessage, count_recent, queue_mail, recently_sent
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.privacy.consent import consent_state, record_consents
from lsi_assembly.registration.fields import PERSON_FIELDS, Kind
from lsi_assembly.registration.links import new_access_key, personal_link
from lsi_assembly.registration.models import PLACE_HOLDING, Category, Participant, Status
from lsi_assembly.registration.signals import participants_changed

log = logging.getLogger(__name__)

#: Fields a participant may change through the personal link (``fields.py``: not e-mail, organization,
#: category; the days go as ``RegistrationData.day_ids``).
EDITABLE_FIELDS = tuple(spec.name for spec in PERSON_FIELDS if spec.kind is not Kind.DAYS)


@dataclass
class RegistrationData:
    """What a person gives on the registration form, already validated and normalized."""

    email: str
    category: str
    day_ids: list[int]
    #: A value for each of EDITABLE_FIELDS, as the model stores it.
    details: dict[str, object]
    organization_id: int | None = None
    organization_name: str | None = None

    def __post_init__(self) -> None:
        if set(self.details) != set(EDITABLE_FIELDS):
            raise ValueError(f"details must give exactly {EDITABLE_FIELDS}, not {tuple(self.details)}")


@dataclass
class RegistrationOutcome:
    participant: Participant
    #: False when the e-mail was already registered and the personal link was sent again.
    created: bool


def find_by_email(event: Event, email: str) -> Participant | None:
    """Return the registration of ``email`` (normalized) for ``event``."""
    return db.session.scalar(
        sa.select(Participant).where(Participant.event_id == event.id, Participant.email == email)
    )


def _lock_registration(participant: Participant) -> bool:
    """Lock a registration in the lock order (its event, its organization's quota, its row) and re-read it.

    Returns False if the row is gone (an unconfirmed registration deleted meanwhile).
    """
    lock(Event, participant.event_id)
    row = db.session.execute(sa.select(Participant.organization_id).where(Participant.id == participant.id)).first()
    if row is None:
        return False
    lock_all((Organization, [row.organization_id]), (Participant, [participant.id]))
    db.session.refresh(participant)
    return True


def _places_held(event_id: int, organization_id: int, excluding: int | None = None) -> int:
    stmt = sa.select(sa.func.count()).where(
        Participant.event_id == event_id,
        Participant.organization_id == organization_id,
        Participant.category == Category.DELEGATE,
        Participant.status.in_(PLACE_HOLDING),
    )
    if excluding is not None:
        stmt = stmt.where(Participant.id != excluding)
    return db.session.scalar(stmt) or 0


def _admitted_status(event: Event) -> Status:
    return Status.PENDING if event.requires_approval else Status.CONFIRMED


def decide_status(event: Event, participant: Participant, admitted: Status | None = None) -> Status:
    """Decide ``admitted`` (default: pending or confirmed as the event says) or waitlisted.

    The organization's quota row is locked first (see the module's docstring).
    """
    admitted = admitted or _admitted_status(event)
    if participant.category != Category.DELEGATE or participant.organization_id is None:
        return admitted
    lock_all((Event, [event.id]), (Organization, [participant.organization_id]))
    quota = db.session.scalar(
        sa.select(Organization.delegate_quota).where(Organization.id == participant.organization_id)
    )
    held = _places_held(event.id, participant.organization_id, excluding=participant.id)
    return admitted if held < (quota or 0) else Status.WAITLISTED


def waitlist_position(participant: Participant) -> int | None:
    """Return 1 for the first in line of the organization's waiting list, None if not waitlisted."""
    if participant.status != Status.WAITLISTED or participant.organization_id is None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).where(
            Participant.event_id == participant.event_id,
            Participant.organization_id == participant.organization_id,
            Participant.category == Category.DELEGATE,
            Participant.status == Status.WAITLISTED,
            sa.or_(
                Participant.status_changed_at < participant.status_changed_at,
                sa.and_(
                    Participant.status_changed_at == participant.status_changed_at,
                    Participant.id < participant.id,
                ),
            ),
        )
    )
    return (ahead or 0) + 1


def _event_days(event: Event, day_ids: list[int]) -> list[EventDay]:
    wanted = set(day_ids)
    days = [day for day in event.days if day.id in wanted]
    if len(days) != len(wanted):
        raise ValueError("a chosen day does not belong to this event")
    return days


def _apply(participant: Participant, data: RegistrationData, fields) -> None:
    for name in fields:
        setattr(participant, name, data.details[name])


#: At most one "here is your link again" e-mail per address in this time, whatever is submitted.
LINK_MAIL_INTERVAL = timedelta(minutes=10)
#: The mails anyone can cause by typing an address (or holding a link): at most
#: MAIL_PER_RECIPIENT_PER_HOUR of them to one address in an hour, counted in the outbox.
RECIPIENT_LIMITED = ("registration_confirm", "registration_link", "registration_new_link")


def may_mail(address: str) -> bool:
    """Tell whether the registration flow may send ``address`` one more mail this hour.

    Counted in the outbox without a lock: requests for one address at the same instant may send one
    or two more, never an unbounded number.
    """
    sent = count_recent(address, RECIPIENT_LIMITED, timedelta(hours=1))
    if sent < current_app.config["MAIL_PER_RECIPIENT_PER_HOUR"]:
        return True
    log.info("registration mail held back: the address had %d this hour", sent)
    return False


def confirm_deadline(participant: Participant) -> datetime:
    """When an unconfirmed registration expires (it was sent at ``status_changed_at``)."""
    return participant.status_changed_at + timedelta(hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])


def is_expired(participant: Participant, now: datetime | None = None) -> bool:
    """Tell whether ``participant`` is an unconfirmed registration past its deadline."""
    return participant.status == Status.UNCONFIRMED and confirm_deadline(participant) <= (now or utcnow())


def send_address_confirmation(participant: Participant) -> None:
    """E-mail the link to confirm the address (no text typed on the form but the name), within the limit."""
    if not may_mail(participant.email):
        return
    queue_mail(participant.email, "registration_confirm", participant.locale, participant=participant,
               link=personal_link(participant.access_key), hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])


def send_personal_link(participant: Participant) -> None:
    """E-mail the person their personal link again (the confirmation, if the address is not confirmed
    yet), unless one went out a few minutes ago or the address had its share of mails this hour."""
    if participant.status == Status.UNCONFIRMED:
        send_address_confirmation(participant)
        return
    if recently_sent(participant.email, "registration_link", LINK_MAIL_INTERVAL) or not may_mail(participant.email):
        return
    queue_mail(
        participant.email, "registration_link", participant.locale,
        participant=participant, link=personal_link(participant.access_key),
        register_link=external_url("registration.register_form"),
    )


def register(event: Event, data: RegistrationData, locale: str) -> RegistrationOutcome:
    """Register a person as unconfirmed and e-mail the link to confirm the address, or send the link again.

    An address already registered gets its personal link again (an unconfirmed one: the confirmation
    again) and nothing is changed. A cancelled registration of the same address is reopened with the
    new answers, and an expired unconfirmed one is replaced; either must be confirmed like a new one
    (a reopened one not confirmed in time is deleted like a new one: its answers were replaced anyway).
    No place is decided here: that happens in ``confirm_address``; a new registration takes no lock
    (a reopened one takes the event's), so registrations do not wait for one another. Two concurrent
    submissions of one e-mail meet at the unique constraint: the loser's insert is undone (a
    savepoint; the rest of the caller's transaction stays) and it answers as a duplicate.
    """
    now = utcnow()
    existing = find_by_email(event, data.email)
    if existing is not None and is_expired(existing, now):
        erase_registrations([existing])
        existing = None
    if existing is not None and existing.status != Status.CANCELLED:
        send_personal_link(existing)
        return RegistrationOutcome(existing, created=False)

    if existing is not None:
        # Reopened: its days and status change under the event's lock (the lock order). A new
        # registration takes no lock: unconfirmed, it holds and decides nothing (``change_status``).
        lock(Event, event.id)
    consents_before = consent_state(existing) if existing is not None else None
    participant = existing or Participant(event_id=event.id, email=data.email, created_at=now)
    participant.access_key = new_access_key()  # a reopened registration's old links stop working
    _apply(participant, data, EDITABLE_FIELDS)
    participant.category = data.category
    participant.organization_id = data.organization_id
    participant.organization_name = None if data.organization_id else data.organization_name
    if existing is None:
        # Not in the database yet: no seat or card follows its days; its first status (below) tells the listeners.
        participant.days = _event_days(event, data.day_ids)
    else:
        change_days(participant, _event_days(event, data.day_ids), by="participant")
    participant.privacy_accepted_at = now
    participant.locale = locale
    participant.email_confirmed_at = sa.null()  # not None: that would let the column's default fill it in
    try:
        with db.session.begin_nested():  # the same address sent twice at once: one row, the other answers below
            if existing is None:
                db.session.add(participant)
            change_status(participant, Status.UNCONFIRMED, by="participant", reason="registered", now=now)
    except IntegrityError:
        existing = find_by_email(event, data.email)
        if existing is None:
            raise
        send_personal_link(existing)
        return RegistrationOutcome(existing, created=False)
    record_consents(participant, consents_before, by="person")
    send_address_confirmation(participant)
    return RegistrationOutcome(participant, created=True)


def confirm_address(participant: Participant) -> bool:
    """Confirm a registration's address (its holder pressed the button): decide its place, tell the person.

    The decision is ``decide_status``'s, under the event's lock and then the quota's, so that
    confirmations at the same instant for the last place give it to exactly one; the waiting list is
    ordered by the time of confirmation. Confirming again changes nothing. Returns False when the
    registration had expired (or was swept meanwhile): it is deleted, nothing is decided.
    """
    if not _lock_registration(participant):  # the status as it is now, under the locks
        return False
    if participant.status != Status.UNCONFIRMED:
        return True
    now = utcnow()
    if is_expired(participant, now):
        erase_registrations([participant])
        return False
    participant.email_confirmed_at = now
    change_status(participant, decide_status(participant.event, participant), by="participant",
                  reason="confirmed", now=now)
    return True


def renew_access_key(participant: Participant) -> bool:
    """Sign out every link sent so far (a new key) and e-mail a fresh one to the registered address.

    Returns False, changing nothing, when the address had its share of mails this hour: a new key
    without the mail would leave the person without a link.
    """
    if not may_mail(participant.email):
        return False
    participant.access_key = new_access_key()
    db.session.flush()
    queue_mail(participant.email, "registration_new_link", participant.locale, participant=participant,
               link=personal_link(participant.access_key))
    return True


def erase_registrations(participants: list[Participant]) -> None:
    """Delete unconfirmed registrations with what they left: audit entries, the confirmation e-mails sent.

    Only unconfirmed ones are deleted (a registration confirmed meanwhile stays): they hold no place
    and nobody confirmed the personal data typed into them.
    """
    ids = [p.id for p in participants]
    lock(Event, *{p.event_id for p in participants})  # the lock order: the event before its participants
    for participant in participants:
        db.session.expunge(participant)
    _erase(Participant.id.in_(ids))


def _erase(condition) -> int:
    gone = db.session.execute(
        sa.delete(Participant).where(condition, Participant.status == Status.UNCONFIRMED)
        .returning(Participant.id, Participant.email)
        .execution_options(synchronize_session=False)).all()
    if not gone:
        return 0
    db.session.execute(sa.delete(AuditEntry).where(
        AuditEntry.entity_type == "participant", AuditEntry.entity_id.in_([row.id for row in gone])))
    # Sent confirmation mails carry the name typed; a waiting one is left to the outbox's sender.
    db.session.execute(sa.delete(OutboxMessage).where(
        OutboxMessage.recipient.in_([row.email for row in gone]), OutboxMessage.kind == "registration_confirm",
        OutboxMessage.sent_at.is_not(None)))
    return len(gone)


def delete_expired_unconfirmed(now: datetime | None = None) -> int:
    """Delete the registrations of every event whose address was not confirmed in time; return how many."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])
    expired = Participant.status_changed_at <= cutoff
    lock(Event, *db.session.scalars(sa.select(Participant.event_id).distinct().where(
        expired, Participant.status == Status.UNCONFIRMED)))
    return _erase(expired)


def readdress(participant: Participant) -> None:
    """After an organizer changed the e-mail address: revoke the old links, send one to the new address
    (the confirmation, for a registration whose address is not confirmed yet)."""
    participant.access_key = new_access_key()
    db.session.flush()
    if participant.status == Status.UNCONFIRMED:
        queue_mail(participant.email, "registration_confirm", participant.locale, participant=participant,
                   link=personal_link(participant.access_key), hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])
        return
    queue_mail(participant.email, "registration_link", participant.locale, participant=participant,
               link=personal_link(participant.access_key), register_link=external_url("registration.register_form"))


def update_registration(participant: Participant, data: RegistrationData) -> None:
    """Apply a participant's own changes (not e-mail, organization or category)."""
    consents_before = consent_state(participant)
    change_days(participant, _event_days(participant.event, data.day_ids), by="participant")
    _apply(participant, data, EDITABLE_FIELDS)
    db.session.flush()
    record_consents(participant, consents_before, by="person")


def promote_from_waitlist(event: Event, organization_id: int) -> list[Participant]:
    """Move waitlisted delegates into free places of the quota, oldest first (``change_status`` tells them).

    The caller holds the event's and the organization's locks (``participant_changes`` takes them
    for the places its changes freed): with the event locked, no status changes meanwhile. An
    inactive organization's waiting list stays as it is.
    """
    quota, active = db.session.execute(
        sa.select(Organization.delegate_quota, Organization.is_active).where(Organization.id == organization_id)
    ).one()
    if not active:
        return []
    free = quota - _places_held(event.id, organization_id)
    promoted: list[Participant] = []
    now = utcnow()
    while len(promoted) < free:
        candidate = db.session.scalars(
            sa.select(Participant)
            .where(
                Participant.event_id == event.id,
                Participant.organization_id == organization_id,
                Participant.category == Category.DELEGATE,
                Participant.status == Status.WAITLISTED,
                Participant.id.not_in([p.id for p in promoted]),
            )
            .order_by(Participant.status_changed_at, Participant.id)
            .limit(1)
            .execution_options(populate_existing=True)
        ).first()
        if candidate is None:
            break
        change_status(candidate, _admitted_status(event), by="waiting list", reason="promoted", now=now)
        promoted.append(candidate)
    db.session.flush()
    return promoted


@dataclass
class QuotaChange:
    """What moving a registration to another organization or category did to the quotas."""

    #: The moved person now waits: the new organization's quota is full.
    waitlisted: bool = False
    #: The moved person got a place they were waiting for.
    admitted: bool = False
    #: Waitlisted delegates of the old organization given the freed place (filled when the group of
    #: changes settles, see ``participant_changes``).
    promoted: list[Participant] = field(default_factory=list)


def keep_quota(event: Event, participant: Participant, old_organization_id: int | None,
               old_category: str) -> QuotaChange:
    """Re-decide a registration's place after an organizer changed its organization or category.

    Both organizations are locked (after the event, in id order); a delegate holding a place in a
    full organization goes on its waiting list, a waiting one with room gets a place (neither is
    e-mailed: the organizer tells them), and a place freed in the old organization goes to its
    waiting list.
    """
    change = QuotaChange()
    if (old_organization_id, old_category) == (participant.organization_id, participant.category):
        return change
    if participant.status in (Status.CANCELLED, Status.UNCONFIRMED):
        return change
    held_before = (old_category == Category.DELEGATE and old_organization_id is not None
                   and participant.status in PLACE_HOLDING)
    lock_all((Event, [event.id]), (Organization, [old_organization_id, participant.organization_id]))
    with participant_changes() as changes:
        decided = decide_status(event, participant, admitted=participant.status
                                if participant.status in PLACE_HOLDING else None)
        if participant.status in PLACE_HOLDING and decided == Status.WAITLISTED:
            change.waitlisted = change_status(participant, decided, by="organizer", reason="quota")
        elif participant.status == Status.WAITLISTED and decided != Status.WAITLISTED:
            change.admitted = change_status(participant, decided, by="organizer", reason="quota")
        if held_before:
            changes.free_place(event.id, old_organization_id)
        change.promoted = changes.promoted
    return change


def edit_registration(participant: Participant, answers: dict[str, object], *, organization_id: int | None,
                      organization_name: str | None, days: list[EventDay]) -> QuotaChange:
    """Apply an organizer's edit of a registration: its details, organization and days; keep the quotas.

    The locks come first (the event, the old and the new organization), then the row is written; a
    changed e-mail address gets new links (``readdress``). Returns what ``keep_quota`` did.
    """
    event = participant.event
    old_organization_id, old_category, old_email = (participant.organization_id, participant.category,
                                                    participant.email)
    lock_all((Event, [event.id]), (Organization, [old_organization_id, organization_id]))
    consents_before = consent_state(participant)
    with participant_changes() as changes:
        change_days(participant, days, by="organizer")
        for name, value in answers.items():
            setattr(participant, name, value)
        participant.organization_id = organization_id
        participant.organization_name = None if organization_id else organization_name
        if (participant.organization_id, participant.category) != (old_organization_id, old_category):
            changes.note(participant)  # e.g. the voting cards follow a delegate who moved
        db.session.flush()
        change = keep_quota(event, participant, old_organization_id, old_category)
        if participant.email != old_email:
            readdress(participant)
        change.promoted = changes.promoted
    record_consents(participant, consents_before, by="organizers")
    return change


def refill_quota(event: Event, organization_id: int) -> list[Participant]:
    """Give free places of an organization's quota (e.g. after it grew) to its waiting list, oldest first."""
    lock_all((Event, [event.id]), (Organization, [organization_id]))
    with participant_changes() as changes:
        changes.free_place(event.id, organization_id)
    return changes.promoted


def refill_quotas(event: Event) -> list[Participant]:
    """Refill the quota of every active organization (after the member list was imported)."""
    promoted = []
    for organization_id in db.session.scalars(sa.select(Organization.id).where(
            Organization.event_id == event.id, Organization.is_active.is_(True)).order_by(Organization.id)):
        promoted += refill_quota(event, organization_id)
    return promoted


def cancel_registration(participant: Participant) -> list[Participant]:
    """Cancel a registration (its holder's own request), tell the person, refill a freed quota place."""
    return apply_action("cancel", [participant], by="participant").promoted


@dataclass(frozen=True)
class Action:
    """An organizer's decision on a registration."""

    name: str
    #: Statuses it applies to; others are left alone.
    sources: frozenset[Status]
    target: Status
    #: The e-mail telling the person.
    template: str


ACTIONS = {
    action.name: action for action in (
        Action("approve", frozenset({Status.PENDING}), Status.CONFIRMED, "registration_confirmed"),
        Action("admit", frozenset({Status.WAITLISTED}), Status.CONFIRMED, "registration_confirmed"),
        Action("reject", frozenset({Status.PENDING, Status.WAITLISTED}), Status.CANCELLED, "registration_declined"),
        Action("cancel", frozenset({Status.PENDING, Status.CONFIRMED, Status.WAITLISTED}), Status.CANCELLED,
               "registration_cancelled"),
    )
}


@dataclass
class ActionOutcome:
    changed: list[Participant] = field(default_factory=list)
    #: Left alone because the action does not apply to their status.
    skipped: list[Participant] = field(default_factory=list)
    promoted: list[Participant] = field(default_factory=list)
    #: Organizations now holding more delegates than their quota (after an organizer's admit).
    over_quota: set[str] = field(default_factory=set)


def apply_action(action_name: str, participants: list[Participant], by: str = "organizer") -> ActionOutcome:
    """Apply an organizer's action to registrations; ``change_status`` e-mails each person and refills
    freed quota places.

    The events, their organizations and the registrations are locked first (``core.locking``, in its
    order), so a bulk action and concurrent registrations cannot deadlock or overfill a quota; the
    statuses are read again under the locks.
    """
    action = ACTIONS[action_name]
    outcome = ActionOutcome()
    found = set(lock_all((Event, {p.event_id for p in participants}),
                         (Organization, {p.organization_id for p in participants}),
                         (Participant, {p.id for p in participants}))[Participant])
    participants = sorted(participants, key=lambda p: p.id)
    for participant in participants:
        if participant.id in found:
            db.session.refresh(participant)  # decide on the status as it is now, not as it was loaded
    now = utcnow()
    with participant_changes() as changes:
        for participant in participants:
            if participant.id not in found or participant.status not in action.sources:
                outcome.skipped.append(participant)
                continue
            change_status(participant, action.target, by=by, reason=action.name, now=now)
            outcome.changed.append(participant)
            if action.name == "admit" and participant.category == Category.DELEGATE and participant.organization_id:
                quota = db.session.scalar(sa.select(Organization.delegate_quota)
                                          .where(Organization.id == participant.organization_id)) or 0
                db.session.flush()
                if _places_held(participant.event_id, participant.organization_id) > quota:
                    outcome.over_quota.add(participant.organization.name)
        outcome.promoted = changes.promoted
    return outcome


# --- the one place a registration's status and days change ------------------------------------------

#: The e-mail a change of status sends the person, by the ``reason`` given to ``change_status``. The
#: other reasons send none: ``registered`` (``register`` asks to confirm the address), ``quota`` (an
#: organizer moved the person to another organization or category, and tells them), ``walk-in`` (the
#: person is at the desk), ``sample`` (demo data).
STATUS_MAILS = {
    "confirmed": "registration_received",  # the address is confirmed: the place decided, or the waiting list
    "approve": "registration_confirmed",
    "admit": "registration_confirmed",
    "reject": "registration_declined",
    "cancel": "registration_cancelled",
    "promoted": "waitlist_promoted",
    "imported": "registration_imported",
}


@dataclass
class ParticipantChanges:
    """Registrations changed together (``participant_changes``), and what follows once they settle."""

    #: Participants whose status or days changed, by event id.
    changed: dict[int, list[Participant]] = field(default_factory=dict)
    #: (event id, organization id) of the quota places given up: their waiting lists move up.
    freed: set[tuple[int, int]] = field(default_factory=set)
    #: Who moved off a waiting list when the changes settled.
    promoted: list[Participant] = field(default_factory=list)

    def note(self, participant: Participant) -> None:
        """Count ``participant`` among the changed ones."""
        group = self.changed.setdefault(participant.event_id, [])
        if not any(p is participant for p in group):
            group.append(participant)

    def free_place(self, event_id: int, organization_id: int) -> None:
        """Give a quota place of the organization, freed by these changes, to its waiting list."""
        self.freed.add((event_id, organization_id))


_GROUP: ContextVar[ParticipantChanges | None] = ContextVar("lsi_assembly_participant_changes", default=None)


@contextmanager
def participant_changes() -> Iterator[ParticipantChanges]:
    """Group changes of status and days: what follows them happens once, when the outermost group ends.

    Then the quota places freed go to the waiting lists (``promote_from_waitlist``, under the event's
    and the organization's locks; its promotions join the group), the changes are flushed and
    ``signals.participants_changed`` is sent once per event (the workshop seats follow). Inside
    another group this one is that group. A group left by an exception does nothing more: its
    transaction is rolled back.
    """
    outer = _GROUP.get()
    if outer is not None:
        yield outer
        return
    changes = ParticipantChanges()
    token = _GROUP.set(changes)
    try:
        yield changes
        while changes.freed:
            event_id, organization_id = min(changes.freed)
            changes.freed.discard((event_id, organization_id))
            lock_all((Event, [event_id]), (Organization, [organization_id]))
            changes.promoted += promote_from_waitlist(db.session.get(Event, event_id), organization_id)
        db.session.flush()
        for event_id in sorted(changes.changed):
            participants_changed.send(db.session.get(Event, event_id),
                                      participant_ids=sorted(p.id for p in changes.changed[event_id]))
    finally:
        _GROUP.reset(token)


def change_status(participant: Participant, new_status: Status, *, by: str, reason: str,
                  now: datetime | None = None, tell: bool = True) -> bool:
    """Set a registration's status: the one place where a status changes, and what follows from it.

    - the event's lock first (the lock order; nothing more when the caller holds it already);
    - the status and when it changed (``status_changed_at`` orders the waiting list); a cancellation
      also signs out every link sent (a new access key);
    - the person's e-mail for ``reason`` (``STATUS_MAILS``), unless ``tell`` is False;
    - a delegate's quota place given up goes to the organization's waiting list, and the workshop
      seats follow (``signals.participants_changed``), once the group of changes settles
      (``participant_changes``; a change outside a group is a group of its own).

    A new registration gets its first status here too (its ``status`` is still unset; it must be in
    the session); a new one that is unconfirmed takes no lock and nothing follows (it holds nothing).
    ``by`` says who decided, for the log: ``participant``, ``organizer``, ``import``, ``desk``,
    ``waiting list`` or ``sample data``. Returns whether the status changed.
    """
    old = participant.status
    if old == new_status:
        return False
    if old is None and new_status == Status.UNCONFIRMED:
        # A new registration waiting for its address: it holds no quota place, seat or voting card and
        # decides nothing, so it takes no lock and nothing follows; the listeners hear of it once its
        # address is confirmed (``confirm_address``). Concurrent registrations do not wait for each other.
        participant.status = new_status
        participant.status_changed_at = now or utcnow()
        log.debug("participant %s: new, unconfirmed (%s, by %s)", participant.id, reason, by)
        return True
    lock(Event, participant.event_id)
    participant.status = new_status
    participant.status_changed_at = now or utcnow()
    if new_status == Status.CANCELLED:
        participant.access_key = new_access_key()  # the links sent so far stop working
    log.debug("participant %s: status %s -> %s (%s, by %s)", participant.id, old, new_status, reason, by)
    with participant_changes() as changes:
        changes.note(participant)
        if (participant.category == Category.DELEGATE and participant.organization_id is not None
                and old in PLACE_HOLDING and new_status not in PLACE_HOLDING):
            changes.free_place(participant.event_id, participant.organization_id)
        template = STATUS_MAILS.get(reason)
        if tell and template:
            queue_mail(participant.email, template, participant.locale, participant=participant,
                       link=personal_link(participant.access_key), position=waitlist_position(participant))
    return True


def change_days(participant: Participant, days: list[EventDay], *, by: str) -> bool:
    """Set the days a registration attends: the workshop seats follow, as for a status (``change_status``).

    Takes the event's lock first: call it before changing the registration's other fields, so that
    its row is written only under the lock. Returns whether the days changed.
    """
    if not sa.inspect(participant).transient and {d.id for d in participant.days} == {d.id for d in days}:
        return False
    lock(Event, participant.event_id)
    participant.days = list(days)
    log.debug("participant %s: days changed (by %s)", participant.id, by)
    with participant_changes() as changes:
        changes.note(participant)
    return True
