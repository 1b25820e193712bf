"""The periodic work, run by ``flask --app wsgi worker`` (Huey's scheduler): no cron line is needed.

Every minute the mail that is due is sent (core/mail.py ``retry_mail``); every two minutes the public
event's times are acted on; every hour the unconfirmed registrations past REGISTRATION_CONFIRM_HOURS
go, with old job results; every night at 03:15 (UTC) the retention schedule is applied. Each task is
what its CLI command does (``flask public sweep``, ``flask participants sweep``, ``flask privacy purge``),
which stay for running by hand.
"""
from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.jobs import remove_old_files
from lsi_assembly.core.links import NoBaseURL
from lsi_assembly.core.mail import send_queued_mail
from lsi_assembly.core.queue import huey, task_context
from lsi_assembly.events.services import current_event
from lsi_assembly.extensions import db
from lsi_assembly.privacy.purge import run_purge
from lsi_assembly.public.services import public_event_of, sweep
from lsi_assembly.registration.services import delete_expired_unconfirmed

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/2"))
def public_sweep() -> None:
    """Expire unconfirmed public registrations and unclaimed offers; offer the freed seats to the next in line."""
    with task_context():
        event = current_event()
        public_event = public_event_of(event) if event is not None else None
        if public_event is None:
            return
        try:
            expired, lapsed = sweep(public_event)
        except NoBaseURL:
            db.session.rollback()
            log.warning("public sweep: BASE_URL is not set; the offers cannot be e-mailed, nothing was done")
            return
        db.session.commit()
        send_queued_mail()  # the offers to the next in line
        if expired or lapsed:
            log.info("public sweep: %s unconfirmed registrations expired, %s offers lapsed", expired, lapsed)


@huey.periodic_task(crontab(minute="7"))
def registration_sweep() -> None:
    """Every hour: delete registrations whose address was not confirmed in time; old job results."""
    with task_context():
        deleted = delete_expired_unconfirmed()
        db.session.commit()
        send_queued_mail()
        remove_old_files(current_app)
        if deleted:
            log.info("registration sweep: %s unconfirmed registrations deleted", deleted)


@huey.periodic_task(crontab(hour="3", minute="15"))
def privacy_purge() -> None:
    """Every night: delete the personal data whose retention period is over (the retention schedule)."""
    with task_context():
        results = run_purge(utcnow().date(), dry_run=False)
        db.session.commit()
        send_queued_mail()
        log.info("privacy purge: %s", ", ".join(f"{rule.key} {count}" for rule, count in results))
