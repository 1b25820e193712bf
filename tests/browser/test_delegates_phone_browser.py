"""What delegates meet first, on a 390 px phone: the registration of an observer from a non-member
organization, the programme as a list that fits the screen, a checkbox's error below it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.demo.seed import seed_demo
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_registration_browser import day_label
from tests.conftest import body
from tests.factories import make_event, make_organization

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    """A page 390 px wide, in English, on the live server."""
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/Paris",
                                  viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot when SCREENSHOTS_DIR is set (for the issue's before/after pictures)."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.mark.browser
def test_an_observer_of_a_non_member_organization_registers_on_a_phone(phone, live_server, mailbox):
    event = make_event()
    make_organization(event, name="La Strada Česko", quota=3)
    phone.goto("/register")
    organization = phone.locator("#organization_id")
    # With JavaScript the "*" follows the category: a delegate must choose a member organization ...
    star = phone.locator("[data-required-for] .required")
    expect(star).to_be_visible()
    expect(phone.locator(".required-when")).to_be_hidden()
    expect(organization).to_have_attribute("aria-required", "true")
    phone.get_by_label("Given name").fill("Amira")
    phone.get_by_label("Family name").fill("Haddad")
    phone.get_by_label("E-mail address").fill("amira.haddad@example.org")
    phone.locator("#country").select_option("LB")
    phone.get_by_label("I am registering as").select_option("observer")
    # ... an observer need not.
    expect(star).to_be_hidden()
    expect(organization).to_have_attribute("aria-required", "false")
    # Only the name is typed: "None of these" is not picked.
    phone.get_by_label("Organization (if not a member").fill("Beirut Migrant Workers' Centre")
    phone.get_by_role("group", name="Days you will attend").get_by_label(day_label(0)).check()
    phone.get_by_role("button", name="Register").click()
    # The privacy box was forgotten: its error sits below it, the whole width of the field.
    error = phone.locator("#privacy-error")
    expect(error).to_be_visible()
    box = phone.locator("#privacy").bounding_box()
    error_box = error.bounding_box()
    field_box = phone.locator(".field.checkbox:has(#privacy)").bounding_box()
    assert error_box["y"] >= box["y"] + box["height"]
    assert error_box["width"] > field_box["width"] * 0.8
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "register_privacy_error_390.png")
    phone.get_by_label("I have read the privacy notice").check()
    phone.get_by_role("button", name="Register").click()

    expect(phone).to_have_url(f"{live_server}/register/done")
    expect(phone.locator(".sent-to")).to_have_text("amira.haddad@example.org")
    expect(phone.get_by_role("heading", name="What comes next")).to_be_visible()
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "register_done_390.png")
    [message] = mailbox.wait_for(1)
    assert message["To"] == "amira.haddad@example.org" and "Amira" in body(message)
    db.session.remove()
    person = db.session.scalar(sa.select(Participant))
    assert person.organization_id is None and person.organization_name == "Beirut Migrant Workers' Centre"
    assert person.category == "observer" and person.status == Status.UNCONFIRMED


@pytest.mark.browser
def test_without_javascript_the_label_says_a_member_organization_is_required_for_delegates(browser, live_server):
    make_organization(make_event())
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/register")
        expect(page.locator("label[for=organization_id]")).to_contain_text("(required for delegates)")
        expect(page.locator("[data-required-for] .required")).to_be_hidden()
    finally:
        context.close()


@pytest.mark.browser
def test_the_programme_on_a_phone_is_a_list_no_wider_than_the_screen(phone):
    seed_demo(participant_count=10)
    db.session.commit()
    phone.goto("/programme")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Programme")
    screenshot(phone, "programme_390.png")
    assert page_width(phone) <= PHONE["width"]
    # Every workshop's title is on the screen, none cut at the right.
    for title in phone.locator(".programme-item h4, td strong").all():
        box = title.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], title.text_content()


@pytest.mark.browser
def test_ranking_choices_fit_a_phone(phone):
    from datetime import time as clock

    from lsi_assembly.registration.links import make_token
    from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopRun
    from tests.factories import make_participant

    event = make_event(preferences_open=True, max_preferences=3)
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=clock(14), ends_at=clock(15, 30))
    db.session.add(slot)
    for number in range(3):
        room = Room(event_id=event.id, name=f"Salle {number}", capacity=20)
        workshop = Workshop(event_id=event.id, title=f"Labour exploitation at big sporting events and what "
                                                     f"organizations can do about it, part {number}",
                            description="Organizers write this description.")
        db.session.add_all([room, workshop])
        db.session.flush()
        db.session.add(WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=20))
    person = make_participant(event, status=Status.CONFIRMED)
    db.session.commit()
    phone.goto(f"/registration/{make_token(person.access_key)}/workshops")
    expect(phone.get_by_role("button", name="Move down").first).to_be_visible()
    assert page_width(phone) <= PHONE["width"]
    for control in phone.locator("fieldset[data-reorder] select, fieldset[data-reorder] button").all():
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(phone.get_by_text("Organizers write this description.").first).to_be_visible()
