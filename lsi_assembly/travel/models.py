"""Travel support: the event's budget, each person's request (estimate, decision, claim, payment) and receipts.

Amounts are ``Decimal`` in ``Numeric(12, 2)`` columns, never floats. A request's estimate and claim are in
the currency the person chose; what organizers grant and pay is in euros.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant

#: Money columns: two decimals, up to 9,999,999,999.99.
Money = sa.Numeric(12, 2)
#: Currencies a person may give their costs in (ISO 4217): the euro first, then those of the network's countries.
CURRENCIES = ("EUR", "GBP", "CHF", "PLN", "CZK", "HUF", "RON", "BGN", "SEK", "DKK", "NOK", "RSD", "MKD", "ALL",
              "BAM", "MDL", "UAH", "GEL", "TRY", "USD")


class TravelStatus(LabelledEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DECLINED = "declined"
    CLAIMED = "claimed"
    PAID = "paid"

    __labels__ = {
        REQUESTED: _l("Requested"),
        GRANTED: _l("Granted"),
        DECLINED: _l("Declined"),
        CLAIMED: _l("Claimed"),
        PAID: _l("Paid"),
    }


class CostKind(LabelledEnum):
    TRAVEL = "travel"
    ACCOMMODATION = "accommodation"
    VISA = "visa"
    OTHER = "other"

    __labels__ = {
        TRAVEL: _l("Travel"),
        ACCOMMODATION: _l("Accommodation"),
        VISA: _l("Visa fees"),
        OTHER: _l("Other costs"),
    }


@audit("travel_budget", labels={"event_id": _l("Event"), "amount_eur": _l("Budget (EUR)")})
class TravelBudget(db.Model):
    """The event's travel support budget, in euros."""

    __tablename__ = "travel_budgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    amount_eur: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<TravelBudget event={self.event_id} {self.amount_eur} EUR>"


@audit("travel_request", labels={
    "event_id": _l("Event"), "participant_id": _l("Participant"), "status": _l("Status"), "currency": _l("Currency"),
    "estimated_travel": _l("Estimated travel"), "estimated_accommodation": _l("Estimated accommodation"),
    "estimated_visa": _l("Estimated visa fees"), "estimated_other": _l("Estimated other costs"),
    "route": _l("Route"), "reason": _l("Reason"), "granted_eur": _l("Granted (EUR)"),
    "conditions": _l("Conditions"), "decline_reason": _l("Reason for declining"),
    "claimed_travel": _l("Claimed travel"), "claimed_accommodation": _l("Claimed accommodation"),
    "claimed_visa": _l("Claimed visa fees"), "claimed_other": _l("Claimed other costs"),
    "paid_eur": _l("Paid (EUR)"), "paid_on": _l("Paid on"), "decided_at": _l("Decided"), "claimed_at": _l("Claimed"),
}, hidden=("route", "reason", "conditions", "decline_reason"), values={"status": TravelStatus})
class TravelRequest(db.Model):
    """One person's request for travel support, from the estimate to the payment (one per registration)."""

    __tablename__ = "travel_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=TravelStatus.REQUESTED)
    #: The currency of the estimate and of the claim (ISO 4217).
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    estimated_travel: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    estimated_accommodation: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    estimated_visa: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    estimated_other: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: From where to Paris, and how (e.g. "Chisinau - Paris, flight").
    route: Mapped[str] = mapped_column(sa.String(300), default="")
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    granted_eur: Mapped[Decimal | None] = mapped_column(Money)
    conditions: Mapped[str | None] = mapped_column(sa.String(1000))
    decline_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    decided_at: Mapped[datetime | None]
    claimed_travel: Mapped[Decimal | None] = mapped_column(Money)
    claimed_accommodation: Mapped[Decimal | None] = mapped_column(Money)
    claimed_visa: Mapped[Decimal | None] = mapped_column(Money)
    claimed_other: Mapped[Decimal | None] = mapped_column(Money)
    claimed_at: Mapped[datetime | None]
    paid_eur: Mapped[Decimal | None] = mapped_column(Money)
    paid_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship()
    receipts: Mapped[list[TravelReceipt]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TravelReceipt.id")

    def __repr__(self) -> str:
        return f"<TravelRequest {self.id} participant={self.participant_id} {self.status}>"

    def estimated(self, kind: str) -> Decimal:
        """The estimate of one kind of cost."""
        return getattr(self, f"estimated_{kind}") or Decimal("0")

    def claimed(self, kind: str) -> Decimal | None:
        """The amount claimed for one kind of cost (None before the claim)."""
        return getattr(self, f"claimed_{kind}")

    @property
    def estimated_total(self) -> Decimal:
        return sum((self.estimated(kind) for kind in CostKind), Decimal("0"))

    @property
    def claimed_total(self) -> Decimal | None:
        if self.claimed_at is None:
            return None
        return sum((self.claimed(kind) or Decimal("0") for kind in CostKind), Decimal("0"))


class TravelReceipt(db.Model):
    """A receipt uploaded with a claim: the file lives in UPLOAD_FOLDER under a random name."""

    __tablename__ = "travel_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("travel_requests.id", ondelete="CASCADE"), index=True)
    #: The random file name in the receipts folder (never the name the person gave).
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: What the content was found to be: application/pdf, image/jpeg or image/png.
    content_type: Mapped[str] = mapped_column(sa.String(30))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[TravelRequest] = relationship(back_populates="receipts")

    def __repr__(self) -> str:
        return f"<TravelReceipt {self.id} request={self.request_id} {self.content_type}>"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(self.content_type, "bin")
