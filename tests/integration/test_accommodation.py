"""Accommodation through the app: requests from the personal link, the organizers' hotels, proposal,
moves and publication, the rooming list, permissions and privacy."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from urllib.parse import urlsplit

import pdfplumber
import sqlalchemy as sa

from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest
from lsi_assembly.auth.models import Role
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from tests.conftest import body
from tests.factories import form_tokens, make_event, make_organization, make_participant, post_form, sign_in

NIGHTS = ["2027-06-23", "2027-06-24", "2027-06-25", "2027-06-26"]


def _post(client, url: str, data: dict, page: str = "/manage/accommodation/"):
    """POST to a URL without a page of its own, with the CSRF token of the page its form is on."""
    return client.post(url, data={**form_tokens(client, page), **data})


def _path(person) -> str:
    return f"/registration/{make_token(person.access_key)}"


def _ask(client, person, check_in="2027-06-24", check_out="2027-06-26", sharing="single", **extra):
    return post_form(client, _path(person) + "/room", {"check_in": check_in, "check_out": check_out,
                                                       "sharing": sharing, **extra})


def _request(person) -> RoomRequest | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(RoomRequest).where(RoomRequest.participant_id == person.id))


def _hotel(event, name="Hôtel du Marais", address="12 rue des Archives, 75004 Paris", blocks=()):
    hotel = Hotel(event_id=event.id, name=name, address=address)
    db.session.add(hotel)
    db.session.flush()
    for room_type, rooms, nights in blocks:
        db.session.add(RoomBlock(hotel_id=hotel.id, room_type=room_type, rooms=rooms, nights=nights, price=95))
    db.session.commit()
    return hotel


def _people(event):
    org = make_organization(event, name="La Strada Polska", quota=5)
    other = make_organization(event, name="Strada Romania", quota=5)
    anna = make_participant(event, given_name="Anna", family_name="Nowak", organization_id=org.id,
                            status=Status.CONFIRMED, arrival_date=date(2027, 6, 23), departure_date=date(2027, 6, 26))
    ewa = make_participant(event, given_name="Ewa", family_name="Kowalska", organization_id=org.id,
                           status=Status.PENDING)
    ion = make_participant(event, given_name="Ion", family_name="Popescu", organization_id=other.id,
                           status=Status.CONFIRMED)
    return anna, ewa, ion


def test_the_request_form_is_prefilled_saved_changed_and_withdrawn(client):
    event = make_event()
    anna, ewa, ion = _people(event)
    page = client.get(_path(anna) + "/room").get_data(as_text=True)
    assert 'value="2027-06-23"' in page and 'value="2027-06-26"' in page  # arrival and departure
    assert "Ewa Kowalska" in page and "Ion Popescu" not in page  # colleagues of the same organization only
    assert 'autocomplete="off"' in page
    response = _ask(client, anna, sharing="colleague", colleague_id=str(ewa.id))
    assert response.status_code == 302
    request = _request(anna)
    assert (request.check_in, request.check_out, request.sharing, request.wish_id) == (
        date(2027, 6, 24), date(2027, 6, 26), "colleague", ewa.id)
    # By e-mail, across organizations: the page shows the address typed, never the other's name.
    assert _ask(client, anna, sharing="colleague", colleague_email=ion.email).status_code == 302
    assert _request(anna).wish_id == ion.id
    page = client.get(_path(anna) + "/room").get_data(as_text=True)
    assert ion.email in page and "Popescu" not in page
    token = form_tokens(client, _path(anna) + "/room")["csrf_token"]
    assert client.post(_path(anna) + "/room/withdraw", data={}).status_code in (302, 400)
    assert _request(anna) is not None  # no CSRF token: nothing withdrawn
    response = client.post(_path(anna) + "/room/withdraw", data={"withdraw-csrf_token": token})
    assert response.status_code == 302 and _request(anna) is None


def test_bad_requests_change_nothing(client):
    event = make_event()
    anna, _ewa, _ion = _people(event)
    for data, message in (
            ({"check_out": "2027-06-23"}, "The check-out must be after the check-in."),
            ({"check_in": "2027-06-01", "check_out": "2027-06-03"}, "Choose a check-in before the check-out"),
            ({"sharing": "colleague"}, "Choose a colleague, or give their e-mail address."),
            ({"sharing": "colleague", "colleague_email": "nobody@example.org"}, "Nobody we can match"),
            ({"sharing": "sofa"}, "field-error"),
            ({"check_in": "yesterday"}, "field-error")):
        response = _ask(client, anna, **data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert _request(anna) is None


def test_cancelled_and_waitlisted_people_cannot_ask(client):
    event = make_event()
    person = make_participant(event, status=Status.WAITLISTED)
    assert "Only confirmed or pending registrations" in client.get(_path(person) + "/room").get_data(as_text=True)
    response = _post(client, _path(person) + "/room", {"check_in": "2027-06-24", "check_out": "2027-06-26",
                                                        "sharing": "single"}, "/registration/link")
    assert response.status_code == 403
    assert _request(person) is None


def test_a_participant_sees_only_their_own_and_the_desk_none(app, client):
    event = make_event()
    anna, ewa, _ion = _people(event)
    _ask(client, ewa)
    page = client.get(_path(anna) + "/room").get_data(as_text=True)
    assert "Your request is registered" not in page  # Ewa's request is not Anna's
    assert client.get("/registration/forged-token/room").status_code == 404
    sign_in(client, Role.DESK)
    assert client.get("/manage/accommodation/").status_code == 403
    assert client.get(f"/manage/accommodation/requests/{_request(ewa).id}").status_code == 403
    assert client.get("/manage/lists/file?kind=rooming&format=csv").status_code == 403


def _organizer_setup(client, event):
    sign_in(client)
    assert _post(client, "/manage/accommodation/hotels",
                     {"name": "Hôtel du Marais", "address": "12 rue des Archives, 75004 Paris"}).status_code == 302
    hotel = db.session.scalar(sa.select(Hotel))
    prefix = f"hotel{hotel.id}-"
    response = _post(client, f"/manage/accommodation/hotels/{hotel.id}/blocks", {
        prefix + "room_type": "twin", prefix + "rooms": "1", prefix + "nights": NIGHTS[1:3], prefix + "price": "110.50"})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = _post(client, f"/manage/accommodation/hotels/{hotel.id}/blocks", {
        prefix + "room_type": "single", prefix + "rooms": "1", prefix + "nights": NIGHTS[1:3], prefix + "price": "90"})
    assert response.status_code == 302
    return hotel


def test_hotels_and_blocks_with_bad_input(client):
    event = make_event()
    hotel = _organizer_setup(client, event)
    prefix = f"hotel{hotel.id}-"
    response = _post(client, f"/manage/accommodation/hotels/{hotel.id}/blocks", {
        prefix + "room_type": "twin", prefix + "rooms": "0", prefix + "nights": ["2027-07-01"], prefix + "price": "nan"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Please give a number from 1 to 1000." in text and "is not a valid choice" in text
    assert "Please give a number, such as 85 or 85.5." in text
    assert _post(client, "/manage/accommodation/hotels", {"name": "", "address": ""}).status_code == 422
    assert len(db.session.scalars(sa.select(RoomBlock)).all()) == 2
    block = db.session.scalars(sa.select(RoomBlock)).first()
    assert _post(client, f"/manage/accommodation/blocks/{block.id}/delete", {}).status_code == 302
    assert _post(client, f"/manage/accommodation/hotels/{hotel.id}/delete", {}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoomBlock)) == 0


def test_proposal_moves_publication_and_the_rooming_list(app, client, mailbox):
    event = make_event()
    anna, ewa, ion = _people(event)
    extra = make_participant(event, given_name="Olga", family_name="Zielinska", status=Status.CONFIRMED,
                             email="olga@example.org")
    _ask(client, anna, sharing="colleague", colleague_id=str(ewa.id))
    _ask(client, ewa, sharing="colleague", colleague_id=str(anna.id))
    _ask(client, ion, sharing="colleague", colleague_email=anna.email)  # one-sided: not a pair
    _ask(client, extra)
    _organizer_setup(client, event)
    assert _post(client, "/manage/accommodation/propose", {}).status_code == 302
    a, e, i, o = (_request(p) for p in (anna, ewa, ion, extra))
    twin, single = db.session.scalars(sa.select(RoomBlock).order_by(RoomBlock.id)).all()
    assert (a.block_id, a.roommate_id, e.block_id, e.roommate_id) == (twin.id, ewa.id, twin.id, anna.id)
    # One single room left for two people: never more than the block holds.
    assert sorted([i.block_id, o.block_id], key=str) == sorted([single.id, None], key=str)
    unplaced = i if i.block_id is None else o

    # A move that would overbook is refused, with nothing changed.
    response = post_form(client, f"/manage/accommodation/requests/{unplaced.id}",
                         {"block_id": str(single.id), "roommate_id": ""})
    assert response.status_code == 422 and "no room left" in response.get_data(as_text=True)
    assert _request(unplaced.participant).block_id is None

    assert _post(client, "/manage/accommodation/publish", {}).status_code == 302
    mailbox.wait_for(3)
    text = body(mailbox.to(anna.email)[-1])
    assert "Hôtel du Marais" in text and "12 rue des Archives" in text and "Ewa Kowalska" in text
    assert "24 June 2027" in text and "26 June 2027" in text
    placed_alone = o if o.block_id else i
    alone_text = body(mailbox.to(placed_alone.participant.email)[-1])
    assert "Hôtel du Marais" in alone_text and "Roommate" not in alone_text
    assert not mailbox.to(unplaced.participant.email)  # no room, nothing to say yet
    page = client.get(_path(anna) + "/room").get_data(as_text=True)
    assert "Hôtel du Marais" in page and "Ewa Kowalska" in page

    # Organizers move Ewa out: on the next publish only Anna and Ewa are e-mailed.
    count = len(mailbox.messages)
    response = post_form(client, f"/manage/accommodation/requests/{e.id}", {"block_id": "", "roommate_id": ""})
    assert response.status_code == 302
    assert _post(client, "/manage/accommodation/publish", {}).status_code == 302
    mailbox.wait_for(count + 2)
    new = mailbox.messages[count:]
    assert sorted(m["To"] for m in new) == sorted([anna.email, ewa.email])
    assert "has changed" in mailbox.to(anna.email)[-1]["Subject"]
    assert "cancelled" in mailbox.to(ewa.email)[-1]["Subject"]
    # Put her back: the rooming list shows who shares with whom, nothing else about the person.
    assert post_form(client, f"/manage/accommodation/requests/{e.id}",
                     {"block_id": str(twin.id), "roommate_id": str(anna.id)}).status_code == 302
    result = app.test_cli_runner().invoke(args=["lists", "render", "rooming", "--out", str(app.instance_path) + "/r.csv"])
    assert result.exit_code == 0, result.output
    response = client.get("/manage/lists/file?kind=rooming&format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Group", "Name", "Check-in", "Check-out", "Nights", "Room type", "Shares with"]
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Anna Nowak"][0] == "Hôtel du Marais" and by_name["Anna Nowak"][6] == "Ewa Kowalska"
    assert by_name["Ewa Kowalska"][6] == "Anna Nowak" and by_name["Anna Nowak"][4] == "2"
    flat = json.dumps(rows)
    assert anna.email not in flat and "@" not in flat


def test_the_rooming_list_as_pdf_read_back(app, runner, tmp_path):
    event = make_event()
    anna, ewa, _ion = _people(event)
    hotel = _hotel(event, blocks=[("twin", 2, NIGHTS)])
    block = hotel.blocks[0]
    for person, mate in ((anna, ewa), (ewa, anna)):
        db.session.add(RoomRequest(participant_id=person.id, check_in=date(2027, 6, 24), check_out=date(2027, 6, 26),
                                   sharing="colleague", wish_id=mate.id, block_id=block.id, roommate_id=mate.id))
    db.session.commit()
    out = tmp_path / "rooming.pdf"
    result = runner.invoke(args=["lists", "render", "rooming", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with pdfplumber.open(out) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Hôtel du Marais" in text and "Anna Nowak" in text and "Ewa Kowalska" in text
    assert "Rooming list" in text and anna.email not in text


def test_erasure_removes_the_request_and_the_name_elsewhere_and_export_has_it(app, client):
    event = make_event()
    anna, ewa, _ion = _people(event)
    hotel = _hotel(event, blocks=[("twin", 2, NIGHTS)])
    for person, mate in ((anna, ewa), (ewa, anna)):
        db.session.add(RoomRequest(participant_id=person.id, check_in=date(2027, 6, 24), check_out=date(2027, 6, 26),
                                   sharing="colleague", wish_id=mate.id, block_id=hotel.blocks[0].id,
                                   roommate_id=mate.id, published="x"))
    db.session.commit()
    data = json.loads(client.get(_path(anna) + "/data").get_data(as_text=True))
    assert data["accommodation"]["check_in"] == "2027-06-24"
    assert data["accommodation"]["room"]["hotel"] == "Hôtel du Marais"
    assert data["accommodation"]["room"]["roommate"] == "Ewa Kowalska"
    request_id = _request(anna).id
    response = post_form(client, _path(anna) + "/erase", {"understood": "y"})
    assert response.status_code == 302
    assert _request(anna) is None
    other = _request(ewa)
    assert other.wish_id is None and other.roommate_id is None
    assert not db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "room_request",
                                                              AuditEntry.entity_id == request_id)).all()


def test_the_retention_schedule_deletes_requests_after_the_event(runner):
    event = make_event()
    anna, _ewa, _ion = _people(event)
    db.session.add(RoomRequest(participant_id=anna.id, check_in=date(2027, 6, 24), check_out=date(2027, 6, 26)))
    db.session.commit()
    assert runner.invoke(args=["privacy", "purge", "--today", "2027-07-01"]).exit_code == 0
    assert _request(anna) is not None
    result = runner.invoke(args=["privacy", "purge", "--today", "2027-09-01"])
    assert result.exit_code == 0, result.output
    assert _request(anna) is None


def test_the_pages_link_to_it(client):
    event = make_event()
    anna, _ewa, _ion = _people(event)
    assert f"{urlsplit(_path(anna)).path}/room" in client.get(_path(anna)).get_data(as_text=True)
    sign_in(client)
    assert "/manage/accommodation/" in client.get("/manage/").get_data(as_text=True)
    assert "Rooming list" in client.get("/manage/lists/").get_data(as_text=True)


def test_the_proposal_never_exceeds_a_block_on_any_night(client):
    event = make_event()
    org = make_organization(event, name="Big Strada", quota=30)
    people = [make_participant(event, given_name=f"P{n}", family_name="Test", organization_id=org.id,
                               status=Status.CONFIRMED) for n in range(14)]
    stays = [("2027-06-23", "2027-06-27"), ("2027-06-24", "2027-06-26"), ("2027-06-25", "2027-06-27")]
    for n, person in enumerate(people):
        check_in, check_out = stays[n % 3]
        sharing = ("single", "organization", "colleague")[n % 3]
        extra = {"colleague_id": str(people[n - 1].id)} if sharing == "colleague" else {}
        assert _ask(client, person, check_in, check_out, sharing, **extra).status_code == 302
    hotel = _hotel(event, blocks=[("twin", 2, NIGHTS), ("single", 3, NIGHTS[1:3])])
    sign_in(client)
    assert _post(client, "/manage/accommodation/propose", {}).status_code == 302
    db.session.expire_all()
    placed = db.session.scalars(sa.select(RoomRequest).where(RoomRequest.block_id.is_not(None))).all()
    assert placed and len(placed) < len(people)  # not everyone fits
    for block in hotel.blocks:
        for night in block.night_dates:
            here = [r for r in placed if r.block_id == block.id and night in r.nights]
            pairs = {frozenset((r.participant_id, r.roommate_id)) for r in here if r.roommate_id}
            rooms = len([r for r in here if not r.roommate_id]) + len(pairs)
            assert rooms <= block.rooms, (block, night)
        assert all(set(r.nights) <= set(block.night_dates) for r in placed if r.block_id == block.id)
    for request in placed:
        if request.roommate_id:
            mate = _request(db.session.get(type(request.participant), request.roommate_id))
            assert mate.roommate_id == request.participant_id and mate.block_id == request.block_id
    assert "more rooms taken than held" not in client.get("/manage/accommodation/").get_data(as_text=True)


def test_new_nights_take_the_person_out_of_their_room_and_the_roommate_stays(client):
    event = make_event()
    anna, ewa, _ion = _people(event)
    hotel = _hotel(event, blocks=[("twin", 2, NIGHTS)])
    for person, mate in ((anna, ewa), (ewa, anna)):
        db.session.add(RoomRequest(participant_id=person.id, check_in=date(2027, 6, 24), check_out=date(2027, 6, 26),
                                   sharing="colleague", wish_id=mate.id, block_id=hotel.blocks[0].id,
                                   roommate_id=mate.id))
    db.session.commit()
    assert _ask(client, anna, "2027-06-24", "2027-06-27", "colleague", colleague_id=str(ewa.id)).status_code == 302
    mine, hers = _request(anna), _request(ewa)
    assert (mine.block_id, mine.roommate_id) == (None, None)
    assert (hers.block_id, hers.roommate_id) == (hotel.blocks[0].id, None)
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "room_request",
                                                           AuditEntry.entity_id == mine.id)).all()
    assert audit and audit[-1].actor == "participant"
