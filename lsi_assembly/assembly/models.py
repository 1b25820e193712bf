"""The General Assembly's records: statutory sessions, mandates, proxies, who is in the hall, the
recorded quorums and vote results, voting cards."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Participant

#: Rows of a table that are the valid ones (not revoked, not void): partial unique indexes on both databases.
_ACTIVE_PROXY = sa.text("revoked_at IS NULL")
_VALID_CARD = sa.text("voided_at IS NULL")


@audit("statutory_session", labels={
    "event_id": _l("Event"), "name": _l("Name"), "day": _l("Day"), "starts_at": _l("Starts at"),
    "ends_at": _l("Ends at"), "quorum_fraction": _l("Quorum fraction"),
})
class StatutorySession(db.Model):
    """A sitting of the General Assembly that needs a quorum (e.g. "Statutory session 1")."""

    __tablename__ = "assembly_sessions"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "name"),
        sa.CheckConstraint("quorum_fraction >= 0 AND quorum_fraction < 1", name="fraction_below_one"),
        sa.CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: One of the event's days.
    day: Mapped[date]
    #: Local time at the venue (the event's time zone); None: from the start of the day.
    starts_at: Mapped[time | None] = mapped_column(sa.Time)
    ends_at: Mapped[time | None] = mapped_column(sa.Time)
    #: The quorum is reached when the votes present are MORE than this fraction of all full members'
    #: votes: 0.5 is "more than half".
    quorum_fraction: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4), default=Decimal("0.5"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<StatutorySession {self.id} {self.name!r} {self.day.isoformat()}>"

    def begins_at(self, timezone: str) -> datetime:
        """When the session starts, as an aware datetime (the day's start when no time is set)."""
        return datetime.combine(self.day, self.starts_at or time(0), tzinfo=ZoneInfo(timezone))


@audit("mandate", labels={
    "event_id": _l("Event"), "organization_id": _l("Organization"), "voter_id": _l("Voting delegate"),
    "alternate_id": _l("Alternate"),
})
class Mandate(db.Model):
    """Who votes for a full member: its voting delegate, and an alternate who votes while the delegate is out."""

    __tablename__ = "assembly_mandates"
    __table_args__ = (
        sa.UniqueConstraint("organization_id"),
        sa.CheckConstraint("alternate_id IS NULL OR alternate_id <> voter_id", name="alternate_not_voter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    #: A confirmed delegate of the organization.
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    #: Another confirmed delegate of the organization (None: no alternate).
    alternate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id", ondelete="SET NULL"),
                                                     index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    voter: Mapped[Participant] = relationship(foreign_keys=[voter_id])
    alternate: Mapped[Participant | None] = relationship(foreign_keys=[alternate_id])

    def __repr__(self) -> str:
        return f"<Mandate organization={self.organization_id} voter={self.voter_id} alternate={self.alternate_id}>"


@audit("proxy", labels={
    "event_id": _l("Event"), "giver_id": _l("Member giving its proxy"), "holder_id": _l("Member holding the proxy"),
    "given_at": _l("Given at"), "revoked_at": _l("Revoked at"),
})
class Proxy(db.Model):
    """A full member's vote given to another full member for the Assembly; revoked, the row stays."""

    __tablename__ = "assembly_proxies"
    __table_args__ = (
        # At most one active proxy per giver, whatever runs at the same time.
        sa.Index("uq_assembly_proxies_active", "giver_id", unique=True,
                 sqlite_where=_ACTIVE_PROXY, postgresql_where=_ACTIVE_PROXY),
        sa.CheckConstraint("giver_id <> holder_id", name="not_to_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    giver_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: None while the proxy holds.
    revoked_at: Mapped[datetime | None]

    giver: Mapped[Organization] = relationship(foreign_keys=[giver_id])
    holder: Mapped[Organization] = relationship(foreign_keys=[holder_id])

    def __repr__(self) -> str:
        return f"<Proxy {self.id} {self.giver_id}->{self.holder_id} revoked={self.revoked_at is not None}>"


@audit("hall_presence", labels={
    "session_id": _l("Session"), "participant_id": _l("Participant"), "inside": _l("In the hall"),
    "first_entered_at": _l("First entered at"), "entered_at": _l("Entered at"), "left_at": _l("Left at"),
})
class HallPresence(db.Model):
    """Whether a person is in the hall during a session: one row per (session, person), so a double
    scan or two doors at once change nothing; each passage is in the audit log."""

    __tablename__ = "assembly_presences"
    __table_args__ = (sa.UniqueConstraint("session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("assembly_sessions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    inside: Mapped[bool] = mapped_column(default=True)
    #: The first time in (the attendance register's "time in").
    first_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The last time in.
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The last time out (None: not out since entering).
    left_at: Mapped[datetime | None]

    session: Mapped[StatutorySession] = relationship()
    participant: Mapped[Participant] = relationship()

    def __repr__(self) -> str:
        return f"<HallPresence session={self.session_id} participant={self.participant_id} inside={self.inside}>"


class QuorumRecord(db.Model):
    """The quorum as the chair recorded it at one moment, for the minutes."""

    __tablename__ = "assembly_quorum_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("assembly_sessions.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Who, in words: a staff e-mail or "command line".
    actor: Mapped[str] = mapped_column(sa.String(254))
    #: Full members, members present and represented at that moment.
    members: Mapped[int]
    present: Mapped[int]
    represented: Mapped[int]
    votes_total: Mapped[int]
    votes_present: Mapped[int]
    votes_needed: Mapped[int]
    quorum: Mapped[bool]
    quorum_fraction: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    #: The members by name: ``{"present": [{"id", "name", "votes", "by"}], "represented": [{"id", "name",
    #: "votes", "holder"}], "missing": [{"id", "name", "votes"}]}``, as they were then.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    session: Mapped[StatutorySession] = relationship()

    def __repr__(self) -> str:
        return f"<QuorumRecord session={self.session_id} {self.votes_present}/{self.votes_needed} at={self.recorded_at}>"


class VoteResult(db.Model):
    """The result of a vote on a motion, with the votes present when it was recorded."""

    __tablename__ = "assembly_vote_results"
    __table_args__ = (
        sa.CheckConstraint("votes_for >= 0 AND votes_against >= 0 AND abstentions >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("assembly_sessions.id", ondelete="CASCADE"), index=True)
    motion: Mapped[str] = mapped_column(sa.Text)
    votes_for: Mapped[int]
    votes_against: Mapped[int]
    abstentions: Mapped[int]
    #: The votes present at that moment: for + against + abstentions never exceed it.
    votes_present: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(254))

    session: Mapped[StatutorySession] = relationship()

    def __repr__(self) -> str:
        return (f"<VoteResult session={self.session_id} {self.votes_for}/{self.votes_against}/{self.abstentions} "
                f"of {self.votes_present}>")


@audit("voting_card", labels={
    "event_id": _l("Event"), "participant_id": _l("Participant"), "organization_id": _l("Member represented"),
    "votes": _l("Votes"), "code": _l("Card code"), "issued_at": _l("Issued at"), "voided_at": _l("Void since"),
    "printed_at": _l("Printed at"),
}, hidden={"code"})
class VotingCard(db.Model):
    """A printed card carrying one member's vote, held by a voting delegate (of that member or of the
    member holding its proxy). Void once the mandate or proxy changes; a void card's code is refused."""

    __tablename__ = "assembly_voting_cards"
    __table_args__ = (
        # A member's vote is on one valid card at most.
        sa.Index("uq_assembly_voting_cards_valid", "organization_id", unique=True,
                 sqlite_where=_VALID_CARD, postgresql_where=_VALID_CARD),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The voting delegate who holds the card.
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    #: The member whose vote the card carries (named on it).
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    #: The member's votes when the card was issued.
    votes: Mapped[int]
    #: Random, nothing personal (as badge codes: 26 characters of Crockford base32).
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the mandate or the proxy changed: the card must be reprinted.
    voided_at: Mapped[datetime | None]
    #: When the card was last printed (None: never; "print the cards not printed yet" picks it).
    printed_at: Mapped[datetime | None]

    participant: Mapped[Participant] = relationship()
    organization: Mapped[Organization] = relationship()

    def __repr__(self) -> str:
        return (f"<VotingCard {self.id} participant={self.participant_id} organization={self.organization_id} "
                f"void={self.voided_at is not None}>")
