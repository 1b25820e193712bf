"""What delegates meet first (issue 15): the organization field, the page after registering, the
programme as a list with descriptions, and a personal page offering only what can be done now."""
from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopRun
from tests.conftest import count
from tests.factories import make_event, make_organization, make_participant, post_form, registration_form

BEIRUT = "Beirut Migrant Workers' Centre"


@pytest.mark.parametrize("category", ["observer", "speaker", "press"])
def test_someone_outside_the_members_only_names_their_organization(client, category):
    event = make_event()
    organization = make_organization(event)
    response = post_form(client, "/register", registration_form(
        event, organization, category=category, organization_id="", organization_name=BEIRUT))
    assert response.status_code == 302 and response.headers["Location"] == "/register/done"
    person = db.session.scalar(sa.select(Participant))
    assert person.organization_id is None and person.organization_name == BEIRUT and person.category == category


def test_a_member_organization_chosen_wins_over_a_name_typed_too(client):
    event = make_event()
    organization = make_organization(event)
    response = post_form(client, "/register", registration_form(
        event, organization, category="observer", organization_name=BEIRUT))
    assert response.status_code == 302
    person = db.session.scalar(sa.select(Participant))
    assert person.organization_id == organization.id and person.organization_name is None


def test_an_observer_with_neither_a_member_nor_a_name_is_asked_for_one(client):
    event = make_event()
    organization = make_organization(event)
    for choice in ("", "0"):
        response = post_form(client, "/register", registration_form(
            event, organization, category="observer", organization_id=choice, organization_name=""))
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        field = "organization_id" if choice == "" else "organization_name"
        assert f'id="{field}-error"' in html
    assert count(Participant) == 0


def test_a_delegate_who_only_names_an_organization_is_told_a_member_is_required(client):
    event = make_event()
    organization = make_organization(event)
    response = post_form(client, "/register", registration_form(
        event, organization, organization_id="", organization_name=BEIRUT))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Delegates register for a member organization" in html.split('id="organization_id-error">')[1]
    assert count(Participant) == 0


def test_the_form_says_who_must_choose_a_member_organization(client):
    make_organization(make_event())
    html = client.get("/register").get_data(as_text=True)
    label = html.split('<label for="organization_id">', 1)[1].split("</label>", 1)[0]
    assert "(required for delegates)" in label
    assert "Not a member? Leave this empty and write your organization&#39;s name below." in html


def test_the_form_says_it_in_french_too(client):
    make_organization(make_event())
    client.get("/language/fr")
    french = client.get("/register").get_data(as_text=True)
    assert "(obligatoire pour les délégué·es)" in french


def test_the_page_after_registering_is_the_same_for_a_new_and_a_known_address(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    post_form(client, "/register", registration_form(event, organization, email="new@example.org"))
    first = client.get("/register/done").get_data(as_text=True)
    make_participant(event, email="known@example.org", status=Status.CONFIRMED)
    post_form(client, "/register", registration_form(event, organization, email="known@example.org"))
    second = client.get("/register/done").get_data(as_text=True)
    assert "<strong>new@example.org</strong>" in first and "<strong>known@example.org</strong>" in second
    assert first.replace("new@example.org", "X") == second.replace("known@example.org", "X")
    assert "What comes next" in first
    assert "The secretariat checks each registration" in first


def test_the_page_after_registering_in_french(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    client.get("/language/fr")
    post_form(client, "/register", registration_form(event, organization))
    done = client.get("/register/done").get_data(as_text=True)
    assert "Nous avons envoyé un e-mail à\u00a0:" in done and "La suite" in done
    assert "dans les 48\u00a0heures" in done


@pytest.fixture
def programme():
    event = make_event(preferences_open=True, max_preferences=3)
    room = Room(event_id=event.id, name="Annexe", capacity=20, step_free=False)
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(14), ends_at=time(15, 30))
    workshop = Workshop(event_id=event.id, title="Safe shelters", facilitators="Anna Nowak", language="English",
                        description="How shelters keep <people> safe.\nA second line.")
    db.session.add_all([room, slot, workshop])
    db.session.flush()
    db.session.add(WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=20))
    db.session.commit()
    return event


def test_the_programme_is_a_list_with_rooms_steps_explained_and_descriptions(client, programme):
    html = client.get("/programme").get_data(as_text=True)
    assert "<table" not in html
    assert '<h3 id="slot-' in html and "14:00–15:30" in html
    assert "<h4>Safe shelters</h4>" in html and "Anna Nowak" in html
    assert "How shelters keep &lt;people&gt; safe.\nA second line." in html
    assert "The room can only be reached by steps" in html


def test_the_steps_are_explained_only_when_a_room_has_them(client, programme):
    db.session.execute(sa.update(Room).values(step_free=True))
    db.session.commit()
    assert "reached by steps" not in client.get("/programme").get_data(as_text=True)


def test_the_ranking_page_shows_the_workshops_descriptions(client, programme):
    person = make_participant(programme, status=Status.CONFIRMED)
    html = client.get(f"/registration/{make_token(person.access_key)}/workshops").get_data(as_text=True)
    assert "The workshops you can choose" in html and "How shelters keep &lt;people&gt; safe." in html


@pytest.mark.parametrize(("status", "next_step", "workshops"), [
    (Status.PENDING, "The secretariat is checking your registration", False),
    (Status.WAITLISTED, "you are on its waiting list", False),
    (Status.CONFIRMED, "Your place is confirmed. You can now choose your workshops.", True),
])
def test_the_personal_page_offers_only_what_can_be_done_now(client, programme, status, next_step, workshops):
    organization = make_organization(programme)
    person = make_participant(programme, status=status, category=Category.DELEGATE,
                              organization_id=organization.id, email_confirmed_at=utcnow())
    html = client.get(f"/registration/{make_token(person.access_key)}").get_data(as_text=True)
    assert next_step in html
    assert ("My workshops" in html) is workshops
    assert "Change my details" in html


def test_a_confirmed_person_is_told_when_choosing_workshops_is_not_open_yet(client, programme):
    programme.preferences_open = False
    db.session.commit()
    person = make_participant(programme, status=Status.CONFIRMED)
    html = client.get(f"/registration/{make_token(person.access_key)}").get_data(as_text=True)
    assert "We will write to you when you can choose your workshops." in html and "My workshops" not in html
