"""The check-in desk in a real browser: a scanner types the code and Enter, the badge prints as a PDF."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.auth.models import Role
from lsi_assembly.badges.models import BadgePrint
from lsi_assembly.badges.services import valid_code
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.browser.conftest import sign_in_page
from tests.factories import make_event, make_participant


@pytest.mark.browser
def test_scan_check_in_and_print_the_badge(page, live_server):
    event = make_event()
    person = make_participant(event, given_name="Łucja", family_name="Wiśniewska-Żółkiewska", status=Status.CONFIRMED)
    code, person_id = valid_code(person).code, person.id
    db.session.commit()
    sign_in_page(page, Role.DESK)

    page.goto("/desk/")
    # Before its first check-in the desk is set up; before the Assembly no day is today's: one is chosen.
    page.get_by_label("Desk name").fill("Desk 1")
    page.get_by_label("Checking in for").select_option(str(event.days[0].id))
    page.get_by_role("button", name="Start checking in").click()

    # A USB scanner is a keyboard: it types the code into the focused input, then presses Enter.
    lookup = page.get_by_label("Scan a badge or type a name")
    expect(lookup).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Checked in.")
    expect(page.get_by_role("heading", name="Łucja Wiśniewska-Żółkiewska")).to_be_visible()
    expect(page.get_by_label("Scan a badge or type a name")).to_be_focused()  # ready for the next person
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1

    # Scanning again says so, without an error.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Checked in today at")).to_be_visible()

    # The badge opens in a new tab, where the browser prints it.
    with page.context.expect_event("response", lambda response: response.url.endswith("/badge")) as answer:
        page.get_by_role("button", name="Print the badge").click()
    assert answer.value.headers["content-type"] == "application/pdf"
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) == 1
    page.goto(f"/desk/participants/{person_id}")
    expect(page.get_by_text("Printed.")).to_be_visible()
    expect(page.get_by_role("button", name="Print the badge again")).to_be_visible()


@pytest.mark.browser
def test_a_phone_sets_up_its_desk_in_one_step_and_checks_in_from_the_list(page, live_server):
    """At 390 px: the first-run step asks for the name and the day, fits the screen, and then the desk
    finds people typed in Latin letters whose names are written in Cyrillic and checks them in from the list."""
    event = make_event()
    people = [make_participant(event, given_name=given, family_name="Стојановска", email=f"{n}@example.org",
                               status=Status.CONFIRMED) for n, given in enumerate(("Марија", "Елена"))]
    db.session.commit()
    first_id = people[0].id
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_page(page, Role.DESK)

    page.goto("/desk/")
    expect(page.get_by_role("heading", name="Set up this desk")).to_be_visible()
    expect(page.get_by_label("Scan a badge or type a name")).to_have_count(0)  # nothing to do before the setup
    expect(page.get_by_label("Desk name")).to_be_focused()
    expect(page.get_by_label("Checking in for")).to_have_value("")  # no day looks chosen before the Assembly
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    # Leaving the day out is refused beside the field, and nothing is saved.
    page.keyboard.type("Desk on the phone")
    page.get_by_role("button", name="Start checking in").click()
    expect(page.locator("#day_id-error")).to_have_text("Please choose a day.")
    expect(page.get_by_label("Checking in for")).to_have_attribute("aria-invalid", "true")
    assert not [c for c in page.context.cookies() if c["name"] == "lsi_desk"]

    page.get_by_label("Checking in for").select_option(str(event.days[0].id))
    page.get_by_role("button", name="Start checking in").click()
    expect(page.get_by_text("This desk is set up: Desk on the phone")).to_be_visible()
    [cookie] = [c for c in page.context.cookies() if c["name"] == "lsi_desk"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/desk"
    assert cookie["expires"] > 0  # kept on the device, not only for this browser session
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A Latin spelling of a Cyrillic name: both are listed; the keyboard reaches each one's check-in button.
    lookup = page.get_by_label("Scan a badge or type a name")
    expect(lookup).to_be_focused()
    page.keyboard.type("stojanovska")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="2 people found")).to_be_visible()
    button = page.get_by_role("button", name="Check in Марија Стојановска")
    for _ in range(40):
        if button.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Checked in.")
    expect(page.get_by_role("button", name="Undo the check-in")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.remove()
    assert db.session.scalars(sa.select(CheckIn.participant_id)).all() == [first_id]
