"""No personal data in the logs at INFO or above (issue 16): names, e-mail addresses, notes, job titles and
link tokens never reach a log message, through a whole delegate's life in the app, a refused e-mail, a
failed sign-in, an error in a view and an erasure."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import g

from lsi_assembly.core.mail import deliver_due, queue_mail
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant
from tests.conftest import free_port
from tests.factories import post_form
from tests.integration.test_mail import ScriptedRelay
from tests.integration.test_privacy import DESK_NOTE, EDITED, TRACES, _live_person, programme  # noqa: F401


@pytest.fixture
def every_log(caplog):
    """Every record of every logger at INFO and above."""
    caplog.set_level(logging.INFO)
    for name in ("lsi_assembly", "werkzeug", "sqlalchemy", "flask_limiter", "alembic"):
        logging.getLogger(name).propagate = True
    return caplog


def logged_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        if record.levelno < logging.INFO or record.name == "mail.log":
            continue  # mail.log: the test's SMTP server (aiosmtpd), standing in for the relay, not the app
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts).casefold()


def test_a_delegates_whole_life_leaves_no_personal_data_in_the_logs(app, client, mailbox, programme, every_log):
    event, workshops = programme
    person, path = _live_person(app, client, mailbox, event, workshops)
    token = path.rsplit("/", 1)[-1]
    # A failed staff sign-in with an address, a refused e-mail, an error inside a view.
    g.pop("csrf_token", None)
    g.pop("_login_user", None)
    post_form(app.test_client(), "/login", {"email": "Wrongpass.Person@example.org", "password": "nope"})
    relay = ScriptedRelay({"refused.person@example.org": "550 5.1.1 <refused.person@example.org>: User unknown"})
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        with app.test_request_context():
            queue_mail("refused.person@example.org", "registration_link", "en", participant=person, link=path,
                       register_link="/register")
            db.session.commit()
        deliver_due()
        db.session.commit()
    finally:
        controller.stop()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    manage = app.view_functions["registration.manage"]

    def broken(token):
        raise RuntimeError("a bug in the personal page")
    app.view_functions["registration.manage"] = broken
    try:
        assert client.get(path).status_code == 500  # logged with its traceback and the (masked) URL
    finally:
        app.view_functions["registration.manage"] = manage

    g.pop("csrf_token", None)
    post_form(client, path + "/erase", {"understood": "y"})
    assert db.session.scalar(sa.select(Participant.anonymized_at).where(Participant.id == person.id))

    text = logged_text(every_log)
    assert every_log.records, "the flow logged nothing: the capture does not work"
    secrets = [*TRACES.values(), *EDITED.values(), DESK_NOTE, "wrongpass.person@example.org",
               "refused.person@example.org", token]
    leaked = [value for value in secrets if value.casefold() in text]
    assert leaked == [], f"personal data in the logs: {leaked}"
