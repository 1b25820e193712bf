"""E-mail through an outbox table.

A message is queued in the same transaction as the change it reports, so a registration is never
lost to a mail failure and a mail never reports a change that was rolled back. After the request has
committed, due messages are sent over SMTP with the standard library; a failed send is kept and tried
again later with a growing delay (on a later request that queues mail, and by ``flask mail send``).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import click
import sqlalchemy as sa
from flask import Flask, current_app, g, render_template
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db

log = logging.getLogger(__name__)

#: After this many failed attempts a message waits for an operator (``flask mail send --retry-failed``).
MAX_ATTEMPTS = 8


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the SMTP server accepted it; None while it waits.
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    #: Not tried again before this moment.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} attempts={self.attempts} sent={self.sent_at is not None}>"


def queue_mail(recipient: str, template: str, locale: str, **context) -> OutboxMessage:
    """Render ``emails/<template>.txt`` in ``locale`` and queue it; the caller's commit sends it.

    The template's first line is ``Subject: ...``; the rest is the body.
    """
    with force_locale(locale):
        rendered = render_template(f"emails/{template}.txt", **context)
    first, _, body = rendered.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"emails/{template}.txt must start with a 'Subject:' line")
    message = OutboxMessage(
        recipient=recipient,
        subject=first.removeprefix("Subject:").strip(),
        body_text=body.strip() + "\n",
    )
    db.session.add(message)
    db.session.flush()
    g.mail_queued = True
    return message


def _build(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="lsi-assembly")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    return email


def _send_over_smtp(emails: list[EmailMessage]) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        for email in emails:
            smtp.send_message(email)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def deliver_due(limit: int = 50, now: datetime | None = None) -> tuple[int, int]:
    """Send up to ``limit`` due messages and commit the outcome; return (sent, failed).

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never send the
    same message; SQLite serializes writers anyway.
    """
    now = now or utcnow()
    stmt = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list(db.session.scalars(stmt))
    if not messages:
        db.session.rollback()
        return 0, 0
    sent = failed = 0
    if not current_app.config["MAIL_SERVER"]:
        for message in messages:
            log.info("MAIL_SERVER is not set; mail written here instead of sent:\n%s", _build(message))
            message.sent_at = now
            sent += 1
    else:
        for message in messages:
            message.attempts += 1
            try:
                _send_over_smtp([_build(message)])
            except (OSError, smtplib.SMTPException) as error:
                message.last_error = f"{type(error).__name__}: {error}"[:500]
                message.next_attempt_at = now + _retry_delay(message.attempts)
                failed += 1
                log.warning("mail %s to outbox: send failed (%s)", message.id, message.last_error)
                if isinstance(error, OSError):
                    # The server is unreachable: the rest of the batch would fail the same way.
                    for rest in messages[messages.index(message) + 1 :]:
                        rest.next_attempt_at = message.next_attempt_at
                    break
            else:
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
    db.session.commit()
    return sent, failed


def _deliver_after_request(response):
    """Send what this request queued, once its transaction has been committed."""
    if g.pop("mail_queued", False) and response.status_code < 500:
        try:
            deliver_due(limit=20)
        except Exception:  # the change is committed; the outbox keeps the mail for a retry
            db.session.rollback()
            log.exception("delivering queued mail failed; it stays in the outbox")
    return response


mail_cli = AppGroup("mail", help="Send and inspect queued e-mail.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True, help="Also retry messages that gave up, now.")
def send_command(retry_failed: bool) -> None:
    """Send every due message in the outbox."""
    if retry_failed:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .values(attempts=0, next_attempt_at=utcnow())
        )
        db.session.commit()
    total_sent = total_failed = 0
    while True:
        sent, failed = deliver_due(limit=100)
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if sent == 0 or failed:
            break
    click.echo(f"sent {total_sent}, failed {total_failed}")
    if total_failed:
        raise SystemExit(1)


@mail_cli.command("status")
def status_command() -> None:
    """Count messages waiting, sent and given up, and show the last errors."""
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS
        )
    )
    sent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_not(None)))
    gave_up = db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS
        )
    )
    click.echo(f"waiting {waiting}, sent {sent}, gave up {gave_up}")
    failing = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(10)
    )
    for message in failing:
        click.echo(f"  #{message.id} attempts={message.attempts} next={message.next_attempt_at:%Y-%m-%d %H:%M} {message.last_error}")


def init_app(app: Flask) -> None:
    """Send queued mail after each request and add the ``mail`` commands."""
    app.after_request(_deliver_after_request)
    app.cli.add_command(mail_cli)
