"""The personal link: view, edit and cancel without an account; expiry and forgery."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body
from tests.factories import (
    confirm_address,
    form_tokens,
    make_event,
    make_organization,
    make_participant,
    personal_path,
    post_form,
    register_confirmed,
    registration_form,
)


def _registered(client, mailbox) -> tuple[Participant, str]:
    """Register through the form and confirm the address from the e-mail, as the person does."""
    event = make_event()
    organization = make_organization(event)
    path = register_confirmed(client, mailbox, registration_form(event, organization))
    mailbox.wait_for(2)  # the confirmation, then "your registration"
    return db.session.scalar(sa.select(Participant)), path


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
    assert reopened.status == Status.UNCONFIRMED and reopened.access_key != old_key
    messages = mailbox.wait_for(4)
    assert messages[-1]["Subject"] == "Please confirm your registration for LSI General Assembly 2027"
    new_path = confirm_address(client, mailbox, "lucja.wisniewska@example.org")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Participant.status)) == Status.PENDING
    assert client.get(new_path).status_code == 200


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


# --- sign out every link ----------------------------------------------------------------------------

def test_signing_out_every_link_revokes_the_old_one_and_mails_a_new_one(client, mailbox):
    participant, path = _registered(client, mailbox)
    old_key = participant.access_key
    html = client.get(path).get_data(as_text=True)
    assert f'href="{path}/sign-out"' in html and "Sign out every link sent to me" in html

    page = client.get(path + "/sign-out")
    assert page.status_code == 200
    assert "Every link to your registration sent so far then stops working" in page.get_data(as_text=True)
    db.session.refresh(participant)
    assert participant.access_key == old_key  # asking changes nothing

    response = post_form(client, path + "/sign-out", {}, follow_redirects=True)

    assert response.status_code == 200 and "Every link is signed out" in response.get_data(as_text=True)
    db.session.refresh(participant)
    assert participant.access_key != old_key
    assert client.get(path).status_code == 404  # as a revoked link answers
    assert client.get(path + "/edit").status_code == 404
    message = mailbox.wait_for(3)[-1]
    assert message["To"] == "lucja.wisniewska@example.org"
    assert message["Subject"] == "Your new personal link for LSI General Assembly 2027"
    assert "no longer work" in body(message)
    new_path = personal_path(mailbox, "lucja.wisniewska@example.org")
    assert new_path != path
    assert "Wiśniewska-Żółkiewska" in client.get(new_path).get_data(as_text=True)


def test_signing_out_needs_a_post_with_its_token(client, mailbox):
    participant, path = _registered(client, mailbox)
    old_key = participant.access_key
    assert client.post(path + "/sign-out", data={}).status_code == 400  # no CSRF token
    db.session.refresh(participant)
    assert participant.access_key == old_key and len(mailbox.messages) == 2


def test_signing_out_counts_in_the_mails_to_one_address(app, client, mailbox):
    participant, path = _registered(client, mailbox)
    app.config["MAIL_PER_RECIPIENT_PER_HOUR"] = 1  # the confirmation already went out this hour
    old_key = participant.access_key

    response = post_form(client, path + "/sign-out", {}, follow_redirects=True)

    assert "nothing was changed" in response.get_data(as_text=True)
    db.session.refresh(participant)
    assert participant.access_key == old_key and len(mailbox.messages) == 2
    assert client.get(path).status_code == 200


# --- an unconfirmed registration's link -----------------------------------------------------------

def test_an_unconfirmed_registration_offers_only_the_confirmation(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    path = personal_path(mailbox, "lucja.wisniewska@example.org")

    for url in (path + "/edit", path + "/cancel", path + "/sign-out"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == path, url
    html = client.get(path).get_data(as_text=True)
    assert "Confirm my address" in html and "Change my details" not in html
    assert client.get(path + "/confirm").status_code == 405  # never by following a link
    response = client.post(path + "/edit", data={**form_tokens(client, path), "given_name": "Changed",
                                                 "family_name": "X", "country": "PL"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Participant.given_name)) == "Łucja"
    assert db.session.scalar(sa.select(Participant.status)) == Status.UNCONFIRMED
    assert len(mailbox.messages) == 1
