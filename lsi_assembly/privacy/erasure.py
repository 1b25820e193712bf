"""Erasure (GDPR art. 17) and anonymization: what is left of a person afterwards is a count.

``anonymize`` removes everything that names or reaches the person from their registration and from
what other tables say about them, and keeps what the funders' counts need: category, country,
organization, the days attended (check-ins) and the workshop seats held. The retention schedule
anonymizes every participant some time after the event (rule ``participants``) and cancelled
registrations sooner (rule ``cancelled``).

``erase`` is the person's (or the organizers') request: the registration is cancelled first, as a
cancellation would (quota place and seats freed, the waiting list moves on), then anonymized, and the
organization name they typed goes too. The audit log keeps the fact of the erasure, who asked and
why, never the name.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from lsi_assembly.badges.models import BadgePrint
from lsi_assembly.core.audit import AuditEntry, current_actor
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.jobs import Job, JobResult, jobs_folder
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.core.personal_data import erasers
from lsi_assembly.documents.models import Certificate
from lsi_assembly.extensions import db
from lsi_assembly.privacy.models import ConsentRecord
from lsi_assembly.public.models import PublicAttendee, PublicEvent
from lsi_assembly.public.services import cancel as cancel_public_registration
from lsi_assembly.registration.links import new_access_key
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.services import change_status
from lsi_assembly.workshops.models import Preference

log = logging.getLogger(__name__)

#: The domain of the address an anonymized registration keeps (the column is required and unique per
#: event): ``.invalid`` is reserved (RFC 2606), and the outbox never writes to it (``core.mail``).
ERASED_DOMAIN = "erased.invalid"
#: What the audit log shows instead of an erased value.
ERASED = "(erased)"
#: Audit fields that name nobody: kept as they were in the entries about an erased person.
_KEPT_IN_AUDIT = frozenset({"status", "category", "country", "organization_id", "event_id", "list_consent",
                            "photo_consent", "protected", "needs_at_desk", "badge_hide_organization", "locale",
                            "day_id", "checked_in_at", "desk", "user_id", "participant_id", "workshop_id",
                            "run_id", "rank", "pinned", "anonymized_at"})
#: Columns of a participant blanked by the anonymization (None, or "" for required text).
_BLANKED = {"given_name": "", "family_name": "", "name_on_badge": None, "latin_name": None, "job_title": None,
            "dietary_notes": None, "accessibility_needs": None, "desk_note": None, "arrival_date": None,
            "departure_date": None}


@dataclass(frozen=True)
class Traces:
    """What identifies a person in free text elsewhere (mail bodies, audit values, job names)."""

    strings: tuple[str, ...]

    @classmethod
    def of(cls, participant: Participant) -> Traces:
        values = {participant.email, participant.full_name, participant.name_on_badge, participant.latin_name,
                  f"{participant.family_name}, {participant.given_name}",
                  f"{participant.family_name.upper()}, {participant.given_name}"}
        return cls(tuple(sorted(v for v in values if v and len(v.strip()) >= 3)))

    def found_in(self, text: str | None) -> bool:
        return bool(text) and any(value.casefold() in text.casefold() for value in self.strings)


def is_erased_address(email: str) -> bool:
    """Tell whether an address is an anonymized registration's placeholder."""
    return email.endswith("@" + ERASED_DOMAIN)


def anonymize(participant: Participant, *, reason: str = "schedule", now: datetime | None = None,
              drop_organization_name: bool = False) -> None:
    """Remove everything that names or reaches the person; keep what the counts need. Flushes.

    Idempotent: an anonymized registration is left alone. ``reason`` goes to the audit log
    (``schedule``, ``cancelled``, ``erased``).
    """
    if participant.anonymized_at is not None:
        return
    now = now or utcnow()
    traces = Traces.of(participant)
    old_email = participant.email
    for eraser in erasers():
        eraser(participant)
    db.session.execute(sa.delete(Preference).where(Preference.participant_id == participant.id))
    db.session.execute(sa.delete(BadgePrint).where(BadgePrint.participant_id == participant.id))
    db.session.execute(sa.delete(Certificate).where(Certificate.participant_id == participant.id))
    db.session.execute(sa.delete(ConsentRecord).where(ConsentRecord.participant_id == participant.id))
    for column, value in _BLANKED.items():
        setattr(participant, column, value)
    participant.languages = []
    participant.dietary = []
    participant.email = f"erased-{participant.id}@{ERASED_DOMAIN}"
    if drop_organization_name:
        participant.organization_name = None
    participant.access_key = new_access_key()  # every link sent stops working
    participant.list_consent = False
    participant.photo_consent = False
    participant.anonymized_at = now
    db.session.flush()  # the audit hook writes the change, old values included: redacted just below
    _forget_in_mail(old_email, traces)
    _forget_in_audit(participant.id, traces)
    _forget_in_jobs(traces)
    _record(participant.id, reason)
    log.debug("participant %s anonymized (%s)", participant.id, reason)


def erase(participant: Participant, *, reason: str, by: str) -> None:
    """Erase a person's registration at their or the organizers' request (``by``: ``participant`` or
    ``organizer``): cancel it as a cancellation would, erase their public-event registrations made
    with the same address, then anonymize. Flushes; the caller commits."""
    if participant.anonymized_at is not None:
        return
    names = Traces(tuple(part for part in (participant.given_name, participant.family_name, participant.email,
                                           participant.name_on_badge) if part and len(part) >= 3))
    if reason and (Traces.of(participant).found_in(reason) or names.found_in(reason)):
        reason = ERASED  # a reason naming the person would keep the name in the log
    if participant.status != Status.CANCELLED:
        change_status(participant, Status.CANCELLED, by=by, reason="erased", tell=False)
        db.session.flush()
    _erase_public_registrations(participant)
    anonymize(participant, reason=f"erased: {reason}" if reason else "erased", drop_organization_name=True)


def _erase_public_registrations(participant: Participant) -> None:
    attendees = db.session.scalars(sa.select(PublicAttendee).join(PublicEvent).where(
        PublicEvent.event_id == participant.event_id, PublicAttendee.email == participant.email)).all()
    for attendee in attendees:
        cancel_public_registration(attendee)  # a seat it held goes to the first in line
        db.session.flush()
        attendee_id = attendee.id
        db.session.delete(attendee)
        db.session.flush()
        db.session.execute(sa.delete(AuditEntry).where(
            AuditEntry.entity_type == "public_attendee", AuditEntry.entity_id == attendee_id))


def _forget_in_mail(email: str, traces: Traces) -> None:
    """Delete every message to the person, and blank other messages that name them."""
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient == email)
                       .execution_options(synchronize_session=False))
    conditions = [OutboxMessage.body_text.ilike(f"%{value}%") for value in traces.strings]
    conditions += [OutboxMessage.subject.ilike(f"%{value}%") for value in traces.strings]
    if conditions:
        db.session.execute(sa.update(OutboxMessage).where(sa.or_(*conditions)).values(
            body_text="", subject="", attachments=None).execution_options(synchronize_session=False))


def _redacted(changes: dict, everything: bool) -> dict:
    redacted = {}
    for field, values in changes.items():
        if not everything and field in _KEPT_IN_AUDIT:
            redacted[field] = values
        elif isinstance(values, list) and len(values) == 2:
            redacted[field] = [None if values[0] in (None, "", []) else ERASED,
                               None if values[1] in (None, "", []) else ERASED]
        else:
            redacted[field] = [ERASED, ERASED]
    return redacted


def _forget_in_audit(participant_id: int, traces: Traces) -> None:
    """Redact the log's entries about the person, and any other entry whose values name them."""
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "participant", AuditEntry.entity_id == participant_id)).all()
    for entry in entries:
        entry.changes = _redacted(entry.changes or {}, everything=False)
    for entry in db.session.scalars(sa.select(AuditEntry).where(sa.not_(sa.and_(
            AuditEntry.entity_type == "participant", AuditEntry.entity_id == participant_id)))):
        text = json.dumps(entry.changes or {}, ensure_ascii=False, default=str)
        if traces.found_in(text):
            entry.changes = {field: (_redacted({field: values}, everything=True)[field]
                                     if traces.found_in(json.dumps(values, ensure_ascii=False, default=str))
                                     else values)
                             for field, values in (entry.changes or {}).items()}
        if traces.found_in(entry.actor):
            entry.actor = ERASED
    db.session.flush()


def _forget_in_jobs(traces: Traces) -> None:
    """Delete every finished print's file (a badge sheet or list may name the person) and blank a job's
    name or message that names them. Files are made again on demand."""
    folder = jobs_folder(current_app)
    kept = sa.select(JobResult.job_id).scalar_subquery()  # results in the database (the task queue's)
    for job in db.session.scalars(sa.select(Job).where(sa.or_(Job.result_file.is_not(None), Job.id.in_(kept)))):
        if job.result_file:
            (folder / job.result_file).unlink(missing_ok=True)
        job.result_file = None
        if job.status == "done":
            job.message = None
        if traces.found_in(job.download_name):
            job.download_name = None
        if traces.found_in(job.message):
            job.message = None
    db.session.execute(sa.delete(JobResult).execution_options(synchronize_session=False))
    db.session.flush()


def _record(participant_id: int, reason: str) -> None:
    """The fact of the erasure, without the name: what, when, by whom, why."""
    actor_id, actor = current_actor()
    db.session.execute(sa.insert(AuditEntry).values(
        entity_type="participant", entity_id=participant_id, action="anonymized", changes={"reason": reason},
        actor_user_id=actor_id, actor=actor, created_at=utcnow()))
