"""Assigning seats from the web: optimal on the real data, pins kept, a quality report."""
from __future__ import annotations

import sqlalchemy as sa
from icalendar import Calendar

from lsi_assembly.auth.models import Role
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.workshops.assignment import build_instance, quality_report, run_assignment
from lsi_assembly.workshops.models import (
    WorkshopAssignment,
    WorkshopRun,
)
from lsi_assembly.workshops.scheduler import check_feasible, parse_instance
from tests.conftest import body
from tests.factories import csrf_token, sign_in


def _seats():
    return {tuple(row) for row in db.session.execute(
        sa.select(WorkshopAssignment.participant_id, WorkshopAssignment.run_id))}


def test_the_instance_reflects_the_database(seating):
    event, runs, people, waiting = seating
    data, participants, _ = build_instance(event)
    assert [p["id"] for p in data["participants"]] == [p.id for p in people]  # confirmed only
    assert data["participants"][0]["slots"] == [runs["alpha"].slot_id, runs["gamma"].slot_id]
    assert len(data["participants"][0]["preferences"]) == 3


def test_assign_from_the_web_keeps_the_rules_and_shows_the_quality(client, seating):
    event, runs, people, waiting = seating
    sign_in(client, Role.ORGANIZER)
    response = client.post("/manage/programme/assign", data={"csrf_token": csrf_token(client, "/registration/link")},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "proven the best possible" in html and "Seats by rank obtained" in html
    seats = _seats()
    assert sum(1 for _, run in seats if run == runs["alpha"].id) == 2  # capacity
    assert sum(1 for _, run in seats if run == runs["gamma"].id) == 2
    assert all(pid != waiting.id for pid, _ in seats)
    data, _, _ = build_instance(event)
    instance = parse_instance(data)
    by_person = {p.id: [run for pid, run in seats if pid == p.id] for p in people}
    assert check_feasible(instance, by_person) == []
    report = quality_report(event)
    assert report.stats["seated"] == 6 and report.stats["unseated"] == 2  # day 2 has only 2 seats
    assert dict(report.histogram)["1"] == 2


def test_pins_are_kept_and_the_rest_is_given_anew(seating):
    event, runs, people, waiting = seating
    db.session.add(WorkshopAssignment(participant_id=people[3].id, run_id=runs["alpha"].id, pinned=True))
    db.session.add(WorkshopAssignment(participant_id=people[0].id, run_id=runs["beta"].id))  # stale
    db.session.commit()
    run_assignment(event)
    db.session.commit()
    seats = _seats()
    assert (people[3].id, runs["alpha"].id) in seats
    assert sum(1 for _, run in seats if run == runs["alpha"].id) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(WorkshopAssignment.pinned.is_(True))) == 1


def test_the_organization_cap_spreads_a_delegation(seating):
    event, runs, people, waiting = seating
    event.workshop_organization_cap = 1
    db.session.commit()
    run_assignment(event)
    db.session.commit()
    seats = _seats()
    assert sum(1 for _, run in seats if run == runs["alpha"].id) == 1


def test_the_report_before_any_assignment(client, seating):
    sign_in(client, Role.ORGANIZER)
    assert "No seats assigned yet." in client.get("/manage/programme/assignment").get_data(as_text=True)


def test_publishing_mails_the_schedule_and_shows_it_with_a_calendar_file(client, seating, mailbox):
    event, runs, people, waiting = seating
    run_assignment(event)
    db.session.commit()
    person = people[0]
    path = f"/registration/{make_token(person.access_key)}/workshops"
    assert client.get(path + ".ics").status_code == 404  # nothing published yet
    assert "My schedule" not in client.get(path).get_data(as_text=True)

    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/registration/link")
    unconfirmed = client.post("/manage/programme/publish", data={"csrf_token": token}, follow_redirects=True)
    assert "Tick the confirmation to publish" in unconfirmed.get_data(as_text=True)
    db.session.refresh(event)
    assert event.assignment_published_at is None and mailbox.messages == []
    page = client.post("/manage/programme/publish", data={"csrf_token": token, "confirm": "y"},
                       follow_redirects=True)
    assert "4 people were sent their schedule" in page.get_data(as_text=True)
    messages = mailbox.wait_for(4)
    mine = next(m for m in messages if m["To"] == person.email)
    assert mine["Subject"] == "Your workshops at LSI General Assembly 2027"
    seats = [run for pid, run in _seats() if pid == person.id]
    titles = {db.session.get(WorkshopRun, run_id).workshop.title for run_id in seats}
    assert all(title in body(mine) for title in titles) and "/workshops" in body(mine)

    html = client.get(path).get_data(as_text=True)
    assert "My schedule" in html and all(title in html for title in titles)
    ics = client.get(path + ".ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.get_data())
    entries = [c for c in calendar.walk("VEVENT")]
    assert {str(e["summary"]) for e in entries} == titles
    start = entries[0].decoded("dtstart")
    assert start.hour == 10 and str(start.tzinfo) == "Europe/Paris"


def test_assigning_again_after_publishing_needs_a_confirmation(client, seating):
    event, runs, people, waiting = seating
    run_assignment(event)
    event.assignment_published_at = utcnow()
    db.session.commit()
    before = _seats()
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/registration/link")
    refused = client.post("/manage/programme/assign", data={"csrf_token": token}, follow_redirects=True)
    assert "tick the confirmation first" in refused.get_data(as_text=True)
    assert _seats() == before
    done = client.post("/manage/programme/assign", data={"csrf_token": token, "confirm": "y"}, follow_redirects=True)
    assert "proven the best possible" in done.get_data(as_text=True)


def test_the_report_speaks_of_people_and_comes_before_publishing(client, seating):
    event, runs, people, waiting = seating
    run_assignment(event)
    db.session.commit()
    report = quality_report(event)
    # Day 2 has 2 seats for 4 people: two people are without a workshop in a slot they attend.
    assert report.people_missing_a_slot == 2
    assert report.ranked_people == len(people)
    assert 0 < report.first_choice_people <= report.ranked_people
    assert sum(row[3] for row in report.organizations) <= report.people_missing_a_slot
    for _person, ranks, seats in report.worst_off:
        assert ranks.count(None) == 2 - len(seats)  # "no workshop" once per slot without a seat

    sign_in(client, Role.ORGANIZER)
    html = client.get("/manage/programme/assignment").get_data(as_text=True)
    assert "cost" not in html.lower()
    assert f"{report.first_choice_people}</span> people got their first choice" in html.replace(
        "person got", "people got")
    assert "2</span> people without a workshop in a slot they attend" in html
    assert "no workshop" in html
    # The report first, publishing after it.
    assert html.index("Seats by rank obtained") < html.index("Who got the least") < html.index(
        "Publish the seats") < html.index("/manage/programme/publish")
