"""The consent log: every consent given or withdrawn, with when, by whom and the notice version.

The services that change a participant's ``privacy_accepted_at``, ``list_consent`` or ``photo_consent``
(registration, the person's edit, the organizers' edit, the import, a walk-in at the desk, accepting the
notice) take ``consent_state`` before and call ``record_consents`` after: a ``ConsentRecord`` per change,
in the same transaction. tests/integration/test_privacy.py checks each path.
"""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.privacy.models import ConsentKind, ConsentRecord, PrivacySettings
from lsi_assembly.registration.models import Participant

#: The participant's column for each kind of consent.
COLUMNS = {"privacy_accepted_at": ConsentKind.PRIVACY_NOTICE, "list_consent": ConsentKind.PARTICIPANT_LIST,
           "photo_consent": ConsentKind.PHOTOS}


def consent_state(participant: Participant) -> dict[str, bool]:
    """What the person has consented to now, by consent kind."""
    return {kind.value: (getattr(participant, column) is not None if column == "privacy_accepted_at"
                         else bool(getattr(participant, column))) for column, kind in COLUMNS.items()}


def record_consents(participant: Participant, before: dict[str, bool] | None, *, by: str) -> None:
    """Write a record for each consent that changed since ``before`` (None: a new registration, whose
    consents given are recorded). ``by``: ``person`` or ``organizers``. Flushes."""
    if participant.anonymized_at is not None:
        return
    if participant.id is None:
        db.session.flush()
    now = utcnow()
    version = _notice_version(participant.event_id)
    for kind, given in consent_state(participant).items():
        was = (before or {}).get(kind, False)
        if given != was:
            db.session.add(ConsentRecord(participant_id=participant.id, kind=kind, given=given, at=now,
                                         notice_version=version, by=by))
    db.session.flush()


def _notice_version(event_id: int) -> int:
    version = db.session.scalar(sa.select(PrivacySettings.notice_version).where(PrivacySettings.event_id == event_id))
    return version or 1


def consent_log(participant: Participant) -> list[ConsentRecord]:
    """The person's consent records, oldest first."""
    return list(db.session.scalars(sa.select(ConsentRecord).where(
        ConsentRecord.participant_id == participant.id).order_by(ConsentRecord.at, ConsentRecord.id)))


def accepted_version(participant: Participant) -> int | None:
    """The notice version the person last accepted (None: never accepted)."""
    return db.session.scalar(sa.select(ConsentRecord.notice_version).where(
        ConsentRecord.participant_id == participant.id, ConsentRecord.kind == ConsentKind.PRIVACY_NOTICE,
        ConsentRecord.given.is_(True)).order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1))


def acknowledge_notice(participant: Participant, version: int) -> None:
    """Record that the person read and accepts the notice's current version. Flushes."""
    participant.privacy_accepted_at = participant.privacy_accepted_at or utcnow()
    db.session.add(ConsentRecord(participant_id=participant.id, kind=ConsentKind.PRIVACY_NOTICE, given=True,
                                 notice_version=version, by="person"))
    db.session.flush()
