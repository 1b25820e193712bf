"""Each organization's delegate quota: waiting list, promotion, and races between real threads."""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.registration.services import waitlist_position
from tests.conftest import body, count
from tests.factories import (
    confirm_address,
    confirm_at_once,
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    register_at_once,
    register_confirmed,
    registration_form,
    run_at_once,
)


def _statuses(organization) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Participant.status, sa.func.count())
        .where(Participant.organization_id == organization.id)
        .group_by(Participant.status)
    )
    return dict(rows.all())


def test_delegate_beyond_the_quota_is_waitlisted_and_told(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=1)
    make_participant(event, organization_id=organization.id, status=Status.CONFIRMED)

    response = post_form(client, "/register", registration_form(event, organization))

    assert response.status_code == 302
    assert _statuses(organization) == {"confirmed": 1, "unconfirmed": 1}  # no place decided yet
    confirm_address(client, mailbox, "lucja.wisniewska@example.org")
    assert _statuses(organization) == {"confirmed": 1, "waitlisted": 1}
    confirm, message = mailbox.wait_for(2)
    assert message["Subject"] == "You are on the waiting list for LSI General Assembly 2027"
    assert "position 1" in body(message)


def test_quota_counts_only_delegates_holding_a_place(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=1)
    for status in (Status.CANCELLED, Status.WAITLISTED, Status.UNCONFIRMED):
        make_participant(event, organization_id=organization.id, status=status)
    make_participant(event, organization_id=organization.id, status=Status.CONFIRMED, category=Category.OBSERVER)

    register_confirmed(client, mailbox, registration_form(event, organization))

    me = db.session.scalar(sa.select(Participant).where(Participant.email == "lucja.wisniewska@example.org"))
    assert me.status == Status.PENDING


def test_observers_are_not_limited_by_the_delegate_quota(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=0)
    register_confirmed(client, mailbox, registration_form(event, organization, category="observer"))
    assert _statuses(organization) == {"pending": 1}


def test_addresses_typed_by_someone_else_hold_no_place(app, client, mailbox):
    """Ten registrations with other people's addresses, never confirmed, leave the real delegate a place."""
    app.config["REGISTER_RATE_LIMIT"] = "100 per minute"
    event = make_event(requires_approval=False)
    organization = make_organization(event, quota=2)
    for i in range(10):
        response = post_form(client, "/register", registration_form(event, organization, email=f"victim{i}@example.org"))
        assert response.status_code == 302
    assert _statuses(organization) == {"unconfirmed": 10}

    register_confirmed(client, mailbox, registration_form(event, organization, email="real@example.org"))

    assert _statuses(organization) == {"confirmed": 1, "unconfirmed": 10}
    real = db.session.scalar(sa.select(Participant).where(Participant.email == "real@example.org"))
    assert real.status == Status.CONFIRMED
    assert mailbox.to("real@example.org")[-1]["Subject"] == "Your registration for LSI General Assembly 2027"


def test_waiting_list_follows_the_order_of_confirmation_not_of_registration(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=1)
    for email in ("early@example.org", "middle@example.org", "late@example.org"):
        post_form(client, "/register", registration_form(event, organization, email=email))
    for email in ("late@example.org", "early@example.org", "middle@example.org"):
        confirm_address(client, mailbox, email)

    db.session.expire_all()
    by_email = {p.email: (p.status, waitlist_position(p)) for p in db.session.scalars(sa.select(Participant))}
    assert by_email == {"late@example.org": ("pending", None), "early@example.org": ("waitlisted", 1),
                        "middle@example.org": ("waitlisted", 2)}


def test_cancelling_a_place_promotes_the_oldest_waitlisted_delegate(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=1)
    path = register_confirmed(client, mailbox, registration_form(event, organization, email="first@example.org"))
    register_confirmed(client, mailbox, registration_form(event, organization, email="second@example.org"))
    third_path = register_confirmed(client, mailbox, registration_form(event, organization, email="third@example.org"))
    assert _statuses(organization) == {"pending": 1, "waitlisted": 2}
    mailbox.wait_for(6)

    page = client.get(path + "/cancel")
    assert "Do you really want to cancel" in page.get_data(as_text=True)
    response = post_form(client, path + "/cancel", {})
    assert response.status_code == 302

    db.session.expire_all()
    by_email = {p.email: p.status for p in db.session.scalars(sa.select(Participant))}
    assert by_email == {"first@example.org": "cancelled", "second@example.org": "pending",
                        "third@example.org": "waitlisted"}
    messages = mailbox.wait_for(8)
    subjects = {(m["To"], m["Subject"]) for m in messages[6:]}
    assert subjects == {
        ("first@example.org", "Your registration for LSI General Assembly 2027 is cancelled"),
        ("second@example.org", "A place has freed up for you at LSI General Assembly 2027"),
    }
    third = db.session.scalar(sa.select(Participant).where(Participant.email == "third@example.org"))
    assert "position 1 on the waiting list" in client.get(third_path).get_data(as_text=True)
    assert third.status == Status.WAITLISTED


def test_cancelled_email_can_register_again_without_a_second_record(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=2)
    make_participant(event, organization_id=organization.id, email="lucja.wisniewska@example.org",
                     status=Status.CANCELLED, given_name="Old")

    response = post_form(client, "/register", registration_form(event, organization))

    assert response.status_code == 302
    assert count(Participant) == 1
    participant = db.session.scalar(sa.select(Participant))
    db.session.refresh(participant)
    assert participant.status == Status.UNCONFIRMED and participant.given_name == "Łucja"
    assert participant.email_confirmed_at is None
    confirm_address(client, mailbox, "lucja.wisniewska@example.org")
    db.session.refresh(participant)
    assert participant.status == Status.PENDING


def _race(app, event, organization, emails: list[str]) -> list[int]:
    """Submit one registration per e-mail from as many threads, released at the same instant."""
    return register_at_once(app, [registration_form(event, organization, email=email) for email in emails])


def test_racing_delegates_never_exceed_the_quota(app):
    event = make_event()
    organization = make_organization(event, quota=10)
    for i in range(7):
        make_participant(event, organization_id=organization.id, status=Status.CONFIRMED,
                         email=f"held{i}@example.org")

    results = _race(app, event, organization, [f"racer{i:02d}@example.org" for i in range(24)])

    assert results == [302] * 24
    assert _statuses(organization) == {"confirmed": 7, "unconfirmed": 24}
    racers = list(db.session.scalars(sa.select(Participant).where(Participant.status == Status.UNCONFIRMED)))
    assert confirm_at_once(app, racers) == [302] * 24
    assert _statuses(organization) == {"confirmed": 7, "pending": 3, "waitlisted": 21}
    positions = sorted(
        (p.status_changed_at, p.id) for p in db.session.scalars(
            sa.select(Participant).where(Participant.status == Status.WAITLISTED)))
    assert len(set(positions)) == 21


def test_confirmations_at_once_for_the_last_place_give_it_to_exactly_one(app):
    event = make_event()
    organization = make_organization(event, quota=3)
    for i in range(2):
        make_participant(event, organization_id=organization.id, status=Status.CONFIRMED, email=f"held{i}@example.org")
    racers = [make_participant(event, organization_id=organization.id, status=Status.UNCONFIRMED,
                               email=f"racer{i}@example.org") for i in range(8)]

    assert confirm_at_once(app, racers) == [302] * 8

    assert _statuses(organization) == {"confirmed": 2, "pending": 1, "waitlisted": 7}
    waiting = [p for p in db.session.scalars(sa.select(Participant)) if p.status == Status.WAITLISTED]
    assert sorted(waitlist_position(p) for p in waiting) == list(range(1, 8))


def test_racing_duplicates_create_one_record_and_no_error(app):
    event = make_event()
    organization = make_organization(event, quota=5)

    results = _race(app, event, organization, ["same.person@example.org"] * 20)

    assert results == [302] * 20
    assert count(Participant) == 1


def test_concurrent_cancellations_keep_every_cancellation_and_fill_the_freed_place(app):
    """A waitlisted delegate cancels while the place holder cancels: both stay cancelled, the next is in."""
    for round_ in range(3):
        event = make_event(slug=f"ga-{round_}")
        organization = make_organization(event, quota=1, name=f"Org {round_}")
        holder = make_participant(event, organization_id=organization.id, status=Status.CONFIRMED,
                                  email=f"holder{round_}@example.org")
        first = make_participant(event, organization_id=organization.id, status=Status.WAITLISTED,
                                 email=f"first{round_}@example.org")
        second = make_participant(event, organization_id=organization.id, status=Status.WAITLISTED,
                                  email=f"second{round_}@example.org")
        paths = [f"/registration/{make_token(p.access_key)}/cancel" for p in (holder, first)]
        ids = {p.email: p.id for p in (holder, first, second)}
        def cancel(path: str):
            def action(ready):
                client = app.test_client()
                token = csrf_token(client, path)
                ready()
                return client.post(path, data={"csrf_token": token}).status_code
            return action

        assert run_at_once([cancel(path) for path in paths]) == [302, 302]
        db.session.expire_all()
        statuses = {email: db.session.get(Participant, pid).status for email, pid in ids.items()}
        assert statuses == {f"holder{round_}@example.org": "cancelled", f"first{round_}@example.org": "cancelled",
                            f"second{round_}@example.org": "pending"}, statuses
