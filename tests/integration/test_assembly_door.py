"""The hall's door at the desk (/desk/assembly): scans, e-mails and names let people in and out, refusals
change nothing, the result is shown once after a redirect, the count and the votes present follow."""
from __future__ import annotations

import re
from datetime import date, time, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lsi_assembly.assembly import services
from lsi_assembly.assembly.door import door_session
from lsi_assembly.assembly.models import HallPresence
from lsi_assembly.auth.models import Role
from lsi_assembly.badges.services import reissue, valid_code
from lsi_assembly.core.database import utcnow
from lsi_assembly.events.models import EventDay
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.conftest import count
from tests.factories import csrf_token, make_event, make_organization, make_participant, run_at_once, sign_in


@pytest.fixture
def hall(app, client):
    """Two full members with a voting delegate each (B gave its proxy to A), a session, a desk signed in."""
    event = make_event()
    a = make_organization(event, name="La Strada Polska", votes=2)
    b = make_organization(event, name="Fondation Samilia")
    c = make_organization(event, name="ALC Éire")
    people = SimpleNamespace(
        a_voter=make_participant(event, organization_id=a.id, status=Status.CONFIRMED, given_name="Łucja",
                                 family_name="Wiśniewska", email="lucja@example.org"),
        a_alternate=make_participant(event, organization_id=a.id, status=Status.CONFIRMED, given_name="Anna",
                                     family_name="Nowak", email="anna@example.org"),
        b_voter=make_participant(event, organization_id=b.id, status=Status.CONFIRMED, given_name="Anna",
                                 family_name="Nowakowska", email="anna.b@example.org"),
        c_voter=make_participant(event, organization_id=c.id, status=Status.CONFIRMED, given_name="Siobhán",
                                 family_name="Ní Bhriain", email="siobhan@example.org"),
        guest=make_participant(event, status=Status.CONFIRMED, given_name="Gabriel", family_name="Dupont",
                               email="gabriel@example.org"),
    )
    services.set_mandate(event, a, people.a_voter, people.a_alternate)
    services.set_mandate(event, b, people.b_voter)
    services.set_mandate(event, c, people.c_voter)
    session = services.add_session(event, "Statutory session 1", date(2027, 6, 25), starts_at=time(9, 30))
    db.session.commit()
    sign_in(client, Role.DESK)
    door = f"/desk/assembly/{session.id}/door"
    return SimpleNamespace(event=event, a=a, b=b, c=c, session=session, door=door,
                           token=csrf_token(client, door), **vars(people))


def older_event():
    """Another event, of 2025: not the one being organized (that is the one whose days come last)."""
    event = make_event(slug="ga-2025")
    event.days = [EventDay(date=date(2025, 6, 24))]
    db.session.commit()
    return event


def text_of(html: str) -> str:
    """The page's text, tags removed and spaces folded, as a person reads it."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def scan(client, hall, text: str, direction: str = "in") -> str:
    """Scan or type ``text`` at the door: a redirect back to the door page, which shows the result."""
    response = client.post(hall.door, data={"csrf_token": hall.token, "q": text, "direction": direction})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"{hall.door}?direction={direction}"
    return text_of(client.get(response.headers["Location"]).get_data(as_text=True))


def move(client, hall, person, direction: str) -> str:
    """Press a person's button (a choice among names, or the last result's undo)."""
    response = client.post(f"{hall.door}/people/{person.id}?back=in",
                           data={"csrf_token": hall.token, "direction": direction})
    assert response.status_code == 302
    return text_of(client.get(response.headers["Location"]).get_data(as_text=True))


def inside(hall) -> set[int]:
    db.session.expire_all()
    return services.inside(hall.session)


def passages() -> list[tuple]:
    db.session.expire_all()
    return sorted(tuple(row) for row in db.session.execute(sa.select(
        HallPresence.participant_id, HallPresence.inside, HallPresence.entered_at, HallPresence.left_at)).all())


def test_the_setup_page_chooses_the_session_and_opens_a_named_door(client, hall):
    second = services.add_session(hall.event, "Statutory session 2", date(2027, 6, 26))
    db.session.commit()
    page = client.get("/desk/assembly/").get_data(as_text=True)
    # Before the Assembly no session is today's: the next one is chosen, and a door is an entrance.
    assert re.search(rf'<option selected value="{hall.session.id}">Statutory session 1 · Friday, 25 June 2027',
                     page)
    assert 'value="in" checked' in page or re.search(r'checked[^>]*value="in"', page)
    token = csrf_token(client, "/desk/assembly/")
    response = client.post("/desk/assembly/", data={"csrf_token": token, "session_id": second.id,
                                                    "direction": "out", "door": "North door"})
    assert response.headers["Location"] == f"/desk/assembly/{second.id}/door?direction=out"
    door = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Door: Statutory session 2" in door and "North door" in door
    assert "Each scan lets the person out." in door
    # Bad input: said, nothing opened.
    bad = client.post("/desk/assembly/", data={"csrf_token": token, "session_id": "", "direction": "sideways"})
    assert bad.status_code == 422
    assert "Please choose a session." in text_of(bad.get_data(as_text=True))
    unchosen = client.post("/desk/assembly/", data={"csrf_token": token, "session_id": hall.session.id})
    html = unchosen.get_data(as_text=True)
    assert unchosen.status_code == 422
    # The direction's error is tied to its group of radio buttons, as on every form.
    assert re.search(r'<fieldset class="field choices has-error" id="direction"\s+aria-describedby="direction-error">',
                     html), html
    assert re.search(r'<p class="field-error" id="direction-error">\s*<span>Please choose which way this door lets',
                     html)
    other = older_event()
    elsewhere = services.add_session(other, "Elsewhere", date(2025, 6, 24))
    db.session.commit()
    assert client.post("/desk/assembly/", data={"csrf_token": token, "session_id": elsewhere.id,
                                                "direction": "in"}).status_code == 422  # not a choice
    assert client.get(f"/desk/assembly/{elsewhere.id}/door").status_code == 404


def test_a_badge_scan_lets_in_once_and_a_second_scan_is_harmless(client, hall):
    code = valid_code(hall.c_voter).code
    db.session.commit()
    before = text_of(client.get(hall.door).get_data(as_text=True))
    assert "People inside now: 0" in before and "Votes present: 0 · needed for the quorum: 3" in before

    page = scan(client, hall, code.lower())
    assert "Siobhán Ní Bhriain (ALC Éire) is in." in page
    assert "Voting delegate of ALC Éire (1 vote)" in page
    assert "People inside now: 1" in page and "Votes present: 1 ·" in page
    assert "Undo (scanned by mistake)" in page
    first = passages()

    again = scan(client, hall, code)
    assert "Siobhán Ní Bhriain (ALC Éire) was already in: nothing changed, counted once." in again
    assert "People inside now: 1" in again and "is in." not in again
    assert passages() == first and count(HallPresence) == 1

    # Post/redirect/get: the result is shown once; reloading the page scans nothing and says nothing.
    reloaded = text_of(client.get(f"{hall.door}?direction=in").get_data(as_text=True))
    assert "already in" not in reloaded and "People inside now: 1" in reloaded
    assert passages() == first


def test_an_e_mail_at_an_exit_lets_out_and_the_count_drops(client, hall):
    scan(client, hall, "LUCJA@example.org")
    assert inside(hall) == {hall.a_voter.id}
    page = scan(client, hall, " lucja@example.org ", "out")
    assert "Łucja Wiśniewska (La Strada Polska) is out." in page and "People inside now: 0" in page
    assert "Undo: let in" in page
    assert inside(hall) == set()
    assert "was not in: nothing changed." in scan(client, hall, "lucja@example.org", "out")


def seconds_ago(hall, person, seconds: int) -> None:
    """Move the person's last passage (and first entry) back in time, as if it was made ``seconds`` ago."""
    presence = db.session.scalar(sa.select(HallPresence).where(HallPresence.participant_id == person.id))
    when = utcnow() - timedelta(seconds=seconds)
    if presence.first_entered_at == presence.entered_at:
        presence.first_entered_at = when
    presence.entered_at = when
    presence.left_at = when if presence.left_at else None
    db.session.commit()


def test_toggle_lets_in_then_out(client, hall):
    code = valid_code(hall.guest).code
    db.session.commit()
    assert "Gabriel Dupont is in." in scan(client, hall, code, "toggle")
    seconds_ago(hall, hall.guest, 11)
    assert "Carries no vote." in scan(client, hall, code, "toggle") and inside(hall) == set()
    seconds_ago(hall, hall.guest, 11)
    assert "Gabriel Dupont is in." in scan(client, hall, code, "toggle")
    assert inside(hall) == {hall.guest.id}


def test_a_toggle_scanner_sending_twice_does_not_let_the_person_out(client, hall):
    code = valid_code(hall.guest).code
    db.session.commit()
    assert "Gabriel Dupont is in." in scan(client, hall, code, "toggle")
    twice = scan(client, hall, code, "toggle")
    assert "Gabriel Dupont was already in: nothing changed, counted once." in twice
    assert inside(hall) == {hall.guest.id}
    seconds_ago(hall, hall.guest, 11)
    assert "Gabriel Dupont is out." in scan(client, hall, code, "toggle")
    assert "Gabriel Dupont was not in: nothing changed." in scan(client, hall, code, "toggle")
    assert inside(hall) == set()


def test_the_votes_a_person_carries_and_the_quorum_follow(client, hall):
    services.give_proxy(hall.event, hall.b, hall.a)
    db.session.commit()
    page = scan(client, hall, "lucja@example.org")
    assert "Voting delegate of La Strada Polska (2 votes)" in page
    assert "Holds the proxy of Fondation Samilia (1 vote)" in page
    # 4 votes in all, more than half needed: 3; A's 2 votes and B's by proxy make 3.
    assert "Votes present: 3 · needed for the quorum: 3" in page and "The quorum is reached." in page
    alternate = scan(client, hall, "anna@example.org")
    assert "Alternate of La Strada Polska (2 votes)" in alternate
    assert client.get(f"/desk/assembly/{hall.session.id}/counts.json").get_json() == {
        "people": 2, "votes_present": 3, "votes_needed": 3, "quorum": True}


def test_a_name_lets_its_only_match_in(client, hall):
    page = scan(client, hall, "wisniewska")  # accents do not matter
    assert "Łucja Wiśniewska (La Strada Polska) is in." in page
    assert inside(hall) == {hall.a_voter.id}


def test_a_name_with_several_matches_offers_them_and_one_is_chosen(client, hall):
    page = client.get(client.post(hall.door, data={"csrf_token": hall.token, "q": "anna nowak",
                                                   "direction": "in"}).headers["Location"]).get_data(as_text=True)
    assert "Several people match “anna nowak”: choose one." in text_of(page)
    buttons = re.findall(r'action="([^"]+/people/(\d+)\?back=in)"', page)
    assert {int(i) for _url, i in buttons} == {hall.a_alternate.id, hall.b_voter.id}
    assert inside(hall) == set()  # nothing happens before the choice
    chosen = move(client, hall, hall.b_voter, "in")
    assert "Anna Nowakowska (Fondation Samilia) is in." in chosen
    assert inside(hall) == {hall.b_voter.id}


def test_a_name_that_matches_nobody_says_so(client, hall):
    page = scan(client, hall, "Zyxwv")
    assert "Nobody found for “Zyxwv”." in page and inside(hall) == set()


def test_undo_takes_back_a_first_entry_scanned_by_mistake(client, hall):
    scan(client, hall, "gabriel@example.org")
    page = move(client, hall, hall.guest, "undo")
    assert "The entry of Gabriel Dupont is taken back: not in the hall, not on the attendance register." in page
    assert passages() == [] and "People inside now: 0" in page
    # Not on the attendance register: as if never scanned.
    _figures, first_in = services.attendance(hall.session)
    assert first_in == {}


def test_undo_after_a_return_lets_out_and_the_buttons_let_in_and_out(client, hall):
    scan(client, hall, "gabriel@example.org")
    out = move(client, hall, hall.guest, "out")
    assert "Gabriel Dupont is out." in out and "Undo: let in" in out
    back = move(client, hall, hall.guest, "in")
    assert "Gabriel Dupont is in." in back and "Undo (scanned by mistake)" in back
    # He had been in before: undo lets him out, and he stays on the attendance register.
    assert "Gabriel Dupont is out." in move(client, hall, hall.guest, "undo")
    assert inside(hall) == set() and [p[0] for p in passages()] == [hall.guest.id]
    assert "Let in" in scan(client, hall, "gabriel@example.org", "out")


def test_undo_erases_only_the_entry_this_staff_member_just_made(app, client, hall):
    scan(client, hall, "gabriel@example.org")
    scan(client, hall, "lucja@example.org")
    # Gabriel's entry is no longer the last one made here: Undo lets him out, he stays on the register.
    assert "Gabriel Dupont is out." in move(client, hall, hall.guest, "undo")
    assert [p[0] for p in passages()] == [hall.a_voter.id, hall.guest.id]
    # Another desk's Undo for Łucja, whose entry it did not make, lets her out too.
    with app.app_context():
        other = app.test_client()
        sign_in(other, Role.DESK, email="desk2@example.org")
        response = other.post(f"{hall.door}/people/{hall.a_voter.id}?back=in",
                              data={"csrf_token": csrf_token(other, hall.door), "direction": "undo"})
        assert response.status_code == 302
        assert "is out." in text_of(other.get(response.headers["Location"]).get_data(as_text=True))
    assert inside(hall) == set() and len(passages()) == 2


def test_undo_after_a_minute_lets_out_instead_of_erasing(client, hall):
    scan(client, hall, "gabriel@example.org")
    seconds_ago(hall, hall.guest, 61)
    assert "Gabriel Dupont is out." in move(client, hall, hall.guest, "undo")
    assert [p[0] for p in passages()] == [hall.guest.id] and inside(hall) == set()


def test_undo_is_refused_once_a_quorum_was_recorded_after_the_entry(client, hall):
    scan(client, hall, "gabriel@example.org")
    services.record_quorum(hall.session)
    db.session.commit()
    page = move(client, hall, hall.guest, "undo")
    assert "A quorum was recorded after Gabriel Dupont came in: the entry cannot be taken back." in page
    assert inside(hall) == {hall.guest.id} and [p[0] for p in passages()] == [hall.guest.id]


def refused(client, hall, text: str) -> str:
    before = passages()
    page = scan(client, hall, text)
    assert "Not let through:" in page and "People inside now: 0" in page
    assert passages() == before
    return page


def test_a_void_voting_card_is_refused_and_a_valid_one_lets_its_holder_in(client, hall):
    own = {card.organization_id: card.code for card in services.valid_voting_cards(hall.event)}
    services.set_mandate(hall.event, hall.c, hall.c_voter)  # unchanged: the card stays valid
    other = make_participant(hall.event, organization_id=hall.c.id, status=Status.CONFIRMED, given_name="Aoife",
                             email="aoife@example.org")
    services.set_mandate(hall.event, hall.c, other)  # a new voting delegate: the old card is void
    db.session.commit()
    assert "This voting card is void" in refused(client, hall, own[hall.c.id])
    assert "Łucja Wiśniewska (La Strada Polska) is in." in scan(client, hall, own[hall.a.id])


def test_replaced_cancelled_unknown_and_other_events_are_refused(client, hall):
    old = valid_code(hall.guest).code
    reissue(hall.guest)
    make_participant(hall.event, status=Status.CANCELLED, given_name="Gone", family_name="Away",
                     email="gone@example.org")
    other_event = older_event()
    stranger = make_participant(other_event, status=Status.CONFIRMED, given_name="Stranger",
                                email="stranger@example.org")
    stranger_code = valid_code(stranger).code
    db.session.commit()
    assert "This badge was replaced by a new one" in refused(client, hall, old)
    assert "The registration of Gone Away is cancelled." in refused(client, hall, "gone@example.org")
    assert "The registration of Gone Away is cancelled." in refused(client, hall, "Gone Away")  # by name too
    assert "No participant has this badge code or e-mail address" in refused(client, hall, stranger_code)
    assert "No participant has this badge code or e-mail address" in refused(client, hall, "nobody@example.org")
    assert "Nobody found for “Stranger”." in scan(client, hall, "Stranger")
    # Another event's person, or a session of another event, is not found by id either.
    assert client.post(f"{hall.door}/people/{stranger.id}", data={"csrf_token": hall.token,
                                                                  "direction": "in"}).status_code == 404
    assert passages() == []


def test_bad_input_changes_nothing(client, hall):
    empty = client.post(hall.door, data={"csrf_token": hall.token, "q": "  ", "direction": "in"})
    assert empty.status_code == 422 and "Please fill in this field." in empty.get_data(as_text=True)
    assert client.post(hall.door, data={"csrf_token": hall.token, "q": "gabriel@example.org",
                                        "direction": "sideways"}).status_code == 400
    assert client.post(f"{hall.door}/people/{hall.guest.id}", data={"csrf_token": hall.token}).status_code == 400
    assert client.get("/desk/assembly/999999/door").status_code == 404
    assert passages() == []


def test_csrf_is_required(client, hall):
    assert client.post(hall.door, data={"q": "gabriel@example.org", "direction": "in"}).status_code == 400
    assert client.post(f"{hall.door}/people/{hall.guest.id}", data={"direction": "in"}).status_code == 400
    assert passages() == []


def test_bad_input_without_csrf_protection_is_a_422_not_a_500(app, client, hall):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post(hall.door, data={"q": "  ", "direction": "in"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 422 and "Please fill in this field." in response.get_data(as_text=True)
    assert passages() == []


def test_anonymous_visitors_are_sent_to_sign_in(app, hall):
    with app.app_context():  # another browser: its own context, not the signed-in desk's
        anonymous = app.test_client()
        for path in ("/desk/assembly/", hall.door, f"/desk/assembly/{hall.session.id}/counts.json"):
            response = anonymous.get(path)
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        response = anonymous.post(hall.door, data={"q": "gabriel@example.org", "direction": "in"})
        assert response.status_code in (302, 400)
    assert passages() == []


def test_the_door_speaks_french(app, client, hall):
    with app.app_context():  # a fresh context: the language is chosen per request context
        client.get("/language/fr")
        page = scan(client, hall, "lucja@example.org")
    assert "Łucja Wiśniewska (La Strada Polska) est entré·e." in page
    assert "Délégué·e votant·e de La Strada Polska (2 voix)" in page and "Personnes dans la salle : 1" in page


@pytest.mark.only_on("postgresql")
def test_two_doors_scanning_the_same_badge_at_once_let_in_once(app, client, hall):
    code = valid_code(hall.a_voter).code
    db.session.commit()
    doors = []
    for number in range(4):
        with app.app_context():  # each door its own browser, its own context
            door_client = app.test_client()
            sign_in(door_client, Role.DESK, email=f"door{number}@example.org")
            doors.append((door_client, csrf_token(door_client, hall.door)))

    def at_door(door_client, token):
        def scan_now(ready):
            ready()
            return door_client.post(hall.door, data={"csrf_token": token, "q": code, "direction": "in"}).status_code
        return scan_now

    assert run_at_once([at_door(*door) for door in doors]) == [302] * 4
    assert count(HallPresence) == 1 and inside(hall) == {hall.a_voter.id}
    said = []
    for door_client, _token in doors:
        with app.app_context():
            said.append(text_of(door_client.get(hall.door).get_data(as_text=True)))
    assert sum("is in." in page for page in said) == 1
    assert sum("was already in" in page for page in said) == 3


def test_a_door_opens_on_todays_first_session_else_the_next_else_the_last(hall):
    afternoon = services.add_session(hall.event, "Afternoon", date(2027, 6, 25), starts_at=time(14))
    morning = services.add_session(hall.event, "Morning", date(2027, 6, 25), starts_at=time(8))
    first_day = services.add_session(hall.event, "Opening", date(2027, 6, 24))
    db.session.commit()
    assert door_session(hall.event, date(2027, 6, 25)) == morning
    assert door_session(hall.event, date(2027, 6, 23)) == first_day
    assert door_session(hall.event, date(2027, 7, 1)) == afternoon  # after the Assembly: the last one
