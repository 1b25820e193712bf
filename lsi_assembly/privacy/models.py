"""The organizers' privacy settings of an event: the controller named in the notice, the retention
periods, and the notice's version."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.extensions import db


@audit("privacy_settings", labels={
    "event_id": _l("Event"),    "controller_name": _l("Controller"), "controller_address": _l("Controller's address"),
    "controller_email": _l("Controller's contact address"), "dpo_name": _l("Data protection officer"),
    "dpo_email": _l("Data protection officer's address"), "retention_days": _l("Retention periods"),
    "notice_version": _l("Privacy notice version"), "notice_changed_at": _l("Privacy notice changed"),
})
class PrivacySettings(db.Model):
    """One event's privacy settings (a row is made when organizers first save them; until then the
    defaults of ``privacy.settings`` apply)."""

    __tablename__ = "privacy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: Who decides why and how the data is processed (named in the notice, with address and contact).
    controller_name: Mapped[str | None] = mapped_column(sa.String(200))
    controller_address: Mapped[str | None] = mapped_column(sa.String(500))
    controller_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: The data protection officer, if the controller has one.
    dpo_name: Mapped[str | None] = mapped_column(sa.String(200))
    dpo_email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Days per retention rule key (``core.personal_data``); a key absent takes the rule's default.
    retention_days: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    #: Raised when the notice's content changes; people see the change at their next visit.
    notice_version: Mapped[int] = mapped_column(default=1)
    notice_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PrivacySettings event={self.event_id} v{self.notice_version}>"


class ConsentKind(LabelledEnum):
    """What a person consented to."""

    PRIVACY_NOTICE = "privacy_notice"
    PARTICIPANT_LIST = "participant_list"
    PHOTOS = "photos"

    __labels__ = {
        PRIVACY_NOTICE: _l("Privacy notice"),
        PARTICIPANT_LIST: _l("On the participant list"),
        PHOTOS: _l("May be photographed"),
    }


class ConsentRecord(db.Model):
    """A consent given or withdrawn: what, when, by whom, and the version of the notice then in force.

    Written on every change (never updated): the person's current choice is the latest record of each
    kind, and also the participant's own columns (``list_consent``, ``photo_consent``,
    ``privacy_accepted_at``) that the rest of the app reads. Erasure deletes the person's records.
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    #: A ``ConsentKind``.
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: True: given (or the notice accepted); False: withdrawn.
    given: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    notice_version: Mapped[int]
    #: ``person`` (the form, the personal link) or ``organizers``.
    by: Mapped[str] = mapped_column(sa.String(20))

    def __repr__(self) -> str:
        return f"<ConsentRecord {self.participant_id} {self.kind} given={self.given} v{self.notice_version}>"
