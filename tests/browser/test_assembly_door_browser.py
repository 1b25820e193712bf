"""The hall's door in a real browser: a scanner types a badge code and Enter, the person is in, the count
rises; the same badge again says "already in" and the count stays."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from lsi_assembly.assembly import services
from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.auth.models import Role
from lsi_assembly.badges.services import valid_code
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.browser.conftest import sign_in_page
from tests.factories import make_event, make_organization, make_participant


@pytest.mark.browser
def test_scan_a_badge_at_the_door_then_scan_it_again(page, live_server):
    event = make_event()
    member = make_organization(event, name="La Strada Polska", votes=2)
    voter = make_participant(event, organization_id=member.id, status=Status.CONFIRMED, given_name="Łucja",
                             family_name="Wiśniewska", email="lucja@example.org")
    services.set_mandate(event, member, voter)
    session_id = services.add_session(event, "Statutory session 1", date(2027, 6, 25)).id
    code, voter_id = valid_code(voter).code, voter.id
    db.session.commit()
    sign_in_page(page, Role.DESK)

    # From the check-in desk to the door: the session and the direction are chosen, In by default.
    page.goto("/desk/")
    page.get_by_role("link", name="The hall's door").click()
    expect(page.get_by_label("In: an entrance")).to_be_checked()
    page.get_by_label("Door name (optional)").fill("Main door")
    page.get_by_role("button", name="Open the door").click()
    expect(page.get_by_role("heading", name="Door: Statutory session 1")).to_be_visible()
    expect(page.get_by_text("Main door")).to_be_visible()
    people = page.locator("#door-people")
    expect(people).to_have_text("0")

    # A USB scanner is a keyboard: it types the code into the focused input, then presses Enter.
    scan = page.get_by_label("Badge code, voting card code, e-mail or name")
    expect(scan).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="is in.")).to_have_text(
        "✔ Łucja Wiśniewska (La Strada Polska) is in.")
    expect(page.get_by_text("Voting delegate of La Strada Polska (2 votes)")).to_be_visible()
    expect(people).to_have_text("1")
    expect(page.locator("#door-votes-present")).to_have_text("2")
    expect(scan).to_be_focused()  # ready for the next person
    expect(scan).to_have_value("")

    # The same badge again: calmly said, counted once.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_text("was already in: nothing changed, counted once.")).to_be_visible()
    expect(people).to_have_text("1")
    expect(scan).to_be_focused()
    db.session.remove()
    assert services.inside(db.session.get(StatutorySession, session_id)) == {voter_id}

    # Reloading the page scans nothing again and shows no stale result.
    page.reload()
    expect(page.get_by_text("already in")).to_have_count(0)
    expect(people).to_have_text("1")

    # The undo button lets the person out.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Let out").click()
    expect(page.get_by_text("Łucja Wiśniewska (La Strada Polska) is out.")).to_be_visible()
    expect(people).to_have_text("0")
