"""Badge codes (what the QR code carries), printed badges, and organizers' own badge sizes."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant


class BadgeCode(db.Model):
    """The opaque code on a participant's badge: random, nothing personal; a reissue revokes the old one."""

    __tablename__ = "badge_codes"
    __table_args__ = (
        # At most one valid code per participant.
        sa.Index("uq_badge_codes_valid", "participant_id", unique=True,
                 sqlite_where=sa.text("revoked_at IS NULL"), postgresql_where=sa.text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    #: 26 characters of Crockford base32 (130 random bits); what the QR code holds, nothing else.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the badge was reissued (lost badge): the old code no longer checks anyone in.
    revoked_at: Mapped[datetime | None]

    participant: Mapped[Participant] = relationship()

    def __repr__(self) -> str:
        return f"<BadgeCode {self.id} participant={self.participant_id} revoked={self.revoked_at is not None}>"


class BadgePrint(db.Model):
    """One badge printed: when, by whom, with which code and what it showed."""

    __tablename__ = "badge_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_codes.id", ondelete="CASCADE"))
    printed_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Who, in words: a staff e-mail or "command line".
    actor: Mapped[str] = mapped_column(sa.String(254))
    preset: Mapped[str] = mapped_column(sa.String(60))
    #: Fingerprint of what the badge showed, to find badges changed since they were printed.
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    code: Mapped[BadgeCode] = relationship()

    def __repr__(self) -> str:
        return f"<BadgePrint participant={self.participant_id} code={self.code_id} at={self.printed_at}>"


class BadgePreset(db.Model):
    """A badge size an organizer added (the built-in sizes live in ``badges.layout.PRESETS``)."""

    __tablename__ = "badge_presets"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    page_width: Mapped[float]
    page_height: Mapped[float]
    badge_width: Mapped[float]
    badge_height: Mapped[float]
    columns: Mapped[int] = mapped_column(default=1)
    rows: Mapped[int] = mapped_column(default=1)
    gap_x: Mapped[float] = mapped_column(default=0.0)
    gap_y: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<BadgePreset {self.name!r} {self.badge_width}x{self.badge_height}>"
