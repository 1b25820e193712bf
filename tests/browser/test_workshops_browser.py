"""Workshops in a real browser: ranking with the keyboard and the move buttons, assigning with a status."""
from __future__ import annotations

import json
import re
import time
from datetime import time as clock

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.workshops import assignment_views
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopAssignment, WorkshopRun
from tests.browser.conftest import sign_in_page
from tests.factories import make_event, make_participant

TITLES = ("Safe shelters", "Labour exploitation in agriculture", "Survivor-led advocacy")


def programme(event) -> dict[str, Workshop]:
    """Three workshops in parallel on the first day."""
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=clock(14), ends_at=clock(15, 30))
    db.session.add(slot)
    workshops = {}
    for number, title in enumerate(TITLES):
        room = Room(event_id=event.id, name=f"Salle {number + 1}", capacity=20)
        workshop = Workshop(event_id=event.id, title=title)
        db.session.add_all([room, workshop])
        db.session.flush()
        db.session.add(WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=20))
        workshops[title] = workshop
    db.session.commit()
    return workshops


def ranking() -> list[str]:
    db.session.remove()
    return list(db.session.scalars(sa.select(Workshop.title).join(Preference, Preference.workshop_id == Workshop.id)
                                   .order_by(Preference.rank)))


@pytest.mark.browser
def test_rank_workshops_with_selects_and_move_buttons(page, live_server):
    event = make_event(preferences_open=True, max_preferences=3)
    programme(event)
    participant = make_participant(event, status=Status.CONFIRMED)
    page.goto(f"/registration/{make_token(participant.access_key)}/workshops")

    choices = page.get_by_role("group", name="My choices, best first")
    choices.get_by_label("Choice 1").select_option(label="Survivor-led advocacy")
    choices.get_by_label("Choice 2").select_option(label="Safe shelters")
    # Browsing a closed select with the arrow keys changes nothing elsewhere...
    third = choices.get_by_label("Choice 3")
    third.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(choices.get_by_label("Choice 1")).not_to_have_value("")
    expect(choices.get_by_label("Choice 2")).not_to_have_value("")
    # ...choosing a workshop already ranked swaps the two once the choice is made (focus leaves).
    third.select_option(label="Survivor-led advocacy")
    third.blur()
    expect(choices.get_by_label("Choice 1")).to_have_value("")
    choices.get_by_label("Choice 1").select_option(label="Labour exploitation in agriculture")

    # Move "Safe shelters" from 2nd to 1st with the keyboard.
    move_up = choices.get_by_role("button", name="Move up (Choice 2)")
    move_up.focus()
    page.keyboard.press("Enter")
    expect(choices.get_by_label("Choice 1")).to_have_value(str(db.session.scalar(
        sa.select(Workshop.id).where(Workshop.title == "Safe shelters"))))
    expect(page.get_by_text("Moved to choice 1")).to_be_attached()
    expect(choices.get_by_role("button", name="Move up (Choice 1)")).to_be_disabled()

    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
    assert ranking() == ["Safe shelters", "Labour exploitation in agriculture", "Survivor-led advocacy"]

    # The saved order comes back in the selects.
    page.reload()
    expect(page.get_by_label("Choice 3")).to_have_value(str(db.session.scalar(
        sa.select(Workshop.id).where(Workshop.title == "Survivor-led advocacy"))))


@pytest.mark.browser
def test_ranking_without_javascript_refuses_a_workshop_twice(browser, live_server):
    event = make_event(preferences_open=True, max_preferences=3)
    programme(event)
    participant = make_participant(event, status=Status.CONFIRMED)
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"/registration/{make_token(participant.access_key)}/workshops")
        expect(page.get_by_role("button", name="Move up (Choice 2)")).to_have_count(0)
        page.get_by_label("Choice 1").select_option(label="Safe shelters")
        page.get_by_label("Choice 2").select_option(label="Safe shelters")
        page.get_by_role("button", name="Save my choices").click()
        expect(page.get_by_role("alert")).to_contain_text("You chose this workshop already")
        assert ranking() == []
        page.get_by_label("Choice 2").select_option(label="Survivor-led advocacy")
        page.get_by_role("button", name="Save my choices").click()
        expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
        assert ranking() == ["Safe shelters", "Survivor-led advocacy"]
    finally:
        context.close()


@pytest.mark.browser
def test_assigning_seats_shows_a_status_then_the_report(page, live_server, monkeypatch):
    event = make_event()
    workshops = programme(event)
    for index in range(30):
        person = make_participant(event, status=Status.CONFIRMED, email=f"p{index}@example.org")
        db.session.add(Preference(participant_id=person.id, workshop_id=workshops[TITLES[index % 3]].id, rank=1))
    db.session.commit()
    sign_in_page(page, Role.ORGANIZER)

    page.goto("/manage/programme/")
    # Make the run slow, as with thousands of participants, so the status can be seen while it works.
    real_run = assignment_views.run_assignment

    def slow_run(event):
        time.sleep(2)
        return real_run(event)

    monkeypatch.setattr(assignment_views, "run_assignment", slow_run)
    # Read the page as it is 1.2 s into the request. Evaluating from here while the navigation is
    # under way is racy (Playwright may wait for it, and the page is gone), so the page notes what it
    # shows in sessionStorage, which outlives the navigation, and the test reads it afterwards.
    page.evaluate("""() => document.querySelector("form[data-busy]").addEventListener("submit", () =>
        setTimeout(() => {
            const status = document.querySelector("form .busy-status");
            const button = document.querySelector("form[data-busy] button[type=submit]");
            sessionStorage.setItem("busy", JSON.stringify([status && status.textContent,
                                                           button.getAttribute("aria-disabled")]));
        }, 1200))""")
    page.get_by_role("button", name="Assign seats now").click(no_wait_after=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Assignment")
    status = json.loads(page.evaluate("sessionStorage.getItem('busy')"))
    # The seconds tick once a second (a loaded machine may be a tick late).
    assert re.fullmatch(r"Assigning the seats: this takes a few seconds\.( \(\d s so far\))?", " ".join(status[0].split()))
    assert status[1] == "true"
    expect(page.get_by_role("status").first).to_contain_text("proven the best possible")
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkshopAssignment)) == 30
