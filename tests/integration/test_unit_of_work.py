"""One unit of work, one commit at its edge: what follows a change happens inside it, visibly.

The workshop seats follow a change of status in the service that makes it (through the
``participants_changed`` signal), in the same transaction: a rollback undoes the seats and the mail
with the change, and a commit by itself solves nothing and sends nothing.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.registration import staff_views
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.services import apply_action
from lsi_assembly.registration.signals import participants_changed
from lsi_assembly.workshops.assignment import run_assignment
from lsi_assembly.workshops.models import WorkshopAssignment
from tests.factories import csrf_token, sign_in


def _seats(participant_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(WorkshopAssignment.participant_id == participant_id))


def _mails(address: str) -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


@pytest.fixture
def published(app, seating, monkeypatch):
    """The seating programme assigned and published; the pending registration ready to be approved."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://assembly.example.org")
    event, runs, people, waiting = seating
    run_assignment(event)
    event.assignment_published_at = utcnow()
    db.session.commit()
    return event, waiting


def test_the_seats_and_their_mail_follow_a_change_inside_the_service_and_roll_back_with_it(published):
    event, waiting = published
    heard = []

    def listen(sender, **payload):
        heard.append((sender.id, payload["participant_ids"]))

    participants_changed.connect(listen)
    try:
        apply_action("approve", [waiting])
    finally:
        participants_changed.disconnect(listen)
    assert heard == [(event.id, [waiting.id])]  # one signal for the group of changes, with who changed
    assert _seats(waiting.id) > 0  # before any commit: in the same transaction
    assert _mails(waiting.email) == ["registration_confirmed", "workshop_schedule"]
    db.session.rollback()
    assert _seats(waiting.id) == 0 and _mails(waiting.email) == []
    assert db.session.get(Participant, waiting.id).status == Status.PENDING


def test_a_commit_by_itself_gives_no_seat_and_sends_nothing(published):
    event, waiting = published
    waiting.status = Status.CONFIRMED  # bypassing change_status (only a test does): nothing follows
    db.session.commit()
    assert _seats(waiting.id) == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_request_failing_after_the_change_commits_nothing_and_mails_nobody(client, published, monkeypatch):
    event, waiting = published
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/registrations/{waiting.id}/approve"
    token = csrf_token(client, path)

    def failing(*args, **kwargs):
        raise RuntimeError("the view fails after the service, before its commit")

    monkeypatch.setattr(staff_views, "_report", failing)
    with pytest.raises(RuntimeError):
        client.post(path, data={"csrf_token": token})
    db.session.rollback()  # what the error handler does (TESTING lets the error through to the test)
    assert db.session.get(Participant, waiting.id).status == Status.PENDING
    assert _seats(waiting.id) == 0 and _mails(waiting.email) == []
