"""Ranking workshops from the personal link, while the organizers allow it; reminders."""
from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopRun
from tests.conftest import body
from tests.factories import csrf_token, make_event, make_participant, post_form, sign_in


@pytest.fixture
def programme():
    event = make_event(preferences_open=True, max_preferences=3)
    main, side = Room(event_id=event.id, name="Main", capacity=30), Room(event_id=event.id, name="Side", capacity=10)
    slots = [TimeSlot(event_id=event.id, day_id=day.id, starts_at=time(10), ends_at=time(11)) for day in event.days]
    workshops = {title: Workshop(event_id=event.id, title=title) for title in ("Alpha", "Beta", "Gamma", "Delta")}
    db.session.add_all([main, side, *slots, *workshops.values()])
    db.session.flush()
    # Alpha and Beta in parallel on day 1, Gamma on day 2, Delta on day 3.
    for title, day, room in (("Alpha", 0, main), ("Beta", 0, side), ("Gamma", 1, main), ("Delta", 2, main)):
        db.session.add(WorkshopRun(workshop_id=workshops[title].id, slot_id=slots[day].id, room_id=room.id,
                                   capacity=room.capacity))
    db.session.commit()
    return event, workshops


def _person(event, status=Status.CONFIRMED, days=(0, 1), email="p@example.org"):
    participant = make_participant(event, status=status, email=email)
    participant.days = [event.days[i] for i in days]
    db.session.commit()
    return participant, f"/registration/{make_token(participant.access_key)}/workshops"


def test_rank_workshops_of_the_days_attended(client, programme):
    event, workshops = programme
    person, path = _person(event)
    page = client.get(path).get_data(as_text=True)
    assert "Alpha" in page and "Gamma" in page and "Delta" not in page  # Delta is on a day not attended
    assert page.count("<select") == 3 and '<label for="ranks-0">Choice 1</label>' in page

    ids = workshops
    saved = post_form(client, path, {"ranks-0": str(ids["Gamma"].id), "ranks-1": "", "ranks-2": str(ids["Alpha"].id)})
    assert saved.status_code == 302
    ranking = db.session.execute(sa.select(Preference.rank, Preference.workshop_id)
                                 .order_by(Preference.rank)).all()
    assert ranking == [(1, ids["Gamma"].id), (2, ids["Alpha"].id)]
    again = client.get(path).get_data(as_text=True)
    assert f'<option selected value="{ids["Gamma"].id}">Gamma</option>' in again

    post_form(client, path, {"ranks-0": str(ids["Beta"].id)})
    assert db.session.scalars(sa.select(Preference.workshop_id)).all() == [ids["Beta"].id]


def test_a_workshop_only_once_and_only_from_the_list(client, programme):
    event, workshops = programme
    person, path = _person(event)
    twice = post_form(client, path, {"ranks-0": str(workshops["Alpha"].id), "ranks-1": str(workshops["Alpha"].id)})
    assert twice.status_code == 422 and "You chose this workshop already" in twice.get_data(as_text=True)
    other_day = post_form(client, path, {"ranks-0": str(workshops["Delta"].id)})
    assert other_day.status_code == 422 and "Not a valid choice" in other_day.get_data(as_text=True)
    assert post_form(client, path, {"ranks-0": "abc"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Preference)) == 0


@pytest.mark.parametrize(("status", "open_", "message"), [
    (Status.PENDING, True, "once your registration is confirmed"),
    (Status.CONFIRMED, False, "not open at the moment"),
])
def test_ranking_needs_a_confirmed_place_and_an_open_window(client, programme, status, open_, message):
    event, workshops = programme
    event.preferences_open = open_
    db.session.commit()
    person, path = _person(event, status=status)
    assert message in client.get(path).get_data(as_text=True)
    client.post(path, data={"csrf_token": csrf_token(client, "/registration/link"),
                            "ranks-0": str(workshops["Alpha"].id)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Preference)) == 0


def test_organizers_open_the_window_and_remind_who_has_not_chosen(client, programme, mailbox):
    event, workshops = programme
    ranked, _ = _person(event, email="ranked@example.org")
    db.session.add(Preference(participant_id=ranked.id, workshop_id=workshops["Alpha"].id, rank=1))
    _person(event, email="waiting@example.org")
    _person(event, status=Status.PENDING, email="pending@example.org")
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/registration/link")
    page = client.get("/manage/programme/").get_data(as_text=True)
    assert "1 confirmed person has not chosen yet." in page
    client.post("/manage/programme/preferences/remind", data={"csrf_token": token})
    [message] = mailbox.wait_for(1)
    assert message["To"] == "waiting@example.org" and "/workshops" in body(message)

    client.post("/manage/programme/preferences", data={"csrf_token": token, "max_preferences": "4"})
    db.session.refresh(event)
    assert event.preferences_open is False and event.max_preferences == 4
    closed = client.post("/manage/programme/preferences/remind", data={"csrf_token": token}, follow_redirects=True)
    assert "Open the choice of workshops first." in closed.get_data(as_text=True)
    bad = client.post("/manage/programme/preferences", data={"csrf_token": token, "max_preferences": "99"},
                      follow_redirects=True)
    assert "from 1 to 20" in bad.get_data(as_text=True)
