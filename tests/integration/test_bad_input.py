"""Bad input of every kind gets a clear message beside its field and changes nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant
from tests.conftest import count
from tests.factories import csrf_token, make_event, make_organization, post_form, register_confirmed, registration_form

CASES = [
    # (field overrides, field whose error is shown, text of the message)
    ({"given_name": ""}, "given_name", "Please fill in this field."),
    ({"given_name": "   "}, "given_name", "Please fill in this field."),
    ({"family_name": "x" * 101}, "family_name", "Please use at most 100 characters."),
    ({"accessibility_needs": "y" * 1001}, "accessibility_needs", "Please use at most 1000 characters."),
    ({"given_name": "Anna\x07"}, "given_name", "Contains characters that are not allowed (U+0007)"),
    ({"family_name": "Nowak\u202e"}, "family_name", "Contains characters that are not allowed (U+202E)"),
    ({"given_name": "<script>alert(1)</script>"}, "given_name", "Please leave out the characters &lt; and &gt;."),
    ({"job_title": "<b>Boss</b>"}, "job_title", "Please leave out the characters &lt; and &gt;."),
    ({"email": "not-an-address"}, "email", "This e-mail address is not valid."),
    ({"email": "a@b"}, "email", "This e-mail address is not valid."),
    ({"email": "a\x00b@example.org"}, "email", "Contains characters that are not allowed (U+0000)"),
    ({"arrival_date": "0001-01-01"}, "arrival_date", "Please give a date between May 25, 2027 and July 26, 2027."),
    ({"departure_date": "9999-12-31"}, "departure_date", "Please give a date between"),
    ({"email": ""}, "email", "Please fill in this field."),
    ({"country": ""}, "country", "Please choose your country."),
    ({"country": "ZZZ"}, "country", "Not a valid choice."),
    ({"organization_id": "abc"}, "organization_id", "Invalid Choice: could not coerce."),
    ({"organization_id": "999999"}, "organization_id", "Not a valid choice."),
    ({"organization_id": "0"}, "organization_id", "Delegates register for a member organization"),
    ({"organization_id": ""}, "organization_id", "Delegates register for a member organization"),
    ({"category": "observer", "organization_id": ""}, "organization_id", "Please choose your organization, or"),
    ({"category": "secretariat"}, "category", "Not a valid choice."),
    ({"days": []}, "days", "Please choose at least one day."),
    ({"days": ["999999"]}, "days", "is not a valid choice"),
    ({"days": ["monday"]}, "days", "Please choose at least one day."),
    ({"arrival_date": "31/02/2027"}, "arrival_date", "Not a valid date value."),
    ({"arrival_date": "2027-06-26", "departure_date": "2027-06-20"}, "departure_date",
     "The departure date cannot be before the arrival date."),
    ({"dietary": ["pizza"]}, "dietary", "is not a valid choice"),
    ({"privacy": ""}, "privacy", "Please accept the privacy notice to register."),
    ({"languages": ",".join(f"L{i}" for i in range(20))}, "languages", "Please list at most 12 languages."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), CASES, ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)])
def test_bad_input_is_refused_with_a_message_and_stores_nothing(client, overrides, field, message):
    event = make_event()
    organization = make_organization(event)

    response = post_form(client, "/register", registration_form(event, organization, **overrides))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error_block = html.split(f'id="{field}-error">', 1)
    assert len(error_block) == 2, f"no error shown for {field}"
    assert message in error_block[1].split("</p>", 1)[0]
    assert "There is a problem" in html and f'href="#{field}' in html
    assert count(Participant) == 0
    assert count(OutboxMessage) == 0


def test_markup_in_free_text_is_stored_as_text_and_shown_escaped(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    payload = '<img src=x onerror="alert(1)"> & <script>alert("x")</script>'
    path = register_confirmed(client, mailbox, registration_form(event, organization, accessibility_needs=payload))

    html = client.get(path).get_data(as_text=True)
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_post_without_csrf_token_is_refused_and_stores_nothing(client):
    event = make_event()
    organization = make_organization(event)
    response = client.post("/register", data=registration_form(event, organization))
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert count(Participant) == 0


def test_post_with_a_forged_csrf_token_is_refused(client):
    event = make_event()
    organization = make_organization(event)
    response = client.post("/register", data={"csrf_token": "forged", **registration_form(event, organization)})
    assert response.status_code == 400
    assert count(Participant) == 0


def test_oversized_request_gets_a_clear_page(client):
    event = make_event()
    organization = make_organization(event)
    token = csrf_token(client, "/register")
    data = {"csrf_token": token, **registration_form(event, organization, accessibility_needs="z" * 5_000_000)}
    response = client.post("/register", data=data)
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)
    assert count(Participant) == 0


def test_unknown_fields_and_repeated_values_do_not_break_the_form(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    data = registration_form(event, organization, status="confirmed", access_key="mine", id="1")
    response = post_form(client, "/register", data)
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(Participant))
    assert stored.status == "unconfirmed" and stored.access_key != "mine"
