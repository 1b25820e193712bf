"""Participants: who registers, for which days, with what needs and consents."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lsi_assembly.core.audit import audit
from lsi_assembly.core.crypto import EncryptedText
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.core.search import fold, latin_letters, needs_latin_line
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.fields import FIELDS, audit_hidden, audit_labels


class Category(LabelledEnum):
    DELEGATE = "delegate"
    OBSERVER = "observer"
    SPEAKER = "speaker"
    PRESS = "press"
    SECRETARIAT = "secretariat"
    STAFF = "staff"
    GUEST = "guest"

    __labels__ = {
        DELEGATE: _l("Delegate of a member organization"),
        OBSERVER: _l("Observer"),
        SPEAKER: _l("Guest speaker"),
        PRESS: _l("Press"),
        SECRETARIAT: _l("LSI secretariat"),
        STAFF: _l("Staff"),
        GUEST: _l("Guest"),
    }


#: Categories a person may choose on the public form; the others are set by organizers.
SELF_SERVICE_CATEGORIES = (Category.DELEGATE, Category.OBSERVER, Category.SPEAKER, Category.PRESS)


class Status(LabelledEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    #: Sent on the form, its e-mail address not confirmed yet: holds no place, is on no list, and is
    #: deleted after REGISTRATION_CONFIRM_HOURS (see ``registration.services``).
    UNCONFIRMED = "unconfirmed"

    __labels__ = {
        PENDING: _l("Awaiting confirmation"),
        CONFIRMED: _l("Confirmed"),
        WAITLISTED: _l("On the waiting list"),
        CANCELLED: _l("Cancelled"),
        UNCONFIRMED: _l("Address not confirmed yet"),
    }


#: Statuses that hold a place within an organization's delegate quota.
PLACE_HOLDING = (Status.PENDING, Status.CONFIRMED)
#: Statuses of registrations the organizers work with: everything but the unconfirmed ones.
REGISTERED = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED)


class Diet(LabelledEnum):
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    GLUTEN_FREE = "gluten_free"
    LACTOSE_FREE = "lactose_free"
    NUT_ALLERGY = "nut_allergy"

    __labels__ = {
        VEGETARIAN: _l("Vegetarian"),
        VEGAN: _l("Vegan"),
        HALAL: _l("Halal"),
        KOSHER: _l("Kosher"),
        GLUTEN_FREE: _l("Gluten-free"),
        LACTOSE_FREE: _l("Lactose-free"),
        NUT_ALLERGY: _l("Nut allergy"),
    }


class Decision(LabelledEnum):
    """An organizer's decision on registrations, one by one or in bulk (``services.ACTIONS`` applies it)."""

    APPROVE = "approve"
    ADMIT = "admit"
    REJECT = "reject"
    CANCEL = "cancel"

    __labels__ = {
        APPROVE: _l("Approve"),
        ADMIT: _l("Move off the waiting list"),
        REJECT: _l("Reject"),
        CANCEL: _l("Cancel the registration"),
    }


participant_days = sa.Table(
    "participant_days",
    db.metadata,
    sa.Column("participant_id", sa.ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("event_day_id", sa.ForeignKey("event_days.id", ondelete="CASCADE"), primary_key=True),
)


#: The fields ``search_text`` is folded from (``sort_name``: the family and given names).
_SEARCHED = ("given_name", "family_name", "name_on_badge", "email", "organization_name")


def _text(name: str) -> sa.String:
    """The column type of a text field: as long as the spec allows (``fields.py``)."""
    return sa.String(FIELDS[name].max_length)


@audit("participant", labels=audit_labels(), hidden=audit_hidden(),
       values={"status": Status, "category": Category, "dietary": Diet})
class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "email"),
        sa.Index("ix_participants_org_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(_text("category"), default=Category.DELEGATE)
    status: Mapped[str] = mapped_column(_text("status"), default=Status.PENDING)
    given_name: Mapped[str] = mapped_column(_text("given_name"))
    family_name: Mapped[str] = mapped_column(_text("family_name"))
    #: What the badge shows in large type; None: given and family name.
    name_on_badge: Mapped[str | None] = mapped_column(_text("name_on_badge"))
    #: The badge name in Latin letters, printed under a name in another script (None: transliterated).
    latin_name: Mapped[str | None] = mapped_column(_text("latin_name"))
    #: Normalized by email-validator and lower-cased: the key for "already registered".
    email: Mapped[str] = mapped_column(_text("email"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    #: Free-text organization for someone not from a member organization.
    organization_name: Mapped[str | None] = mapped_column(_text("organization_name"))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str] = mapped_column(_text("country"))
    job_title: Mapped[str | None] = mapped_column(_text("job_title"))
    arrival_date: Mapped[date | None]
    departure_date: Mapped[date | None]
    #: Codes from ``Diet``.
    dietary: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    dietary_notes: Mapped[str | None] = mapped_column(EncryptedText)
    accessibility_needs: Mapped[str | None] = mapped_column(EncryptedText)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: May appear on the participant list shared with other participants.
    list_consent: Mapped[bool] = mapped_column(default=False)
    #: Agrees to be photographed; the badge marks those who do not.
    photo_consent: Mapped[bool] = mapped_column(default=False)
    #: Protected: never on a list others see, found at the desk only by badge code or exact full name, a badge
    #: without the organization, counted but not named in per-organization tables (docs/privacy.md).
    protected: Mapped[bool] = mapped_column(default=False)
    #: When the person's data was erased or anonymized (names, address, notes gone; counts kept).
    anonymized_at: Mapped[datetime | None]
    #: Asked to leave their organization off the badge.
    badge_hide_organization: Mapped[bool] = mapped_column(default=False)
    #: A note the organizers set for the check-in desk (e.g. "collect your interpreter headset").
    desk_note: Mapped[str | None] = mapped_column(EncryptedText)
    #: The organizers want the desk to see this person's dietary and accessibility needs.
    needs_at_desk: Mapped[bool] = mapped_column(default=False)
    #: When the address was shown to be the person's: the link in the confirmation e-mail followed, or
    #: (by default) the registration made by organizers, who know the address. None: not yet.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    #: When the person accepted the privacy notice (None: registered by organizers, not yet accepted).
    privacy_accepted_at: Mapped[datetime | None]
    #: Language of the e-mails this person receives.
    locale: Mapped[str] = mapped_column(_text("locale"), default="en")
    #: Names, badge name and e-mail folded for accent- and script-insensitive search (``core.search.fold``,
    #: kept up to date on every save).
    search_text: Mapped[str] = mapped_column(sa.String(700), default="")
    #: Family then given name, folded: sorts "Åsa" with "A" and "Ødegaard" with "O" on every database.
    sort_name: Mapped[str] = mapped_column(sa.String(210), default="")
    #: Random secret signed into the personal link; replacing it revokes every link sent.
    access_key: Mapped[str] = mapped_column(_text("access_key"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Last change of status; orders the waiting list (an unconfirmed registration's: when it was sent).
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    organization: Mapped[Organization | None] = relationship()
    days: Mapped[list[EventDay]] = relationship(secondary=participant_days, order_by=EventDay.date)

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.status} {self.category}>"

    @property
    def full_name(self) -> str:
        if self.anonymized_at is not None:
            return str(_l("Erased registration #%(id)s", id=self.id))
        return f"{self.given_name} {self.family_name}"

    @property
    def badge_name(self) -> str:
        return self.name_on_badge or self.full_name

    @property
    def badge_latin_name(self) -> str | None:
        """The second line of the badge, in Latin letters: only for a name in another script."""
        if not needs_latin_line(self.badge_name):
            return None
        return self.latin_name or latin_letters(self.badge_name)

    @property
    def badge_organization(self) -> str | None:
        """The organization the badge shows: none when the person asked, or is protected."""
        return None if self.badge_hide_organization or self.protected else self.organization_label

    @property
    def organization_label(self) -> str | None:
        return self.organization.name if self.organization else self.organization_name

    @property
    def is_active(self) -> bool:
        return self.status not in (Status.CANCELLED, Status.UNCONFIRMED)

    @validates(*_SEARCHED)
    def _fold_search_text(self, key: str, value: str | None) -> str | None:
        """Keep ``sort_name`` and ``search_text`` in step with the names and the address, as they are set."""
        names = {name: getattr(self, name) for name in _SEARCHED}
        names[key] = value
        self.sort_name = fold(f"{names['family_name']} {names['given_name']}")[:210]
        self.search_text = fold(" ".join(filter(None, names.values())))[:700]  # Latin letters may be more
        return value
