"""E-mail through an outbox table.

A message is queued in the same transaction as the change it reports, so a registration is never
lost to a mail failure and a mail never reports a change that was rolled back. After the request has
committed, due messages are sent over SMTP with the standard library; a failed send is kept and tried
again later with a growing delay (on a later request that queues mail, and by ``flask mail send``).
"""
from __future__ import annotations

import base64
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

#: After this many failed attempts (about three days, see ``_retry_delay``) a message waits for an
#: operator: ``flask mail send --retry-failed``.
MAX_ATTEMPTS = 20


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
    #: Not tried before this moment; a worker sending it moves it ahead first (its claim).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The template it was written from, e.g. ``registration_link``.
    kind: Mapped[str] = mapped_column(sa.String(50), default="")
    #: Files sent with it: ``[{"filename", "content_type", "data" (base64)}]`` (a ticket's QR code, a calendar file).
    attachments: Mapped[list | None] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} attempts={self.attempts} sent={self.sent_at is not None}>"


def queue_mail(recipient: str, template: str, locale: str, flush: bool = True,
               attachments: list[tuple[str, str, bytes]] | None = None, **context) -> OutboxMessage:
    """Render ``emails/<template>.txt`` in ``locale`` and queue it; the caller's commit sends it.

    The template's first line is ``Subject: ...``; the rest is the body. ``flush=False`` leaves the
    flush to the caller (queueing thousands of messages at once). ``attachments``: (file name,
    content type, bytes), kept with the message until it is sent.
    """
    with force_locale(locale):
        rendered = render_template(f"emails/{template}.txt", **context)
    first, _, body = rendered.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"emails/{template}.txt must start with a 'Subject:' line")
    message = OutboxMessage(
        kind=template,
        recipient=recipient,
        subject=first.removeprefix("Subject:").strip(),
        body_text=body.strip() + "\n",
        attachments=[{"filename": name, "content_type": content_type, "data": base64.b64encode(data).decode("ascii")}
                     for name, content_type, data in attachments] if attachments else None,
    )
    db.session.add(message)
    if flush:
        db.session.flush()
    g.mail_queued = True
    return message


def recently_sent(recipient: str, kind: str, within: timedelta) -> bool:
    """Tell whether a mail of ``kind`` was queued for ``recipient`` less than ``within`` ago."""
    return db.session.scalar(sa.select(OutboxMessage.id).where(
        OutboxMessage.recipient == recipient, OutboxMessage.kind == kind,
        OutboxMessage.created_at > utcnow() - within).limit(1)) is not None


def count_recent(recipient: str, kinds: tuple[str, ...], within: timedelta) -> int:
    """Count the mails of ``kinds`` queued for ``recipient`` less than ``within`` ago."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == recipient, OutboxMessage.kind.in_(kinds),
        OutboxMessage.created_at > utcnow() - within)) or 0


def _build(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="lsi-assembly")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        data = base64.b64decode(attachment["data"])
        if maintype == "text":  # text (a calendar file): sent as UTF-8 text, so that mail clients read it right
            email.add_attachment(data.decode("utf-8"), subtype=subtype, filename=attachment["filename"])
        else:
            email.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment["filename"])
    return email


class _Connection:
    """One SMTP connection, opened on first use and shared by a batch."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        config = current_app.config
        if self.smtp is None:
            self.smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
            if config["MAIL_USE_TLS"]:
                self.smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        self.smtp.send_message(email)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


def _retry_delay(attempts: int) -> timedelta:
    """Wait 1, 2, 4 ... minutes after each failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_id: int, now: datetime) -> bool:
    """Take a due message for this worker, committed, so no other worker sends it too.

    The conditional UPDATE moves ``next_attempt_at`` past the retry delay and counts the attempt;
    a second worker's UPDATE then matches no row (PostgreSQL re-checks the condition after the
    first commits; SQLite runs one writer at a time). A worker that dies mid-send leaves the
    message to be retried after the delay, and a message that keeps killing workers gives up.
    """
    attempts = OutboxMessage.attempts + 1
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               OutboxMessage.next_attempt_at <= now, OutboxMessage.attempts < MAX_ATTEMPTS)
        .values(attempts=attempts, next_attempt_at=now + _retry_delay(1))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def deliver_due(limit: int = 50, now: datetime | None = None) -> tuple[int, int]:
    """Send up to ``limit`` due messages, committing each outcome; return (sent, failed).

    Each message is claimed before it is sent and marked sent as soon as the server accepts it, so
    workers running at once never send a message twice and a batch stopped half-way resends nothing.
    """
    now = now or utcnow()
    due = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now,
               OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ))
    db.session.commit()
    sent = failed = 0
    connection = _Connection()
    try:
        for message_id in due:
            if not _claim(message_id, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                if current_app.config["MAIL_SERVER"]:
                    connection.send(_build(message))
                else:
                    log.info("MAIL_SERVER is not set; mail written here instead of sent:\n%s", _build(message))
            except (OSError, smtplib.SMTPException) as error:
                message.last_error = f"{type(error).__name__}: {error}"[:500]
                message.next_attempt_at = now + _retry_delay(message.attempts)
                db.session.commit()
                failed += 1
                log.warning("mail %s: send failed (%s)", message.id, message.last_error)
                if isinstance(error, OSError):
                    break  # the server is unreachable: the rest would fail the same way
                connection.close()
                connection = _Connection()
            else:
                message.sent_at = utcnow()
                message.last_error = None
                db.session.commit()
                sent += 1
    finally:
        connection.close()
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
