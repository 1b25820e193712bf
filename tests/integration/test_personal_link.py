"""The personal link: view, edit and cancel without an account; expiry and forgery."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body
from tests.factories import (
    links_in,
    make_event,
    make_organization,
    make_participant,
    post_form,
    registration_form,
)


def _registered(client, mailbox) -> tuple[Participant, str]:
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    [link] = links_in(body(mailbox.wait_for(1)[0]))
    return db.session.scalar(sa.select(Participant)), link.replace("http://localhost", "")


def test_edit_through_the_link_changes_details_but_not_email(client, mailbox):
    participant, path = _registered(client, mailbox)
    form = client.get(path + "/edit").get_data(as_text=True)
    assert 'value="Łucja"' in form and 'name="email"' not in form
    assert 'checked id="days-0"' in form or 'id="days-0" name="days" type="checkbox" value' in form

    response = post_form(client, path + "/edit", {
        "given_name": "Łucja Maria", "family_name": "Wiśniewska", "name_on_badge": "Łucja",
        "country": "PL", "days": [str(participant.days[0].id)], "languages": "Polish; English; polish",
        "dietary": ["vegan"], "photo_consent": "y", "email": "hijack@example.org",
    })

    assert response.status_code == 302 and response.headers["Location"] == path
    db.session.refresh(participant)
    assert participant.given_name == "Łucja Maria"
    assert participant.badge_name == "Łucja"
    assert participant.email == "lucja.wisniewska@example.org"
    assert [d.date.isoformat() for d in participant.days] == ["2027-06-24"]
    assert participant.languages == ["Polish", "English"]
    assert participant.dietary == ["vegan"]
    assert participant.photo_consent is True and participant.list_consent is False
    assert "Your changes are saved." in client.get(path).get_data(as_text=True)


def test_edit_with_bad_input_changes_nothing(client, mailbox):
    participant, path = _registered(client, mailbox)
    response = post_form(client, path + "/edit", {"given_name": "", "family_name": "X", "country": "PL",
                                                  "days": [str(participant.days[0].id)]})
    assert response.status_code == 422
    db.session.refresh(participant)
    assert participant.given_name == "Łucja" and participant.family_name == "Wiśniewska-Żółkiewska"


def test_forged_or_altered_link_is_not_found(client, mailbox):
    participant, path = _registered(client, mailbox)
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.get("/registration/" + make_token("not-a-key")).status_code == 404
    assert client.get("/registration/nonsense/edit").status_code == 404


def test_expired_link_says_so_and_offers_a_new_one(app, client, mailbox):
    participant, path = _registered(client, mailbox)
    app.config["MANAGE_LINK_MAX_AGE"] = timedelta(seconds=-1)
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired" in html and 'href="/registration/link"' in html


def test_cancelling_revokes_the_links_sent_so_far(client, mailbox):
    participant, path = _registered(client, mailbox)
    response = post_form(client, path + "/cancel", {}, follow_redirects=True)
    assert "Your registration is cancelled" in response.get_data(as_text=True)
    db.session.refresh(participant)
    assert participant.status == Status.CANCELLED
    assert client.get(path).status_code == 404
    assert client.get(path + "/edit").status_code == 404
    assert client.get("/registration/cancelled").status_code == 302  # shown once, after cancelling


def test_registering_again_after_cancelling_reopens_with_a_new_link(client, mailbox):
    participant, path = _registered(client, mailbox)
    post_form(client, path + "/cancel", {})
    old_key = db.session.scalar(sa.select(Participant.access_key))
    post_form(client, "/register", registration_form(participant.event, participant.organization))
    db.session.expire_all()
    reopened = db.session.scalar(sa.select(Participant))
    assert reopened.status == Status.PENDING and reopened.access_key != old_key
    messages = mailbox.wait_for(3)
    [new_link] = links_in(body(messages[-1]))
    assert client.get(new_link.replace("http://localhost", "")).status_code == 200


def test_link_request_for_a_cancelled_registration_says_so(client, mailbox):
    event = make_event()
    make_participant(event, email="gone@example.org", status=Status.CANCELLED)
    post_form(client, "/registration/link", {"email": "gone@example.org"})
    text = body(mailbox.wait_for(1)[0])
    assert "Your registration is cancelled" in text and "/register" in text
    assert "/registration/" not in text


def test_link_mails_to_one_address_are_limited(client, mailbox):
    event = make_event()
    make_participant(event, email="known@example.org")
    for _ in range(4):
        post_form(client, "/registration/link", {"email": "known@example.org"})
    mailbox.wait_for(1)
    assert len(mailbox.messages) == 1


def test_request_link_mails_registered_addresses_and_says_the_same_to_everyone(client, mailbox):
    event = make_event()
    make_participant(event, email="known@example.org", given_name="Jiří")

    known = post_form(client, "/registration/link", {"email": "Known@Example.org"}, follow_redirects=True)
    unknown = post_form(client, "/registration/link", {"email": "stranger@example.org"}, follow_redirects=True)

    message = "If this address is registered, its personal link is on its way."
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "known@example.org" and "Dear Jiří," in body(mail)
    assert len(mailbox.messages) == 1


def test_personal_pages_are_not_cached_and_leak_no_referrer(client, mailbox):
    participant, path = _registered(client, mailbox)
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
