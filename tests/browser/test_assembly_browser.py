"""The Assembly's live quorum in a real browser: the projector and the chair's page update in place when
someone comes in at the door, without reloading (a half-typed motion stays)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lsi_assembly.auth.models import Role
from tests.browser.conftest import sign_in_page
from tests.integration.test_assembly import ga, mandates  # noqa: F401 - ga is a fixture

#: The projector asks every 2 s; a few seconds is what the hall may wait.
UPDATE_MS = 8_000


def _let_in(app, session_id: int, email: str) -> None:
    """The door: `flask assembly enter SESSION PERSON`, as a scanner's script runs it."""
    result = app.test_cli_runner().invoke(args=["assembly", "enter", str(session_id), email])
    assert result.exit_code == 0, result.output


@pytest.mark.browser
def test_the_projector_follows_the_door_without_reloading(app, page, ga):
    mandates(ga)
    session_id = ga.session.id
    sign_in_page(page, Role.DESK)
    page.goto(f"/manage/assembly/sessions/{session_id}/projector")
    figure = lambda name: page.locator(f'[data-figure="{name}"]')  # noqa: E731
    expect(figure("present")).to_have_text("0")
    expect(figure("votes_needed")).to_have_text("3")
    expect(page.locator("[data-quorum]")).to_have_text("Quorum not reached")
    missing = page.locator('[data-list="members_missing"] li')
    expect(missing).to_have_count(4)
    page.evaluate("window.projectorMark = 'not reloaded'")

    _let_in(app, session_id, "a.voter@example.org")
    expect(figure("present")).to_have_text("1", timeout=UPDATE_MS)
    expect(figure("votes_present")).to_have_text("1")
    expect(missing).to_have_count(3)
    expect(page.locator('[data-list="members_missing"]')).not_to_contain_text("La Strada Polska")

    _let_in(app, session_id, "b.alternate@example.org")
    _let_in(app, session_id, "d.voter@example.org")  # ALC Éire: 2 votes
    expect(figure("votes_present")).to_have_text("4", timeout=UPDATE_MS)
    expect(page.locator("[data-quorum]")).to_have_text("Quorum reached")
    expect(page.locator('[data-list="members_missing"] li')).to_have_text(["Stichting Tegen Vrouwenhandel"])
    assert page.evaluate("window.projectorMark") == "not reloaded"  # updated in place, no reload


@pytest.mark.browser
def test_the_chairs_page_updates_the_figures_and_keeps_a_half_typed_motion(app, page, ga):
    mandates(ga)
    session_id = ga.session.id
    sign_in_page(page, Role.ORGANIZER)
    page.goto(f"/manage/assembly/sessions/{session_id}")
    page.get_by_label("Motion").fill("Approve the accounts")
    _let_in(app, session_id, "a.voter@example.org")
    present = page.locator('[data-list="members_present"]')
    expect(present).to_contain_text("La Strada Polska (voting delegate)", timeout=UPDATE_MS)
    expect(page.get_by_text("Votes present now:")).to_contain_text("1")
    expect(page.get_by_label("Motion")).to_have_value("Approve the accounts")

    # More votes than present: refused on the form, nothing saved.
    page.get_by_label("For").fill("2")
    page.get_by_role("button", name="Record the result").click()
    expect(page.locator("#error-summary")).to_contain_text("2 votes were cast, more than the 1 votes present.")
    page.get_by_label("For").fill("1")
    page.get_by_role("button", name="Record the result").click()
    expect(page.get_by_text("Vote result recorded: 1 for, 0 against, 0 abstentions.")).to_be_visible()
    page.get_by_role("button", name="Record the quorum now").click()
    expect(page.get_by_text("Quorum recorded: 1 votes present, 3 needed: not reached.")).to_be_visible()


@pytest.mark.browser
def test_a_scan_at_the_door_page_moves_the_projector_in_the_next_tab(page, ga):
    """The hall as it runs: the door's laptop scans, the projector (another tab, the same desk account) follows."""
    mandates(ga)
    session_id = ga.session.id
    sign_in_page(page, Role.DESK)
    projector = page.context.new_page()
    projector.goto(f"/manage/assembly/sessions/{session_id}/projector")
    figure = lambda name: projector.locator(f'[data-figure="{name}"]')  # noqa: E731
    expect(figure("present")).to_have_text("0")
    projector.evaluate("window.projectorMark = 'not reloaded'")

    page.goto(f"/desk/assembly/{session_id}/door?direction=in")
    scan = page.get_by_label("Badge code, voting card code, e-mail or name")
    scan.fill("d.voter@example.org")  # ALC Éire's voting delegate: 2 votes
    scan.press("Enter")
    expect(page.get_by_role("status").filter(has_text="is in.")).to_be_visible()
    expect(figure("present")).to_have_text("1", timeout=UPDATE_MS)
    expect(figure("votes_present")).to_have_text("2")
    expect(projector.locator('[data-list="members_missing"]')).not_to_contain_text("ALC Éire")

    scan = page.get_by_label("Badge code, voting card code, e-mail or name")
    scan.fill("d.voter@example.org")  # a double scan changes nothing on the projector
    scan.press("Enter")
    expect(page.get_by_text("was already in: nothing changed, counted once.")).to_be_visible()
    page.goto(f"/desk/assembly/{session_id}/door?direction=out")
    scan = page.get_by_label("Badge code, voting card code, e-mail or name")
    scan.fill("d.voter@example.org")
    scan.press("Enter")
    expect(figure("present")).to_have_text("0", timeout=UPDATE_MS)
    assert projector.evaluate("window.projectorMark") == "not reloaded"
