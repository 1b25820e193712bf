"""Issue 15: French pages entirely in French. The texts the organizers write (the event's name and venue,
the days' labels, the public event's title, description and venue, the workshops' titles and descriptions)
are given in each language: pages, e-mails, calendars and PDFs show the reader's, else the other."""
from __future__ import annotations

import io
from datetime import time

import pdfplumber
import sqlalchemy as sa
from icalendar import Calendar

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.public import services as public_services
from lsi_assembly.registration.models import Status
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopRun
from tests.conftest import body
from tests.factories import make_event, make_participant, post_form, sign_in
from tests.integration.test_certificates import check_in, render
from tests.integration.test_european_pages import page
from tests.integration.test_public import csrf, make_public_event, register, token
from tests.integration.test_voting_cards import ga, pages_text, print_cards  # noqa: F401 (ga: a fixture)

NAME_FR = "Assemblée générale de La Strada International 2027"


def bilingual_event(**values):
    """An event whose name, venue and first day's label are in both languages; the second day's label
    only in English, the third's only in French."""
    event = make_event(name_fr=NAME_FR, venue="Town hall", venue_fr="Hôtel de ville", **values)
    event.days[0].label, event.days[0].label_fr = "General Assembly", "Assemblée générale"
    event.days[1].label = "Workshops only"
    event.days[2].label_fr = "Journée de clôture"
    db.session.commit()
    return event


def add_workshop(event, hour=14, **texts) -> Workshop:
    slot = TimeSlot(event_id=event.id, day_id=event.days[1].id, starts_at=time(hour), ends_at=time(hour, 45))
    room = Room(event_id=event.id, name=f"Salle {hour}", capacity=30)
    workshop = Workshop(event_id=event.id, **texts)
    db.session.add_all([slot, room, workshop])
    db.session.flush()
    db.session.add(WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=30))
    db.session.commit()
    return workshop


def test_the_french_home_page_shows_the_french_texts_and_falls_back_both_ways(client):
    bilingual_event()
    french = page(client, "/", "fr")
    assert NAME_FR in french and "Hôtel de ville" in french and "Assemblée générale" in french
    assert "LSI General Assembly 2027" not in french and "Town hall" not in french
    assert "Workshops only" in french  # no French label: the English one
    english = page(client, "/", "en")
    assert "LSI General Assembly 2027" in english and "Town hall" in english and "General Assembly" in english
    assert NAME_FR not in english and "Hôtel de ville" not in english
    assert "Journée de clôture" in english  # no English label: the French one


def test_the_public_event_page_and_its_calendar_in_french(client):
    event = bilingual_event()
    make_public_event(event, title_fr="Le sport sans exploitation", description="An evening.",
                      description_fr="Une soirée.\n\nEntrée libre.", venue_fr="Maison des Métallos (Paris)")
    french = page(client, "/public", "fr")
    assert "Le sport sans exploitation" in french and "<p>Une soirée.</p><p>Entrée libre.</p>" in french
    assert "Maison des Métallos (Paris)" in french and "Sport without exploitation" not in french
    english = page(client, "/public", "en")
    assert "Sport without exploitation" in english and "An evening." in english
    assert "Le sport sans exploitation" not in english

    # Only English written: the French page shows it.
    public_event = public_services.public_event_of(event)
    public_event.title_fr = public_event.description_fr = public_event.venue_fr = None
    db.session.commit()
    french = page(client, "/public", "fr")
    assert "Sport without exploitation" in french and "An evening." in french and "Maison des Métallos, Paris" in french


def test_a_french_attendee_gets_the_french_title_in_the_mail_and_the_calendar(client, mailbox):
    event = bilingual_event()
    make_public_event(event, title_fr="Le sport sans exploitation", venue_fr="Maison des Métallos (Paris)")
    assert register(client, "zoe@example.org", language="fr").status_code == 302
    [message] = mailbox.wait_for(1)
    assert "Le sport sans exploitation" in message["Subject"] and "Sport without" not in message["Subject"]
    assert "Le sport sans exploitation" in body(message) and "Maison des Métallos (Paris)" in body(message)
    assert register(client.application.test_client(), "ann@example.org").status_code == 302
    english = mailbox.wait_for(2)[1]
    assert "Sport without exploitation" in english["Subject"]  # an English reader: the English title

    client.post(f"/public/confirm/{token('zoe@example.org')}", data={"csrf_token": csrf(client, "/public")})
    ticket = mailbox.wait_for(3)[2]
    assert "Le sport sans exploitation" in ticket["Subject"]
    attached = {part.get_filename(): part.get_content() for part in ticket.iter_attachments()}
    entry = Calendar.from_ical(attached["public-event.ics"]).walk("VEVENT")[0]
    assert str(entry["summary"]) == "Le sport sans exploitation"
    assert str(entry["location"]) == "Maison des Métallos (Paris)"
    page(client, "/public", "fr")
    ics = client.get(f"/public/ticket/{token('zoe@example.org')}/event.ics")
    assert str(Calendar.from_ical(ics.data).walk("VEVENT")[0]["summary"]) == "Le sport sans exploitation"
    page(client, "/public", "en")
    ics = client.get(f"/public/ticket/{token('zoe@example.org')}/event.ics")
    assert str(Calendar.from_ical(ics.data).walk("VEVENT")[0]["summary"]) == "Sport without exploitation"


def test_the_programme_and_the_registration_form_in_french(client):
    event = bilingual_event()
    add_workshop(event, title="Safe shelters", title_fr="Foyers sûrs", description="About shelters.")
    add_workshop(event, hour=16, title="Only in English")
    french = page(client, "/programme", "fr")
    assert "Foyers sûrs" in french and "Safe shelters" not in french and "Only in English" in french
    assert "Workshops only" in french  # the day's label, English only
    assert "Safe shelters" in page(client, "/programme", "en")
    form = page(client, "/register", "fr")
    assert "Assemblée générale" in form and NAME_FR in form and "Journée de clôture" in form


def test_a_french_certificate_prints_the_french_event_name_and_venue(app, runner, tmp_path):
    app.config["BASE_URL"] = "https://assembly.example.org"
    event = bilingual_event()
    person = make_participant(event, given_name="Ngozi", family_name="Okonkwo", email="ngozi@example.org",
                              status=Status.CONFIRMED)
    check_in(person, event.days[0])
    result, out = render(runner, tmp_path, "--language", "fr")
    assert result.exit_code == 0, result.output
    with pdfplumber.open(io.BytesIO(out.read_bytes())) as document:
        french = " ".join(document.pages[0].extract_text().split())
    assert NAME_FR in french and "Hôtel de ville, Paris" in french and "LSI General Assembly" not in french
    result, out = render(runner, tmp_path, "--language", "en")
    with pdfplumber.open(io.BytesIO(out.read_bytes())) as document:
        english = " ".join(document.pages[0].extract_text().split())
    assert "LSI General Assembly 2027" in english and "Town hall, Paris" in english and NAME_FR not in english


def test_organizers_write_both_languages_and_an_empty_french_text_is_stored_as_none(client):
    event = bilingual_event()
    sign_in(client, Role.ORGANIZER)
    form = client.get("/manage/programme/workshops/new").get_data(as_text=True)
    assert "Title (French)" in form and 'lang="fr"' in form
    created = post_form(client, "/manage/programme/workshops/new", {
        "title": "Safe shelters", "title_fr": "Foyers sûrs", "description": "About shelters.",
        "description_fr": "", "facilitators": "", "language": ""})
    assert created.status_code == 302
    workshop = db.session.scalar(sa.select(Workshop))
    assert (workshop.title_fr, workshop.description_fr) == ("Foyers sûrs", None)
    post_form(client, f"/manage/programme/workshops/{workshop.id}", {
        "title": "Safe shelters", "title_fr": "", "description": "", "description_fr": "Des foyers.",
        "facilitators": "", "language": ""})
    db.session.refresh(workshop)
    assert (workshop.title_fr, workshop.description_fr) == (None, "Des foyers.")

    data = {"csrf_token": csrf(client, "/manage/public/"), "title": "Sport without exploitation",
            "title_fr": "Le sport sans exploitation", "description": "", "description_fr": "Une soirée.",
            "venue": "Paris", "venue_fr": "", "date": "2027-06-25", "starts": "18:00", "ends": "20:30",
            "capacity": "20", "no_show_percent": "0", "confirm_hours": "24", "claim_hours": "24", "is_open": "y"}
    assert client.post("/manage/public/", data=data).status_code == 302
    public_event = public_services.public_event_of(event)
    assert (public_event.title_fr, public_event.description_fr, public_event.venue_fr) == (
        "Le sport sans exploitation", "Une soirée.", None)
    french = page(client, "/manage/public/", "fr")
    assert "Titre (en français)" in french and "Le sport sans exploitation" in french


def test_bad_french_texts_are_refused_and_change_nothing(client):
    event = bilingual_event()
    workshop = add_workshop(event, title="Safe shelters", title_fr="Foyers sûrs")
    sign_in(client, Role.ORGANIZER)
    for bad in ("x" * 201, "Foyers\x00sûrs"):
        response = post_form(client, f"/manage/programme/workshops/{workshop.id}", {
            "title": "Safe shelters", "title_fr": bad, "description": "", "facilitators": "", "language": ""})
        assert response.status_code == 422
        db.session.refresh(workshop)
        assert workshop.title_fr == "Foyers sûrs"
    make_public_event(event, title_fr="Le sport")
    data = {"csrf_token": csrf(client, "/manage/public/"), "title": "Sport", "title_fr": "y" * 201,
            "venue_fr": "z" * 301, "date": "2027-06-25", "starts": "18:00", "ends": "20:30", "capacity": "20",
            "confirm_hours": "24", "claim_hours": "24"}
    response = client.post("/manage/public/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "at most 200 characters" in html and "at most 300 characters" in html
    assert public_services.public_event_of(event).title_fr == "Le sport"
    # Markup written by an organizer is shown as text, in French too.
    workshop.title_fr = "<b>Foyers</b>"
    db.session.commit()
    french = page(client, "/programme", "fr")
    assert "&lt;b&gt;Foyers&lt;/b&gt;" in french and "<b>Foyers</b>" not in french


def test_french_voting_cards_print_the_french_event_name(runner, tmp_path, ga):
    ga.event.name_fr = "Assemblée de test"
    db.session.commit()
    french = pages_text(print_cards(runner, tmp_path, "--language", "fr", name="fr.pdf"))
    assert all("Assemblée de test" in text and "LSI General Assembly" not in text for text in french)
    english = pages_text(print_cards(runner, tmp_path, "--language", "en", name="en.pdf"))
    assert all("LSI General Assembly 2027" in text for text in english)
