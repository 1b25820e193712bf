"""Certificates of attendance: a verification code and a frozen copy of what the certificate says."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.database import utcnow
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant


class Certificate(db.Model):
    """A certificate of attendance as issued: what it says is copied here and never changes.

    ``/verify/<code>`` shows these columns, not the participant's current data, so that a funder
    reads what the certificate in their hands says. When what it would say about the person changes
    (another day checked in, a corrected name), a new certificate is issued and this one is marked
    superseded. Erasing the participant erases their certificates (the foreign key cascades).
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # At most one current certificate per participant.
        sa.Index("uq_certificates_current", "participant_id", unique=True,
                 sqlite_where=sa.text("superseded_at IS NULL"), postgresql_where=sa.text("superseded_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: 16 characters of Crockford base32 (80 random bits), shown in groups of four; nothing personal.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a newer certificate replaced this one (None: it is the person's current certificate).
    superseded_at: Mapped[datetime | None]

    # What the certificate says, as issued.
    #: The person's given and family name.
    name: Mapped[str] = mapped_column(sa.String(300))
    #: Their organization; None when they asked to leave it off their badge.
    organization: Mapped[str | None] = mapped_column(sa.String(300))
    #: The days they were checked in, as ISO dates (``2027-06-24``), in order.
    days: Mapped[list[str]] = mapped_column(sa.JSON)
    event_name: Mapped[str] = mapped_column(sa.String(200))
    #: The venue and city, as printed.
    event_place: Mapped[str] = mapped_column(sa.String(500))
    #: The event's name and place in French, as issued (None: French certificates print the English ones).
    event_name_fr: Mapped[str | None] = mapped_column(sa.String(200))
    event_place_fr: Mapped[str | None] = mapped_column(sa.String(500))
    event_start: Mapped[date | None]
    event_end: Mapped[date | None]
    signatory: Mapped[str] = mapped_column(sa.String(200))
    signatory_title: Mapped[str | None] = mapped_column(sa.String(200))

    participant: Mapped[Participant] = relationship()
    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return (f"<Certificate {self.id} participant={self.participant_id} "
                f"superseded={self.superseded_at is not None}>")

    @property
    def day_dates(self) -> list[date]:
        """The days checked in, as dates."""
        return [date.fromisoformat(day) for day in self.days]
