"""The check-in desk through the app: scan or name, once a day, undo, warnings, walk-ins, counts, races."""
from __future__ import annotations

import io
import re
import threading

import pytest
import sqlalchemy as sa
from flask import g
from pypdf import PdfReader

from lsi_assembly.auth.models import Role
from lsi_assembly.badges.models import BadgePrint
from lsi_assembly.badges.services import valid_code
from lsi_assembly.checkin import services as checkin_services
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.checkin.services import check_in
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.factories import csrf_token, make_event, make_organization, make_participant, sign_in


@pytest.fixture
def desk(client):
    """A desk signed in, checking in for the event's first day; yields (event, csrf token)."""
    event = make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 2", "day_id": event.days[0].id,
                                        "preset": "card-86x54"})
    return event, token


def check_ins() -> list[tuple[int, int, str]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(sa.select(CheckIn.participant_id, CheckIn.day_id, CheckIn.desk))]


def scan(client, token, text: str) -> str:
    return client.post("/desk/", data={"csrf_token": token, "q": text}, follow_redirects=True).get_data(as_text=True)


def test_a_scan_checks_in_once_and_a_second_scan_says_when_and_where(client, desk):
    event, token = desk
    person = make_participant(event, given_name="Zsófia", family_name="Kovács", status=Status.CONFIRMED)
    code = valid_code(person).code
    db.session.commit()
    page = scan(client, token, code)
    assert "Checked in." in page and '<h2 id="person-title">Zsófia Kovács</h2>' in page
    assert check_ins() == [(person.id, event.days[0].id, "Desk 2")]
    again = scan(client, token, code)
    assert "Checked in today at" in again and "at Desk 2" in again and "Checked in." not in again
    assert len(check_ins()) == 1


def test_a_check_in_can_be_undone(client, desk):
    event, token = desk
    person = make_participant(event, status=Status.CONFIRMED)
    scan(client, token, valid_code(person).code)
    client.post(f"/desk/participants/{person.id}/undo", data={"csrf_token": token})
    assert check_ins() == []


def test_a_name_typed_without_accents_finds_the_person_and_one_match_checks_in(client, desk):
    event, token = desk
    organization = make_organization(event, name="La Strada Moldova")
    person = make_participant(event, given_name="Ștefania", family_name="Vlădescu", status=Status.CONFIRMED,
                              organization_id=organization.id)
    make_participant(event, given_name="Ana", family_name="Popescu", email="ana@example.org", status=Status.CONFIRMED)
    page = scan(client, token, "vladescu stefania")
    assert "Checked in." in page and "Ștefania Vlădescu" in page
    assert check_ins()[0][0] == person.id


def test_several_matches_are_listed_and_nobody_is_checked_in(client, desk):
    event, token = desk
    organization = make_organization(event, name="La Strada Ukraine")
    for given in ("Olena", "Oleksandr"):
        make_participant(event, given_name=given, family_name="Melnyk", email=f"{given}@example.org",
                         status=Status.CONFIRMED, organization_id=organization.id)
    page = scan(client, token, "melnyk")
    assert "2 people found" in page and "Olena Melnyk" in page and "Oleksandr Melnyk" in page
    assert check_ins() == []
    assert "Nobody found" in scan(client, token, "nobody-of-that-name")


@pytest.mark.parametrize("status", [Status.PENDING, Status.CANCELLED, Status.WAITLISTED])
def test_someone_not_confirmed_gets_a_clear_warning_and_no_check_in(client, desk, status):
    event, token = desk
    person = make_participant(event, status=status)
    page = scan(client, token, valid_code(person).code)
    assert "no check-in and no badge" in page
    client.post(f"/desk/participants/{person.id}/check-in", data={"csrf_token": token})
    assert check_ins() == []
    response = client.post(f"/desk/participants/{person.id}/badge", data={"csrf_token": token})
    assert response.status_code == 302 and db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) == 0


def test_someone_not_registered_for_today_is_flagged_and_can_be_checked_in_anyway(client, desk):
    event, token = desk
    person = make_participant(event, status=Status.CONFIRMED)
    person.days = [event.days[1]]
    db.session.commit()
    page = scan(client, token, valid_code(person).code)
    assert "Not registered for today." in page and "Check in anyway" in page
    assert check_ins() == []
    client.post(f"/desk/participants/{person.id}/check-in", data={"csrf_token": token})
    assert len(check_ins()) == 1


def test_the_desk_sees_needs_only_when_the_organizers_ask(client, desk):
    event, token = desk
    person = make_participant(event, status=Status.CONFIRMED, dietary=["halal"], dietary_notes="No sesame",
                              accessibility_needs="Wheelchair user")
    page = client.get(f"/desk/participants/{person.id}").get_data(as_text=True)
    assert "No sesame" not in page and "Wheelchair user" not in page
    person.needs_at_desk = True
    person.desk_note = "Collect your interpreter headset"
    db.session.commit()
    page = client.get(f"/desk/participants/{person.id}").get_data(as_text=True)
    assert "No sesame" in page and "Wheelchair user" in page and "Collect your interpreter headset" in page


def test_printing_a_badge_at_the_desk_and_a_reprint_needs_a_confirmation(client, desk):
    event, token = desk
    person = make_participant(event, given_name="Þóra", family_name="Guðmundsdóttir", status=Status.CONFIRMED)
    response = client.post(f"/desk/participants/{person.id}/badge", data={"csrf_token": token})
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1 and "Guðmundsdóttir" in reader.pages[0].extract_text()
    again = client.post(f"/desk/participants/{person.id}/badge", data={"csrf_token": token}, follow_redirects=True)
    assert "Tick the confirmation to print it again" in again.get_data(as_text=True)
    confirmed = client.post(f"/desk/participants/{person.id}/badge", data={"csrf_token": token, "confirm": "y"})
    assert confirmed.headers["Content-Type"] == "application/pdf"
    prints = list(db.session.scalars(sa.select(BadgePrint)))
    assert len(prints) == 2 and prints[0].actor == "desk@example.org" and prints[0].preset == "card-86x54"


def test_a_walk_in_is_registered_checked_in_and_sent_to_printing(client, desk):
    event, token = desk
    data = {"csrf_token": token, "given_name": "Aigerim", "family_name": "Nurlanqyzy",
            "email": "Aigerim@Example.org", "country": "KZ", "category": "observer",
            "organization_name": "Independent", "languages": "Kazakh, Russian, English"}
    refused = client.post("/desk/walk-in", data=data)
    assert refused.status_code == 422 and "The privacy notice must be accepted first" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
    response = client.post("/desk/walk-in", data={**data, "privacy": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#badge")
    person = db.session.scalar(sa.select(Participant))
    assert (person.status, person.email, person.languages) == ("confirmed", "aigerim@example.org",
                                                               ["Kazakh", "Russian", "English"])
    assert check_ins() == [(person.id, event.days[0].id, "Desk 2")]
    again = client.post("/desk/walk-in", data={**data, "privacy": "y"})
    assert again.status_code == 422 and "already registered" in again.get_data(as_text=True)


def test_the_counts_show_arrivals_against_expected(client, desk):
    event, token = desk
    people = [make_participant(event, email=f"c{i}@example.org", status=Status.CONFIRMED,
                               category="press" if i == 0 else "delegate") for i in range(4)]
    for person in people[:3]:
        scan(client, token, valid_code(person).code)
    assert client.get("/desk/counts.json").get_json() == {"expected": 4, "arrived": 3}
    page = client.get("/desk/").get_data(as_text=True)
    assert "Arrivals by hour" in page and "By category" in page


def test_two_desks_checking_in_one_person_at_once_make_one_check_in(app):
    event = make_event()
    person = make_participant(event, status=Status.CONFIRMED)
    person_id, day_id = person.id, event.days[0].id
    barrier = threading.Barrier(6)
    results, errors = [], []

    def desk(number: int) -> None:
        with app.app_context():
            try:
                participant = db.session.get(Participant, person_id)
                day = next(d for d in participant.event.days if d.id == day_id)
                barrier.wait(timeout=30)
                row, created = check_in(participant, day, f"Desk {number}", None)
                db.session.commit()
                results.append((created, row.desk))
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(created for created, _desk in results) == 1
    assert len({desk_name for _created, desk_name in results}) == 1  # everyone reports the one check-in
    assert len(check_ins()) == 1


def test_on_each_day_of_the_assembly_the_desk_checks_in_for_that_day(client, monkeypatch):
    """A day chosen by hand yesterday does not hold today."""
    event = make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    monkeypatch.setattr(checkin_services, "venue_today", lambda event: event.days[0].date)
    client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 2", "day_id": event.days[0].id,
                                        "preset": "card-86x54"})
    person = make_participant(event, status=Status.CONFIRMED)
    scan(client, token, valid_code(person).code)
    monkeypatch.setattr(checkin_services, "venue_today", lambda event: event.days[1].date)
    page = scan(client, token, valid_code(person).code)
    assert "Checked in." in page
    assert sorted(day for _p, day, _d in check_ins()) == [event.days[0].id, event.days[1].id]


def test_an_empty_scan_keeps_the_input_ready_for_the_next_one(client, desk):
    event, token = desk
    response = client.post("/desk/", data={"csrf_token": token, "q": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-summary"' not in page
    assert re.search(r'<input[^>]*autofocus[^>]*name="q"', page)


# --- the setup step: a desk is never silently unusable ------------------------------------------------

def set_up_desk(client, token, event, name="Desk 2", day_index=0, **extra):
    return client.post("/desk/settings", data={"csrf_token": token, "desk": name, "day_id": event.days[day_index].id,
                                               "preset": "card-86x54", **extra})


def selected_day(page: str) -> str | None:
    select = re.search(r'<select[^>]*name="day_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    return (chosen.group(1) if chosen.group(1) is not None else chosen.group(2)) if chosen else None


def test_before_its_first_check_in_a_desk_asks_for_its_name_and_day(client):
    event = make_event()
    person = make_participant(event, given_name="Ilinca", family_name="Radu", status=Status.CONFIRMED)
    sign_in(client, Role.DESK)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Set up this desk" in page and 'name="q"' not in page  # one step first, not a lookup that cannot check in
    assert re.search(r'<input[^>]*autofocus[^>]*name="desk"', page)
    # Before the Assembly no day is today's: none looks chosen until someone chooses it.
    assert selected_day(page) == "" and "Choose a day" in page
    token = csrf_token(client, "/desk/")
    # Whatever arrives before the setup checks nobody in, and says what to do.
    page = scan(client, token, valid_code(person).code)
    assert "Set up this desk (above) to check this person in." in page and check_ins() == []
    refused = client.post(f"/desk/participants/{person.id}/check-in", data={"csrf_token": token},
                          follow_redirects=True)
    assert "Set up this desk first" in refused.get_data(as_text=True) and check_ins() == []
    assert "Set up this desk" in client.get("/desk/walk-in").get_data(as_text=True)

    answer = set_up_desk(client, token, event, name="Desk 3", day_index=1)
    assert answer.status_code == 302 and answer.headers["Location"] == "/desk/"
    page = client.get("/desk/").get_data(as_text=True)
    assert "This desk is set up: Desk 3, checking in for Friday, 25 June 2027." in page
    assert 'name="q"' in page and "Set up this desk" not in page
    person.days = [event.days[1]]
    db.session.commit()
    assert "Checked in." in scan(client, token, valid_code(person).code)
    assert check_ins() == [(person.id, event.days[1].id, "Desk 3")]


def test_the_setup_step_offers_today_when_today_is_an_event_day(client, monkeypatch):
    event = make_event()
    monkeypatch.setattr(checkin_services, "venue_today", lambda event: event.days[1].date)
    sign_in(client, Role.DESK)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Set up this desk" in page and selected_day(page) == str(event.days[1].id)
    assert "Choose a day" not in page


def test_a_setup_without_a_name_or_a_day_is_refused_field_by_field(client):
    event = make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    response = client.post("/desk/settings", data={"csrf_token": token, "desk": " ", "day_id": "",
                                                   "preset": "card-86x54"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "lsi_desk" not in response.headers.get("Set-Cookie", "")
    assert 'id="desk-error"' in page and "Please fill in this field." in page
    assert 'id="day_id-error"' in page and "Please choose a day." in page
    assert "Set up this desk" in client.get("/desk/").get_data(as_text=True)
    assert event.days


def test_the_setup_lasts_on_the_device_after_signing_out(app, client):
    """A long-lived cookie of its own, not the session: a closed browser or a new sign-in keeps the desk."""
    event = make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    answer = set_up_desk(client, token, event, name="Desk 4")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("lsi_desk=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/desk" in cookie and "Secure" not in cookie  # served over http in the tests
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    last_day = event.days[-1].date
    assert max_age >= (last_day - checkin_services.venue_today(event)).days * 86400  # past the Assembly's end
    assert "Desk 4" not in cookie  # signed, not readable at a glance: nothing personal in it anyway
    client.post("/logout", data={"csrf_token": token})
    assert "Set up this desk" not in client.get("/desk/", follow_redirects=True).get_data(as_text=True)
    # The browser closed and opened again: only the cookies that last are left; someone else signs in.
    reopened = app.test_client()
    reopened.set_cookie("lsi_desk", cookie.split(";")[0].split("=", 1)[1], path="/desk")
    g.pop("csrf_token", None)  # the tests' requests share one app context: its CSRF token belongs to the old session
    sign_in(reopened, Role.ORGANIZER)
    page = reopened.get("/desk/").get_data(as_text=True)
    assert "Set up this desk" not in page and "Desk 4" in page


def test_a_forged_or_altered_desk_cookie_counts_as_no_setup(client):
    event = make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    good = set_up_desk(client, token, event).headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    for forged in ("not-a-token", good[:-2] + ("AA" if not good.endswith("AA") else "BB")):
        client.set_cookie("lsi_desk", forged, path="/desk")
        assert "Set up this desk" in client.get("/desk/").get_data(as_text=True)


def test_the_desk_cookie_is_secure_when_the_app_is_served_over_https(app, client):
    event = make_event()
    app.config["SESSION_COOKIE_SECURE"] = True
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    assert "Secure" in set_up_desk(client, token, event).headers["Set-Cookie"]


def test_a_persons_page_opened_before_the_setup_comes_back_after_it(client):
    event = make_event()
    person = make_participant(event, status=Status.CONFIRMED)
    sign_in(client, Role.DESK)
    page = client.get(f"/desk/participants/{person.id}").get_data(as_text=True)
    assert "Set up this desk" in page and f'value="/desk/participants/{person.id}"' in page
    token = csrf_token(client, "/desk/")
    answer = set_up_desk(client, token, event, next=f"/desk/participants/{person.id}")
    assert answer.headers["Location"] == f"/desk/participants/{person.id}"
    for elsewhere in ("https://example.com/desk/", "//example.com/desk/", "/manage/"):
        assert set_up_desk(client, token, event, next=elsewhere).headers["Location"] == "/desk/"


# --- the list of matches ------------------------------------------------------------------------

def test_a_list_of_matches_checks_people_in_and_says_why_others_cannot_be(client, desk):
    event, token = desk
    confirmed = make_participant(event, given_name="Olena", family_name="Melnyk", email="olena@example.org",
                                 status=Status.CONFIRMED)
    pending = make_participant(event, given_name="Oksana", family_name="Melnyk", email="oksana@example.org",
                               status=Status.PENDING)
    elsewhere = make_participant(event, given_name="Oleh", family_name="Melnyk", email="oleh@example.org",
                                 status=Status.CONFIRMED)
    elsewhere.days = [event.days[2]]
    db.session.commit()
    page = scan(client, token, "melnyk")
    assert "3 people found" in page and check_ins() == []
    buttons = re.findall(r'<form method="post" action="/desk/participants/(\d+)/check-in"', page)
    assert buttons == [str(confirmed.id)]
    assert "Awaiting the organizers' confirmation: no check-in and no badge yet." in page
    assert "Not registered for today: open the person's page" in page
    assert '<span class="visually-hidden"> Olena Melnyk</span>' in page  # each button names its person
    answer = client.post(f"/desk/participants/{confirmed.id}/check-in", data={"csrf_token": token},
                         follow_redirects=True)
    assert "Checked in." in answer.get_data(as_text=True) and "Undo the check-in" in answer.get_data(as_text=True)
    assert check_ins() == [(confirmed.id, event.days[0].id, "Desk 2")]
    again = scan(client, token, "melnyk")
    assert re.findall(r'action="/desk/participants/(\d+)/check-in"', again) == []
    assert "Checked in today at" in again and pending.id


@pytest.mark.parametrize("status", [Status.PENDING, Status.WAITLISTED, Status.CANCELLED])
def test_a_person_not_confirmed_shows_why_and_no_empty_badge_heading(client, desk, status):
    event, _token = desk
    person = make_participant(event, status=status)
    page = client.get(f"/desk/participants/{person.id}").get_data(as_text=True)
    assert 'id="badge"' not in page and "Print the badge" not in page
    assert "Send the person to the organizers." in page and "Check in" not in page


# --- the search across scripts ------------------------------------------------------------------

@pytest.mark.parametrize(("given", "family", "typed"), [
    ("Марија", "Стојановска", "Stojanovska"),
    ("Марија", "Стојановска", "marija stojanovska"),
    ("Νίκος", "Παπαδόπουλος", "Papadopoulos"),
    ("Ευάγγελος", "Παπαδόπουλος", "evangelos papadopoulos"),
    ("Marija", "Stojanovska", "Стојановска"),
    ("Nikos", "Papadopoulos", "Παπαδόπουλος"),
    ("Ольга", "Щербакова", "Olga Shcherbakova"),
])
def test_the_desk_finds_a_name_typed_in_another_script(client, desk, given, family, typed):
    event, token = desk
    person = make_participant(event, given_name=given, family_name=family, status=Status.CONFIRMED)
    make_participant(event, given_name="Anna", family_name="Nowak", email="anna@example.org", status=Status.CONFIRMED)
    page = scan(client, token, typed)
    assert f'<h2 id="person-title">{given} {family}</h2>' in page and "Checked in." in page
    assert check_ins() == [(person.id, event.days[0].id, "Desk 2")]


def test_an_organization_named_in_cyrillic_is_found_in_latin_letters(client, desk):
    event, token = desk
    organization = make_organization(event, name="Ла Страда Македонија", country="MK")
    person = make_participant(event, given_name="Ana", family_name="Ivanova", organization_id=organization.id,
                              status=Status.CONFIRMED)
    page = scan(client, token, "strada makedonija")
    assert "Ana Ivanova" in page and check_ins() == [(person.id, event.days[0].id, "Desk 2")]


def test_the_setup_step_and_the_reasons_read_in_french(client):
    event = make_event()
    person = make_participant(event, status=Status.WAITLISTED)
    client.set_cookie("lsi_lang", "fr")  # before any request: the tests' requests share one app context
    sign_in(client, Role.DESK)
    page = client.get(f"/desk/participants/{person.id}").get_data(as_text=True)
    assert "Configurer cet accueil" in page and "Commencer l’accueil" in page and "Choisir un jour" in page
    assert "Sur la liste d’attente\u00a0: pas encore de place, donc ni arrivée ni badge." in page
    token = csrf_token(client, "/desk/")
    answer = set_up_desk(client, token, event, name="Accueil 1")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Cet accueil est configuré\u00a0: Accueil 1, arrivées du jeudi 24 juin 2027." in page
