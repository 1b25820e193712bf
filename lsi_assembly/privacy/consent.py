"""The consent log: every consent given or withdrawn, written by one hook whichever page changed it.

After each flush, a participant whose ``privacy_accepted_at``, ``list_consent`` or ``photo_consent``
changed gets a ``ConsentRecord`` per change, with the notice version then in force and who made the
change (the person, or the organizers), in the same transaction. A hook for the same reason as the
audit log's: a forgotten call would leave a consent unrecorded.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from lsi_assembly.core.audit import current_actor
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.privacy.models import ConsentKind, ConsentRecord, PrivacySettings
from lsi_assembly.registration.models import Participant

#: The participant's column for each kind of consent.
COLUMNS = {"privacy_accepted_at": ConsentKind.PRIVACY_NOTICE, "list_consent": ConsentKind.PARTICIPANT_LIST,
           "photo_consent": ConsentKind.PHOTOS}


def _changed(participant: Participant, created: bool) -> list[tuple[str, bool]]:
    if participant.anonymized_at is not None:
        return []
    changes = []
    state = sa.inspect(participant)
    for column, kind in COLUMNS.items():
        value = getattr(participant, column)
        given = value is not None if column == "privacy_accepted_at" else bool(value)
        if created:
            if given:
                changes.append((kind.value, True))
            continue
        history = state.attrs[column].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            was = before is not None if column == "privacy_accepted_at" else bool(before)
            if was != given:
                changes.append((kind.value, given))
    return changes


def _notice_version(connection, event_id: int) -> int:
    version = connection.execute(sa.select(PrivacySettings.notice_version).where(
        PrivacySettings.event_id == event_id)).scalar()
    return version or 1


@sa.event.listens_for(Session, "after_flush")
def _record(session, flush_context) -> None:
    rows = []
    for objects, created in ((session.new, True), (session.dirty, False)):
        for obj in objects:
            if isinstance(obj, Participant):
                for kind, given in _changed(obj, created):
                    rows.append((obj, kind, given))
    if not rows:
        return
    _, actor = current_actor()
    by = "person" if actor == "participant" else "organizers"  # a focal point or the command line: not the person
    connection = session.connection()
    versions: dict[int, int] = {}
    now = utcnow()
    values = []
    for participant, kind, given in rows:
        if participant.event_id not in versions:
            versions[participant.event_id] = _notice_version(connection, participant.event_id)
        values.append({"participant_id": participant.id, "kind": kind, "given": given, "at": now,
                       "notice_version": versions[participant.event_id], "by": by})
    connection.execute(sa.insert(ConsentRecord), values)


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
