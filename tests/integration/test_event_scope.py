"""Ids in staff URLs are scoped to the event being organized: another event's row answers 404, on every page."""
from __future__ import annotations

from datetime import time

import pytest

from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.auth.models import Role
from lsi_assembly.badges.models import BadgePreset
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.public.models import PublicAttendee, PublicEvent
from lsi_assembly.registration.models import Status
from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest
from lsi_assembly.travel.models import TravelReceipt, TravelRequest
from lsi_assembly.travel.receipts import receipts_folder
from lsi_assembly.visas.models import VisaLetter
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopRun
from tests.factories import csrf_token, make_event, make_organization, make_participant, sign_in

#: Ids that are not an event's rows: staff accounts and background jobs.
NOT_EVENT_ROWS = {"user_id", "job_id"}
#: Not a row id: a badge size by name, looked up among the current event's sizes (``badges.services.presets``).
NAMES = {"preset"}


def _rows(event, label: str) -> dict[str, int]:
    """One row of each kind the staff URLs take by id, in ``event``."""
    organization = make_organization(event, name=f"Organization {label}")
    participant = make_participant(event, email=f"{label}@example.org", organization_id=organization.id,
                                   status=Status.CONFIRMED)
    workshop = Workshop(event_id=event.id, title=f"Workshop {label}")
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(10), ends_at=time(11))
    room = Room(event_id=event.id, name=f"Room {label}", capacity=10)
    preset = BadgePreset(event_id=event.id, name=f"preset-{label}", page_width=100, page_height=80, badge_width=90,
                         badge_height=60)
    public_event = PublicEvent(event=event, title=f"Public {label}", capacity=10, is_open=True, starts_at=utcnow(),
                               ends_at=utcnow())
    session = StatutorySession(event_id=event.id, name=f"Session {label}", day=event.days[0].date)
    db.session.add_all([workshop, slot, room, preset, public_event, session])
    db.session.flush()
    run = WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=10)
    attendee = PublicAttendee(public_event=public_event, name=f"Attendee {label}",
                              email=f"public-{label}@example.org", privacy_accepted_at=utcnow(), access_key=f"scope-{label}", confirm_by=utcnow(),
                              status="confirmed", ticket_code=label[0].upper() * 26)
    # Issue 17: a visa letter (issued: its PDF), a travel request with a receipt, a hotel, a block, a room request.
    letter = VisaLetter(event_id=event.id, participant_id=participant.id, status="issued", passport_name=label.upper(),
                        nationality="NG", passport_number="X1234567", birth_date="1990-01-01",
                        passport_expiry="2030-01-01", consulate_city="Lagos", consulate_country="NG", number=1,
                        reference=f"LSI-{label}-V-0001", code=(label * 4)[:16].upper(), issued_at=utcnow(),
                        issued_by="scope", costs="organization_all", language="en")
    travel = TravelRequest(event_id=event.id, participant_id=participant.id, route="Scope", reason="Scope")
    travel.receipts.append(TravelReceipt(stored_name=f"scope-{label}", content_type="application/pdf", size=15))
    (receipts_folder() / f"scope-{label}").write_bytes(b"%PDF-1.7 scope")
    hotel = Hotel(event_id=event.id, name=f"Hotel {label}", address="1 rue de la Portée")
    db.session.add_all([run, attendee, letter, travel, hotel])
    db.session.flush()
    block = RoomBlock(hotel_id=hotel.id, room_type="twin", rooms=2, nights=[event.days[0].date.isoformat()], price=80)
    room_request = RoomRequest(participant_id=participant.id, check_in=event.days[0].date,
                               check_out=event.days[1].date)
    db.session.add_all([block, room_request])
    db.session.commit()
    return {"participant_id": participant.id, "organization_id": organization.id, "workshop_id": workshop.id,
            "run_id": run.id, "preset_id": preset.id, "attendee_id": attendee.id, "slot_id": slot.id,
            "room_id": room.id, "session_id": session.id, "letter_id": letter.id, "request_id": travel.id,
            "receipt_id": travel.receipts[0].id, "hotel_id": hotel.id, "block_id": block.id,
            "room_request_id": room_request.id}


@pytest.fixture
def two_events(app, tmp_path):
    """The event being organized and an older one (the app serves the event whose days come last)."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)  # the travel receipts' files
    current = make_event()
    older = make_event(slug="ga-2020", name="Old Assembly")
    for day in older.days:
        day.date = day.date.replace(year=2020)
    db.session.commit()
    return _rows(current, "current"), _rows(older, "older")


def _staff_rules_with_ids(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith(("/manage", "/desk")) and rule.arguments - {"fmt", "action", "kind"} - NAMES
            and not rule.arguments & NOT_EVENT_ROWS]


def _paths(rule, ids: dict[str, int]) -> list[str]:
    """The rule's paths with ``ids`` (a slot and a room for /slots|rooms/<item_id>/delete)."""
    if "item_id" in rule.arguments:
        return [rule.build({"kind": "slots", "item_id": ids["slot_id"]})[1],
                rule.build({"kind": "rooms", "item_id": ids["room_id"]})[1]]
    values = {"action": "approve", **{k: v for k, v in ids.items() if k in rule.arguments}}
    return [rule.build(values)[1]]


def test_every_id_in_a_staff_url_is_covered(app):
    known = {"participant_id", "organization_id", "workshop_id", "run_id", "preset_id", "attendee_id", "item_id",
             "session_id", "action", "kind", "letter_id", "request_id", "receipt_id", "hotel_id", "block_id",
             "room_request_id"}
    rules = _staff_rules_with_ids(app)
    assert len(rules) >= 20
    for rule in rules:
        assert rule.arguments <= known, f"{rule.rule}: add its id to test_event_scope.py"


def test_another_events_rows_are_not_found_in_any_staff_url(app, client, two_events):
    current, older = two_events
    sign_in(client, Role.ADMIN)
    token = csrf_token(client, "/registration/link")
    checked = 0
    for rule in _staff_rules_with_ids(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for path in _paths(rule, older):
                data = {"csrf_token": token} if method == "POST" else None
                response = client.open(path, method=method, data=data)
                assert response.status_code == 404, f"{method} {path} ({rule.endpoint})"
                checked += 1
            if method == "GET":  # the same page with the current event's row is there: the 404 is the scope
                for path in _paths(rule, current):
                    assert client.get(path).status_code == 200, f"GET {path} ({rule.endpoint})"
    assert checked >= 25


def test_staff_pages_answer_404_without_an_event_and_send_strangers_to_sign_in(client, app):
    assert client.get("/manage/registrations/").status_code == 302  # the role guard comes first
    sign_in(client, Role.ADMIN)
    for path in ("/manage/registrations/", "/manage/programme/", "/manage/badges/", "/desk/", "/desk/public/", "/desk/assembly/",
                 "/manage/public/", "/manage/lists/", "/manage/organizations/", "/manage/programme/assignment",
                 "/manage/assembly/",
                 "/register", "/programme", "/public"):
        assert client.get(path).status_code == 404, path
    for path in ("/manage/", "/manage/audit", "/manage/users", "/", "/privacy", "/health"):
        assert client.get(path).status_code == 200, path
