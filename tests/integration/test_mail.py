"""The outbox: a failed send never loses a registration, and is retried."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage, deliver_due
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant
from tests.conftest import body, count, free_port
from tests.factories import make_event, make_organization, post_form, registration_form


def test_unreachable_mail_server_keeps_the_registration_and_the_mail(app, client, smtp_server):
    event = make_event()
    organization = make_organization(event)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)

    response = post_form(client, "/register", registration_form(event, organization))

    assert response.status_code == 302
    assert count(Participant) == 1
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.sent_at is None and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > utcnow()

    # The server comes back: the retry command delivers what waited.
    app.config["MAIL_PORT"] = smtp_server.port
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    [received] = smtp_server.wait_for(1)
    assert received["To"] == "lucja.wisniewska@example.org"
    assert "/registration/" in body(received)
    db.session.refresh(message)
    assert message.sent_at is not None and message.last_error is None


def test_failed_mail_is_retried_on_a_later_request_that_sends_mail(app, client, smtp_server):
    event = make_event()
    organization = make_organization(event, quota=5)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    post_form(client, "/register", registration_form(event, organization, email="one@example.org"))
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    app.config["MAIL_PORT"] = smtp_server.port
    post_form(client, "/register", registration_form(event, organization, email="two@example.org"))

    received = smtp_server.wait_for(2)
    assert {m["To"] for m in received} == {"one@example.org", "two@example.org"}


def test_mail_status_command_reports_waiting_and_failures(app, runner, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    db.session.add(OutboxMessage(recipient="x@example.org", subject="S", body_text="B"))
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "sent 0, failed 1" in result.output
    status = runner.invoke(args=["mail", "status"])
    assert "waiting 1, sent 0, gave up 0" in status.output
    assert "ConnectionRefusedError" in status.output


def test_without_mail_server_mail_goes_to_the_log(app, caplog):
    app.config["MAIL_SERVER"] = None
    db.session.add(OutboxMessage(recipient="x@example.org", subject="Hello", body_text="Link: http://x/1"))
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="lsi_assembly.core.mail"):
        assert deliver_due() == (1, 0)
    assert "Link: http://x/1" in caplog.text and "To: x@example.org" in caplog.text
    assert db.session.scalar(sa.select(OutboxMessage.sent_at)) is not None


def test_mail_headers_and_language_follow_the_registrant(app, client, mailbox):
    event = make_event()
    organization = make_organization(event)
    app.config["MAIL_DEFAULT_SENDER"] = "LSI Assembly <assembly@example.org>"
    client.set_cookie("lsi_lang", "fr")
    post_form(client, "/register", registration_form(event, organization))
    [message] = mailbox.wait_for(1)
    assert message["From"] == "LSI Assembly <assembly@example.org>"
    assert message["Message-ID"] and message["Date"]
    assert message["Subject"] == "Merci de confirmer votre inscription à LSI General Assembly 2027"
    assert "Bonjour Łucja," in body(message)


def test_concurrent_workers_never_send_a_message_twice(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    for i in range(12):
        db.session.add(OutboxMessage(recipient=f"r{i}@example.org", subject=f"S{i}", body_text="B"))
    db.session.commit()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                deliver_due()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    received = sorted(m["To"] for m in smtp_server.wait_for(12))
    time.sleep(0.3)  # a duplicate would arrive about now
    assert sorted(m["To"] for m in smtp_server.messages) == received
    assert len(received) == 12 and len(set(received)) == 12
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_a_batch_stopped_half_way_does_not_resend_what_went_out(app, smtp_server, monkeypatch):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    for i in range(4):
        db.session.add(OutboxMessage(recipient=f"r{i}@example.org", subject=f"S{i}", body_text="B"))
    db.session.commit()
    import lsi_assembly.core.mail as mail

    real_build = mail._build

    def build(message):
        if message.recipient == "r2@example.org":
            raise RuntimeError("a bug while writing this message")
        return real_build(message)

    monkeypatch.setattr(mail, "_build", build)
    for _ in range(3):
        try:
            deliver_due(now=utcnow() + timedelta(days=1))
        except RuntimeError:
            pass
    smtp_server.wait_for(3)
    assert sorted(m["To"] for m in smtp_server.messages) == ["r0@example.org", "r1@example.org", "r3@example.org"]
    stuck = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "r2@example.org"))
    db.session.refresh(stuck)
    assert stuck.sent_at is None and stuck.attempts >= 1
