"""Visa invitation letters and the organizers' letterhead.

The passport data (name as in the passport, nationality, number, date of birth, expiry) is held
encrypted (``core.crypto.EncryptedText``) and only until the retention rule ``passport_data`` or the
person's cancellation deletes it; the letter's record then keeps only that it was issued, when, by
whom, its reference and its verification code.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.audit import audit
from lsi_assembly.core.crypto import EncryptedText
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant


class LetterStatus(LabelledEnum):
    REQUESTED = "requested"
    CORRECTION = "correction"
    ISSUED = "issued"
    DECLINED = "declined"
    REVOKED = "revoked"

    __labels__ = {
        REQUESTED: _l("Requested"),
        CORRECTION: _l("Correction asked"),
        ISSUED: _l("Approved and issued"),
        DECLINED: _l("Declined"),
        REVOKED: _l("Revoked"),
    }


#: Statuses in which the person may still change what they sent.
EDITABLE = (LetterStatus.REQUESTED, LetterStatus.CORRECTION)


class CostCover(LabelledEnum):
    """Who covers what costs, as the letter says it (chosen for each letter at approval)."""

    LSI_TRAVEL_ACCOMMODATION = "lsi_travel_accommodation"
    LSI_ACCOMMODATION = "lsi_accommodation"
    ORGANIZATION_ALL = "organization_all"
    PARTICIPANT_ALL = "participant_all"

    __labels__ = {
        LSI_TRAVEL_ACCOMMODATION: _l("La Strada International covers travel and accommodation"),
        LSI_ACCOMMODATION: _l("La Strada International covers accommodation only"),
        ORGANIZATION_ALL: _l("The participant's organization covers all costs"),
        PARTICIPANT_ALL: _l("The participant covers all costs"),
    }


#: The passport data: encrypted, never logged, never exported, deleted on schedule.
PASSPORT_FIELDS = ("passport_name", "nationality", "passport_number", "birth_date", "passport_expiry",
                   "consulate_city", "consulate_country")


@audit("visa_letter", labels={
    "status": _l("Status"), "passport_name": _l("Name as in the passport"), "nationality": _l("Nationality"),
    "passport_number": _l("Passport number"), "birth_date": _l("Date of birth"),
    "passport_expiry": _l("Passport expiry"), "consulate_city": _l("Consulate: city"),
    "consulate_country": _l("Consulate: country"), "costs": _l("Costs covered"),
    "costs_note": _l("Costs: details"), "language": _l("Language of the letter"),
    "message": _l("Message to the participant"), "reference": _l("Reference"), "event_id": _l("Event"),
    "participant_id": _l("Participant"), "requested_at": _l("Requested on"),
    "passport_deleted_at": _l("Passport details deleted on"), "number": _l("Number"),
    "code": _l("Verification code"), "issued_at": _l("Issued on"), "issued_by": _l("Issued by"),
    "revoked_at": _l("Revoked on"), "revoked_by": _l("Revoked by"),
}, hidden=PASSPORT_FIELDS + ("message", "code"), values={"status": LetterStatus, "costs": CostCover})
class VisaLetter(db.Model):
    """One participant's request for a visa invitation letter, and the letter once issued."""

    __tablename__ = "visa_letters"
    __table_args__ = (sa.UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: None once the registration is gone: the record of an issued letter outlives it.
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=LetterStatus.REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # The passport data (encrypted at rest; NULL once deleted).
    passport_name: Mapped[str | None] = mapped_column(EncryptedText)
    #: ISO 3166 code of the passport's country.
    nationality: Mapped[str | None] = mapped_column(EncryptedText)
    passport_number: Mapped[str | None] = mapped_column(EncryptedText)
    #: ISO dates, as text (an encrypted column holds text).
    birth_date: Mapped[str | None] = mapped_column(EncryptedText)
    passport_expiry: Mapped[str | None] = mapped_column(EncryptedText)
    consulate_city: Mapped[str | None] = mapped_column(EncryptedText)
    #: ISO 3166 code of the consulate's country.
    consulate_country: Mapped[str | None] = mapped_column(EncryptedText)
    #: When the passport data was deleted (schedule, cancellation or erasure).
    passport_deleted_at: Mapped[datetime | None]

    #: The organizers' last message: what to correct, or why the letter was declined.
    message: Mapped[str | None] = mapped_column(sa.Text)

    # The letter, once approved.
    costs: Mapped[str | None] = mapped_column(sa.String(40))
    costs_note: Mapped[str | None] = mapped_column(sa.String(300))
    language: Mapped[str | None] = mapped_column(sa.String(5))
    #: Numbered per event from 1, without gaps (taken under the event's lock).
    number: Mapped[int | None]
    #: As printed, e.g. ``LSI-2027-V-0001``.
    reference: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    #: 16 characters of Crockford base32, random: nothing personal (as a certificate's).
    code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    issued_at: Mapped[datetime | None]
    #: The organizer who approved it (their e-mail address, kept as the record of who issued it).
    issued_by: Mapped[str | None] = mapped_column(sa.String(254))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(254))

    participant: Mapped[Participant | None] = relationship()
    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<VisaLetter {self.id} participant={self.participant_id} status={self.status} ref={self.reference}>"

    @property
    def editable(self) -> bool:
        """Tell whether the person may still change their request."""
        return self.status in EDITABLE and self.passport_deleted_at is None

    @property
    def birth(self) -> date | None:
        return date.fromisoformat(self.birth_date) if self.birth_date else None

    @property
    def expiry(self) -> date | None:
        return date.fromisoformat(self.passport_expiry) if self.passport_expiry else None


class Letterhead(db.Model):
    """The organizers' letterhead for visa letters, one per event: uploaded once."""

    __tablename__ = "visa_letterheads"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo_type: Mapped[str | None] = mapped_column(sa.String(20))
    #: The organizers' postal address, as printed under the logo (several lines).
    address: Mapped[str] = mapped_column(sa.Text, default="")
    signatory_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory_title: Mapped[str | None] = mapped_column(sa.String(200))
    signature: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    signature_type: Mapped[str | None] = mapped_column(sa.String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Letterhead event={self.event_id}>"

    @property
    def complete(self) -> bool:
        """Tell whether letters can be issued: an address and a signatory at least."""
        return bool(self.address.strip() and self.signatory_name.strip())
