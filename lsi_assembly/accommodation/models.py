"""Hotels, their room blocks, and each person's room request with the room it was given."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.accommodation import rooming
from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant


class RoomType(LabelledEnum):
    SINGLE = rooming.SINGLE
    TWIN = rooming.TWIN

    __labels__ = {
        SINGLE: _l("Single room"),
        TWIN: _l("Twin or double room"),
    }


class Sharing(LabelledEnum):
    ALONE = rooming.ALONE
    COLLEAGUE = rooming.COLLEAGUE
    ORGANIZATION = rooming.ORGANIZATION

    __labels__ = {
        ALONE: _l("A room of my own"),
        COLLEAGUE: _l("Share with a colleague I name"),
        ORGANIZATION: _l("Share with anyone of my organization"),
    }


class Hotel(db.Model):
    __tablename__ = "hotels"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(500))

    event: Mapped[Event] = relationship()
    blocks: Mapped[list[RoomBlock]] = relationship(back_populates="hotel", cascade="all, delete-orphan",
                                                   order_by="RoomBlock.id")

    def __repr__(self) -> str:
        return f"<Hotel {self.id} {self.name!r}>"


class RoomBlock(db.Model):
    """Rooms of one type held at a hotel for a set of nights, at a price per room and night."""

    __tablename__ = "room_blocks"
    event_path: ClassVar[tuple[str, ...]] = ("hotel",)

    id: Mapped[int] = mapped_column(primary_key=True)
    hotel_id: Mapped[int] = mapped_column(sa.ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    room_type: Mapped[str] = mapped_column(sa.String(20))
    rooms: Mapped[int]
    #: The nights held, as ISO dates ("2027-06-23" is the night from the 23rd to the 24th).
    nights: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Per room and night, in euros.
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))

    hotel: Mapped[Hotel] = relationship(back_populates="blocks")

    def __repr__(self) -> str:
        return f"<RoomBlock {self.id} {self.room_type} x{self.rooms}>"

    @property
    def night_dates(self) -> list[date]:
        return sorted(date.fromisoformat(night) for night in self.nights)

    def core(self) -> rooming.Block:
        """The block as the rooming core sees it."""
        return rooming.Block(self.id, self.room_type, self.rooms, frozenset(self.night_dates), self.price)


@audit("room_request", labels={
    "participant_id": _l("Participant"), "check_in": _l("Check-in"), "check_out": _l("Check-out"),
    "sharing": _l("Sharing"), "wish_id": _l("Named colleague"), "block_id": _l("Room block"),
    "roommate_id": _l("Roommate"), "published": _l("Placement e-mailed"), "published_at": _l("Published"),
}, values={"sharing": Sharing})
class RoomRequest(db.Model):
    """A person's request for nights, and (``block_id``) the room the organizers gave them."""

    __tablename__ = "room_requests"
    event_path: ClassVar[tuple[str, ...]] = ("participant",)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"),
                                                unique=True)
    check_in: Mapped[date]
    check_out: Mapped[date]
    #: A ``Sharing`` code.
    sharing: Mapped[str] = mapped_column(sa.String(20), default=Sharing.ALONE)
    #: The colleague named (``Sharing.COLLEAGUE``).
    wish_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id", ondelete="SET NULL"))
    #: The allocation: the block, and the person sharing the room (None: alone).
    block_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room_blocks.id", ondelete="SET NULL"), index=True)
    roommate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id", ondelete="SET NULL"))
    #: What the person was last e-mailed ("" never): a change after publishing is e-mailed on the next publish.
    published: Mapped[str] = mapped_column(sa.String(100), default="")
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship(foreign_keys=[participant_id])
    wish: Mapped[Participant | None] = relationship(foreign_keys=[wish_id])
    roommate: Mapped[Participant | None] = relationship(foreign_keys=[roommate_id])
    block: Mapped[RoomBlock | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoomRequest {self.id} participant={self.participant_id} block={self.block_id}>"

    @property
    def nights(self) -> frozenset[date]:
        return rooming.nights_between(self.check_in, self.check_out)

    @property
    def allocation(self) -> str:
        """What the person would be e-mailed, in short: block, nights, roommate ("" when not placed)."""
        if self.block_id is None:
            return ""
        return f"{self.block_id}:{self.check_in.isoformat()}:{self.check_out.isoformat()}:{self.roommate_id or ''}"

