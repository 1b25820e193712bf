"""What the visa letters hold about a person, for the privacy domain: the retention rule ``passport_data``,
the eraser, the export's section, and the deletion when the person cancels.

Imported by ``visas.services``: whatever uses visa letters registers these.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.core.personal_data import RetentionRule, register_eraser, register_exporter, register_rule
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.settings import retention_days
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.signals import participants_changed
from lsi_assembly.visas.models import PASSPORT_FIELDS, LetterStatus, VisaLetter

#: The retention rule's key (a setting's name: never renamed).
RULE = "passport_data"
#: The e-mail that carries the letter (``emails/visa_letter_issued.txt``): its PDF holds the passport data.
ISSUED_MAIL = "visa_letter_issued"


def delete_passport_data(letter: VisaLetter, now: datetime | None = None) -> bool:
    """Delete the passport data of a letter (what it was issued for stays); return whether any was held."""
    if letter.passport_deleted_at is not None:
        return False
    for name in PASSPORT_FIELDS:
        setattr(letter, name, None)
    letter.passport_deleted_at = now or utcnow()
    if letter.participant is not None:
        # The letter attached to its e-mail goes with the data (the outbox keeps that it was sent).
        db.session.execute(sa.update(OutboxMessage).where(
            OutboxMessage.kind == ISSUED_MAIL, OutboxMessage.recipient == letter.participant.email,
            OutboxMessage.attachments.is_not(None)).values(attachments=sa.null())
            .execution_options(synchronize_session=False))
    db.session.flush()
    return True


def deletion_date(event: Event) -> date | None:
    """The day the event's passport data is deleted at the latest (None: the event has no dates)."""
    if event.last_day is None:
        return None
    return event.last_day + timedelta(days=retention_days(event, RULE) + 1)


def _purge(run) -> int:
    count = 0
    for event in run.events():
        if not run.due(event):
            continue
        held = list(db.session.scalars(sa.select(VisaLetter).where(
            VisaLetter.event_id == event.id, VisaLetter.passport_deleted_at.is_(None))))
        count += len(held)
        if not run.dry_run:
            for letter in held:
                delete_passport_data(letter, run.now)
    return count


register_rule(RetentionRule(
    RULE, _l("Visa letters: passport data (name as in the passport, nationality, passport number, date of birth, "
             "expiry) and the consulate (that a letter was issued, when and by whom, is kept)"),
    _l("%(days)s days after the Assembly ends"), 30, _purge, order=15, max_days=365, after_event=True))


@register_eraser
def erase_visa_letter(participant: Participant) -> None:
    """Erasure: the passport data goes; a letter never issued goes entirely."""
    letter = db.session.scalar(sa.select(VisaLetter).where(VisaLetter.participant_id == participant.id))
    if letter is None:
        return
    if letter.status in (LetterStatus.ISSUED, LetterStatus.REVOKED):
        delete_passport_data(letter)
        letter.message = None
        db.session.flush()
    else:
        db.session.delete(letter)
        db.session.flush()


@register_exporter("visa_letter")
def export_visa_letter(participant: Participant) -> dict | None:
    """The person's letter in their export: its status and dates, never the passport data itself."""
    letter = db.session.scalar(sa.select(VisaLetter).where(VisaLetter.participant_id == participant.id))
    if letter is None:
        return None
    return {
        "status": letter.status,
        "requested_at": letter.requested_at.isoformat(),
        "passport_data": ("deleted " + letter.passport_deleted_at.isoformat() if letter.passport_deleted_at
                          else "held, encrypted (not included in this export)"),
        "reference": letter.reference,
        "issued_at": letter.issued_at.isoformat() if letter.issued_at else None,
        "revoked_at": letter.revoked_at.isoformat() if letter.revoked_at else None,
        "language": letter.language,
        "costs": letter.costs,
        "message": letter.message,
    }


@participants_changed.connect
def passport_data_follows_cancellation(event: Event, *, participant_ids: list[int], **_ignored) -> None:
    """Receiver of ``participants_changed``: a cancelled registration's passport data is deleted at once."""
    if not participant_ids:
        return
    letters = db.session.scalars(sa.select(VisaLetter).join(Participant, VisaLetter.participant_id == Participant.id)
                                 .where(VisaLetter.participant_id.in_(participant_ids),
                                        VisaLetter.passport_deleted_at.is_(None),
                                        Participant.status == Status.CANCELLED)).all()
    for letter in letters:
        delete_passport_data(letter)
