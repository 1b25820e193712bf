"""Delegate registration through the app: the form, its answers, the e-mail and the personal link."""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body, count
from tests.factories import (
    confirm_address,
    csrf_token,
    links_in,
    make_event,
    make_organization,
    post_form,
    register_confirmed,
    registration_form,
)


def test_register_stores_the_registration_and_mails_the_link_to_confirm_the_address(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=3)

    response = post_form(client, "/register", registration_form(event, organization))

    assert response.status_code == 302
    assert response.headers["Location"] == "/register/done"
    participant = db.session.scalar(sa.select(Participant))
    assert participant.email == "lucja.wisniewska@example.org"
    assert participant.given_name == "Łucja"
    assert participant.family_name == "Wiśniewska-Żółkiewska"
    assert participant.status == Status.UNCONFIRMED and participant.email_confirmed_at is None
    assert participant.organization_id == organization.id
    assert [d.date.isoformat() for d in participant.days] == ["2027-06-24", "2027-06-25"]
    assert participant.dietary == ["vegetarian"]
    assert participant.languages == ["Polish", "English"]
    assert participant.list_consent is True and participant.photo_consent is False
    assert participant.privacy_accepted_at is not None
    assert participant.locale == "en"

    done = client.get("/register/done").get_data(as_text=True)
    assert "please check your e-mail" in done and "“Confirm my address” within 48 hours" in done
    # The page names the address written to, and what comes next.
    assert '<p class="sent-to"><strong>lucja.wisniewska@example.org</strong></p>' in done
    assert "What comes next" in done and "choose your workshops" in done

    [message] = mailbox.wait_for(1)
    assert message["To"] == "lucja.wisniewska@example.org"
    assert message["Subject"] == "Please confirm your registration for LSI General Assembly 2027"
    text = body(message)
    assert "registered this e-mail address for LSI General Assembly 2027 as Łucja Wiśniewska-Żółkiewska" in text
    assert "deleted, with everything typed into it" in text
    [link] = links_in(text)
    assert "lucja" not in link.lower() and "example.org" not in link.split("/registration/")[1]

    # The link shows one button; opening it (as a mail scanner does) changes nothing.
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Confirm my address" in html and 'method="post"' in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    db.session.refresh(participant)
    assert participant.status == Status.UNCONFIRMED

    path = confirm_address(client, mailbox, "lucja.wisniewska@example.org")

    db.session.refresh(participant)
    assert participant.status == Status.PENDING and participant.email_confirmed_at is not None
    first, received = mailbox.wait_for(2)
    assert received["Subject"] == "Your registration for LSI General Assembly 2027"
    assert "Dear Łucja," in body(received)
    html = client.get(path).get_data(as_text=True)
    assert "Thank you: your address is confirmed." in html
    assert "Wiśniewska-Żółkiewska" in html and "Awaiting confirmation" in html
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_same_email_twice_creates_no_second_record_and_resends_the_link(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    register_confirmed(client, mailbox, registration_form(event, organization))

    again = post_form(client, "/register", registration_form(
        event, organization, email="  LUCJA.Wisniewska@example.org ", given_name="Someone"))

    assert again.status_code == 302
    assert count(Participant) == 1
    assert db.session.scalar(sa.select(Participant.given_name)) == "Łucja"
    # The page is the same as for a new registration (it must not reveal who is registered) ...
    done = client.get("/register/done").get_data(as_text=True)
    assert "please check your e-mail" in done and "If this address was already registered" in done
    # ... while the e-mail, which only the address's owner reads, says what happened.
    confirm, received, link = mailbox.wait_for(3)
    assert link["Subject"] == "Your personal link for LSI General Assembly 2027"
    assert "You are already registered; nothing was changed." in body(link)
    assert links_in(body(link))


def test_registering_an_unconfirmed_address_again_sends_the_confirmation_again_and_changes_nothing(
        client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    participant = db.session.scalar(sa.select(Participant))
    key = participant.access_key

    again = post_form(client, "/register", registration_form(
        event, organization, given_name="Mallory", job_title="Changed", category="observer"))

    assert again.status_code == 302 and again.headers["Location"] == "/register/done"
    db.session.refresh(participant)
    assert (participant.given_name, participant.job_title, participant.category) == (
        "Łucja", "Programme coordinator", "delegate")
    assert participant.status == Status.UNCONFIRMED and participant.access_key == key
    first, second = mailbox.wait_for(2)
    assert first["Subject"] == second["Subject"] == "Please confirm your registration for LSI General Assembly 2027"
    assert "Mallory" not in body(second) and "as Łucja Wiśniewska-Żółkiewska" in body(second)
    confirm_address(client, mailbox, "lucja.wisniewska@example.org")
    db.session.refresh(participant)
    assert participant.status == Status.PENDING


def test_registration_without_member_organization_needs_an_organization_name(client, mailbox):
    event = make_event()
    response = post_form(client, "/register", registration_form(
        event, None, category="observer", organization_name=""))
    assert response.status_code == 422
    assert "Please name your organization" in response.get_data(as_text=True)

    response = post_form(client, "/register", registration_form(
        event, None, category="observer", organization_name="Université de Lille"))
    assert response.status_code == 302
    participant = db.session.scalar(sa.select(Participant))
    assert participant.organization_id is None
    assert participant.organization_name == "Université de Lille"
    assert participant.category == "observer"


def test_event_without_approval_confirms_once_the_address_is(client, mailbox):
    event = make_event(requires_approval=False)
    organization = make_organization(event)
    register_confirmed(client, mailbox, registration_form(event, organization))
    assert db.session.scalar(sa.select(Participant.status)) == Status.CONFIRMED
    assert "Your place is confirmed." in body(mailbox.wait_for(2)[1])


def test_done_page_without_a_registration_goes_back_to_the_form(client):
    make_event()
    response = client.get("/register/done")
    assert response.status_code == 302 and response.headers["Location"] == "/register"


def test_registration_closed_refuses_submissions(client):
    event = make_event(registration_closes_at=utcnow())
    organization = make_organization(event)
    page = client.get("/register")
    assert "Registration is closed." in page.get_data(as_text=True)
    assert 'name="given_name"' not in page.get_data(as_text=True)
    token = csrf_token(client, "/registration/link")
    response = client.post("/register", data={"csrf_token": token, **registration_form(event, organization)})
    assert "Registration is closed." in response.get_data(as_text=True)
    assert count(Participant) == 0


def test_form_labels_autocomplete_and_error_wiring(client):
    event = make_event()
    make_organization(event)
    html = client.get("/register").get_data(as_text=True)
    for name, token in [("given_name", "given-name"), ("family_name", "family-name"), ("email", "email"),
                        ("organization_name", "organization"), ("country", "country-name"),
                        ("job_title", "organization-title")]:
        assert f'autocomplete="{token}" id="{name}"' in html, name
        assert f'<label for="{name}">' in html, name
    assert "<legend>Days you will attend" in html

    response = post_form(client, "/register", registration_form(event, None, given_name="", email="nope"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="given_name-error" aria-invalid="true"' in html
    assert '<p class="field-error" id="given_name-error">' in html
    assert 'id="email-help email-error"' not in html
    assert 'aria-describedby="email-help email-error" aria-invalid="true"' in html
    assert 'href="#given_name"' in html  # the error summary links to the field
