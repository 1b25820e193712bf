"""Issue 15: the organizers' form for the event's own texts (/manage/event): its name, venue and days'
labels in English and French; pages show the reader's language, else the other."""
from __future__ import annotations

import re

import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from tests.factories import make_event, post_form, sign_in
from tests.integration.test_european_pages import page

URL = "/manage/event"
NAME_FR = "Assemblée générale de La Strada International 2027"


def texts(**overrides) -> dict:
    data = {"name": "LSI General Assembly 2027", "name_fr": NAME_FR, "venue": "Town hall",
            "venue_fr": "Hôtel de ville",
            "days-0-label": "General Assembly", "days-0-label_fr": "Assemblée générale",
            "days-1-label": "Workshops only", "days-1-label_fr": "",
            "days-2-label": "", "days-2-label_fr": "Journée de clôture"}
    return {**data, **overrides}


def reload(event_id: int) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event_id)


def test_the_form_shows_each_text_with_its_label_and_french_inputs_in_french(client):
    event = make_event(name_fr=NAME_FR)
    sign_in(client, Role.ORGANIZER)
    html = client.get(URL).get_data(as_text=True)
    for field in ("name", "name_fr", "venue", "venue_fr", *(f"days-{i}-label{s}" for i in range(3) for s in ("", "_fr"))):
        assert f'<label for="{field}"' in html, field
    for field in ("name_fr", "venue_fr", "days-0-label_fr", "days-2-label_fr"):
        assert re.search(rf'<input[^>]*id="{field}"[^>]*lang="fr"|<input[^>]*lang="fr"[^>]*id="{field}"', html), field
    assert re.search(r'<input[^>]*id="name"[^>]*lang="fr"', html) is None
    assert NAME_FR in html and event.name in html
    assert 'type="date"' not in html  # the dates are not edited here
    assert "/manage/event" in client.get("/manage/").get_data(as_text=True)  # linked from the dashboard


def test_saving_both_languages_shows_french_on_french_pages_and_falls_back(client):
    event = make_event()
    sign_in(client, Role.ORGANIZER)
    response = post_form(client, URL, texts())
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    saved = reload(event.id)
    assert (saved.name, saved.name_fr, saved.venue, saved.venue_fr) == (
        "LSI General Assembly 2027", NAME_FR, "Town hall", "Hôtel de ville")
    assert [(d.label, d.label_fr) for d in saved.days] == [
        ("General Assembly", "Assemblée générale"), ("Workshops only", None), (None, "Journée de clôture")]
    assert [d.date for d in saved.days] == [d.date for d in event.days]

    french = page(client, "/", "fr")
    assert NAME_FR in french and "Hôtel de ville" in french and "Assemblée générale" in french
    assert "Town hall" not in french
    assert "Workshops only" in french  # no French label: the English one
    english = page(client, "/", "en")
    assert "LSI General Assembly 2027" in english and "Town hall" in english
    assert NAME_FR not in english and "Hôtel de ville" not in english
    assert "Journée de clôture" in english  # no English label: the French one

    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "event",
                                                             AuditEntry.action == "changed")).all()
    assert [e.changes["name_fr"] for e in entries] == [[None, NAME_FR]]
    assert entries[0].changes["venue_fr"] == [None, "Hôtel de ville"]
    day_entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "event_day",
                                                                 AuditEntry.action == "changed")).all()
    assert len(day_entries) == 3
    log = page(client, "/manage/audit?kind=event", "en")
    assert "Name (French)" in log and NAME_FR in log

    # Emptying the French name: the French page shows the English one.
    assert post_form(client, URL, texts(name_fr="")).status_code == 302
    assert reload(event.id).name_fr is None
    assert "LSI General Assembly 2027" in page(client, "/", "fr")


def test_bad_input_is_refused_with_422_errors_tied_to_fields_and_nothing_saved(client):
    event = make_event(name_fr=NAME_FR)
    sign_in(client, Role.ORGANIZER)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = post_form(client, URL, texts(name="", **{"days-1-label_fr": "x" * 201, "venue": "Hall\x07"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'aria-describedby="name-error"' in html
    assert 'id="days-1-label_fr-error"' in html and 'href="#days-1-label_fr"' in html
    assert 'id="venue-error"' in html and "at most 200 characters" in html
    saved = reload(event.id)
    assert (saved.name, saved.name_fr, saved.venue) == ("LSI General Assembly 2027", NAME_FR, None)
    assert all(d.label is None and d.label_fr is None for d in saved.days)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before

    # A form for another number of days (the days changed meanwhile) saves nothing either.
    data = {k: v for k, v in texts().items() if not k.startswith("days-2")}
    assert post_form(client, URL, data).status_code == 422
    assert reload(event.id).venue is None

    # Without a CSRF token: refused, nothing saved.
    assert client.post(URL, data=texts()).status_code == 400
    assert reload(event.id).venue is None


def test_the_french_form_is_in_french(client):
    make_event()
    sign_in(client, Role.ORGANIZER)
    french = page(client, URL, "fr")
    for text in ("Les textes de l’événement", "Nom (en français)", "Lieu (en français)", "Intitulé (en français)",
                 "Enregistrer"):
        assert text in french, text
    assert "The event's texts" not in french
