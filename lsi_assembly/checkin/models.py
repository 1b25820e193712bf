"""Arrivals at the desk: one check-in per participant and day."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.events.models import EventDay
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant


@audit("check_in", labels={
    "participant_id": _l("Participant"), "day_id": _l("Day"), "checked_in_at": _l("Checked in at"),
    "desk": _l("Desk"), "user_id": _l("Staff account"),
})
class CheckIn(db.Model):
    """A participant arrived on a day; unique per (participant, day), so two desks make one check-in."""

    __tablename__ = "check_ins"
    __table_args__ = (sa.UniqueConstraint("participant_id", "day_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("event_days.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The desk's name, as its staff set it (e.g. "Desk 2"), else the staff member's e-mail.
    desk: Mapped[str] = mapped_column(sa.String(60))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship()
    day: Mapped[EventDay] = relationship()

    def __repr__(self) -> str:
        return f"<CheckIn participant={self.participant_id} day={self.day_id} at={self.checked_in_at}>"
