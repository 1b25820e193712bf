"""The public event's rules: double opt-in, seats given at confirmation, a waiting list with time-limited offers.

The life of a registration (``AttendeeStatus``)::

    unconfirmed --confirm--> confirmed                   (a seat was free and nobody was waiting)
                         \\-> waiting --seat frees--> offered --claim--> confirmed
    unconfirmed --confirm_by passes--> expired           offered --offer_expires_at passes--> lapsed
    confirmed / waiting / offered --cancel--> cancelled   (a freed seat goes to the first in line)

Seats are counted under one lock per public event (``core.locking``: a row lock on PostgreSQL, the
write lock on SQLite), so concurrent confirmations never give out more than ``PublicEvent.limit``
seats and the waiting list keeps the order in which people joined it. A registration's status
changes only through ``set_status``. Times that pass (unconfirmed registrations, offers) are acted
on by ``sweep``: before every change, on the organizers' page, and by the worker every two minutes
(``lsi_assembly.periodic``; ``flask public sweep`` by hand).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import segno
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lsi_assembly.badges.services import new_code, normalize_code
from lsi_assembly.core import calendar as core_calendar
from lsi_assembly.core.calendar import CalendarEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.links import external_url
from lsi_assembly.core.localized import localized
from lsi_assembly.core.locking import lock as lock_rows
from lsi_assembly.core.mail import queue_mail, recently_sent
from lsi_assembly.core.pdf import qr_png
from lsi_assembly.core.search import like_pattern, search_terms
from lsi_assembly.core.tokens import PUBLIC_LINK, BadToken, sign, unsign
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.public.models import ACTIVE, SEAT_TAKING, AttendeeStatus, PublicAttendee, PublicEvent
from lsi_assembly.registration.links import new_access_key

#: Registrations that ended, and how long they are kept after that (then deleted by ``sweep``).
ENDED = (AttendeeStatus.EXPIRED, AttendeeStatus.LAPSED, AttendeeStatus.CANCELLED)
ENDED_KEPT = timedelta(days=30)
#: At most one "here are your links again" e-mail per address in this time.
RESEND_INTERVAL = timedelta(minutes=10)


# --- links ------------------------------------------------------------------------------------------

def make_token(attendee: PublicAttendee) -> str:
    """The token in a person's links: their random key, signed (nothing personal in the URL).

    Not time-limited by itself: what a link may do depends on the registration's state and its own
    deadlines (confirm_by, offer_expires_at), and registering again replaces the key.
    """
    return sign(PUBLIC_LINK, attendee.access_key)


def attendee_from_token(token: str) -> PublicAttendee | None:
    try:
        key = unsign(PUBLIC_LINK, token)
    except BadToken:
        return None
    return db.session.scalar(sa.select(PublicAttendee).where(PublicAttendee.access_key == key))


def link(endpoint: str, attendee: PublicAttendee) -> str:
    return external_url(endpoint, token=make_token(attendee))


# --- the public event -------------------------------------------------------------------------------

def public_event_of(event: Event | None) -> PublicEvent | None:
    if event is None:
        return None
    return db.session.scalar(sa.select(PublicEvent).where(PublicEvent.event_id == event.id))


def lock(public_event: PublicEvent) -> None:
    """Take the public event's lock until the transaction ends (see the module's docstring)."""
    lock_rows(PublicEvent, public_event.id)
    db.session.refresh(public_event)  # the seats and delays as they are now, not as read before the lock


def seats_taken(public_event: PublicEvent) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.status.in_(SEAT_TAKING))) or 0


def waiting_count(public_event: PublicEvent) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.status == AttendeeStatus.WAITING)) or 0


@dataclass
class Availability:
    """What the public page shows: honest figures, straight from the database."""

    limit: int
    taken: int
    waiting: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.taken) if not self.waiting else 0


def availability(public_event: PublicEvent) -> Availability:
    """The seats taken and the people waiting, counted in one statement."""
    taken, waiting = db.session.execute(sa.select(
        sa.func.count().filter(PublicAttendee.status.in_(SEAT_TAKING)),
        sa.func.count().filter(PublicAttendee.status == AttendeeStatus.WAITING),
    ).where(PublicAttendee.public_event_id == public_event.id)).one()
    return Availability(public_event.limit, taken or 0, waiting or 0)


def position(attendee: PublicAttendee) -> int | None:
    """Place in the waiting list (1 is next), or None when not waiting."""
    if attendee.status != AttendeeStatus.WAITING or attendee.queued_at is None:
        return None
    ahead = db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee).where(
        PublicAttendee.public_event_id == attendee.public_event_id, PublicAttendee.status == AttendeeStatus.WAITING,
        sa.or_(PublicAttendee.queued_at < attendee.queued_at,
               sa.and_(PublicAttendee.queued_at == attendee.queued_at, PublicAttendee.id < attendee.id)))) or 0
    return ahead + 1


def set_status(attendee: PublicAttendee, status: AttendeeStatus, now: datetime) -> None:
    """Set a public registration's status and when it changed: the one place where it changes."""
    attendee.status = status
    attendee.status_changed_at = now


def _mail(attendee: PublicAttendee, template: str, **context) -> None:
    queue_mail(attendee.email, template, attendee.locale, attendee=attendee,
               public_event=attendee.public_event, **context)


# --- registering, confirming ------------------------------------------------------------------------

@dataclass
class RegistrationData:
    name: str
    email: str
    affiliation: str | None
    locale: str
    accessibility_needs: str | None


class Closed(Exception):
    """Registration for the public event is closed."""


def register(public_event: PublicEvent, data: RegistrationData, now: datetime | None = None) -> PublicAttendee:
    """Register someone (unconfirmed, with an e-mail to confirm), or send their links again.

    The same outcome whether the address is new or not, for the page: only the address's owner
    learns, by e-mail, that it was already registered. An address whose registration expired,
    lapsed or was cancelled registers afresh (new key: the old links stop working).
    """
    now = now or utcnow()
    if not public_event.is_open:
        raise Closed
    attendee = _by_email(public_event, data.email)
    if attendee is None:
        fresh = PublicAttendee(public_event=public_event, email=data.email)
        _start_afresh(fresh, data, now)
        try:
            with db.session.begin_nested():  # the same address sent twice at the same instant: one row
                db.session.add(fresh)
        except IntegrityError:
            attendee = _by_email(public_event, data.email)
        else:
            _mail(fresh, "public_confirm", confirm_link=link("public.confirm", fresh))
            return fresh
    expired = attendee.status == AttendeeStatus.UNCONFIRMED and attendee.confirm_by < now  # not swept yet
    if attendee.status in ACTIVE and not expired:
        if not recently_sent(attendee.email, "public_links", RESEND_INTERVAL):
            _mail(attendee, "public_links", confirm_link=link("public.confirm", attendee),
                  ticket_link=link("public.ticket", attendee))
        return attendee
    _start_afresh(attendee, data, now)
    db.session.flush()
    _mail(attendee, "public_confirm", confirm_link=link("public.confirm", attendee))
    return attendee


def _start_afresh(attendee: PublicAttendee, data: RegistrationData, now: datetime) -> None:
    """A new registration, or a new start for an address whose registration ended: a new key, no seat."""
    attendee.name, attendee.affiliation = data.name, data.affiliation
    attendee.locale, attendee.accessibility_needs = data.locale, data.accessibility_needs
    attendee.privacy_accepted_at = now
    attendee.access_key = new_access_key()
    attendee.ticket_code = None
    attendee.confirm_by = now + timedelta(hours=attendee.public_event.confirm_hours)
    attendee.confirmed_at = attendee.queued_at = attendee.offer_expires_at = None
    attendee.checked_in_at, attendee.checked_in_by = None, None
    set_status(attendee, AttendeeStatus.UNCONFIRMED, now)


def _by_email(public_event: PublicEvent, email: str) -> PublicAttendee | None:
    return db.session.scalar(sa.select(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.email == email))


def _take_lock(attendee: PublicAttendee, now: datetime | None) -> datetime:
    """Lock the attendee's public event, act on the times that passed, reload the attendee: the start of
    every change. Returns the time read under the lock (the waiting list's order is the lock's)."""
    lock(attendee.public_event)
    now = now or utcnow()
    sweep(attendee.public_event, now)
    db.session.refresh(attendee)
    return now


def confirm(attendee: PublicAttendee, now: datetime | None = None) -> PublicAttendee:
    """Confirm the address: a seat if one is free and nobody is waiting, else a place in the line.

    Confirming again changes nothing; a registration past its ``confirm_by`` has expired.
    """
    public_event = attendee.public_event
    now = _take_lock(attendee, now)
    if attendee.status != AttendeeStatus.UNCONFIRMED:
        return attendee
    if now >= public_event.ends_at:  # the event is over: nothing left to confirm
        set_status(attendee, AttendeeStatus.EXPIRED, now)
        return attendee
    attendee.confirmed_at = now
    if waiting_count(public_event) == 0 and seats_taken(public_event) < public_event.limit:
        _give_seat(attendee, now)
    else:
        attendee.queued_at = now
        set_status(attendee, AttendeeStatus.WAITING, now)
        db.session.flush()
        _mail(attendee, "public_waiting", position=position(attendee), ticket_link=link("public.ticket", attendee))
    db.session.flush()
    return attendee


def _give_seat(attendee: PublicAttendee, now: datetime) -> None:
    attendee.ticket_code = new_code()
    attendee.offer_expires_at = None
    set_status(attendee, AttendeeStatus.CONFIRMED, now)
    db.session.flush()
    _mail(attendee, "public_ticket", ticket_link=link("public.ticket", attendee),
          cancel_link=link("public.cancel", attendee),
          attachments=[("ticket.png", "image/png", qr_png(attendee.ticket_code, scale=8)),
                       ("public-event.ics", "text/calendar", calendar_file(attendee.public_event, attendee.locale))])


def claim(attendee: PublicAttendee, now: datetime | None = None) -> PublicAttendee:
    """Take the seat offered from the waiting list, while the offer lasts."""
    now = _take_lock(attendee, now)
    if attendee.status == AttendeeStatus.OFFERED:
        _give_seat(attendee, now)
    return attendee


def cancel(attendee: PublicAttendee, now: datetime | None = None) -> PublicAttendee:
    """Give up the seat, the offer or the place in line; a freed seat goes to the first in line."""
    public_event = attendee.public_event
    now = _take_lock(attendee, now)
    if attendee.status not in ACTIVE:
        return attendee
    freed = attendee.status in SEAT_TAKING
    set_status(attendee, AttendeeStatus.CANCELLED, now)
    attendee.offer_expires_at = None
    db.session.flush()
    if freed:
        offer_free_seats(public_event, now)
    return attendee


def offer_free_seats(public_event: PublicEvent, now: datetime) -> list[PublicAttendee]:
    """Offer each free seat to the next in line (call with the lock held)."""
    free = public_event.limit - seats_taken(public_event)
    if free <= 0:
        return []
    offered = list(db.session.scalars(
        sa.select(PublicAttendee).where(PublicAttendee.public_event_id == public_event.id,
                                        PublicAttendee.status == AttendeeStatus.WAITING)
        .order_by(PublicAttendee.queued_at, PublicAttendee.id).limit(free)))
    for attendee in offered:
        attendee.offer_expires_at = now + timedelta(hours=public_event.claim_hours)
        set_status(attendee, AttendeeStatus.OFFERED, now)
        _mail(attendee, "public_offer", claim_link=link("public.claim", attendee),
              cancel_link=link("public.cancel", attendee))
    db.session.flush()
    return offered


def sweep(public_event: PublicEvent, now: datetime | None = None) -> tuple[int, int]:
    """Expire unconfirmed registrations and offers past their time; offer the seats that frees.

    Also deletes registrations that ended more than ``ENDED_KEPT`` ago. Takes the lock (again:
    harmless). Returns (registrations expired, offers lapsed).
    """
    now = now or utcnow()
    lock(public_event)
    expired = list(db.session.scalars(sa.select(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.status == AttendeeStatus.UNCONFIRMED,
        PublicAttendee.confirm_by < now)))
    for attendee in expired:
        set_status(attendee, AttendeeStatus.EXPIRED, now)
    lapsed = list(db.session.scalars(sa.select(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.status == AttendeeStatus.OFFERED,
        PublicAttendee.offer_expires_at < now)))
    for attendee in lapsed:
        set_status(attendee, AttendeeStatus.LAPSED, now)
        _mail(attendee, "public_offer_lapsed", register_link=external_url("public.register"))
    db.session.flush()
    if lapsed:
        offer_free_seats(public_event, now)
    # Registrations that ended (expired, lapsed, cancelled) hold nothing: their data goes after a while.
    db.session.execute(sa.delete(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.status.in_(ENDED),
        PublicAttendee.status_changed_at < now - ENDED_KEPT).execution_options(synchronize_session=False))
    return len(expired), len(lapsed)


def sweep_if_due(public_event: PublicEvent, now: datetime | None = None) -> bool:
    """Sweep only when an unconfirmed registration or an offer is past its time (one cheap query
    otherwise): the public page's counter then never shows a seat held by a lapsed offer."""
    now = now or utcnow()
    due = db.session.scalar(sa.select(PublicAttendee.id).where(
        PublicAttendee.public_event_id == public_event.id,
        sa.or_(sa.and_(PublicAttendee.status == AttendeeStatus.UNCONFIRMED, PublicAttendee.confirm_by < now),
               sa.and_(PublicAttendee.status == AttendeeStatus.OFFERED, PublicAttendee.offer_expires_at < now)))
        .limit(1))
    if due is None:
        return False
    sweep(public_event, now)
    return True


# --- tickets ----------------------------------------------------------------------------------------

def ticket_svg(code: str) -> str:
    """The QR code for the page: inline SVG (no request, no image file), scaled by CSS."""
    return segno.make(code, error="m", micro=False).svg_inline(scale=6, border=4, title=None)


def calendar_file(public_event: PublicEvent, language: str | None = None) -> bytes:
    """The public event as an iCalendar file (times in UTC), for the ticket page and the ticket e-mail;
    its title, venue and description in ``language`` (the current one by default), else in the other."""
    return core_calendar.calendar_file([CalendarEntry(
        uid=f"public-{public_event.id}@lsi-assembly",
        summary=localized(public_event, "title", language),
        starts_at=public_event.starts_at.astimezone(timezone.utc),
        ends_at=public_event.ends_at.astimezone(timezone.utc),
        location=localized(public_event, "venue", language) or None,
        description=localized(public_event, "description", language) or None,
    )])


def attendee_for_ticket(public_event: PublicEvent, raw: str) -> PublicAttendee | None:
    code = normalize_code(raw)
    if code is None:
        return None
    return db.session.scalar(sa.select(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.ticket_code == code))


def check_in(attendee: PublicAttendee, desk: str, now: datetime | None = None) -> bool:
    """Let a ticket holder in: True if this desk did it, False if they were already in (two desks, one entry)."""
    now = now or utcnow()
    done = db.session.execute(
        sa.update(PublicAttendee).where(PublicAttendee.id == attendee.id, PublicAttendee.checked_in_at.is_(None),
                                        PublicAttendee.status == AttendeeStatus.CONFIRMED)
        .values(checked_in_at=now, checked_in_by=desk[:60]).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(attendee)
    return bool(done)


def undo_check_in(attendee: PublicAttendee) -> None:
    attendee.checked_in_at, attendee.checked_in_by = None, None
    db.session.flush()


# --- organizers -------------------------------------------------------------------------------------

def attendees_query(public_event: PublicEvent, status: str | None = None, query: str | None = None) -> sa.Select:
    """Select the public event's people (of ``status``, matching the words of ``query``), in list order."""
    stmt = sa.select(PublicAttendee).where(PublicAttendee.public_event_id == public_event.id)
    if status:
        stmt = stmt.where(PublicAttendee.status == status)
    for term in search_terms(query or ""):
        stmt = stmt.where(PublicAttendee.search_text.like(like_pattern(term), escape="\\"))
    return stmt.order_by(PublicAttendee.status, PublicAttendee.queued_at, PublicAttendee.created_at,
                         PublicAttendee.id)


def counts(public_event: PublicEvent) -> dict[str, int]:
    """People per status, and how many are in."""
    rows = db.session.execute(sa.select(PublicAttendee.status, sa.func.count()).where(
        PublicAttendee.public_event_id == public_event.id).group_by(PublicAttendee.status)).all()
    result = {status.value: 0 for status in AttendeeStatus}
    result.update({status: number for status, number in rows})
    result["checked_in"] = db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.checked_in_at.is_not(None))) or 0
    return result


def message_confirmed(public_event: PublicEvent, subject: str, body: str) -> int:
    """E-mail every confirmed attendee (e.g. a change of venue); returns how many."""
    people = list(db.session.scalars(sa.select(PublicAttendee).where(
        PublicAttendee.public_event_id == public_event.id, PublicAttendee.status == AttendeeStatus.CONFIRMED)))
    for attendee in people:
        queue_mail(attendee.email, "public_message", attendee.locale, flush=False, attendee=attendee,
                   public_event=public_event, subject=subject, body=body,
                   ticket_link=link("public.ticket", attendee))
    db.session.flush()
    return len(people)
