"""Delegate registration through the app: the form, its answers, the e-mail and the personal link."""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body, count
from tests.factories import csrf_token, links_in, make_event, make_organization, post_form, registration_form


def test_register_stores_the_registration_and_mails_the_personal_link(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=3)

    response = post_form(client, "/register", registration_form(event, organization))

    assert response.status_code == 302
    assert response.headers["Location"] == "/register/done"
    participant = db.session.scalar(sa.select(Participant))
    assert participant.email == "lucja.wisniewska@example.org"
    assert participant.given_name == "Łucja"
    assert participant.family_name == "Wiśniewska-Żółkiewska"
    assert participant.status == Status.PENDING
    assert participant.organization_id == organization.id
    assert [d.date.isoformat() for d in participant.days] == ["2027-06-24", "2027-06-25"]
    assert participant.dietary == ["vegetarian"]
    assert participant.languages == ["Polish", "English"]
    assert participant.list_consent is True and participant.photo_consent is False
    assert participant.privacy_accepted_at is not None
    assert participant.locale == "en"

    done = client.get("/register/done").get_data(as_text=True)
    assert "please check your e-mail" in done

    [message] = mailbox.wait_for(1)
    assert message["To"] == "lucja.wisniewska@example.org"
    assert "Your registration for LSI General Assembly 2027" == message["Subject"]
    text = body(message)
    assert "Dear Łucja," in text
    [link] = links_in(text)
    assert "lucja" not in link.lower() and "example.org" not in link.split("/registration/")[1]

    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wiśniewska-Żółkiewska" in html and "Awaiting confirmation" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert db.session.scalar(sa.select(OutboxMessage.sent_at)) is not None


def test_same_email_twice_creates_no_second_record_and_resends_the_link(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))

    again = post_form(client, "/register", registration_form(
        event, organization, email="  LUCJA.Wisniewska@example.org ", given_name="Someone"))

    assert again.status_code == 302
    assert count(Participant) == 1
    assert db.session.scalar(sa.select(Participant.given_name)) == "Łucja"
    # The page is the same as for a new registration (it must not reveal who is registered) ...
    done = client.get("/register/done").get_data(as_text=True)
    assert "please check your e-mail" in done and "If this address was already registered" in done
    # ... while the e-mail, which only the address's owner reads, says what happened.
    first, second = mailbox.wait_for(2)
    assert second["Subject"] == "Your personal link for LSI General Assembly 2027"
    assert "You are already registered; nothing was changed." in body(second)
    assert links_in(body(second))


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


def test_event_without_approval_confirms_at_once(client, mailbox):
    event = make_event(requires_approval=False)
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    assert db.session.scalar(sa.select(Participant.status)) == Status.CONFIRMED
    assert "Your place is confirmed." in body(mailbox.wait_for(1)[0])


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
