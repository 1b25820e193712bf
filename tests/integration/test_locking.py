"""core/locking.py: one way to lock rows, in one order, and "busy, please try again" instead of a 500."""
from __future__ import annotations

import sqlite3
import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.core.jobs import Job
from lsi_assembly.core.locking import Busy, in_lock_order, is_busy, lock, lock_all
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.public.models import PublicEvent
from lsi_assembly.registration import staff_views
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import count
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    registration_form,
    sign_in,
)


def test_the_order_helper_sorts_kinds_by_the_lock_order_then_ids():
    requests = [(Participant, [7, 3, 7]), (Organization, [9, None, 2]), (Event, [5]), (PublicEvent, [1]),
                (Organization, [4]), (Participant, [])]
    assert in_lock_order(requests) == [(Event, [5]), (PublicEvent, [1]), (Organization, [2, 4, 9]),
                                       (Participant, [3, 7])]


def test_a_table_outside_the_lock_order_is_refused():
    with pytest.raises(ValueError, match="not in the lock order"):
        in_lock_order([(Job, [1])])


def test_lock_returns_the_rows_it_found(app):
    event = make_event()
    organization = make_organization(event)
    person = make_participant(event, organization_id=organization.id)
    assert lock(Event, event.id, 10**6) == [event.id]
    assert lock(Participant) == []
    found = lock_all((Participant, [person.id, 10**6]), (Event, [event.id]), (Organization, [organization.id]))
    assert found == {Participant: [person.id], Event: [event.id], Organization: [organization.id]}
    db.session.rollback()


def test_a_lock_out_of_order_fails_in_tests_unless_already_held(app):
    event = make_event()
    organization = make_organization(event)
    person = make_participant(event, organization_id=organization.id)
    lock_all((Event, [event.id]), (Participant, [person.id]))
    assert lock(Event, event.id) == [event.id]  # held already: asked again, harmless
    with pytest.raises(AssertionError, match="lock order broken: organizations"):
        lock(Organization, organization.id)
    db.session.rollback()
    assert lock(Organization, organization.id) == [organization.id]  # a new transaction starts afresh
    db.session.rollback()


@pytest.mark.only_on("sqlite")
def test_on_sqlite_a_lock_is_the_database_write_lock(app):
    event = make_event()
    other = sqlite3.connect(db.engine.url.database, timeout=0)
    try:
        lock(Event, event.id)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("UPDATE events SET name = name")
        db.session.commit()
        other.execute("UPDATE events SET name = name")  # released with the transaction
        other.commit()
    finally:
        other.close()


@pytest.fixture
def held_event_lock(app, client):
    """On PostgreSQL: an organizer signed in, a pending registration, and its event's row locked by another
    connection (as a slow request would, through ``lock``) until the test ends."""
    assert db.engine.dialect.name == "postgresql"  # its tests are marked only_on("postgresql")
    app.config["LOCK_TIMEOUT_SECONDS"] = 0.5
    event = make_event()
    person = make_participant(event, status=Status.PENDING)
    sign_in(client, Role.ORGANIZER)
    holder = db.engine.connect()
    holder.execute(sa.text("SELECT id FROM events WHERE id = :id FOR NO KEY UPDATE"), {"id": event.id})
    yield event, person, holder
    holder.rollback()
    holder.close()


@pytest.mark.only_on("postgresql")
def test_on_postgresql_a_lock_held_too_long_raises_busy_within_the_timeout(app, held_event_lock):
    event, _person, _holder = held_event_lock
    started = time.monotonic()
    with pytest.raises(Busy):
        lock(Event, event.id)
    assert time.monotonic() - started < 3
    db.session.rollback()


@pytest.mark.only_on("postgresql")
def test_on_postgresql_a_request_waiting_for_a_held_lock_answers_503_busy_with_retry_after(
        app, client, held_event_lock):
    event, person, holder = held_event_lock
    path = f"/manage/registrations/{person.id}/approve"
    token = csrf_token(client, path)
    started = time.monotonic()
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 503
    assert time.monotonic() - started < 5
    assert response.headers["Retry-After"] == "1"
    assert "Busy, please try again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status == Status.PENDING  # nothing saved, nobody told
    assert count(OutboxMessage) == 0

    holder.rollback()  # the other request is done: trying again works
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status == Status.CONFIRMED


def _database_error(sqlstate: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, SimpleNamespace(sqlstate=sqlstate))


def test_busy_database_errors_are_told_apart_from_faults():
    assert is_busy(_database_error("55P03")) and is_busy(_database_error("40P01")) and is_busy(_database_error("40001"))
    assert not is_busy(_database_error("23505"))
    locked = sa.exc.OperationalError("UPDATE t", {}, sqlite3.OperationalError("database is locked"))
    assert is_busy(locked) and is_busy(Busy())
    assert not is_busy(sa.exc.OperationalError("x", {}, sqlite3.OperationalError("no such table: t")))


def test_a_deadlock_is_answered_busy_and_another_database_error_stays_an_error(app, client, monkeypatch):
    event = make_event()
    person = make_participant(event, status=Status.PENDING)
    client.set_cookie("lsi_lang", "fr")  # before the first request: the language is chosen once per test
    sign_in(client, Role.ORGANIZER)
    path = f"/manage/registrations/{person.id}/approve"
    token = csrf_token(client, path)

    def deadlocked(*args, **kwargs):
        raise _database_error("40P01")

    monkeypatch.setattr(staff_views, "apply_action", deadlocked)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Occupé, veuillez réessayer" in response.get_data(as_text=True)

    def broken(*args, **kwargs):
        raise _database_error("42P01")

    monkeypatch.setattr(staff_views, "apply_action", broken)
    with pytest.raises(sa.exc.OperationalError):  # TESTING propagates it; in production: the 500 page
        client.post(path, data={"csrf_token": token})


def _statements_of(action) -> list[str]:
    sent: list[str] = []

    def listen(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return [s for s in sent if not s.startswith("SAVEPOINT")]  # a savepoint begins at its first statement


def test_rows_locked_in_the_transaction_are_not_asked_for_again_unless_locked_in_a_rolled_back_savepoint(app):
    event = make_event()
    organization = make_organization(event)
    assert _statements_of(lambda: lock(Event, event.id))  # the first time: to the database
    assert _statements_of(lambda: lock(Event, event.id)) == []  # held until the transaction ends
    savepoint = db.session.begin_nested()
    assert _statements_of(lambda: lock(Event, event.id)) == []  # taken before the savepoint: still held
    assert _statements_of(lambda: lock(Organization, organization.id))
    savepoint.rollback()  # PostgreSQL releases the savepoint's row locks: asked for again
    assert _statements_of(lambda: lock(Organization, organization.id))
    assert _statements_of(lambda: lock(Organization, organization.id)) == []
    db.session.rollback()
    assert _statements_of(lambda: lock(Event, event.id))  # a new transaction starts afresh
    db.session.rollback()


@pytest.mark.only_on("postgresql")
def test_on_postgresql_a_new_registration_does_not_wait_for_the_events_lock(app, client):
    app.config["LOCK_TIMEOUT_SECONDS"] = 0.5
    event = make_event()
    organization = make_organization(event)
    holder = db.engine.connect()  # another request holding the event's lock (a confirmation, say)
    holder.execute(sa.text("SELECT id FROM events WHERE id = :id FOR NO KEY UPDATE"), {"id": event.id})
    try:
        started = time.monotonic()
        response = post_form(client, "/register", registration_form(event, organization, email="new.one@example.org"))
        assert response.status_code == 302 and response.headers["Location"] == "/register/done"
        assert time.monotonic() - started < 5
    finally:
        holder.rollback()
        holder.close()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Participant).where(Participant.email == "new.one@example.org"))
    assert stored.status == Status.UNCONFIRMED  # holds nothing: its place is decided, under the locks, once confirmed
