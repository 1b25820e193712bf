"""The public event of 25 June: open registration, double opt-in, seats, waiting list, tickets, entry, abuse."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import zxingcpp
from flask import g
from icalendar import Calendar
from PIL import Image
from sqlalchemy.orm.attributes import set_committed_value

from lsi_assembly.auth.models import Role
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.public import services
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee, PublicEvent
from tests.conftest import body
from tests.factories import csrf_token, links_in, make_event, run_at_once, sign_in


def csrf(client, url: str) -> str:
    """The CSRF token of ``url``'s form for ``client``.

    These tests' requests run inside the test's app context, so they share its ``g``, where
    Flask-WTF keeps the token it made last: forget it, or a second client would get the first one's.
    """
    g.pop("csrf_token", None)
    return csrf_token(client, url)


def make_public_event(event, capacity=3, **values) -> PublicEvent:
    values.setdefault("title", "Sport without exploitation")
    values.setdefault("venue", "Maison des Métallos, Paris")
    public_event = PublicEvent(event=event, capacity=capacity, is_open=True,
                               starts_at=datetime(2027, 6, 25, 16, 0, tzinfo=timezone.utc),
                               ends_at=datetime(2027, 6, 25, 18, 30, tzinfo=timezone.utc),
                               **values)
    db.session.add(public_event)
    db.session.commit()
    return public_event


def register(client, email, name="Ana Bălan", **fields):
    data = {"csrf_token": csrf(client, "/public"), "name": name, "email": email, "affiliation": "",
            "language": "en", "accessibility_needs": "", "privacy": "y", "website": ""}
    html = client.get("/public").get_data(as_text=True)
    data["started"] = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)
    data.update(fields)
    return client.post("/public", data=data)


def attendee(email) -> PublicAttendee:
    db.session.expire_all()
    return db.session.scalar(sa.select(PublicAttendee).where(PublicAttendee.email == email))


def token(email) -> str:
    return services.make_token(attendee(email))


def press(client, path):
    """Press the one button of a page (confirm, claim, cancel) with the session's CSRF token.

    (The token is read from the registration page: a page whose button is gone, e.g. an expired
    registration's, must still refuse the POST.)"""
    return client.post(path, data={"csrf_token": csrf(client, "/public")})


def confirmed_registration(client, email) -> PublicAttendee:
    assert register(client, email).status_code == 302
    press(client, f"/public/confirm/{token(email)}")
    return attendee(email)


def statuses(public_event) -> dict[str, int]:
    return {k: v for k, v in services.counts(public_event).items() if v and k != "checked_in"}


# --- states ---------------------------------------------------------------------------------------

def test_registering_holds_nothing_until_the_address_is_confirmed(client, mailbox):
    public_event = make_public_event(make_event(), capacity=2)
    response = register(client, "Ana.Balan@Example.org", accessibility_needs="Step-free access")
    assert response.status_code == 302 and response.headers["Location"].endswith("/public/done")
    person = attendee("ana.balan@example.org")
    assert person.status == AttendeeStatus.UNCONFIRMED and person.ticket_code is None
    assert services.availability(public_event).left == 2  # nothing held yet
    message = mailbox.wait_for(1)[0]
    assert message["To"] == "ana.balan@example.org" and "confirm" in message["Subject"].lower()
    link = next(url for url in links_in(body(message)) if "/public/confirm/" in url)
    path = link.split("localhost", 1)[1]
    assert "ana" not in path.lower() and "balan" not in path.lower()  # nothing personal in the URL
    page = client.get(path)  # a mail scanner opening the link confirms nothing
    assert page.status_code == 200 and attendee("ana.balan@example.org").status == AttendeeStatus.UNCONFIRMED
    assert press(client, path).status_code == 302
    person = attendee("ana.balan@example.org")
    assert person.status == AttendeeStatus.CONFIRMED and len(person.ticket_code) == 26
    assert services.availability(public_event).left == 1


def test_the_ticket_mail_carries_a_qr_code_and_a_calendar_file(client, mailbox):
    public_event = make_public_event(make_event())
    person = confirmed_registration(client, "zoe@example.org")
    ticket = mailbox.wait_for(2)[1]
    assert "ticket" in ticket["Subject"].lower()
    parts = {part.get_filename(): part.get_content() for part in ticket.iter_attachments()}
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(parts["ticket.png"])))
    assert [result.text for result in decoded] == [person.ticket_code]  # the code, nothing personal
    calendar = Calendar.from_ical(parts["public-event.ics"])
    entry = calendar.walk("VEVENT")[0]
    assert str(entry["summary"]) == public_event.title and "Métallos" in str(entry["location"])
    assert entry.decoded("dtstart").hour == 16  # UTC
    page = client.get(f"/public/ticket/{token('zoe@example.org')}").get_data(as_text=True)
    assert "<svg" in page and person.ticket_code in page
    ics = client.get(f"/public/ticket/{token('zoe@example.org')}/event.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")


def test_unconfirmed_registrations_expire_and_the_address_may_register_again(client, app):
    public_event = make_public_event(make_event(), capacity=1, confirm_hours=2)
    register(client, "late@example.org")
    old_token = token("late@example.org")
    services.sweep(public_event, now=utcnow() + timedelta(hours=3))
    db.session.commit()
    assert attendee("late@example.org").status == AttendeeStatus.EXPIRED
    assert press(client, f"/public/confirm/{old_token}").status_code == 302
    assert attendee("late@example.org").status == AttendeeStatus.EXPIRED  # too late to confirm
    assert "expired" in client.get(f"/public/ticket/{old_token}").get_data(as_text=True)
    register(client, "late@example.org")
    assert attendee("late@example.org").status == AttendeeStatus.UNCONFIRMED
    assert client.get(f"/public/ticket/{old_token}").status_code == 404  # the old links stop working
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee)) == 1


def test_when_full_people_wait_in_line_and_a_cancellation_offers_the_seat_to_the_first(client, mailbox):
    public_event = make_public_event(make_event(), capacity=1)
    confirmed_registration(client, "first@example.org")
    confirmed_registration(client, "second@example.org")
    confirmed_registration(client, "third@example.org")
    assert attendee("second@example.org").status == AttendeeStatus.WAITING
    assert services.position(attendee("second@example.org")) == 1
    assert services.position(attendee("third@example.org")) == 2
    page = client.get(f"/public/ticket/{token('third@example.org')}").get_data(as_text=True)
    assert "number 2 in line" in page
    assert "Every place is taken" in client.get("/public").get_data(as_text=True)
    cancel_path = f"/public/cancel/{token('first@example.org')}"
    assert client.get(cancel_path).status_code == 200 and attendee("first@example.org").status == "confirmed"
    press(client, cancel_path)  # one button frees the seat
    assert attendee("first@example.org").status == AttendeeStatus.CANCELLED
    second = attendee("second@example.org")
    assert second.status == AttendeeStatus.OFFERED and second.offer_expires_at > utcnow()
    offer = [m for m in mailbox.wait_for(7) if m["To"] == "second@example.org"][-1]
    claim = next(url for url in links_in(body(offer)) if "/public/claim/" in url).split("localhost", 1)[1]
    assert services.position(attendee("third@example.org")) == 1
    response = press(client, claim)
    assert response.status_code == 302
    assert attendee("second@example.org").status == AttendeeStatus.CONFIRMED
    assert statuses(public_event) == {"confirmed": 1, "waiting": 1, "cancelled": 1}


def test_an_offer_not_claimed_in_time_goes_to_the_next_in_line(app, client, runner, mailbox):
    public_event = make_public_event(make_event(), capacity=1, claim_hours=12)
    confirmed_registration(client, "a@example.org")
    confirmed_registration(client, "b@example.org")
    confirmed_registration(client, "c@example.org")
    press(client, f"/public/cancel/{token('a@example.org')}")
    assert attendee("b@example.org").status == AttendeeStatus.OFFERED
    offered = attendee("b@example.org")
    assert offered.offer_expires_at - utcnow() > timedelta(hours=11)
    offered.offer_expires_at = utcnow() - timedelta(minutes=1)  # twelve hours later...
    db.session.commit()
    app.config["BASE_URL"] = "https://assembly.example.org"  # the command writes links without a request
    result = runner.invoke(args=["public", "sweep"])
    assert result.exit_code == 0 and "1 offers lapsed" in result.output, result.output
    assert attendee("b@example.org").status == AttendeeStatus.LAPSED
    assert attendee("c@example.org").status == AttendeeStatus.OFFERED
    press(client, f"/public/claim/{token('b@example.org')}")  # the old claim link no longer works
    assert attendee("b@example.org").status == AttendeeStatus.LAPSED
    assert statuses(public_event) == {"offered": 1, "lapsed": 1, "cancelled": 1}


def test_overbooking_confirms_more_people_than_seats_and_says_so(client):
    public_event = make_public_event(make_event(), capacity=4, no_show_percent=50)
    assert public_event.limit == 8
    page = client.get("/public").get_data(as_text=True)
    assert "8 places left" in page and "4 seats" in page  # honest: seats and overbooking both said
    for i in range(9):
        confirmed_registration(client, f"p{i}@example.org")
    assert statuses(public_event) == {"confirmed": 8, "waiting": 1}


def test_registering_twice_changes_nothing_and_sends_the_links_again(client, mailbox):
    make_public_event(make_event())
    confirmed_registration(client, "twice@example.org")
    first = attendee("twice@example.org")
    response = register(client, "Twice@example.org", name="Someone Else")
    assert response.status_code == 302 and response.headers["Location"].endswith("/public/done")
    again = attendee("twice@example.org")
    assert (again.name, again.ticket_code, again.status) == (first.name, first.ticket_code, "confirmed")
    messages = mailbox.wait_for(3)
    assert "already registered" in body(messages[-1])


def test_closed_registration_refuses_new_people(client):
    public_event = make_public_event(make_event())
    public_event.is_open = False
    db.session.commit()
    page = client.get("/public").get_data(as_text=True)
    assert "Registration is closed" in page
    register_closed = client.post("/public", data={"csrf_token": csrf(client, "/login"), "name": "X",
                                                   "email": "x@example.org", "privacy": "y"})
    assert register_closed.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee)) == 0


def test_a_confirmation_counts_the_seats_as_they_are_under_the_lock(app, client):
    public_event = make_public_event(make_event(), capacity=3)
    confirmed_registration(client, "a@example.org")
    confirmed_registration(client, "b@example.org")
    register(client, "late@example.org")
    db.session.commit()
    with db.engine.begin() as other:  # an organizer lowers the seats...
        other.execute(sa.update(PublicEvent).where(PublicEvent.id == public_event.id).values(capacity=2))
    late = attendee("late@example.org")
    set_committed_value(late.public_event, "capacity", 3)  # ...after this request read them
    app.config["BASE_URL"] = "https://assembly.example.org"  # e-mail links outside a request
    services.confirm(late)
    db.session.commit()
    assert attendee("late@example.org").status == AttendeeStatus.WAITING  # not a third seat of two


def test_an_address_registered_again_after_its_time_to_confirm_starts_afresh(client, mailbox):
    public_event = make_public_event(make_event(), confirm_hours=1)
    register(client, "slow@example.org")
    person = attendee("slow@example.org")
    old_key = person.access_key
    person.confirm_by = utcnow() - timedelta(minutes=1)  # passed, not swept yet
    db.session.commit()
    register(client, "slow@example.org")
    person = attendee("slow@example.org")
    assert person.status == AttendeeStatus.UNCONFIRMED and person.access_key != old_key
    assert person.confirm_by > utcnow()
    assert "confirm" in mailbox.wait_for(2)[-1]["Subject"].lower()  # a new link, not the dead one
    assert services.availability(public_event).left == 3


def test_ended_registrations_are_deleted_after_thirty_days(app, client):
    public_event = make_public_event(make_event())
    confirmed_registration(client, "stays@example.org")
    confirmed_registration(client, "left@example.org")
    confirmed_registration(client, "recent@example.org")
    press(client, f"/public/cancel/{token('left@example.org')}")
    press(client, f"/public/cancel/{token('recent@example.org')}")
    attendee("left@example.org").status_changed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    services.sweep(public_event)
    db.session.commit()
    assert attendee("left@example.org") is None  # name, address and needs gone
    assert attendee("recent@example.org").status == AttendeeStatus.CANCELLED
    assert attendee("stays@example.org").status == AttendeeStatus.CONFIRMED


def test_nothing_is_confirmed_once_the_event_is_over(client):
    public_event = make_public_event(make_event())
    register(client, "after@example.org")
    public_event.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    press(client, f"/public/confirm/{token('after@example.org')}")
    assert attendee("after@example.org").status == AttendeeStatus.EXPIRED


def test_the_public_page_lets_lapsed_offers_go_before_counting(client):
    public_event = make_public_event(make_event(), capacity=1)
    confirmed_registration(client, "a@example.org")
    confirmed_registration(client, "b@example.org")
    confirmed_registration(client, "c@example.org")
    press(client, f"/public/cancel/{token('a@example.org')}")
    offered = attendee("b@example.org")
    offered.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.get("/public")  # no cron has run: the page's own check moves the line
    assert attendee("b@example.org").status == AttendeeStatus.LAPSED
    assert attendee("c@example.org").status == AttendeeStatus.OFFERED
    assert statuses(public_event) == {"offered": 1, "lapsed": 1, "cancelled": 1}


def test_odd_input_on_the_organizers_and_desk_pages_is_refused_without_an_error(client):
    event = make_event()
    make_public_event(event)
    sign_in(client, Role.ORGANIZER)
    data = {"csrf_token": csrf(client, "/manage/public/"), "title": "T", "date": "0001-01-01", "starts": "18:00",
            "ends": "20:00", "capacity": "99999999999", "confirm_hours": "24", "claim_hours": "24"}
    response = client.post("/manage/public/", data=data)
    assert response.status_code == 422 and "between the years 2000 and 2100" in response.get_data(as_text=True)
    assert client.get("/desk/public/attendees/99999999999999999999").status_code == 404
    assert client.get("/manage/registrations/99999999999999999999").status_code == 404


# --- abuse ----------------------------------------------------------------------------------------

def test_a_filled_hidden_field_is_taken_for_a_bot_and_nothing_is_stored(client):
    make_public_event(make_event())
    response = register(client, "bot@example.org", website="http://spam.example")
    assert response.status_code == 302  # told nothing
    assert attendee("bot@example.org") is None


def test_a_form_sent_too_quickly_is_refused_with_a_message(app, client):
    make_public_event(make_event())
    app.config["PUBLIC_MIN_SECONDS"] = 60
    response = register(client, "quick@example.org")
    assert response.status_code == 422
    assert "Nothing is saved yet" in response.get_data(as_text=True)
    assert attendee("quick@example.org") is None
    forged = register(client, "quick@example.org", started="not-a-stamp")
    assert forged.status_code == 422 and attendee("quick@example.org") is None
    app.config["PUBLIC_MIN_SECONDS"] = 0
    page = client.get("/public").get_data(as_text=True)
    stamp = re.search(r'name="started"[^>]*value="([^"]+)"', page).group(1)
    other = app.test_client()  # a stamp fetched in one session does not work in another
    assert register(other, "quick@example.org", started=stamp).status_code == 422
    assert register(client, "quick@example.org", started=stamp).status_code == 302


def test_the_form_is_accessible_and_its_trap_hidden_from_screen_readers(client):
    make_public_event(make_event())
    html = client.get("/public").get_data(as_text=True)
    for name, token_ in (("name", "name"), ("email", "email"), ("affiliation", "organization"),
                         ("language", "language")):
        assert re.search(rf'<(input|select)[^>]*id="{name}"[^>]*autocomplete="{token_}"', html) or re.search(
            rf'<(input|select)[^>]*autocomplete="{token_}"[^>]*id="{name}"', html), name
        assert f'<label for="{name}">' in html
    assert re.search(r'<div class="hp" aria-hidden="true">', html)
    assert re.search(r'<input[^>]*id="website"[^>]*tabindex="-1"', html)
    bad = register(client, "not-an-address", name="")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'aria-invalid="true"' in text and "There is a problem" in text


def test_too_many_registrations_from_one_address_are_refused(make_app):
    app = make_app()
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    with app.app_context():
        make_public_event(make_event(), capacity=50)
        client = app.test_client()
        codes = [register(client, f"r{i}@example.org").status_code for i in range(5)]
        assert codes == [302, 302, 302, 429, 429]
        assert "Too many attempts" in register(client, "r9@example.org").get_data(as_text=True)
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"  # another client address is not affected
        response = register(other, "else@example.org")
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


# --- the race -------------------------------------------------------------------------------------

def test_concurrent_confirmations_for_the_last_seats_give_exactly_the_limit(app):
    """200 people confirm at once for the last 10 seats (plus the overbooking): never one seat more."""
    public_event = make_public_event(make_event(), capacity=50, no_show_percent=20)
    assert public_event.overbooking == 12  # 50 seats at 20 % no-shows: 62 confirmed at most
    taken = []
    for i in range(40):
        taken.append(PublicAttendee(public_event=public_event, name=f"Early {i}", email=f"early{i}@example.org",
                                    status=AttendeeStatus.CONFIRMED, privacy_accepted_at=utcnow(),
                                    access_key=f"early-{i}", ticket_code=f"{i:026d}", confirm_by=utcnow()))
    racers = [PublicAttendee(public_event=public_event, name=f"Racer {i}", email=f"racer{i}@example.org",
                             privacy_accepted_at=utcnow(), access_key=f"racer-{i}",
                             confirm_by=utcnow() + timedelta(hours=1)) for i in range(200)]
    db.session.add_all(taken + racers)
    db.session.commit()
    paths = [f"/public/confirm/{services.make_token(r)}" for r in racers]

    def confirm(path):
        def action(ready):
            client = app.test_client()
            data = {"csrf_token": csrf_token(client, path)}
            ready()
            return client.post(path, data=data).status_code
        return action

    results = run_at_once([confirm(path) for path in paths])
    assert results == [302] * 200
    db.session.expire_all()
    assert statuses(public_event) == {"confirmed": 62, "waiting": 178}
    people = list(db.session.scalars(sa.select(PublicAttendee).where(PublicAttendee.email.like("racer%"))))
    seated = [p for p in people if p.status == AttendeeStatus.CONFIRMED]
    waiting = sorted((p for p in people if p.status == AttendeeStatus.WAITING), key=lambda p: (p.queued_at, p.id))
    assert len(seated) == 10 + 12 and len({p.ticket_code for p in seated}) == 22
    # In order: every seat went to a confirmation that came before everyone in line.
    assert max(p.confirmed_at for p in seated) <= min(p.queued_at for p in waiting)
    assert [services.position(p) for p in waiting] == list(range(1, 179))


def test_one_address_sent_many_times_at_once_makes_one_registration_and_no_error(app):
    app.config["PUBLIC_RATE_LIMIT"] = "100 per minute"  # all from one address here
    make_public_event(make_event(), capacity=5)

    def send(ready):
        client = app.test_client()
        page = client.get("/public").get_data(as_text=True)
        data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
                "started": re.search(r'name="started"[^>]*value="([^"]+)"', page).group(1),
                "name": "Same Person", "email": "same@example.org", "language": "en", "privacy": "y"}
        ready()
        return client.post("/public", data=data).status_code

    results = run_at_once([send] * 12)
    assert results == [302] * 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicAttendee)) == 1


# --- organizers and the desk ----------------------------------------------------------------------

def test_organizers_set_up_the_event_see_counts_export_and_write_to_everyone(client, mailbox):
    event = make_event()
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/public/")
    assert page.status_code == 200 and "Set up the public event" in page.get_data(as_text=True)
    data = {"csrf_token": csrf(client, "/manage/public/"), "title": "Sport without exploitation",
            "description": "", "venue": "Paris", "date": "2027-06-25", "starts": "18:00", "ends": "20:30",
            "capacity": "2", "no_show_percent": "0", "confirm_hours": "24", "claim_hours": "24", "is_open": "y"}
    assert client.post("/manage/public/", data=data).status_code == 302
    public_event = services.public_event_of(event)
    assert public_event.starts_at == datetime(2027, 6, 25, 16, 0, tzinfo=timezone.utc)  # 18:00 in Paris, stored in UTC
    visitor = client.application.test_client()
    for email in ("one@example.org", "two@example.org", "three@example.org"):
        confirmed_registration(visitor, email)
    register(visitor, "=cmd|' /C calc'!A0@example.org")
    html = client.get("/manage/public/").get_data(as_text=True)
    assert "three@example.org" in html and "On the waiting list" in html
    export = client.get("/manage/public/export.csv").get_data(as_text=True)
    assert export.splitlines()[0].lstrip("\ufeff").startswith("name,email,affiliation,status")
    assert "three@example.org" in export
    bad = dict(data, capacity="0", ends="17:00")
    response = client.post("/manage/public/", data=bad)
    assert response.status_code == 422 and services.public_event_of(event).capacity == 2
    more = dict(data, capacity="3", csrf_token=csrf(client, "/manage/public/"))
    client.post("/manage/public/", data=more)  # a third seat: the first in line is offered it
    assert attendee("three@example.org").status == AttendeeStatus.OFFERED
    before = len(mailbox.messages)
    message = {"csrf_token": csrf(client, "/manage/public/message"), "subject": "New venue",
               "body": "We moved next door.", "sure": "y"}
    assert client.post("/manage/public/message", data=message).status_code == 302
    sent = mailbox.wait_for(before + 2)[before:]
    assert sorted(m["To"] for m in sent) == ["one@example.org", "two@example.org"]
    assert all("We moved next door." in body(m) for m in sent)
    closed = dict(data, is_open="", capacity="3", csrf_token=csrf(client, "/manage/public/"))
    client.post("/manage/public/", data=closed)
    assert "Registration is closed" in visitor.get("/public").get_data(as_text=True)
    log = client.get("/manage/audit?kind=public_event").get_data(as_text=True)
    assert "Registration is open" in log and "Seats" in log  # the organizers' changes, with who made them
    assert "three@example.org" not in client.get("/manage/audit").get_data(as_text=True)  # not the public's


def test_the_desk_lets_ticket_holders_in_once_and_counts_them(app, client):
    event = make_event()
    public_event = make_public_event(event, capacity=1)
    visitor = app.test_client()
    person = confirmed_registration(visitor, "guest@example.org")
    waiting = confirmed_registration(visitor, "later@example.org")
    g.pop("csrf_token", None)  # see csrf()
    sign_in(client, Role.DESK)
    scan = {"csrf_token": csrf(client, "/desk/public/"), "q": person.ticket_code.lower()}
    page = client.post("/desk/public/", data=scan).get_data(as_text=True)
    assert "Let in" in page and person.name in page
    assert services.counts(public_event)["checked_in"] == 1
    again = client.post("/desk/public/", data=scan).get_data(as_text=True)
    assert "Already in" in again and services.counts(public_event)["checked_in"] == 1
    # The main desk recognizes a public ticket too, and no badge is needed.
    main = client.post("/desk/", data={"csrf_token": csrf(client, "/desk/"), "q": person.ticket_code})
    assert "Already in" in main.get_data(as_text=True)
    by_name = client.post("/desk/public/", data={"csrf_token": csrf(client, "/desk/public/"), "q": "later"})
    assert "On the waiting list" in by_name.get_data(as_text=True)
    refused = client.post(f"/desk/public/attendees/{waiting.id}/check-in",
                          data={"csrf_token": csrf(client, "/desk/public/")})
    assert refused.status_code == 409 and services.counts(public_event)["checked_in"] == 1
    assert client.get("/desk/public/counts.json").get_json() == {"confirmed": 1, "checked_in": 1}


@pytest.mark.parametrize("path", ["/public/ticket/forged", "/public/confirm/forged", "/public/cancel/forged"])
def test_forged_links_find_nothing(client, path):
    make_public_event(make_event())
    assert client.get(path).status_code == 404


def test_the_entry_desk_finds_a_greek_name_typed_in_latin_letters_and_records_the_desks_name(client):
    event = make_event()
    public_event = make_public_event(event)
    db.session.add(PublicAttendee(public_event=public_event, name="Νίκος Παπαδόπουλος", email="nikos@example.org",
                                  privacy_accepted_at=utcnow(), access_key="greek", confirm_by=utcnow(),
                                  status=AttendeeStatus.CONFIRMED, ticket_code="1" * 26))
    db.session.commit()
    sign_in(client, Role.DESK)
    token = csrf(client, "/desk/")
    client.post("/desk/settings", data={"csrf_token": token, "desk": "Door 3", "day_id": event.days[0].id,
                                        "preset": "card-86x54"})
    page = client.post("/desk/public/", data={"csrf_token": token, "q": "papadopoulos"}).get_data(as_text=True)
    assert "Νίκος Παπαδόπουλος" in page
    client.post("/desk/public/", data={"csrf_token": token, "q": "1" * 26})
    db.session.expire_all()
    assert db.session.scalar(sa.select(PublicAttendee.checked_in_by)) == "Door 3"  # the name this device was given


def test_a_form_filled_at_once_by_the_browser_gets_through_on_the_second_click(app, client, monkeypatch):
    from lsi_assembly.core import bots

    class Clock:
        now = 1_900_000_000.0

        def time(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(bots, "time", clock)
    make_public_event(make_event())
    app.config["PUBLIC_MIN_SECONDS"] = 3
    clock.now += 0.4  # a password manager filled the form; the person clicks at once
    first = register(client, "fast@example.org")
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and attendee("fast@example.org") is None
    assert "Nothing is saved yet" in html and "program" not in html.lower().split('role="alert"', 1)[1][:300]
    second_chance = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)
    clock.now += 1.2  # the second click
    data = {"csrf_token": csrf(client, "/public"), "name": "Ana Bălan", "email": "fast@example.org",
            "affiliation": "", "language": "en", "accessibility_needs": "", "privacy": "y", "website": "",
            "started": second_chance}
    assert client.post("/public", data=data).status_code == 302
    assert attendee("fast@example.org") is not None
