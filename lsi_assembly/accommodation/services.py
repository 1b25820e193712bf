"""Accommodation: hotels and blocks, room requests, the proposal, moves by hand and publication.

Every function flushes; the request (or command) commits. The organizers' decisions (proposal, move,
publish) lock the event's row first (``core.locking``), so two organizers never place two people in
the last room of a block at once.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lsi_assembly.accommodation import rooming
from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest, RoomType, Sharing
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.links import external_url
from lsi_assembly.core.locking import lock
from lsi_assembly.core.mail import queue_mail
from lsi_assembly.core.personal_data import RetentionRule, register_eraser, register_exporter, register_rule
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import PLACE_HOLDING, Participant


class AccommodationError(Exception):
    """A change that cannot be made; the message says why, for the person who asked."""


# --- the event's nights ---------------------------------------------------------------------------

def possible_nights(event: Event) -> list[date]:
    """The nights a block may hold or a person ask for: the event's days, a night before and a night after."""
    if not event.days:
        return []
    first, last = event.first_day - timedelta(days=1), event.last_day
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def stay_limits(event: Event) -> tuple[date, date] | None:
    """The earliest check-in and the latest check-out."""
    nights = possible_nights(event)
    return (nights[0], nights[-1] + timedelta(days=1)) if nights else None


def suggested_stay(participant: Participant) -> tuple[date, date] | None:
    """Check-in and check-out prefilled from the person's arrival and departure, within the limits."""
    limits = stay_limits(participant.event)
    if limits is None:
        return None
    earliest, latest = limits
    check_in = min(max(participant.arrival_date or participant.event.first_day, earliest), latest - timedelta(days=1))
    check_out = min(max(participant.departure_date or latest, check_in + timedelta(days=1)), latest)
    return check_in, check_out


# --- hotels and blocks ----------------------------------------------------------------------------

def hotels(event: Event) -> list[Hotel]:
    """The event's hotels with their blocks, by name."""
    return list(db.session.scalars(sa.select(Hotel).where(Hotel.event_id == event.id)
                                   .options(selectinload(Hotel.blocks)).order_by(Hotel.name, Hotel.id)))


def add_hotel(event: Event, name: str, address: str) -> Hotel:
    """Add a hotel."""
    hotel = Hotel(event_id=event.id, name=name, address=address)
    db.session.add(hotel)
    db.session.flush()
    return hotel


def delete_hotel(hotel: Hotel) -> None:
    """Delete a hotel and its blocks; the people placed there are no longer placed."""
    for block in hotel.blocks:
        _unplace_block(block)
    db.session.delete(hotel)
    db.session.flush()


def add_block(hotel: Hotel, room_type: str, rooms: int, nights: list[date], price: Decimal) -> RoomBlock:
    """Hold ``rooms`` rooms of ``room_type`` at ``hotel`` for ``nights``."""
    allowed = set(possible_nights(hotel.event))
    if not nights or not set(nights) <= allowed:
        raise AccommodationError(_("Choose at least one night, among the nights of the Assembly."))
    block = RoomBlock(hotel_id=hotel.id, room_type=RoomType(room_type), rooms=rooms,
                      nights=sorted(night.isoformat() for night in set(nights)), price=price)
    db.session.add(block)
    db.session.flush()
    return block


def _unplace_block(block: RoomBlock) -> None:
    for request in db.session.scalars(sa.select(RoomRequest).where(RoomRequest.block_id == block.id)):
        request.block_id = None
        request.roommate_id = None


def delete_block(block: RoomBlock) -> None:
    """Delete a block; the people placed in it are no longer placed."""
    _unplace_block(block)
    db.session.delete(block)
    db.session.flush()


# --- the person's request -------------------------------------------------------------------------

def can_ask(participant: Participant) -> bool:
    """Tell whether the person may ask for a room (confirmed or pending, and the event has nights)."""
    return participant.status in PLACE_HOLDING and participant.anonymized_at is None and bool(participant.event.days)


def request_of(participant: Participant) -> RoomRequest | None:
    """The person's room request, if any."""
    return db.session.scalar(sa.select(RoomRequest).where(RoomRequest.participant_id == participant.id))


def colleagues(participant: Participant) -> list[Participant]:
    """The people of the person's organization (confirmed or pending) they may name: names only are shown."""
    if participant.organization_id is None:
        return []
    return list(db.session.scalars(sa.select(Participant).where(
        Participant.event_id == participant.event_id, Participant.organization_id == participant.organization_id,
        Participant.id != participant.id, Participant.status.in_(PLACE_HOLDING),
        Participant.anonymized_at.is_(None)).order_by(Participant.sort_name, Participant.id)))


def colleague_by_email(participant: Participant, email: str) -> Participant | None:
    """The person registered (confirmed or pending) with this address at the same event, not the person."""
    return db.session.scalar(sa.select(Participant).where(
        Participant.event_id == participant.event_id, Participant.email == email.strip().lower(),
        Participant.id != participant.id, Participant.status.in_(PLACE_HOLDING),
        Participant.anonymized_at.is_(None)))


def named_colleague(request: RoomRequest) -> str | None:
    """How the person's page names their chosen colleague: the name within their organization, else the
    address they typed (a name is never shown for a person of another organization)."""
    wish = request.wish
    if wish is None:
        return None
    if wish.organization_id is not None and wish.organization_id == request.participant.organization_id:
        return wish.full_name
    return wish.email


def save_request(participant: Participant, check_in: date, check_out: date, sharing: str,
                 wish: Participant | None) -> RoomRequest:
    """Create or change the person's request. New nights or a new way of sharing undo the room given.

    The person's row is locked first: two submissions at once make one request, not a unique-key error.
    """
    lock(Participant, participant.id)
    if not can_ask(participant):
        raise AccommodationError(_("Only confirmed or pending registrations can ask for a room."))
    earliest, latest = stay_limits(participant.event)
    if not (earliest <= check_in < check_out <= latest):
        raise AccommodationError(_("Choose a check-in before the check-out, between %(first)s and %(last)s.",
                                   first=earliest.isoformat(), last=latest.isoformat()))
    sharing = Sharing(sharing)
    if sharing == Sharing.COLLEAGUE and wish is None:
        raise AccommodationError(_("Name the colleague you would share with."))
    request = request_of(participant)
    if request is None:
        request = RoomRequest(participant_id=participant.id)
        db.session.add(request)
    changed = (request.check_in, request.check_out, request.sharing, request.wish_id) != (
        check_in, check_out, sharing, wish.id if sharing == Sharing.COLLEAGUE else None)
    if changed and request.block_id is not None:
        _unplace(request)
    request.check_in, request.check_out, request.sharing = check_in, check_out, sharing
    request.wish_id = wish.id if sharing == Sharing.COLLEAGUE else None
    db.session.flush()
    return request


def _unplace(request: RoomRequest) -> None:
    """Take the person out of their room; a roommate stays, alone."""
    if request.roommate_id is not None:
        mate = db.session.scalar(sa.select(RoomRequest).where(RoomRequest.participant_id == request.roommate_id))
        if mate is not None and mate.roommate_id == request.participant_id:
            mate.roommate_id = None
    request.block_id = None
    request.roommate_id = None


def withdraw(participant: Participant) -> bool:
    """Delete the person's request (and the room given): True if there was one."""
    lock(Participant, participant.id)
    request = request_of(participant)
    if request is None:
        return False
    _unplace(request)
    db.session.delete(request)
    db.session.flush()
    return True


# --- the organizers: proposal, moves, publication ------------------------------------------------

def active_requests(event: Event) -> list[RoomRequest]:
    """The requests of people who are confirmed or pending, by name."""
    return list(db.session.scalars(
        sa.select(RoomRequest).join(RoomRequest.participant)
        .where(Participant.event_id == event.id, Participant.status.in_(PLACE_HOLDING),
               Participant.anonymized_at.is_(None))
        .options(selectinload(RoomRequest.participant).selectinload(Participant.organization),
                 selectinload(RoomRequest.roommate), selectinload(RoomRequest.wish),
                 selectinload(RoomRequest.block).selectinload(RoomBlock.hotel))
        .order_by(Participant.sort_name, Participant.id)))


def _core(request: RoomRequest) -> rooming.Request:
    return rooming.Request(request.participant_id, request.nights, request.sharing, request.wish_id,
                           request.participant.organization_id)


def _blocks(event: Event) -> list[RoomBlock]:
    return [block for hotel in hotels(event) for block in hotel.blocks]


def propose(event: Event) -> rooming.Proposal:
    """Replace every placement with the automatic proposal (``rooming.propose``)."""
    lock(Event, event.id)
    requests = active_requests(event)
    proposal = rooming.propose([block.core() for block in _blocks(event)], [_core(r) for r in requests])
    for request in requests:
        placement = proposal.placements.get(request.participant_id)
        request.block_id = placement.block if placement else None
        request.roommate_id = placement.roommate if placement else None
    db.session.flush()
    return proposal


def problems(event: Event) -> list[tuple[RoomBlock, date]]:
    """The blocks and nights with more rooms taken than held (after moves by hand; never after a proposal)."""
    requests = active_requests(event)
    blocks = _blocks(event)
    placements = {r.participant_id: rooming.Placement(r.block_id, r.roommate_id)
                  for r in requests if r.block_id is not None}
    nights = {r.participant_id: r.nights for r in requests}
    by_id = {block.id: block for block in blocks}
    return [(by_id[block_id], night) for block_id, night in
            rooming.overbooked([b.core() for b in blocks], placements, nights)]


def move(request: RoomRequest, block: RoomBlock | None, roommate: RoomRequest | None) -> None:
    """Place the person in ``block`` (None: nowhere), alone or with ``roommate`` (in a twin block).

    Refused, with nothing changed, when the block lacks a night of the stay or a night would be overbooked.
    """
    event = request.participant.event
    lock(Event, event.id)
    if roommate is not None and (block is None or block.room_type != RoomType.TWIN
                                 or roommate.participant_id == request.participant_id):
        raise AccommodationError(_("Only two people in a twin or double room can share it."))
    _unplace(request)
    if roommate is not None:
        _unplace(roommate)
        roommate.block_id, roommate.roommate_id = block.id, request.participant_id
    request.block_id = block.id if block else None
    request.roommate_id = roommate.participant_id if roommate else None
    db.session.flush()
    if block is not None:
        for placed in (request, roommate):
            if placed is not None and not placed.nights <= set(block.night_dates):
                raise AccommodationError(_("This block does not hold every night of the stay."))
        if any(b.id == block.id for b, _night in problems(event)):
            raise AccommodationError(_("This block has no room left on one of these nights."))


def roommate_named(request: RoomRequest, requests: dict[int, RoomRequest]) -> bool:
    """Tell whether the person may be told their roommate's name: both agreed to share with each other."""
    mate = requests.get(request.roommate_id) if request.roommate_id else None
    return mate is not None and rooming.mutual(_core(request), _core(mate))


def published_room(request: RoomRequest) -> dict | None:
    """The room the person was e-mailed, as long as it is still theirs (None: none yet, or being changed)."""
    if not request.published or request.published != request.allocation or request.block is None:
        return None
    mate = request_of(request.roommate) if request.roommate is not None else None
    return {"hotel": request.block.hotel, "room_type": request.block.room_type, "check_in": request.check_in,
            "check_out": request.check_out,
            "roommate": request.roommate.full_name if mate is not None and rooming.mutual(_core(request), _core(mate))
            else None}


def unpublished(event: Event) -> list[RoomRequest]:
    """The requests whose room changed since the person was last e-mailed (or never was, and has one)."""
    return [r for r in active_requests(event) if r.allocation != r.published]


def publish(event: Event) -> int:
    """E-mail each person whose room is new or changed since the last publication; return how many."""
    lock(Event, event.id)
    requests = active_requests(event)
    by_person = {r.participant_id: r for r in requests}
    sent = 0
    for request in requests:
        if request.allocation == request.published:
            continue
        person = request.participant
        roommate = request.roommate.full_name if roommate_named(request, by_person) else None
        queue_mail(person.email, "accommodation_booking", person.locale, participant=person, request=request,
                   block=request.block, roommate=roommate, changed=bool(request.published),
                   link=external_url("accommodation.room", token=make_token(person.access_key)))
        request.published = request.allocation
        request.published_at = utcnow()
        sent += 1
    db.session.flush()
    return sent


def rooming_list(event: Event) -> list[tuple[Hotel, list[RoomRequest]]]:
    """Per hotel, the people placed there (confirmed or pending), roommates next to each other."""
    requests = [r for r in active_requests(event) if r.block_id is not None]
    by_hotel: dict[int, list[RoomRequest]] = defaultdict(list)
    for request in requests:
        by_hotel[request.block.hotel_id].append(request)
    result = []
    for hotel in hotels(event):
        placed = by_hotel.get(hotel.id, [])
        ordered, seen = [], set()
        for request in placed:
            if request.participant_id in seen:
                continue
            ordered.append(request)
            seen.add(request.participant_id)
            mate = next((r for r in placed if r.participant_id == request.roommate_id
                         and r.roommate_id == request.participant_id), None)
            if mate is not None and mate.participant_id not in seen:
                ordered.append(mate)
                seen.add(mate.participant_id)
        result.append((hotel, ordered))
    return result


# --- privacy: erasure, export, retention ---------------------------------------------------------

@register_eraser
def erase_room_request(participant: Participant) -> None:
    """Delete the person's request and room, and their name as someone's wish or roommate."""
    request = request_of(participant)
    if request is not None:
        request_id = request.id
        _unplace(request)
        db.session.delete(request)
        db.session.flush()
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == "room_request",
                                                       AuditEntry.entity_id == request_id))
    for other in db.session.scalars(sa.select(RoomRequest).where(sa.or_(
            RoomRequest.wish_id == participant.id, RoomRequest.roommate_id == participant.id))):
        if other.wish_id == participant.id:
            other.wish_id = None
        if other.roommate_id == participant.id:
            other.roommate_id = None
    db.session.flush()


@register_exporter("accommodation")
def export_room_request(participant: Participant) -> dict | None:
    """The person's own request and room (a roommate's name only if both agreed to share)."""
    request = request_of(participant)
    if request is None:
        return None
    room = None
    if request.block is not None:
        mate = request_of(request.roommate) if request.roommate is not None else None
        room = {"hotel": request.block.hotel.name, "address": request.block.hotel.address,
                "room_type": request.block.room_type,
                "roommate": request.roommate.full_name if mate is not None and rooming.mutual(
                    _core(request), _core(mate)) else None}
    return {"check_in": request.check_in.isoformat(), "check_out": request.check_out.isoformat(),
            "sharing": request.sharing, "named_colleague": named_colleague(request), "room": room,
            "e_mailed_at": request.published_at.isoformat() if request.published_at else None}


def _purge_requests(run) -> int:
    count = 0
    for event in run.events():
        if not run.due(event):
            continue
        ids = list(db.session.scalars(sa.select(RoomRequest.id).join(RoomRequest.participant)
                                      .where(Participant.event_id == event.id)))
        count += len(ids)
        if ids and not run.dry_run:
            db.session.execute(sa.delete(RoomRequest).where(RoomRequest.id.in_(ids))
                               .execution_options(synchronize_session=False))
            db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == "room_request",
                                                           AuditEntry.entity_id.in_(ids)))
    return count


register_rule(RetentionRule(
    "room_requests", _l("Room requests and hotel bookings: nights, roommates, the hotel given"),
    _l("%(days)s days after the Assembly ends"), 30, _purge_requests, order=80, max_days=365, after_event=True))
