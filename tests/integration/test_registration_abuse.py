"""Abuse of the delegate registration: bots, floods of mail, other people's addresses, expiry."""
from __future__ import annotations

import csv
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lsi_assembly.auth.models import Role
from lsi_assembly.core import bots
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body, count
from tests.factories import (
    confirm_address,
    csrf_token,
    form_tokens,
    links_in,
    make_event,
    make_organization,
    make_participant,
    personal_path,
    post_form,
    register_confirmed,
    registration_form,
    sign_in,
)


def _participant(email: str) -> Participant | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Participant).where(Participant.email == email))


def _age(email: str, hours: float) -> None:
    """Make the registration of ``email`` look sent ``hours`` ago."""
    db.session.execute(sa.update(Participant).where(Participant.email == email)
                       .values(status_changed_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()


# --- bots -------------------------------------------------------------------------------------------

def test_too_many_registrations_from_one_client_address_get_the_429_page(make_app):
    app = make_app()
    app.config["REGISTER_RATE_LIMIT"] = "3 per minute"
    with app.app_context():
        event = make_event()
        organization = make_organization(event, quota=20)
        client = app.test_client()
        codes = [post_form(client, "/register", registration_form(event, organization, email=f"r{i}@example.org"))
                 .status_code for i in range(5)]
        assert codes == [302, 302, 302, 429, 429]
        page = post_form(client, "/register", registration_form(event, organization, email="r9@example.org"))
        html = page.get_data(as_text=True)
        assert page.status_code == 429 and "Too many attempts" in html and "Nothing was saved" in html
        assert count(Participant) == 3
        assert client.get("/register").status_code == 200  # reading the form is not limited
        # Asking for one's link again is limited the same way.
        codes = [post_form(client, "/registration/link", {"email": "r0@example.org"}).status_code for _ in range(4)]
        assert codes == [302, 302, 302, 429]
        client.environ_base["REMOTE_ADDR"] = "192.0.2.7"  # another client address is not affected
        response = post_form(client, "/register", registration_form(event, organization, email="else@example.org"))
        assert response.status_code == 302 and count(Participant) == 4


def test_a_filled_hidden_field_is_answered_as_usual_and_stores_nothing(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    html = client.get("/register").get_data(as_text=True)
    assert re.search(r'<div class="hp" aria-hidden="true">', html)
    assert re.search(r'<input[^>]*id="website"[^>]*tabindex="-1"', html)

    response = post_form(client, "/register", registration_form(event, organization, website="http://spam.example"))

    assert response.status_code == 302 and response.headers["Location"] == "/register/done"
    assert "please check your e-mail" in client.get("/register/done").get_data(as_text=True)
    assert count(Participant) == 0 and count(OutboxMessage) == 0


class _Clock:
    """Stands in for the ``time`` module of core.bots: the test moves time forward."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


def test_a_form_sent_too_quickly_is_shown_again_and_the_next_sending_counts(app, client, mailbox, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(bots, "time", clock)
    app.config["REGISTER_MIN_SECONDS"] = 5
    event = make_event()
    organization = make_organization(event)
    form = registration_form(event, organization)
    tokens = form_tokens(client, "/register")

    clock.now += 2  # a program, or a browser filling everything in at once
    response = client.post("/register", data={**tokens, **form})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing is saved yet" in html and 'role="alert"' in html
    assert 'value="Wiśniewska-Żółkiewska"' in html  # what was typed is kept
    assert count(Participant) == 0
    fresh = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)
    assert fresh != tokens["started"]

    clock.now += 6  # the person reads the message and sends the form again
    again = client.post("/register", data={**tokens, **form, "started": fresh})

    assert again.status_code == 302 and again.headers["Location"] == "/register/done"
    assert _participant("lucja.wisniewska@example.org").status == Status.UNCONFIRMED


def test_a_form_filled_at_once_by_the_browser_gets_through_on_the_second_click(app, client, mailbox, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(bots, "time", clock)
    app.config["REGISTER_MIN_SECONDS"] = 5
    event = make_event()
    organization = make_organization(event)
    form = registration_form(event, organization)
    tokens = form_tokens(client, "/register")

    clock.now += 0.5  # a password manager filled everything; the person clicks at once
    first = client.post("/register", data={**tokens, **form})
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and count(Participant) == 0
    # No word of programs or of being too quick: only that nothing is saved yet.
    assert "Nothing is saved yet" in html and "quick" not in html.split('role="alert"', 1)[1].split("</div>")[0]
    second_chance = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)

    clock.now += 1.5  # a glance at the page, and the second click: well under the five seconds
    again = client.post("/register", data={**tokens, **form, "started": second_chance})
    assert again.status_code == 302 and again.headers["Location"] == "/register/done"
    assert _participant("lucja.wisniewska@example.org").status == Status.UNCONFIRMED


def test_the_second_chance_is_the_sessions_own_and_a_plain_stamp_gets_none(app, client, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(bots, "time", clock)
    app.config["REGISTER_MIN_SECONDS"] = 5
    event = make_event()
    organization = make_organization(event)
    form = registration_form(event, organization)
    tokens = form_tokens(client, "/register")
    clock.now += 0.5
    html = client.post("/register", data={**tokens, **form}).get_data(as_text=True)
    second_chance = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)
    clock.now += 1.5
    # Another browser session cannot use it (its nonce is this session's) ...
    with client.session_transaction() as session:
        nonce = session.pop("form_nonce")
    assert client.post("/register", data={**tokens, **form, "started": second_chance}).status_code == 422
    with client.session_transaction() as session:
        session["form_nonce"] = nonce
    # ... a fresh page's stamp (no second chance) still needs the five seconds ...
    fresh = form_tokens(client, "/register")
    clock.now += 1.5
    assert client.post("/register", data={**fresh, **form}).status_code == 422
    # ... and the second chance itself still needs a moment (not an instant resend).
    html = client.post("/register", data={**tokens, **form}).get_data(as_text=True)
    instant = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)
    assert client.post("/register", data={**tokens, **form, "started": instant}).status_code == 422
    assert count(Participant) == 0


def test_a_form_too_quick_and_with_errors_shows_both_messages_under_one_summary(app, client):
    app.config["REGISTER_MIN_SECONDS"] = 60
    event = make_event()
    organization = make_organization(event)
    response = post_form(client, "/register", registration_form(event, organization, given_name=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing is saved yet" in html and "There is a problem" in html
    assert html.count('id="error-summary"') == 1


@pytest.mark.parametrize("stamp", [None, "forged", "foreign"])
def test_a_missing_forged_or_foreign_time_stamp_is_refused(app, client, stamp):
    event = make_event()
    organization = make_organization(event)
    data = {**form_tokens(client, "/register"), **registration_form(event, organization)}
    if stamp == "foreign":  # fetched in another browser session
        with app.test_client() as other:
            page = other.get("/register").get_data(as_text=True)
        data["started"] = re.search(r'name="started"[^>]*value="([^"]+)"', page).group(1)
    elif stamp == "forged":
        data["started"] = "WzE3MDAwMDAwMDAsIngiXQ.forged"
    else:
        data.pop("started")
    response = client.post("/register", data=data)
    assert response.status_code == 422 and "Nothing is saved yet" in response.get_data(as_text=True)
    assert count(Participant) == 0


# --- mails per recipient ----------------------------------------------------------------------------

def test_mails_to_one_address_are_limited_per_hour_and_the_pages_say_the_same(app, client, mailbox):
    app.config["REGISTER_RATE_LIMIT"] = "100 per minute"
    app.config["MAIL_PER_RECIPIENT_PER_HOUR"] = 3
    event = make_event()
    organization = make_organization(event)
    target = "target@example.org"

    pages = []
    for i in range(4):
        response = post_form(client, "/register", registration_form(event, organization, email=target))
        pages.append((response.status_code, response.headers["Location"]))
    for i in range(3):
        response = post_form(client, "/registration/link", {"email": target}, follow_redirects=True)
        assert "If this address is registered, its personal link is on its way." in response.get_data(as_text=True)
    unknown = post_form(client, "/registration/link", {"email": "nobody@example.org"}, follow_redirects=True)

    assert pages == [(302, "/register/done")] * 4
    assert "If this address is registered, its personal link is on its way." in unknown.get_data(as_text=True)
    assert len(mailbox.wait_for(3)) == 3 and len(mailbox.to(target)) == 3
    assert count(OutboxMessage) == 3
    assert count(Participant) == 1

    # Another address is not affected.
    post_form(client, "/register", registration_form(event, organization, email="else@example.org"))
    assert len(mailbox.wait_for(4)) == 4 and mailbox.to("else@example.org")

    # The owner can still confirm with a link already received; what follows is not limited.
    confirm_address(client, mailbox, target)
    assert _participant(target).status == Status.PENDING
    assert mailbox.to(target)[-1]["Subject"] == "Your registration for LSI General Assembly 2027"
    # Nor are the organizers' own messages.
    sign_in(client, Role.ORGANIZER)
    post_form(client, f"/manage/registrations/{_participant(target).id}/approve", {})
    assert _participant(target).status == Status.CONFIRMED
    assert mailbox.to(target)[-1]["Subject"] != "Your registration for LSI General Assembly 2027"
    assert len(mailbox.to(target)) == 5


def test_an_hour_later_the_address_may_be_mailed_again(app, client, mailbox):
    app.config["MAIL_PER_RECIPIENT_PER_HOUR"] = 1
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    post_form(client, "/register", registration_form(event, organization))
    assert count(OutboxMessage) == 1
    db.session.execute(sa.update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    post_form(client, "/register", registration_form(event, organization))
    assert count(OutboxMessage) == 2


# --- other people's addresses -----------------------------------------------------------------------

def test_the_mail_to_an_unconfirmed_address_carries_no_typed_text_but_the_name(client, mailbox):
    event = make_event()
    make_organization(event)
    typed = {"name_on_badge": "Zq1Badge", "job_title": "Zq2Title", "organization_name": "Zq3Organization",
             "dietary_notes": "Zq4Diet", "accessibility_needs": "Zq5Access https://spam.example/",
             "languages": "Zq6Language", "arrival_date": "2027-06-21", "departure_date": "2027-06-27"}
    post_form(client, "/register", registration_form(
        event, None, category="observer", given_name="Zq7Given", family_name="Zq8Family", **typed))
    participant = _participant("lucja.wisniewska@example.org")
    assert participant.job_title == "Zq2Title"  # all of it stored, for the person to confirm

    [message] = mailbox.wait_for(1)
    text = message["Subject"] + "\n" + body(message)
    assert "Zq7Given" in text and "Zq8Family" in text
    for value in typed.values():
        assert value not in text, value
    assert "2027-06-21" not in text and "spam.example" not in text
    [link] = links_in(text)
    assert link.startswith("http://localhost/registration/")
    page = client.get(personal_path(mailbox, participant.email)).get_data(as_text=True)
    for value in typed.values():
        assert value not in page, value


def test_registering_an_address_again_in_another_session_changes_nothing_of_the_unconfirmed_one(client, mailbox):
    event = make_event()
    organization = make_organization(event, quota=1)
    post_form(client, "/register", registration_form(event, organization, email="real@example.org",
                                                     given_name="Real"))
    post_form(client, "/register", registration_form(event, organization, email="real@example.org",
                                                     given_name="Fake", job_title="Fake"))
    participant = _participant("real@example.org")
    assert (participant.given_name, participant.job_title) == ("Real", "Programme coordinator")


# --- expiry -----------------------------------------------------------------------------------------

def test_sweep_deletes_expired_unconfirmed_registrations_with_their_traces(app, client, runner, mailbox):
    app.config["REGISTER_RATE_LIMIT"] = "100 per minute"
    event = make_event()
    organization = make_organization(event, quota=5)
    held = make_participant(event, email="held@example.org", status=Status.CONFIRMED, organization_id=organization.id)
    register_confirmed(client, mailbox, registration_form(event, organization, email="confirmed@example.org"))
    for email in ("old1@example.org", "old2@example.org", "fresh@example.org"):
        post_form(client, "/register", registration_form(event, organization, email=email))
    old_ids = [_participant(email).id for email in ("old1@example.org", "old2@example.org")]
    _age("old1@example.org", 49)
    _age("old2@example.org", 48)
    _age("confirmed@example.org", 100)
    _age("fresh@example.org", 47)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_id.in_(old_ids), AuditEntry.entity_type == "participant")) == 2

    result = runner.invoke(args=["participants", "sweep"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("2 unconfirmed registrations deleted (not confirmed within 48 hours), "
                                     "1 still waiting for their address to be confirmed.")
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(Participant.email))) == [
        "confirmed@example.org", "fresh@example.org", "held@example.org"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_id.in_(old_ids), AuditEntry.entity_type == "participant")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(
        OutboxMessage.recipient.in_(["old1@example.org", "old2@example.org"]))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.recipient == "fresh@example.org")) == 1
    assert db.session.get(Participant, held.id).status == Status.CONFIRMED
    again = runner.invoke(args=["participants", "sweep"])
    assert again.output.startswith("0 unconfirmed registrations deleted")


def test_an_expired_registration_cannot_be_confirmed_and_says_to_register_again(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    path = personal_path(mailbox, "lucja.wisniewska@example.org")
    tokens = form_tokens(client, path)
    _age("lucja.wisniewska@example.org", 48.5)

    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "Registration not confirmed in time" in html and 'href="/register"' in html
    assert "Confirm my address" not in html
    response = client.post(path + "/confirm", data=tokens)
    assert response.status_code == 410 and "Registration not confirmed in time" in response.get_data(as_text=True)
    assert count(Participant) == 0
    assert client.get(path).status_code == 404


def test_registering_again_replaces_an_expired_unconfirmed_registration(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization, given_name="Typed by someone"))
    old_path = personal_path(mailbox, "lucja.wisniewska@example.org")
    old = _participant("lucja.wisniewska@example.org")
    old_key, old_created = old.access_key, old.created_at
    _age("lucja.wisniewska@example.org", 49)

    post_form(client, "/register", registration_form(event, organization))

    participant = _participant("lucja.wisniewska@example.org")
    assert count(Participant) == 1
    assert participant.access_key != old_key and participant.created_at > old_created
    assert participant.given_name == "Łucja" and participant.status == Status.UNCONFIRMED
    assert client.get(old_path).status_code == 404
    assert mailbox.wait_for(2)[-1]["Subject"] == "Please confirm your registration for LSI General Assembly 2027"
    confirm_address(client, mailbox, "lucja.wisniewska@example.org")
    assert _participant("lucja.wisniewska@example.org").status == Status.PENDING


def test_asking_for_the_link_of_an_expired_registration_sends_nothing_and_deletes_it(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    _age("lucja.wisniewska@example.org", 49)
    response = post_form(client, "/registration/link", {"email": "lucja.wisniewska@example.org"},
                         follow_redirects=True)
    assert "If this address is registered, its personal link is on its way." in response.get_data(as_text=True)
    assert count(Participant) == 0
    assert len(mailbox.wait_for(1)) == 1


def test_the_link_of_an_unconfirmed_registration_sends_the_confirmation_again(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    post_form(client, "/registration/link", {"email": "lucja.wisniewska@example.org"})
    first, second = mailbox.wait_for(2)
    assert first["Subject"] == second["Subject"] == "Please confirm your registration for LSI General Assembly 2027"


def test_confirming_needs_the_form_token_and_confirming_twice_changes_nothing(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    path = personal_path(mailbox, "lucja.wisniewska@example.org")
    assert client.post(path + "/confirm", data={}).status_code == 400
    assert _participant("lucja.wisniewska@example.org").status == Status.UNCONFIRMED
    tokens = form_tokens(client, path)
    assert client.post(path + "/confirm", data=tokens).status_code == 302
    first = _participant("lucja.wisniewska@example.org").email_confirmed_at
    assert client.post(path + "/confirm", data=tokens).status_code == 302
    assert _participant("lucja.wisniewska@example.org").email_confirmed_at == first
    assert len(mailbox.wait_for(2)) == 2  # the confirmation, "your registration": once


# --- unconfirmed registrations and the organizers ---------------------------------------------------

def test_unconfirmed_registrations_stay_out_of_lists_counts_and_the_desk(app, client, runner, tmp_path):
    event = make_event()
    organization = make_organization(event, quota=2)
    make_participant(event, given_name="Zofia", family_name="Real", email="real@example.org",
                     status=Status.CONFIRMED, organization_id=organization.id, list_consent=True)
    make_participant(event, given_name="Zofia", family_name="Typed", email="typed@example.org",
                     status=Status.UNCONFIRMED, organization_id=organization.id, list_consent=True)
    sign_in(client, Role.ORGANIZER)

    listed = client.get("/manage/registrations/").get_data(as_text=True)
    assert "Real, Zofia" in listed and "Typed, Zofia" not in listed
    assert "1 registration whose address is not confirmed yet is not listed" in listed
    only = client.get("/manage/registrations/?status=unconfirmed").get_data(as_text=True)
    assert "Typed, Zofia" in only and "Real, Zofia" not in only and "Address not confirmed yet" in only
    exported = client.get("/manage/registrations/export.csv").get_data(as_text=True)
    assert "real@example.org" in exported and "typed@example.org" not in exported

    dashboard = client.get("/manage/").get_data(as_text=True)
    counter = re.search(r'status-unconfirmed"><a href="/manage/registrations/\?status=unconfirmed">'
                        r'<span class="counter-value">(\d+)</span> <span>Address not confirmed yet', dashboard)
    assert counter and counter.group(1) == "1"
    assert "Registrations so far (not cancelled), day by day: 1 in all." in dashboard

    out = tmp_path / "full.csv"
    assert runner.invoke(args=["lists", "render", "participants-full", "--out", str(out)]).exit_code == 0
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [row[0] for row in rows[1:]] == ["Zofia Real"]

    token = csrf_token(client, "/desk/")  # organizers may work at the desk
    found = client.post("/desk/", data={"csrf_token": token, "q": "zofia"}, follow_redirects=True)
    assert "Real" in found.get_data(as_text=True) and "Typed" not in found.get_data(as_text=True)


def test_the_organizers_see_why_an_unconfirmed_registration_holds_nothing(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization))
    participant = _participant("lucja.wisniewska@example.org")
    sign_in(client, Role.ORGANIZER)

    html = client.get(f"/manage/registrations/{participant.id}").get_data(as_text=True)

    assert "Address not confirmed yet" in html and "has not confirmed this e-mail address yet" in html
    for action in ("approve", "admit", "reject", "cancel"):
        assert f"/manage/registrations/{participant.id}/{action}" not in html
    # An organizer correcting the address sends the confirmation to the new one.
    form = {**registration_form(event, organization, email="right@example.org"), "organization_id": str(organization.id)}
    response = post_form(client, f"/manage/registrations/{participant.id}/edit", form)
    assert response.status_code == 302
    assert mailbox.wait_for(2)[-1]["To"] == "right@example.org"
    assert mailbox.messages[-1]["Subject"] == "Please confirm your registration for LSI General Assembly 2027"
    assert _participant("right@example.org").status == Status.UNCONFIRMED


def test_the_history_shows_when_the_address_was_confirmed(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    register_confirmed(client, mailbox, registration_form(event, organization))
    participant = _participant("lucja.wisniewska@example.org")
    sign_in(client, Role.ORGANIZER)
    html = client.get(f"/manage/registrations/{participant.id}").get_data(as_text=True)
    assert "E-mail address confirmed:" in html
    assert "<del>Address not confirmed yet</del> → <ins>Awaiting confirmation</ins>" in html


def test_organizers_registering_an_unconfirmed_address_replace_it(app, client, runner, tmp_path):
    event = make_event()
    organization = make_organization(event, name="La Strada Česko", quota=1)
    make_participant(event, given_name="Typed", family_name="Someone", email="jiri@example.org",
                     status=Status.UNCONFIRMED, organization_id=organization.id, job_title="Spam")
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("first_name,last_name,email,organization,country,category\n"
                        "Jiří,Dvořák,jiri@example.org,La Strada Česko,CZ,delegate\n", encoding="utf-8")

    result = runner.invoke(args=["participants", "import", str(csv_file)])

    assert result.exit_code == 0, result.output
    assert "line 2: create jiri@example.org" in result.output
    person = _participant("jiri@example.org")
    assert (person.given_name, person.job_title, person.status) == ("Jiří", None, Status.CONFIRMED)
    assert person.email_confirmed_at is not None


def test_a_walk_in_replaces_an_unconfirmed_registration_of_the_address(client):
    event = make_event()
    make_participant(event, given_name="Typed", family_name="Someone", email="aigerim@example.org",
                     status=Status.UNCONFIRMED)
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 1", "day_id": event.days[0].id,
                                        "preset": "card-86x54"})
    response = client.post("/desk/walk-in", data={
        "csrf_token": token, "given_name": "Aigerim", "family_name": "Nurlanqyzy", "email": "aigerim@example.org",
        "country": "KZ", "category": "observer", "organization_name": "Independent", "privacy": "y"})
    assert response.status_code == 302
    person = _participant("aigerim@example.org")
    assert (person.given_name, person.status) == ("Aigerim", Status.CONFIRMED)


# --- French -----------------------------------------------------------------------------------------

def test_the_confirmation_speaks_french_to_a_french_registrant(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    client.get("/language/fr")
    post_form(client, "/register", registration_form(event, organization))
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Merci de confirmer votre inscription à LSI General Assembly 2027"
    text = body(message)
    assert "Bonjour Łucja," in text and "en tant que Łucja Wiśniewska-Żółkiewska" in text
    path = personal_path(mailbox, "lucja.wisniewska@example.org")
    html = client.get(path).get_data(as_text=True)
    assert "Confirmer mon adresse" in html and "Confirmez votre adresse" in html
    done = client.get("/register/done").get_data(as_text=True)
    assert "dans les 48\u00a0heures" in done
    confirm_address(client, mailbox, "lucja.wisniewska@example.org")
    assert "Merci\u00a0: votre adresse est confirmée." in client.get(path).get_data(as_text=True)
    sign_out = client.get(path + "/sign-out").get_data(as_text=True)
    assert "Déconnecter tous les liens" in sign_out


# --- the migration ----------------------------------------------------------------------------------

def test_the_migration_marks_the_registrations_made_before_as_confirmed(app):
    db.session.remove()
    downgrade(revision="c980a4dc463c")  # before email_confirmed_at
    when = utcnow() - timedelta(days=3)
    events = sa.table("events", *(sa.column(c) for c in ("id", "slug", "name", "city", "timezone",
                                                          "requires_approval", "is_sample", "created_at",
                                                          "preferences_open", "participant_list_shared")))
    participants = sa.table("participants", sa.column("dietary", sa.JSON), sa.column("languages", sa.JSON), *(
        sa.column(c) for c in ("id", "event_id", "category", "status", "given_name", "family_name", "email",
                               "country", "list_consent", "photo_consent", "badge_hide_organization",
                               "needs_at_desk", "locale", "access_key", "created_at", "updated_at",
                               "status_changed_at", "search_text", "sort_name")))
    with db.engine.begin() as connection:
        connection.execute(events.insert().values(
            id=1, slug="x", name="X", city="Paris", timezone="Europe/Paris", requires_approval=True,
            is_sample=False, created_at=when, preferences_open=False, participant_list_shared=False))
        connection.execute(participants.insert().values(
            id=1, event_id=1, category="delegate", status="confirmed", given_name="Old", family_name="Timer",
            email="old@example.org", country="PL", dietary=[], languages=[], list_consent=False,
            photo_consent=False, badge_hide_organization=False, needs_at_desk=False, locale="en",
            access_key="k", created_at=when, updated_at=when, status_changed_at=when, search_text="",
            sort_name=""))
    upgrade()
    person = db.session.get(Participant, 1)
    assert person.status == Status.CONFIRMED and person.email_confirmed_at == when
