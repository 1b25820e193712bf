"""The public event and the people registered for it (a list apart from the delegates and their quotas)."""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lsi_assembly.core.audit import audit
from lsi_assembly.core.crypto import EncryptedText
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.core.search import fold
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db


class AttendeeStatus(LabelledEnum):
    """A public registration's status (each labelled as the organizers' and the desk's pages show it)."""

    #: Registered, e-mail address not confirmed yet: holds nothing; expires after ``confirm_hours``.
    UNCONFIRMED = "unconfirmed"
    #: Has a seat and a ticket.
    CONFIRMED = "confirmed"
    #: Confirmed their address when every seat was taken: in line, by ``queued_at``.
    WAITING = "waiting"
    #: First in line when a seat freed up: the seat is kept for them until ``offer_expires_at``.
    OFFERED = "offered"
    CANCELLED = "cancelled"
    #: Did not confirm their address in time.
    EXPIRED = "expired"
    #: Did not claim an offered seat in time (they leave the line; they may register again).
    LAPSED = "lapsed"

    __labels__ = {
        UNCONFIRMED: _l("Address not confirmed yet"),
        CONFIRMED: _l("Confirmed"),
        WAITING: _l("On the waiting list"),
        OFFERED: _l("Offered a seat"),
        CANCELLED: _l("Cancelled"),
        EXPIRED: _l("Not confirmed in time"),
        LAPSED: _l("Offer not claimed in time"),
    }


#: Statuses that take one of the seats (confirmed, or kept for someone who was offered it).
SEAT_TAKING = (AttendeeStatus.CONFIRMED, AttendeeStatus.OFFERED)
#: Statuses of a registration still going: registering again with the same address changes nothing.
ACTIVE = (AttendeeStatus.UNCONFIRMED, AttendeeStatus.CONFIRMED, AttendeeStatus.WAITING, AttendeeStatus.OFFERED)


@audit("public_event", labels={
    "event_id": _l("Event"), "title": _l("Title"), "description": _l("Description"), "venue": _l("Venue"),
    "title_fr": _l("Title (French)"), "description_fr": _l("Description (French)"),
    "venue_fr": _l("Venue (French)"),
    "starts_at": _l("Starts at"), "ends_at": _l("Ends at"), "capacity": _l("Seats"),
    "no_show_percent": _l("Expected no-shows (percent)"), "is_open": _l("Registration is open"),
    "confirm_hours": _l("Hours to confirm the e-mail address"),
    "claim_hours": _l("Hours to claim a seat offered from the waiting list"),
})
class PublicEvent(db.Model):
    """The event open to anyone, beside the Assembly: its seats, its rules, its registration window.

    Its settings are in the audit log (organizers change them). The people registered are not: they
    register themselves, and their names must not outlive the deletion of their registration.
    """

    __tablename__ = "public_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    venue: Mapped[str | None] = mapped_column(sa.String(300))
    #: The same texts in French (None: the English one is shown); read through ``core.localized``.
    title_fr: Mapped[str | None] = mapped_column(sa.String(200))
    description_fr: Mapped[str | None] = mapped_column(sa.Text)
    venue_fr: Mapped[str | None] = mapped_column(sa.String(300))
    #: When it starts and ends (UTC; shown in the event's time zone).
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: Seats in the room.
    capacity: Mapped[int] = mapped_column(default=100)
    #: Expected share of registered people who do not come, in percent: that many more are confirmed.
    no_show_percent: Mapped[int] = mapped_column(default=0)
    #: Registration is open to the public.
    is_open: Mapped[bool] = mapped_column(default=False)
    #: How long a registration may wait for its e-mail confirmation.
    confirm_hours: Mapped[int] = mapped_column(default=24)
    #: How long a seat offered to the first in line is kept for them.
    claim_hours: Mapped[int] = mapped_column(default=24)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()

    @property
    def overbooking(self) -> int:
        """Extra seats confirmed beyond the room's, so that the expected no-shows leave the room full."""
        share = min(max(self.no_show_percent, 0), 90)
        return self.capacity * share // (100 - share)

    @property
    def limit(self) -> int:
        """How many people may hold a seat at once (the room's seats plus the overbooking allowance)."""
        return self.capacity + self.overbooking


class PublicAttendee(db.Model):
    """Someone registered for the public event: one per e-mail address."""

    __tablename__ = "public_attendees"
    __table_args__ = (
        sa.UniqueConstraint("public_event_id", "email"),
        sa.Index("ix_public_attendees_queue", "public_event_id", "status", "queued_at"),
    )
    #: How an attendee reaches its event (core.event_scope.get_in_event_or_404).
    event_path: ClassVar[tuple[str, ...]] = ("public_event",)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_event_id: Mapped[int] = mapped_column(sa.ForeignKey("public_events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=AttendeeStatus.UNCONFIRMED)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Normalized by email-validator and lower-cased: one registration per address.
    email: Mapped[str] = mapped_column(sa.String(254))
    affiliation: Mapped[str | None] = mapped_column(sa.String(200))
    #: Language of the pages and e-mails (en, fr).
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    accessibility_needs: Mapped[str | None] = mapped_column(EncryptedText)
    privacy_accepted_at: Mapped[datetime]
    #: Random secret signed into the person's links; replaced when they register again.
    access_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The entry code in the ticket's QR code (Crockford base32, 130 random bits, nothing personal).
    ticket_code: Mapped[str | None] = mapped_column(sa.String(26), unique=True)
    #: Folded name and e-mail, for the desk's and the organizers' search.
    search_text: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The e-mail confirmation must come before this moment.
    confirm_by: Mapped[datetime]
    #: When the address was confirmed.
    confirmed_at: Mapped[datetime | None]
    #: When they joined the waiting list: the line's order.
    queued_at: Mapped[datetime | None]
    #: A seat offered from the waiting list is kept until then.
    offer_expires_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_at: Mapped[datetime | None]
    #: The desk that let them in.
    checked_in_by: Mapped[str | None] = mapped_column(sa.String(60))

    public_event: Mapped[PublicEvent] = relationship()

    def __repr__(self) -> str:
        return f"<PublicAttendee {self.id} {self.status}>"

    @validates("name", "email", "affiliation")
    def _fold_search_text(self, key: str, value: str | None) -> str | None:
        """Keep ``search_text`` in step with the name, the address and the affiliation, as they are set."""
        parts = {"name": self.name, "email": self.email, "affiliation": self.affiliation, key: value}
        self.search_text = fold(f"{parts['name']} {parts['email']} {parts['affiliation'] or ''}")[:500]
        return value
