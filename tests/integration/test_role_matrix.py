"""Every management URL against every role: anonymous -> sign-in page, wrong role -> 403, right role -> in."""
from __future__ import annotations

from datetime import time

import pytest

from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest
from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.auth.models import Role
from lsi_assembly.badges.models import BadgePreset
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.jobs import Job, JobResult, jobs_folder
from lsi_assembly.extensions import db
from lsi_assembly.public.models import PublicAttendee, PublicEvent
from lsi_assembly.visas.models import VisaLetter
from lsi_assembly.travel.models import TravelReceipt, TravelRequest
from lsi_assembly.travel.receipts import receipts_folder
from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopRun
from tests.factories import csrf_token, make_event, make_organization, make_participant, make_user, post_form

ORGANIZERS = {Role.ADMIN, Role.ORGANIZER}
ADMINS = {Role.ADMIN}
DESK = {Role.ADMIN, Role.ORGANIZER, Role.DESK}

#: endpoint -> roles allowed in. Written out by hand: a new management page must be added here.
EXPECTED = {
    "manage.index": ORGANIZERS,
    "manage.audit": ORGANIZERS,
    "manage.event": ORGANIZERS,
    "manage.users": ADMINS,
    "manage.update_user": ADMINS,
    "manage_registrations.index": ORGANIZERS,
    "manage_registrations.detail": ORGANIZERS,
    "manage_registrations.edit": ORGANIZERS,
    "manage_registrations.act": ORGANIZERS,
    "manage_registrations.bulk": ORGANIZERS,
    "manage_registrations.export": ORGANIZERS,
    "manage_registrations.import_form": ORGANIZERS,
    "manage_registrations.import_confirm": ORGANIZERS,
    "manage_organizations.index": ORGANIZERS,
    "manage_organizations.create": ORGANIZERS,
    "manage_organizations.edit": ORGANIZERS,
    "manage_organizations.invitation": ORGANIZERS,
    "manage_organizations.import_members": ORGANIZERS,
    "manage_programme.index": ORGANIZERS,
    "manage_programme.add_slot": ORGANIZERS,
    "manage_programme.add_room": ORGANIZERS,
    "manage_programme.delete_item": ORGANIZERS,
    "manage_programme.new_workshop": ORGANIZERS,
    "manage_programme.workshop": ORGANIZERS,
    "manage_programme.add_run": ORGANIZERS,
    "manage_programme.delete_run": ORGANIZERS,
    "manage_programme.preference_window": ORGANIZERS,
    "manage_programme.remind": ORGANIZERS,
    "manage_assignment.assign": ORGANIZERS,
    "manage_assignment.report": ORGANIZERS,
    "manage_assignment.publish": ORGANIZERS,
    "manage_assignment.fill": ORGANIZERS,
    "manage_assignment.seats": ORGANIZERS,
    "manage_assignment.roster": ORGANIZERS,
    "manage_assignment.rosters": ORGANIZERS,
    "manage.job": ORGANIZERS,
    "manage.job_download": ORGANIZERS,
    "manage.job_restart": ORGANIZERS,
    "manage_badges.index": ORGANIZERS,
    "manage_badges.print_badges": ORGANIZERS,
    "manage_badges.add_preset": ORGANIZERS,
    "manage_badges.delete_preset": ORGANIZERS,
    "manage_badges.save_info": ORGANIZERS,
    "manage_badges.preview": ORGANIZERS,
    "manage_badges.upload_logo": ORGANIZERS,
    "manage_badges.default_logo": ORGANIZERS,
    "manage_lists.index": ORGANIZERS,
    "manage_lists.download": ORGANIZERS,
    "manage_lists.sharing": ORGANIZERS,
    "manage_documents.certificates": ORGANIZERS,
    "manage_documents.print_certificates": ORGANIZERS,
    "manage_assembly.index": ORGANIZERS,
    "manage_assembly.edit_session": ORGANIZERS,
    "manage_assembly.delete_session": ORGANIZERS,
    "manage_assembly.session": ORGANIZERS,
    "manage_assembly.record_quorum": ORGANIZERS,
    "manage_assembly.record_vote": ORGANIZERS,
    "manage_assembly.projector": DESK,
    "manage_assembly.status_json": DESK,
    "manage_voting_cards.index": ORGANIZERS,
    "manage_voting_cards.print_cards": ORGANIZERS,
    "manage_delegations.index": ORGANIZERS,
    "manage_delegations.send_all": ORGANIZERS,
    "manage_delegations.organization": ORGANIZERS,
    "manage_delegations.send_link": ORGANIZERS,
    "manage_delegations.revoke_link": ORGANIZERS,
    "manage_delegations.mandate": ORGANIZERS,
    "manage_delegations.remove_mandate": ORGANIZERS,
    "manage_delegations.proxy": ORGANIZERS,
    "manage_delegations.revoke_proxy": ORGANIZERS,
    "manage_delegations.proxy_pdf": ORGANIZERS,
    "manage_privacy.settings": ORGANIZERS,
    "manage_privacy.purge": ORGANIZERS,
    "manage_privacy.erase_participant": ORGANIZERS,
    "manage_privacy.participant_data": ORGANIZERS,
    # visa invitation letters (issue 17)
    "manage_visas.index": ORGANIZERS,
    "manage_visas.detail": ORGANIZERS,
    "manage_visas.approve_letter": ORGANIZERS,
    "manage_visas.ask_for_correction": ORGANIZERS,
    "manage_visas.decline_letter": ORGANIZERS,
    "manage_visas.revoke_letter": ORGANIZERS,
    "manage_visas.letter_file": ORGANIZERS,
    "manage_visas.settings": ORGANIZERS,
    "manage_visas.save_settings": ORGANIZERS,
    # travel support (issue 17)
    "manage_travel.index": ORGANIZERS,
    "manage_travel.save_budget": ORGANIZERS,
    "manage_travel.budget": ORGANIZERS,
    "manage_travel.detail": ORGANIZERS,
    "manage_travel.decide": ORGANIZERS,
    "manage_travel.pay": ORGANIZERS,
    "manage_travel.receipt": ORGANIZERS,
    # accommodation (issue 17): organizers only, never the desk
    "manage_accommodation.index": ORGANIZERS,
    "manage_accommodation.create_hotel": ORGANIZERS,
    "manage_accommodation.remove_hotel": ORGANIZERS,
    "manage_accommodation.create_block": ORGANIZERS,
    "manage_accommodation.remove_block": ORGANIZERS,
    "manage_accommodation.make_proposal": ORGANIZERS,
    "manage_accommodation.placement": ORGANIZERS,
    "manage_accommodation.publish_rooms": ORGANIZERS,
    "desk.index": DESK,
    "desk.lookup": DESK,
    "desk.participant": DESK,
    "desk.check_in_person": DESK,
    "desk.undo": DESK,
    "desk.badge": DESK,
    "desk.reissue_badge": DESK,
    "desk.settings": DESK,
    "desk.walk_in": DESK,
    "desk.counts": DESK,
    "manage_public.index": ORGANIZERS,
    "manage_public.export": ORGANIZERS,
    "manage_public.message": ORGANIZERS,
    "desk_public.index": DESK,
    "desk_public.lookup": DESK,
    "desk_public.attendee": DESK,
    "desk_public.check_in": DESK,
    "desk_public.undo": DESK,
    "desk_public.counts": DESK,
    "desk_assembly.index": DESK,
    "desk_assembly.open_door": DESK,
    "desk_assembly.door": DESK,
    "desk_assembly.scan": DESK,
    "desk_assembly.move": DESK,
    "desk_assembly.counts": DESK,
}
WHO = [None, Role.DESK, Role.ORGANIZER, Role.ADMIN]


def _management_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(("/manage", "/desk"))]


def test_every_management_url_is_in_the_matrix(app):
    assert {rule.endpoint for rule in _management_rules(app)} == set(EXPECTED)


def test_every_management_view_declares_its_roles(app):
    for rule in _management_rules(app):
        declared = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        assert declared == frozenset(EXPECTED[rule.endpoint]), rule.endpoint


@pytest.mark.parametrize("who", WHO, ids=["anonymous", "desk", "organizer", "admin"])
def test_role_matrix(app, client, who, tmp_path):
    event = make_event()
    organization = make_organization(event)
    participant = make_participant(event, organization_id=organization.id)
    other = make_user("someone.else@example.org", "another password", Role.DESK)
    workshop = Workshop(event_id=event.id, title="Matrix")
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(10), ends_at=time(11))
    rooms = [Room(event_id=event.id, name=name, capacity=10) for name in ("A", "B")]
    db.session.add_all([workshop, slot, *rooms])
    db.session.flush()
    kept, spare = (WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=10)
                   for room in rooms)
    db.session.add_all([kept, spare])
    preset = BadgePreset(event_id=event.id, name="matrix", page_width=100, page_height=80, badge_width=90,
                         badge_height=60)
    finished = Job(kind="badges", status="done", result_file="matrix-test.pdf", download_name="badges.pdf")
    public_event = PublicEvent(event=event, title="Public", capacity=10, is_open=True, starts_at=utcnow(),
                               ends_at=utcnow())
    attendee = PublicAttendee(public_event=public_event, name="Matrix", email="matrix@example.org",
                              privacy_accepted_at=utcnow(), access_key="matrix", confirm_by=utcnow(),
                              status="confirmed", ticket_code="0" * 26)
    statutory, spare_session = (StatutorySession(event_id=event.id, name=name, day=event.days[0].date)
                                for name in ("Matrix session", "Spare session"))
    letter = VisaLetter(event_id=event.id, participant_id=participant.id, status="issued", passport_name="MATRIX",
                        nationality="NG", passport_number="X1234567", birth_date="1990-01-01",
                        passport_expiry="2030-01-01", consulate_city="Lagos", consulate_country="NG", number=1,
                        reference="LSI-2027-V-0001", code="0" * 16, issued_at=utcnow(), issued_by="matrix",
                        costs="organization_all", language="en")
    db.session.add_all([preset, finished, public_event, attendee, statutory, spare_session, letter])
    hotel = Hotel(event_id=event.id, name="Matrix hotel", address="1 rue de la Matrice")
    db.session.add(hotel)
    db.session.flush()
    block = RoomBlock(hotel_id=hotel.id, room_type="twin", rooms=2, nights=["2027-06-24"], price=80)
    room_request = RoomRequest(participant_id=participant.id, check_in=event.days[0].date,
                               check_out=event.days[1].date)
    db.session.add_all([block, room_request])
    (jobs_folder(app) / "matrix-test.pdf").write_bytes(b"%PDF-1.7 matrix")
    db.session.flush()
    db.session.add(JobResult(job_id=finished.id, data=b"%PDF-1.7 matrix"))  # the task queue keeps results in the database
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    travel = TravelRequest(event_id=event.id, participant_id=participant.id, route="Matrix", reason="Matrix")
    travel.receipts.append(TravelReceipt(stored_name="matrix-receipt", content_type="application/pdf", size=15))
    (receipts_folder() / "matrix-receipt").write_bytes(b"%PDF-1.7 matrix")
    db.session.add(travel)
    db.session.commit()
    values = {"participant_id": participant.id, "organization_id": organization.id, "user_id": other.id,
              "action": "approve", "fmt": "csv", "workshop_id": workshop.id, "run_id": kept.id, "kind": "slots",
              "item_id": 999999, "job_id": finished.id, "preset_id": preset.id,
              "attendee_id": attendee.id, "session_id": statutory.id, "preset": "a6",
              "letter_id": letter.id,
              "request_id": travel.id, "receipt_id": travel.receipts[0].id,
              "hotel_id": hotel.id, "block_id": block.id, "room_request_id": room_request.id}
    if who is not None:
        make_user(f"{who}@example.org", "correct horse battery", who)
        post_form(client, "/login", {"email": f"{who}@example.org", "password": "correct horse battery"})
    token = csrf_token(client, "/registration/link")
    checked = 0
    for rule in _management_rules(app):
        arguments = {k: v for k, v in values.items() if k in rule.arguments}
        if rule.endpoint == "manage_programme.delete_run":
            arguments["run_id"] = spare.id  # the other pages need the kept run
        if rule.endpoint == "manage_assembly.delete_session":
            arguments["session_id"] = spare_session.id  # the other pages need the kept session
        path = rule.build(arguments)[1]
        if rule.endpoint == "manage_lists.download":
            path += "?kind=participants-full&format=csv"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            label = f"{method} {path} as {who}"
            if who is None:
                assert response.status_code == 302 and response.headers["Location"].startswith("/login"), label
            elif who in EXPECTED[rule.endpoint]:
                assert response.status_code not in (401, 403), label
                assert not response.headers.get("Location", "").startswith("/login"), label
                if method == "GET":
                    assert response.status_code == 200, label
            else:
                assert response.status_code == 403, label
            checked += 1
    assert checked >= len(EXPECTED)
