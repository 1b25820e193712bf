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
    # Before the Assembly no day is today's: the desk's settings are open, asking for the day.
    page.get_by_label("Desk name").fill("Desk 1")
    page.get_by_label("Checking in for").select_option(index=0)
    page.get_by_role("button", name="Save").click()

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
