"""Member organizations and their delegate quotas."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.core.search import fold
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db


class Membership(LabelledEnum):
    """What an organization is to the network; only full members vote at the General Assembly."""

    FULL = "full"
    ASSOCIATE = "associate"
    PARTNER = "partner"

    __labels__ = {FULL: _l("Full member"), ASSOCIATE: _l("Associate member"), PARTNER: _l("Partner")}


@audit("organization", labels={
    "event_id": _l("Event"), "name": _l("Name"), "country": _l("Country"), "delegate_quota": _l("Delegate quota"),
    "contact_name": _l("Contact person"), "contact_email": _l("Contact e-mail address"), "is_active": _l("Active"),
    "is_sample": _l("Sample data"), "invite_token": _l("Invitation link"), "membership": _l("Membership"),
    "votes": _l("Votes"), "delegation_key": _l("Delegation link"),
    "delegation_link_sent_at": _l("Delegation link last sent"),
}, hidden={"invite_token", "delegation_key"}, values={"membership": Membership})
class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "name"),
        sa.CheckConstraint("delegate_quota >= 0", name="quota_not_negative"),
        sa.CheckConstraint("votes >= 0", name="votes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str] = mapped_column(sa.String(2))
    #: Delegates who may hold a place (pending or confirmed); more are waitlisted.
    delegate_quota: Mapped[int] = mapped_column(default=2)
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: A ``Membership`` value; only full members vote at the General Assembly.
    membership: Mapped[str] = mapped_column(sa.String(20), default=Membership.FULL)
    #: The member's votes at the General Assembly (counted for full members only).
    votes: Mapped[int] = mapped_column(default=1)
    #: Marks demo data, shown as such in the interface.
    is_sample: Mapped[bool] = mapped_column(default=False)
    #: Secret of the organization's invitation link (None: no link); replacing it revokes the old link.
    invite_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Secret signed into the focal point's delegation link (assembly.delegation); None: no link sent yet.
    #: Replaced each time the link is e-mailed, which revokes the links sent before.
    delegation_key: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the delegation link was last queued for the focal point (None: never).
    delegation_link_sent_at: Mapped[datetime | None]
    #: ``name`` folded for accent- and script-insensitive search (``core.search.fold``, kept up to date on every save).
    search_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Unused: quota decisions lock the row through ``core.locking`` now. Kept until a migration drops it.
    quota_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r} quota={self.delegate_quota} {self.membership}>"

    @property
    def is_full_member(self) -> bool:
        return self.membership == Membership.FULL

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        """Keep ``search_name`` in step with the name, as it is set."""
        self.search_name = fold(name)[:200]  # in Latin letters, a name in another script may grow
        return name
