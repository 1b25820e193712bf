"""The programme: organizers add time slots, rooms, workshops and runs; everyone sees the grid."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopRun
from tests.conftest import count
from tests.factories import csrf_token, make_event, post_form, sign_in


@pytest.fixture
def event():
    return make_event()


@pytest.fixture
def organizer(client, event):
    sign_in(client, Role.ORGANIZER)
    return client


def _post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/manage/programme/"), **data})


def test_build_a_programme_and_see_it_public(organizer, client, event):
    day = event.days[1]
    assert _post(organizer, "/manage/programme/slots", {"day_id": day.id, "starts_at": "14:00",
                                                         "ends_at": "15:30"}).status_code == 302
    assert _post(organizer, "/manage/programme/rooms", {"name": "Salle Olympe de Gouges", "capacity": "40",
                                                         "step_free": "y"}).status_code == 302
    assert _post(organizer, "/manage/programme/rooms", {"name": "Annexe", "capacity": "15"}).status_code == 302
    created = post_form(organizer, "/manage/programme/workshops/new", {
        "title": "Labour exploitation at big sporting events", "facilitators": "Suzanne Hoff",
        "language": "English, French interpretation", "description": "<b>Not bold</b>"})
    workshop = db.session.scalar(sa.select(Workshop))
    assert created.headers["Location"] == f"/manage/programme/workshops/{workshop.id}"
    slot = db.session.scalar(sa.select(TimeSlot))
    room, annexe = (db.session.scalar(sa.select(Room).where(Room.name == name))
                    for name in ("Salle Olympe de Gouges", "Annexe"))
    assert _post(organizer, f"/manage/programme/workshops/{workshop.id}/runs",
                 {"slot_id": slot.id, "room_id": room.id, "capacity": ""}).status_code == 302
    run = db.session.scalar(sa.select(WorkshopRun))
    assert run.capacity == 40  # the room's size when left empty

    page = client.get("/programme").get_data(as_text=True)
    assert "Labour exploitation at big sporting events" in page and "14:00–15:30" in page
    assert "Salle Olympe de Gouges" in page and "Annexe" not in page  # only rooms in use that day
    assert "Friday, 25 June 2027" in page
    edit = organizer.get(f"/manage/programme/workshops/{workshop.id}").get_data(as_text=True)
    assert "&lt;b&gt;Not bold&lt;/b&gt;" in edit and "<b>Not bold</b>" not in edit


def test_programme_rules_are_checked(organizer, event):
    day = event.days[0]
    late = _post(organizer, "/manage/programme/slots", {"day_id": day.id, "starts_at": "15:00", "ends_at": "14:00"})
    assert late.status_code == 422 and "The end must come after the start." in late.get_data(as_text=True)
    _post(organizer, "/manage/programme/slots", {"day_id": day.id, "starts_at": "09:00", "ends_at": "10:30"})
    _post(organizer, "/manage/programme/rooms", {"name": "Room A", "capacity": "20"})
    again = _post(organizer, "/manage/programme/rooms", {"name": "room a", "capacity": "5"})
    assert again.status_code == 422 and "already a room with this name" in again.get_data(as_text=True)
    slot, room = db.session.scalar(sa.select(TimeSlot)), db.session.scalar(sa.select(Room))
    first = Workshop(event_id=event.id, title="First")
    second = Workshop(event_id=event.id, title="Second")
    db.session.add_all([first, second])
    db.session.commit()
    _post(organizer, f"/manage/programme/workshops/{first.id}/runs", {"slot_id": slot.id, "room_id": room.id})
    taken = _post(organizer, f"/manage/programme/workshops/{second.id}/runs",
                  {"slot_id": slot.id, "room_id": room.id})
    assert taken.status_code == 422 and "already holds another workshop" in taken.get_data(as_text=True)
    too_big = _post(organizer, f"/manage/programme/workshops/{second.id}/runs",
                    {"slot_id": slot.id, "room_id": room.id, "capacity": "99"})
    assert "The room holds only 20 people." in too_big.get_data(as_text=True)
    assert count(WorkshopRun) == 1
    refused = _post(organizer, f"/manage/programme/slots/{slot.id}/delete", {})
    assert refused.status_code == 302 and count(TimeSlot) == 1
    run = db.session.scalar(sa.select(WorkshopRun))
    _post(organizer, f"/manage/programme/runs/{run.id}/delete", {})
    _post(organizer, f"/manage/programme/slots/{slot.id}/delete", {})
    assert count(WorkshopRun) == 0 and count(TimeSlot) == 0


def test_an_empty_programme_says_so(client, event):
    assert "The programme is not published yet." in client.get("/programme").get_data(as_text=True)


def test_workshop_pages_of_another_event_are_not_found(organizer, event):
    other = make_event(slug="old", name="Old")
    for day in other.days:
        day.date = day.date.replace(year=2020)
    workshop = Workshop(event_id=other.id, title="Old workshop")
    db.session.add(workshop)
    db.session.commit()
    assert organizer.get(f"/manage/programme/workshops/{workshop.id}").status_code == 404
    assert "Old workshop" not in organizer.get("/manage/programme/").get_data(as_text=True)
