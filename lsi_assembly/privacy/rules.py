"""The retention rules of the registration data, the outbox, print files and the public event.

Other domains (visa letters, travel support, rooms) register theirs beside their own models; the
notice, ``/manage/privacy`` and the purge read them all from ``core.personal_data``.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lsi_assembly.core.jobs import KEEP_FILES_FOR, JobResult, jobs_folder
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.core.personal_data import RetentionRule, register_rule
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.erasure import anonymize
from lsi_assembly.public.models import PublicAttendee, PublicEvent
from lsi_assembly.public.services import ENDED, ENDED_KEPT
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.services import delete_expired_unconfirmed


def _hours(hours: float) -> str:
    hours = round(hours)
    if hours % 24 == 0:
        return ngettext("%(num)d day", "%(num)d days", hours // 24)
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def _sensitive_notes(run) -> int:
    count = 0
    for event in run.events():
        if not run.due(event):
            continue
        has_notes = sa.or_(Participant.dietary_notes.is_not(None), Participant.accessibility_needs.is_not(None),
                           Participant.desk_note.is_not(None))
        where = (Participant.event_id == event.id, has_notes)
        public = (PublicAttendee.public_event_id.in_(sa.select(PublicEvent.id).where(PublicEvent.event_id == event.id)),
                  PublicAttendee.accessibility_needs.is_not(None))
        count += db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(*where)) or 0
        count += db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee).where(*public)) or 0
        if not run.dry_run:
            for participant in db.session.scalars(sa.select(Participant).where(*where)):
                participant.dietary_notes = participant.accessibility_needs = participant.desk_note = None
            for attendee in db.session.scalars(sa.select(PublicAttendee).where(*public)):
                attendee.accessibility_needs = None
            db.session.flush()
    return count


def _anonymize_where(run, condition_for) -> int:
    count = 0
    for event in run.events():
        condition = condition_for(event)
        if condition is None:
            continue
        people = db.session.scalars(sa.select(Participant).where(
            Participant.event_id == event.id, Participant.anonymized_at.is_(None),
            Participant.status != Status.UNCONFIRMED, condition).order_by(Participant.id)).all()
        count += len(people)
        if not run.dry_run:
            for participant in people:
                anonymize(participant, reason=f"schedule: {run.rule.key}")
    return count


def _participants(run) -> int:
    return _anonymize_where(run, lambda event: sa.true() if run.due(event) else None)


def _cancelled(run) -> int:
    return _anonymize_where(run, lambda event: sa.and_(Participant.status == Status.CANCELLED,
                                                       Participant.status_changed_at < run.before(event)))


def _unconfirmed(run) -> int:
    cutoff = run.now - timedelta(hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])
    where = (Participant.status == Status.UNCONFIRMED, Participant.status_changed_at <= cutoff)
    if run.dry_run:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(*where)) or 0
    return delete_expired_unconfirmed(run.now)


def _mail_bodies(run) -> int:
    event = current_event()
    if event is None:
        return 0
    moment = sa.func.coalesce(OutboxMessage.sent_at, OutboxMessage.failed_at)
    where = (moment.is_not(None), moment < run.before(event),
             sa.or_(OutboxMessage.body_text != "", OutboxMessage.recipient != "", OutboxMessage.attachments.is_not(None)))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(*where)) or 0
    if count and not run.dry_run:
        db.session.execute(sa.update(OutboxMessage).where(*where).values(
            body_text="", subject="", recipient="", attachments=None).execution_options(synchronize_session=False))
    return count


def _job_files(run) -> int:
    folder = jobs_folder(current_app)
    limit = (run.now - KEEP_FILES_FOR).timestamp()
    old = [path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < limit]
    results = sa.select(JobResult.job_id).where(JobResult.created_at < run.now - KEEP_FILES_FOR)
    in_database = db.session.scalar(sa.select(sa.func.count()).select_from(results.subquery())) or 0
    if not run.dry_run:
        for path in old:
            path.unlink(missing_ok=True)
        if in_database:
            db.session.execute(sa.delete(JobResult).where(JobResult.created_at < run.now - KEEP_FILES_FOR)
                               .execution_options(synchronize_session=False))
    return len(old) + in_database


def _public_ended(run) -> int:
    where = (PublicAttendee.status.in_(ENDED), PublicAttendee.status_changed_at < run.now - ENDED_KEPT)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee).where(*where)) or 0
    if count and not run.dry_run:
        db.session.execute(sa.delete(PublicAttendee).where(*where).execution_options(synchronize_session=False))
    return count


register_rule(RetentionRule(
    "sensitive_notes", _l("Dietary notes, accessibility needs and notes for the desk"),
    _l("%(days)s days after the Assembly ends"), 30, _sensitive_notes, order=10, max_days=365,
    after_event=True))
register_rule(RetentionRule(
    "participants", _l("Registrations: names, e-mail address, job title, links (category, country, organization "
                       "and days attended are kept, without a name, for the funders' counts)"),
    _l("%(days)s days after the Assembly ends"), 365, _participants, order=20, max_days=3650,
    after_event=True))
register_rule(RetentionRule(
    "cancelled", _l("Cancelled or declined registrations (kept as for registrations, sooner)"),
    _l("%(days)s days after the cancellation"), 30, _cancelled, order=30, max_days=365))
register_rule(RetentionRule(
    "unconfirmed", _l("Registrations whose e-mail address was never confirmed (deleted entirely)"),
    "", 0, _unconfirmed, order=40,
    fixed_period=lambda: _("%(period)s after registering", period=_hours(current_app.config["REGISTRATION_CONFIRM_HOURS"]))))
register_rule(RetentionRule(
    "mail_bodies", _l("E-mails sent to you: their text, attachments and your address (the fact that a message was "
                      "sent is kept)"),
    _l("%(days)s days after sending"), 7, _mail_bodies, order=50, min_days=1, max_days=90))
register_rule(RetentionRule(
    "job_files", _l("Printed badge sheets and lists made by the organizers (files)"), "", 0, _job_files, order=60,
    fixed_period=lambda: _("%(period)s after printing", period=_hours(KEEP_FILES_FOR.total_seconds() / 3600))))
register_rule(RetentionRule(
    "public_ended", _l("Public event: registrations cancelled, expired or not claimed (deleted entirely)"), "", 0,
    _public_ended, order=70,
    fixed_period=lambda: _("%(period)s after they ended", period=_hours(ENDED_KEPT.total_seconds() / 3600))))
