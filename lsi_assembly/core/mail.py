"""E-mail through an outbox table.

A message is queued in the same transaction as the change it reports, so a registration is never
lost to a mail failure and a mail never reports a change that was rolled back. After the request has
committed, due messages are sent over SMTP with the standard library by the task queue's worker
(``deliver_mail``, queued at the end of the request or task that committed them; core/queue.py); a failed send is kept and tried again later
with a growing delay (the task schedules itself for the next due message, and ``retry_mail`` runs every
minute). A message the relay refuses for good (a 5xx answer) is marked failed at once and never retried.
With ``QUEUE_IMMEDIATE`` (the tests) mail is sent after the request, in it, as before the queue.
"""
from __future__ import annotations

import base64
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app, g, render_template
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from huey import crontab

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.queue import huey, task_context
from lsi_assembly.extensions import db

log = logging.getLogger(__name__)

#: After this many failed attempts (about two hours, see ``_retry_delay``) a message fails and waits
#: for an operator: ``flask mail send --retry-failed``.
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
    #: What went wrong the last time, without the recipient's address.
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    #: When it failed for good: refused by the server (5xx), or out of attempts. None while it may go.
    failed_at: Mapped[datetime | None]
    #: Not tried before this moment; a worker sending it moves it ahead first (its claim).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The template it was written from, e.g. ``registration_link``.
    kind: Mapped[str] = mapped_column(sa.String(50), default="")
    #: Files sent with it: ``[{"filename", "content_type", "data" (base64)}]`` (a ticket's QR code, a calendar file).
    attachments: Mapped[list | None] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return (f"<OutboxMessage {self.id} attempts={self.attempts} sent={self.sent_at is not None} "
                f"failed={self.failed_at is not None}>")


def queue_mail(recipient: str, template: str, locale: str, flush: bool = True,
               attachments: list[tuple[str, str, bytes]] | None = None, **context) -> OutboxMessage | None:
    """Render ``emails/<template>.txt`` in ``locale`` and queue it; the caller's commit sends it.

    The template's first line is ``Subject: ...``; the rest is the body. ``flush=False`` leaves the
    flush to the caller (queueing thousands of messages at once). ``attachments``: (file name,
    content type, bytes), kept with the message until it is sent. Nothing is queued (None) for an
    address under ``.invalid`` (RFC 2606), the placeholder of an erased registration.
    """
    if recipient.rsplit("@", 1)[-1].endswith(".invalid"):
        return None  # an erased registration's placeholder (privacy.erasure): nobody to write to
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
    g.mail_queued = True  # the end of the unit of work (request, task) asks the worker to send it
    return message


def recently_sent(recipient: str, kind: str, within: timedelta) -> bool:
    """Tell whether a mail of ``kind`` was queued for ``recipient`` less than ``within`` ago."""
    return db.session.scalar(sa.select(OutboxMessage.id).where(
        OutboxMessage.recipient == recipient, OutboxMessage.kind == kind,
        OutboxMessage.created_at > utcnow() - within).limit(1)) is not None


class _Undeliverable(Exception):
    """This message can never be sent as it is (an address the relay cannot take): it fails for good."""


def _smtp_address(recipient: str) -> str:
    """Return the address to write to: the domain in its IDNA (ASCII) form, the local part as stored."""
    local_part, _, domain = recipient.rpartition("@")
    if domain.isascii():
        return recipient
    try:
        domain = validate_email(recipient, check_deliverability=False, allow_smtputf8=True).ascii_domain
    except EmailNotValidError:
        raise _Undeliverable("the domain of the address cannot be written in ASCII (IDNA)") from None
    return f"{local_part}@{domain}"


def count_recent(recipient: str, kinds: tuple[str, ...], within: timedelta) -> int:
    """Count the mails of ``kinds`` queued for ``recipient`` less than ``within`` ago."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == recipient, OutboxMessage.kind.in_(kinds),
        OutboxMessage.created_at > utcnow() - within)) or 0


def _build(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = _smtp_address(message.recipient)
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


#: A link in a mail's text, without the punctuation that ends a sentence after it.
_LINK = re.compile(r"https?://\S+?(?=[.,;:!?)\]]*(?:\s|$))")


def console_text(message: OutboxMessage) -> str:
    """Write ``message`` as a person reads it, for the console of a development server without MAIL_SERVER.

    The headers, then the text as written (not quoted-printable: no line cut by ``=``), each link whole
    on a line of its own so that it can be copied or clicked in a terminal, then the attachments by name.
    """
    email = _build(message)
    headers = [f"{name}: {email[name]}" for name in ("From", "To", "Subject", "Date")]
    lines = []
    for line in email.get_body(("plain",)).get_content().splitlines():
        links = _LINK.findall(line)
        if not links or line.strip() in links:
            lines.append(line)
            continue
        texts = [text.strip() for text in _LINK.split(line)]  # text beside a link: the link on a line of its own
        for text, link in zip(texts, [*links, None]):
            lines += [piece for piece in (text, link) if piece]
    attachments = [f"Attachment: {part.get_filename()} ({part.get_content_type()}, "
                   f"{len(part.get_payload(decode=True) or b'')} bytes)" for part in email.iter_attachments()]
    return "\n".join([*headers, "", *lines, *([""] + attachments if attachments else [])])


class _SMTP(smtplib.SMTP):
    """smtplib's client whose every wait on the server (connect, each command, each reply) lasts at
    most what ``step_timeout`` returns at that moment, so that a deadline holds for the whole batch."""

    def __init__(self, step_timeout: Callable[[], float]) -> None:
        self._step_timeout = step_timeout
        super().__init__()  # no host: connect() below

    def connect(self, host="localhost", port=0, source_address=None):  # noqa: D102
        self.timeout = self._step_timeout()
        return super().connect(host, port, source_address)

    def send(self, s) -> None:  # noqa: D102
        self._limit_wait()
        super().send(s)

    def getreply(self):  # noqa: D102
        self._limit_wait()
        return super().getreply()

    def _limit_wait(self) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._step_timeout())


class _Connection:
    """One SMTP connection, opened on first use and shared by a batch.

    With a ``deadline`` (a ``time.monotonic()`` value), each step waits at most the time left, and
    none starts once it has passed; without one, each step waits at most MAIL_TIMEOUT.
    """

    def __init__(self, deadline: float | None = None) -> None:
        self.smtp: _SMTP | None = None
        self.deadline = deadline
        self.timeout = current_app.config["MAIL_TIMEOUT"]

    def step_timeout(self) -> float:
        """Return how long the next step may wait on the server; raise TimeoutError past the deadline."""
        if self.deadline is None:
            return self.timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the time for sending mail after this request ran out")
        return min(self.timeout, left)

    def open(self) -> _SMTP:
        """Connect, STARTTLS and log in if not done yet (or if the server closed the connection)."""
        if self.smtp is not None and self.smtp.sock is None:
            self.smtp = None  # closed after a refusal (smtplib closes on a failed RSET)
        if self.smtp is None:
            config = current_app.config
            smtp = _SMTP(self.step_timeout)
            try:
                smtp.connect(config["MAIL_SERVER"], config["MAIL_PORT"])
                if config["MAIL_USE_TLS"]:
                    smtp.starttls(context=ssl.create_default_context())
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                smtp.ehlo_or_helo_if_needed()
            except BaseException:
                smtp.close()
                raise
            self.smtp = smtp
        return self.smtp

    def send(self, message: OutboxMessage) -> None:
        """Send one message on the open connection; raise _Undeliverable or smtplib's errors."""
        address = _smtp_address(message.recipient)
        if not address.isascii():  # the local part: the domain is ASCII by now
            if not current_app.config["MAIL_SMTPUTF8"]:
                raise _Undeliverable("the address has non-ASCII characters before the @ and MAIL_SMTPUTF8 is off")
            if not self.smtp.has_extn("smtputf8"):
                raise _Undeliverable("the address has non-ASCII characters before the @ and the mail relay "
                                     "does not offer SMTPUTF8")
        # With a non-ASCII address, smtplib sends with SMTPUTF8 (checked above that the relay offers it).
        self.smtp.send_message(_build(message), to_addrs=[address])

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except OSError:  # smtplib's errors included
                self.smtp.close()
            self.smtp = None


#: How a failed send ends: the message fails for good / is tried again later and the batch goes on /
#: is tried again later and the batch stops (the connection is gone: the rest would fail the same way).
PERMANENT, LATER, CONNECTION_LOST = "permanent", "later", "connection lost"


def _failure_kind(error: Exception) -> str:
    """Sort a failed send: a 5xx refusal is permanent, a 4xx one temporary, anything else the connection."""
    if isinstance(error, _Undeliverable):
        return PERMANENT
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
    elif isinstance(error, smtplib.SMTPResponseException):  # sender or data refused
        codes = [error.smtp_code]
    else:  # a socket error, a timeout, SMTPServerDisconnected ...
        return CONNECTION_LOST
    if not codes or 421 in codes:  # 421: the server is closing the connection
        return CONNECTION_LOST
    return PERMANENT if all(500 <= code < 600 for code in codes) else LATER


def _describe(error: Exception, recipient: str) -> str:
    """Say what went wrong, without the recipient's address (smtplib and servers put it in their text)."""
    def reply(text) -> str:
        return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{code} {reply(answer)}" for code, answer in error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):  # its str() names the sender
        text = f"{error.smtp_code} {reply(error.smtp_error)}"
    else:
        text = str(error)
    text = f"{type(error).__name__}: {text}"
    forms = {recipient}
    try:
        forms.add(_smtp_address(recipient))
    except _Undeliverable:
        pass
    for form in forms:
        text = re.sub(re.escape(form), "<recipient>", text, flags=re.IGNORECASE)
    return text[:500]


def _retry_delay(attempts: int) -> timedelta:
    """Wait 1, 2, 4 ... minutes (MAIL_RETRY_SECONDS, doubled each time) after each failure, at most 6 hours."""
    base = current_app.config.get("MAIL_RETRY_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


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
        .where(OutboxMessage.id == message_id, *_due(now))
        .values(attempts=attempts, next_attempt_at=now + _retry_delay(1))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _due(now: datetime) -> tuple:
    return (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now, OutboxMessage.attempts < MAX_ATTEMPTS)


def _record_failure(message: OutboxMessage, error: Exception, kind: str, now: datetime) -> None:
    message.last_error = _describe(error, message.recipient)
    message.next_attempt_at = now + _retry_delay(message.attempts)
    if kind == PERMANENT or message.attempts >= MAX_ATTEMPTS:
        message.failed_at = utcnow()
    db.session.commit()
    outcome = "failed for good" if message.failed_at else f"will be retried ({kind})"
    log.warning("mail %s: send failed, %s: %s", message.id, outcome, message.last_error)


def deliver_due(limit: int = 50, now: datetime | None = None, deadline: float | None = None) -> tuple[int, int]:
    """Send up to ``limit`` due messages, committing each outcome; return (sent, failed).

    Each message is claimed before it is sent and marked sent as soon as the server accepts it, so
    workers running at once never send a message twice and a batch stopped half-way resends nothing.
    A message the server refuses (5xx for good, 4xx for later) does not stop the batch; a lost
    connection does, and what is left waits for the next run. With ``deadline`` (a
    ``time.monotonic()`` value) no message is started past it, and no wait on the server lasts beyond it.
    """
    now = now or utcnow()
    due = list(db.session.scalars(
        sa.select(OutboxMessage.id).where(*_due(now)).order_by(OutboxMessage.id).limit(limit)
    ))
    db.session.commit()
    sent = failed = 0
    connection = _Connection(deadline)
    try:
        for message_id in due:
            if deadline is not None and time.monotonic() >= deadline:
                break
            if not _claim(message_id, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                if current_app.config["MAIL_SERVER"]:
                    connection.open()
                    connection.send(message)
                else:
                    log.info("MAIL_SERVER is not set; mail written here instead of sent:\n%s", console_text(message))
            except (OSError, _Undeliverable) as error:  # smtplib's errors are OSErrors
                kind = _failure_kind(error)
                _record_failure(message, error, kind, now)
                failed += 1
                if kind == CONNECTION_LOST:
                    break
                continue
            message.sent_at = utcnow()
            message.last_error = None
            db.session.commit()
            sent += 1
    finally:
        connection.close()
    return sent, failed


def send_queued_mail() -> None:
    """At the end of a unit of work that queued mail, once it has committed (a request, a task): queue
    the worker's ``deliver_mail`` task, which sends it within seconds. Nothing is sent in the caller.

    The views and tasks commit before they return, so the task finds the messages; a unit of work
    rolled back leaves nothing due, and the task sends nothing.
    """
    if g.pop("mail_queued", False) and not huey.immediate:
        try:
            deliver_mail()
        except Exception:  # the queue is down: the outbox keeps the mail; retry_mail or `flask mail send` sends it
            log.exception("could not queue the sending of mail; it stays in the outbox")


def _deliver_after_request(response):
    """After the request (its transaction committed): queue the sending of what it queued.

    With QUEUE_IMMEDIATE (the tests) the mail is sent here instead, within MAIL_REQUEST_DEADLINE in all,
    so a slow or hanging relay never holds the person's answer; what is left waits for the next sender.
    """
    if response.status_code >= 500:
        g.pop("mail_queued", None)  # rolled back: nothing to send
        return response
    if not huey.immediate:
        send_queued_mail()
        return response
    if g.pop("mail_queued", False):
        try:
            deliver_due(limit=20, deadline=time.monotonic() + current_app.config["MAIL_REQUEST_DEADLINE"])
        except Exception:  # the change is committed; the outbox keeps the mail for a retry
            db.session.rollback()
            log.exception("delivering queued mail failed; it stays in the outbox")
    return response


def _send_all() -> tuple[int, int]:
    """Send every due message, in batches, until none is due or the connection is lost."""
    total_sent = total_failed = 0
    batch = 100
    while True:
        sent, failed = deliver_due(limit=batch)
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if sent + failed < batch:  # nothing more is due, or the connection was lost
            return total_sent, total_failed


def _next_due() -> datetime | None:
    return db.session.scalar(sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS))


@huey.task()
def deliver_mail() -> None:
    """The worker's task: send what is due; if some must wait (a relay down), come back when it is due.

    Two of these running at once never send a message twice: each message is claimed first (``_claim``).
    """
    with task_context():
        sent, failed = _send_all()
        due = _next_due() if failed else None
        db.session.commit()
        if due is not None and not huey.immediate:
            delay = max((due - utcnow()).total_seconds(), 0) + 0.5
            if delay < 60:  # later ones are for retry_mail, every minute
                deliver_mail.schedule(delay=delay)
        if sent or failed:
            log.info("mail: sent %s, failed %s", sent, failed)


@huey.periodic_task(crontab(minute="*"))
def retry_mail() -> None:
    """Every minute: send the mail that is due (retries after a failure, anything the queue missed)."""
    deliver_mail.call_local()


mail_cli = AppGroup("mail", help="Send and inspect queued e-mail.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True, help="Also retry, now, messages that failed (refused or out of attempts).")
def send_command(retry_failed: bool) -> None:
    """Send every due message in the outbox (each wait on the server lasts at most MAIL_TIMEOUT)."""
    if retry_failed:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .values(attempts=0, failed_at=None, next_attempt_at=utcnow())
        )
        db.session.commit()
    total_sent, total_failed = _send_all()
    click.echo(f"sent {total_sent}, failed {total_failed}")
    if total_failed:
        raise SystemExit(1)


def _failed() -> sa.ColumnElement[bool]:
    return sa.and_(OutboxMessage.sent_at.is_(None),
                   sa.or_(OutboxMessage.failed_at.is_not(None), OutboxMessage.attempts >= MAX_ATTEMPTS))


@mail_cli.command("status")
def status_command() -> None:
    """Count messages waiting, sent and failed for good, and show the last errors."""
    failed = _failed()
    waiting = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None), ~failed))
    sent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_not(None)))
    gave_up = db.session.scalar(sa.select(sa.func.count()).where(failed))
    click.echo(f"waiting {waiting}, sent {sent}, failed {gave_up}")
    failing = db.session.execute(
        sa.select(OutboxMessage, failed)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(10)
    )
    for message, has_failed in failing:
        state = "FAILED" if has_failed else f"next={message.next_attempt_at:%Y-%m-%d %H:%M}"
        click.echo(f"  #{message.id} attempts={message.attempts} {state} {message.last_error}")


def init_app(app: Flask) -> None:
    """Send queued mail after each request and add the ``mail`` commands."""
    app.after_request(_deliver_after_request)
    app.cli.add_command(mail_cli)
