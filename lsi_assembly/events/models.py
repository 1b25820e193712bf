"""The Assembly itself: its dates, venue and registration window."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db


@audit("event", labels={
    "slug": _l("Short name"), "name": _l("Name"), "name_fr": _l("Name (French)"), "host": _l("Host"),
    "venue": _l("Venue"), "venue_fr": _l("Venue (French)"), "city": _l("City"), "timezone": _l("Time zone"),
    "contact_email": _l("Contact e-mail address"), "registration_opens_at": _l("Registration opens"),
    "registration_closes_at": _l("Registration closes"), "requires_approval": _l("Registrations need approval"),
    "is_sample": _l("Sample data"), "preferences_open": _l("Workshop choices are open"),
    "max_preferences": _l("Workshops a participant may rank"),
    "workshop_organization_cap": _l("Most participants of one organization in a workshop"),
    "assignment_published_at": _l("Workshop seats published"),
    "participant_list_shared": _l("Participant list shared"), "badge_info": _l("Practical information on badges"),
    "badge_logo": _l("Logo on badges"), "badge_logo_type": _l("Logo's file type"),
}, hidden={"badge_logo"})
class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable identifier, e.g. ``ga-2027``.
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The name in French (None: the English one is shown); read through ``core.localized``.
    name_fr: Mapped[str | None] = mapped_column(sa.String(200))
    host: Mapped[str | None] = mapped_column(sa.String(200))
    venue: Mapped[str | None] = mapped_column(sa.String(300))
    venue_fr: Mapped[str | None] = mapped_column(sa.String(300))
    city: Mapped[str] = mapped_column(sa.String(100))
    #: IANA time zone of the venue; dates and times are shown in it.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Registration accepted from this moment (None: already open).
    registration_opens_at: Mapped[datetime | None]
    #: Registration refused from this moment (None: open until the organizers close it).
    registration_closes_at: Mapped[datetime | None]
    #: When true, new registrations wait for an organizer's approval (status pending).
    requires_approval: Mapped[bool] = mapped_column(default=True)
    #: Marks demo data, shown as such in the interface.
    is_sample: Mapped[bool] = mapped_column(default=False)
    #: Confirmed participants may rank workshops while this is true.
    preferences_open: Mapped[bool] = mapped_column(default=False)
    #: How many workshops a participant may rank.
    max_preferences: Mapped[int] = mapped_column(default=5)
    #: The most participants of one organization in one workshop run (None: no limit).
    workshop_organization_cap: Mapped[int | None]
    #: When the workshop seats were published to the participants (None: not yet).
    assignment_published_at: Mapped[datetime | None]
    #: Confirmed participants may download the shared participant list (consenting people only).
    participant_list_shared: Mapped[bool] = mapped_column(default=False)
    #: Practical information printed on the back of badges (venue, Wi-Fi, emergency numbers).
    badge_info: Mapped[str | None] = mapped_column(sa.Text)
    #: The organizers' logo on the badges (PNG or checked SVG; None: the default logo in static/img).
    badge_logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    #: Its media type: image/png or image/svg+xml.
    badge_logo_type: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    days: Mapped[list[EventDay]] = relationship(
        back_populates="event", order_by="EventDay.date", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Event {self.slug!r}>"

    @property
    def first_day(self) -> date | None:
        return self.days[0].date if self.days else None

    @property
    def last_day(self) -> date | None:
        return self.days[-1].date if self.days else None

    def registration_state(self, now: datetime | None = None) -> str:
        """Return ``not_yet_open``, ``open`` or ``closed`` at ``now``."""
        now = now or utcnow()
        if self.registration_opens_at is not None and now < self.registration_opens_at:
            return "not_yet_open"
        if self.registration_closes_at is not None and now >= self.registration_closes_at:
            return "closed"
        return "open"


@audit("event_day", labels={
    "event_id": _l("Event"), "date": _l("Date"), "label": _l("Label"), "label_fr": _l("Label (French)"),
})
class EventDay(db.Model):
    __tablename__ = "event_days"
    __table_args__ = (sa.UniqueConstraint("event_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    date: Mapped[date]
    #: What happens that day, in the organizers' words (e.g. "Public event").
    label: Mapped[str | None] = mapped_column(sa.String(200))
    #: The label in French (None: the English one is shown, and the other way round).
    label_fr: Mapped[str | None] = mapped_column(sa.String(200))

    event: Mapped[Event] = relationship(back_populates="days")

    def __repr__(self) -> str:
        return f"<EventDay {self.date.isoformat()}>"
