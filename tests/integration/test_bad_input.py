"""Bad input of every kind gets a clear message beside its field and changes nothing."""
from __future__ import annotations

import io
from datetime import time

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role, User
from lsi_assembly.badges.models import BadgePreset
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.public.models import PublicAttendee
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.staff_views import PER_PAGE
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopRun
from tests.conftest import count
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    register_confirmed,
    registration_form,
    sign_in,
)
from tests.integration.test_public import make_public_event, register

CASES = [
    # (field overrides, field whose error is shown, text of the message)
    ({"given_name": ""}, "given_name", "Please fill in this field."),
    ({"given_name": "   "}, "given_name", "Please fill in this field."),
    ({"family_name": "x" * 101}, "family_name", "Please use at most 100 characters."),
    ({"accessibility_needs": "y" * 1001}, "accessibility_needs", "Please use at most 1000 characters."),
    ({"given_name": "Anna\x07"}, "given_name", "Contains characters that are not allowed (U+0007)"),
    ({"family_name": "Nowak\u202e"}, "family_name", "Contains characters that are not allowed (U+202E)"),
    ({"given_name": "<script>alert(1)</script>"}, "given_name", "Please leave out the characters &lt; and &gt;."),
    ({"job_title": "<b>Boss</b>"}, "job_title", "Please leave out the characters &lt; and &gt;."),
    ({"email": "not-an-address"}, "email", "This e-mail address is not valid."),
    ({"email": "a@b"}, "email", "This e-mail address is not valid."),
    ({"email": "a\x00b@example.org"}, "email", "Contains characters that are not allowed (U+0000)"),
    ({"arrival_date": "0001-01-01"}, "arrival_date", "Please give a date between 25 May 2027 and 26 July 2027."),
    ({"departure_date": "9999-12-31"}, "departure_date", "Please give a date between"),
    ({"email": ""}, "email", "Please fill in this field."),
    ({"country": ""}, "country", "Please choose your country."),
    ({"country": "ZZZ"}, "country", "Not a valid choice."),
    ({"organization_id": "abc"}, "organization_id", "Invalid Choice: could not coerce."),
    ({"organization_id": "999999"}, "organization_id", "Not a valid choice."),
    ({"organization_id": "0"}, "organization_id", "Delegates register for a member organization"),
    ({"organization_id": ""}, "organization_id", "Delegates register for a member organization"),
    ({"category": "observer", "organization_id": ""}, "organization_id", "Please choose your organization, or"),
    ({"category": "secretariat"}, "category", "Not a valid choice."),
    ({"days": []}, "days", "Please choose at least one day."),
    ({"days": ["999999"]}, "days", "is not a valid choice"),
    ({"days": ["monday"]}, "days", "Please choose at least one day."),
    ({"arrival_date": "31/02/2027"}, "arrival_date", "Not a valid date value."),
    ({"arrival_date": "2027-06-26", "departure_date": "2027-06-20"}, "departure_date",
     "The departure date cannot be before the arrival date."),
    ({"dietary": ["pizza"]}, "dietary", "is not a valid choice"),
    ({"privacy": ""}, "privacy", "Please accept the privacy notice to register."),
    ({"languages": ",".join(f"L{i}" for i in range(20))}, "languages", "Please list at most 12 languages."),
    ({"organization_id": "99999999999999999999"}, "organization_id", "Invalid Choice: could not coerce."),
    ({"organization_id": "2147483648"}, "organization_id", "Invalid Choice: could not coerce."),
    ({"days": ["99999999999999999999"]}, "days", "Please choose at least one day."),
    ({"given_name": "Anna\u200b"}, "given_name", "(U+200B ZERO WIDTH SPACE)"),
    ({"family_name": "No\u2060wak"}, "family_name", "(U+2060 WORD JOINER)"),
    ({"family_name": "\ufeffNowak"}, "family_name", "(U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
    ({"given_name": "Anna\u200f"}, "given_name", "(U+200F RIGHT-TO-LEFT MARK)"),
    ({"name_on_badge": "\u3164"}, "name_on_badge", "cannot be seen or that changes the direction of the text "
                                                   "(U+3164 HANGUL FILLER)"),
    ({"name_on_badge": "Ann\u0336\u0336\u0336\u0336a"}, "name_on_badge",
     "Has too many accents on one letter (4 on “n”)"),
    ({"category": "observer", "organization_id": "0", "organization_name": "Fundacja\u2800"}, "organization_name",
     "(U+2800 BRAILLE PATTERN BLANK)"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), CASES, ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)])
def test_bad_input_is_refused_with_a_message_and_stores_nothing(client, overrides, field, message):
    event = make_event()
    organization = make_organization(event)

    response = post_form(client, "/register", registration_form(event, organization, **overrides))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error_block = html.split(f'id="{field}-error">', 1)
    assert len(error_block) == 2, f"no error shown for {field}"
    assert message in error_block[1].split("</p>", 1)[0]
    assert "There is a problem" in html and f'href="#{field}' in html
    assert count(Participant) == 0
    assert count(OutboxMessage) == 0


def test_markup_in_free_text_is_stored_as_text_and_shown_escaped(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    payload = '<img src=x onerror="alert(1)"> & <script>alert("x")</script>'
    path = register_confirmed(client, mailbox, registration_form(event, organization, accessibility_needs=payload))

    html = client.get(path).get_data(as_text=True)
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_post_without_csrf_token_is_refused_and_stores_nothing(client):
    event = make_event()
    organization = make_organization(event)
    response = client.post("/register", data=registration_form(event, organization))
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert count(Participant) == 0


def test_post_with_a_forged_csrf_token_is_refused(client):
    event = make_event()
    organization = make_organization(event)
    response = client.post("/register", data={"csrf_token": "forged", **registration_form(event, organization)})
    assert response.status_code == 400
    assert count(Participant) == 0


def test_oversized_request_gets_a_clear_page(client):
    event = make_event()
    organization = make_organization(event)
    token = csrf_token(client, "/register")
    data = {"csrf_token": token, **registration_form(event, organization, accessibility_needs="z" * 5_000_000)}
    response = client.post("/register", data=data)
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)
    assert count(Participant) == 0


def test_unknown_fields_and_repeated_values_do_not_break_the_form(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    data = registration_form(event, organization, status="confirmed", access_key="mine", id="1")
    response = post_form(client, "/register", data)
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(Participant))
    assert stored.status == "unconfirmed" and stored.access_key != "mine"


# --- Requests that must not kill a worker or give a 500 -------------------------------------------

#: 200,000 fields in one url-encoded body (about 3 MB, under MAX_CONTENT_LENGTH), built once.
MANY_FIELDS = b"&".join(b"ranks-%d=1" % i for i in range(200_000))


def _ranking(event, max_preferences=5, workshops=7):
    """A confirmed participant's ranking page with ``workshops`` workshops to choose from."""
    event.preferences_open, event.max_preferences = True, max_preferences
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(10), ends_at=time(11))
    rooms = [Room(event_id=event.id, name=f"Room {i}", capacity=30) for i in range(workshops)]
    listed = [Workshop(event_id=event.id, title=f"Workshop {i}") for i in range(workshops)]
    db.session.add_all([slot, *rooms, *listed])
    db.session.flush()
    db.session.add_all(WorkshopRun(workshop_id=w.id, slot_id=slot.id, room_id=r.id, capacity=30)
                       for w, r in zip(listed, rooms, strict=True))
    person = make_participant(event, status=Status.CONFIRMED, email="ranks@example.org")
    return person, [w.id for w in listed], f"/registration/{make_token(person.access_key)}/workshops"


def test_two_hundred_thousand_fields_are_refused_before_any_form_is_built(client):
    event = make_event()
    _person, _ids, path = _ranking(event)
    response = client.post(path, data=MANY_FIELDS, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True) and "<html" in response.get_data(as_text=True)
    assert count(Preference) == 0


def test_too_many_multipart_parts_are_refused_too(client):
    event = make_event()
    _person, _ids, path = _ranking(event)
    response = client.post(path, data={f"ranks-{i}": "1" for i in range(600)}, content_type="multipart/form-data")
    assert response.status_code == 413 and "Too much data" in response.get_data(as_text=True)
    assert count(Preference) == 0


def test_the_largest_real_form_a_page_of_registrations_in_bulk_still_goes_through(client):
    event = make_event()
    people = [make_participant(event, email=f"p{i}@example.org", status=Status.PENDING) for i in range(PER_PAGE)]
    sign_in(client)
    token = csrf_token(client, "/manage/registrations/")
    response = client.post("/manage/registrations/bulk", data={
        "csrf_token": token, "action": "approve", "ids": [str(p.id) for p in people],
        "next": "/manage/registrations/"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)
                             .where(Participant.status == Status.CONFIRMED)) == PER_PAGE


def test_the_ranking_refuses_more_choices_than_allowed(client):
    event = make_event()
    _person, ids, path = _ranking(event, max_preferences=5, workshops=7)
    seven = post_form(client, path, {f"ranks-{i}": str(ids[i]) for i in range(7)})
    html = seven.get_data(as_text=True)
    assert seven.status_code == 422 and "Please choose at most 5 workshops." in html
    assert html.count("<select") == 5
    assert count(Preference) == 0
    five = post_form(client, path, {f"ranks-{i}": str(ids[i]) for i in range(5)})
    assert five.status_code == 302 and count(Preference) == 5


@pytest.mark.parametrize(("fields", "status"), [
    ({"ranks-²": "1"}, 302), ({"ranks-" + "9" * 5000: "1"}, 302),  # not entries of the list: nothing chosen
    ({"ranks-0": "99999999999999999999"}, 422), ({"ranks-0": "2147483648"}, 422),
])
def test_odd_ranking_fields_get_the_form_s_answer(client, fields, status):
    event = make_event()
    _person, _ids, path = _ranking(event)
    response = post_form(client, path, fields)
    assert response.status_code == status
    if status == 422:
        assert "Invalid Choice: could not coerce." in response.get_data(as_text=True)
    assert count(Preference) == 0


def test_a_ranking_is_refused_before_reading_it_when_choosing_is_closed(client):
    event = make_event()
    _person, ids, path = _ranking(event)
    token = csrf_token(client, path)
    event.preferences_open = False
    db.session.commit()
    response = client.post(path, data={"csrf_token": token, "ranks-0": str(ids[0])})
    assert response.status_code == 403 and "not open at the moment" in response.get_data(as_text=True)
    assert count(Preference) == 0


@pytest.mark.parametrize("invite", ["%00", "abc%00def", "x" * 100, "%F0%9F%98%80" * 20])
def test_an_invitation_that_cannot_exist_is_simply_not_valid(client, invite):
    """A NUL byte would reach PostgreSQL, which refuses it in text: a 500 on that database before."""
    event = make_event()
    organization = make_organization(event)
    organization.invite_token = "Valid-Token_0123456789abcdefABCD"
    db.session.commit()
    response = client.get(f"/register?invite={invite}")
    assert response.status_code == 200
    assert "This invitation link is no longer valid" in response.get_data(as_text=True)
    invited = client.get(f"/register?invite={organization.invite_token}%00").get_data(as_text=True)
    assert "This invitation link is no longer valid" in invited


@pytest.mark.parametrize(("field", "value"), [
    ("badge_width", "sNaN"), ("badge_width", "NaN"), ("badge_width", "-Infinity"), ("badge_height", "1e999999999"),
    ("gap_x", "sNaN"), ("gap_y", "Infinity"),
])
def test_a_badge_size_must_be_a_number(client, field, value):
    make_event()
    sign_in(client)
    data = {"name": "pouch-100x70", "badge_width": "100", "badge_height": "70", "page_width": "210",
            "page_height": "297", "columns": "2", "rows": "4", "gap_x": "0", "gap_y": "0", field: value}
    response = client.post("/manage/badges/presets", data={"csrf_token": csrf_token(client, "/manage/badges/"), **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please give a number, such as 85 or 85.5." in html.split(f'id="{field}-error">')[1]
    assert count(BadgePreset) == 0


HUGE = "99999999999999999999"


def test_ids_beyond_the_database_integer_in_the_bulk_action_change_nothing(client):
    event = make_event()
    person = make_participant(event, status=Status.PENDING)
    sign_in(client)
    token = csrf_token(client, "/manage/registrations/")
    for ids in ([HUGE], [HUGE, str(person.id)], ["2147483648"], ["-1"]):
        response = client.post("/manage/registrations/bulk", data={"csrf_token": token, "action": "approve",
                                                                   "ids": ids})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Please tick the registrations again: the selection could not be read." in page
    db.session.refresh(person)
    assert person.status == Status.PENDING


def test_ids_beyond_the_database_integer_in_programme_and_badge_forms_are_refused(client):
    event = make_event()
    person, ids, _path = _ranking(event)
    room = db.session.scalar(sa.select(Room))
    slot = db.session.scalar(sa.select(TimeSlot))
    runs = count(WorkshopRun)
    sign_in(client)
    token = csrf_token(client, "/manage/programme/")
    workshop = f"/manage/programme/workshops/{ids[0]}/runs"
    for url, data in [
        (workshop, {"slot_id": HUGE, "room_id": str(room.id)}),
        (workshop, {"slot_id": str(slot.id), "room_id": HUGE}),
        (workshop, {"slot_id": "2147483648", "room_id": "2147483648"}),
        ("/manage/programme/slots", {"day_id": HUGE, "starts_at": "14:00", "ends_at": "15:00"}),
        (f"/manage/programme/participants/{person.id}/seats", {f"run_{slot.id}": HUGE}),
        ("/manage/badges/print", {"preset": "a6", "organization_id": HUGE, "day_id": HUGE}),
    ]:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 422, url
        assert "Invalid Choice: could not coerce." in response.get_data(as_text=True), url
    assert count(WorkshopRun) == runs and count(TimeSlot) == 1


def test_the_desk_refuses_a_day_beyond_the_database_integer(client):
    make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    response = client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 1", "day_id": HUGE,
                                                   "preset": "card-86x54"})
    assert response.status_code == 422 and "Invalid Choice: could not coerce." in response.get_data(as_text=True)
    assert "lsi_desk" not in response.headers.get("Set-Cookie", "")  # the desk is not set up


@pytest.mark.parametrize(("query", "status"), [
    (f"/manage/registrations/?organization={HUGE}&day={HUGE}&status=%00&category=%00&country=%00&sort=%00", 200),
    ("/manage/registrations/?organization=2147483648&day=-1", 200),
    (f"/manage/audit?kind=participant&id={HUGE}", 200),
    ("/manage/audit?kind=%00&id=%00&page=%00", 200),
    ("/manage/public/?status=%00&page=%00", 200),
    ("/manage/lists/file?kind=participants&day=%00", 404),
])
def test_query_string_filters_with_nul_bytes_or_huge_ids_are_ignored(client, query, status):
    make_event()
    sign_in(client)
    assert client.get(query).status_code == status


def test_search_words_with_a_nul_byte_still_find(client):
    event = make_event()
    make_participant(event, given_name="Anna", family_name="Nowak")
    sign_in(client)
    token = csrf_token(client, "/manage/registrations/")
    response = client.post("/manage/registrations/", data={"csrf_token": token, "q": "no\x00wak"},
                           follow_redirects=True)
    assert response.status_code == 200 and "Nowak" in response.get_data(as_text=True)


# --- Names with invisible characters, everywhere a name is typed ------------------------------------

ZWSP = "\u200b"
ZWSP_NAMED = "(U+200B ZERO WIDTH SPACE)"


def test_the_participant_s_own_edit_refuses_invisible_characters(client, mailbox):
    event = make_event()
    person = make_participant(event)
    path = f"/registration/{make_token(person.access_key)}/edit"
    form = registration_form(event, given_name="Anna", family_name=f"No{ZWSP}wak")
    response = post_form(client, path, {k: form[k] for k in form if k not in {"email", "category", "organization_id",
                                                                              "organization_name", "privacy"}})
    assert response.status_code == 422 and ZWSP_NAMED in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.family_name == "Nowak"


def test_the_organizers_edit_refuses_invisible_characters(client):
    event = make_event()
    person = make_participant(event)
    sign_in(client)
    response = post_form(client, f"/manage/registrations/{person.id}/edit", {
        "given_name": "Anna", "family_name": "Nowak", "name_on_badge": f"Ania{ZWSP}", "email": person.email,
        "country": "PL", "category": "observer", "organization_id": "0", "days": [str(event.days[0].id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ZWSP_NAMED in html.split('id="name_on_badge-error">')[1]
    db.session.refresh(person)
    assert person.name_on_badge is None


def test_the_public_event_refuses_invisible_characters_in_a_name(client):
    make_public_event(make_event())
    response = register(client, "ana@example.org", name=f"Ana{ZWSP} Bălan")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ZWSP_NAMED in html.split('id="name-error">')[1]
    assert count(PublicAttendee) == 0


def test_organizations_refuse_invisible_characters_in_names(client):
    make_event()
    sign_in(client)
    response = post_form(client, "/manage/organizations/new", {
        "name": f"La Strada{ZWSP}", "country": "PL", "delegate_quota": "2", "contact_name": "Anna\u3164",
        "contact_email": "", "is_active": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ZWSP_NAMED in html.split('id="name-error">')[1]
    assert "(U+3164 HANGUL FILLER)" in html.split('id="contact_name-error">')[1]
    assert count(Organization) == 0


def test_staff_accounts_refuse_invisible_characters_in_names(client):
    sign_in(client, Role.ADMIN)
    response = post_form(client, "/manage/users", {"email": "desk.two@example.org", "name": f"Desk{ZWSP} Two",
                                                    "role": "desk"})
    assert response.status_code == 422 and ZWSP_NAMED in response.get_data(as_text=True)
    assert count(User) == 1


def test_the_command_line_refuses_invisible_characters_in_a_staff_name(runner):
    result = runner.invoke(args=["users", "create", "desk@example.org", "--role", "desk", "--name", f"Desk{ZWSP}"],
                           input="correct horse battery\n")
    assert result.exit_code != 0 and "U+200B ZERO WIDTH SPACE" in result.output
    assert count(User) == 0


def test_walk_ins_refuse_invisible_characters_in_names(client):
    event = make_event()
    sign_in(client, Role.DESK)
    token = csrf_token(client, "/desk/")
    client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 2", "day_id": event.days[0].id,
                                        "preset": "card-86x54"})
    response = client.post("/desk/walk-in", data={
        "csrf_token": token, "given_name": "Aigerim", "family_name": f"Nurlan{ZWSP}qyzy",
        "email": "aigerim@example.org", "country": "KZ", "category": "observer", "organization_name": "",
        "privacy": "y"})
    assert response.status_code == 422 and ZWSP_NAMED in response.get_data(as_text=True)
    assert count(Participant) == 0


def test_the_participant_import_refuses_invisible_characters_in_names(client, app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    event = make_event()
    make_organization(event, name="La Strada Polska")
    sign_in(client)
    csv_text = ("first_name,last_name,email,organization,country,category,name_on_badge\n"
                f"Anna,No{ZWSP}wak,anna@example.org,La Strada Polska,PL,delegate,\n"
                "Jan,Kowalski,jan@example.org,La Strada Polska,PL,delegate,J\u0336\u0336\u0336\u0336an\n"
                "Łucja,Wiśniewska-Żółkiewska,lucja@example.org,La Strada Polska,PL,delegate,\n")
    response = client.post("/manage/registrations/import", data={
        "csrf_token": csrf_token(client, "/manage/registrations/import"),
        "file": (io.BytesIO(csv_text.encode()), "list.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "last_name: contains a character that cannot be seen or that changes the direction of the text " \
           "(U+200B ZERO WIDTH SPACE)" in html
    assert "name_on_badge: too many accents on one letter (4 on “J”)" in html
    assert count(Participant) == 0


def test_the_member_list_import_refuses_invisible_characters_in_names(client):
    make_event()
    sign_in(client)
    csv_text = f"name,country,contact_name\nLa Strada{ZWSP},PL,\nNowa Fundacja,PL,Anna\u200e\n"
    response = client.post("/manage/organizations/import", data={
        "csrf_token": csrf_token(client, "/manage/organizations/import"),
        "file": (io.BytesIO(csv_text.encode()), "members.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in html
    assert "name: contains a character that cannot be seen" in html and ZWSP_NAMED in html
    assert "contact_name: contains a character that cannot be seen" in html and "U+200E LEFT-TO-RIGHT MARK" in html
    assert count(Organization) == 0


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/%0aX", "/%00"])
def test_a_return_address_with_a_line_break_goes_home(client, target):
    make_event()
    response = client.get(f"/language/fr?next={target}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)
