"""The back office in a real browser: an organizer finds a registration, approves it, the person is told."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body
from tests.factories import links_in, make_event, make_organization, make_participant, make_user

ORGANIZATION = "ACCEM Madrid"
PASSWORD = "correct horse battery"

#: (given name, family name, e-mail); only the first is found by the accent-free "jose garcia".
PEOPLE = (
    ("José", "García-Fernández", "jose.garcia@example.org"),
    ("Josef", "Novák", "josef.novak@example.org"),
    ("Anna", "Nowak", "anna.nowak@example.org"),
    ("Josefina", "Martín", "josefina.martin@example.org"),
    ("José", "Martínez", "jose.martinez@example.org"),
    ("María", "García-López", "maria.garcia@example.org"),
)


def sign_in(page, email: str) -> None:
    """Sign in on /login the way a person does: by the fields' labels."""
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_organizer_finds_a_registration_without_accents_approves_it_and_the_person_is_emailed(
        page, live_server, mailbox):
    event = make_event()
    organization = make_organization(event, name=ORGANIZATION, quota=len(PEOPLE))
    ids = {}
    for given, family, email in PEOPLE:
        participant = make_participant(event, given_name=given, family_name=family, email=email,
                                       country="ES", organization_id=organization.id, status=Status.PENDING)
        ids[email] = participant.id
    make_user("organizer@example.org", PASSWORD)

    sign_in(page, "organizer@example.org")
    expect(page).to_have_url(f"{live_server}/manage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Back office")

    # From anywhere, the header's "Back office" link leads to the dashboard, whose own navigation
    # leads to the list of registrations.
    page.goto("/privacy")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Back office").click()
    expect(page).to_have_url(f"{live_server}/manage/")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Registrations", exact=True).click()
    expect(page).to_have_url(f"{live_server}/manage/registrations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrations")
    table = page.get_by_role("table", name="Registrations")
    expect(table.locator("tbody tr")).to_have_count(len(PEOPLE))

    search = page.get_by_label("Search", exact=True)
    search.fill("jose garcia")
    search.press("Enter")

    # The search words are personal data: they never go into the address.
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/manage/registrations/"))
    assert "jose" not in page.url.lower()
    expect(page.get_by_label("Search", exact=True)).to_have_value("jose garcia")
    expect(page.get_by_role("status").filter(has_text="found")).to_have_text("1 registration found.")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(1)
    row_header = rows.get_by_role("rowheader")
    expect(row_header).to_have_count(1)
    expect(row_header).to_contain_text("García-Fernández, José")
    expect(row_header).to_contain_text("jose.garcia@example.org")
    expect(rows).to_contain_text("Awaiting confirmation")

    row_header.get_by_role("link", name="García-Fernández, José").click()

    expect(page).to_have_url(f"{live_server}/manage/registrations/{ids['jose.garcia@example.org']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("José García-Fernández")
    expect(page.locator("p.status")).to_contain_text("Awaiting confirmation")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    # Rejecting or cancelling first asks for confirmation, so they are links to that page.
    for label in ("Reject", "Cancel the registration"):
        expect(page.get_by_role("link", name=label, exact=True)).to_be_visible()
    # Only a waitlisted registration can be moved off the waiting list.
    expect(page.get_by_role("button", name="Move off the waiting list")).to_have_count(0)

    page.get_by_role("button", name="Approve", exact=True).click()

    expect(page).to_have_url(f"{live_server}/manage/registrations/{ids['jose.garcia@example.org']}")
    expect(page.locator("p.status")).to_have_text(re.compile(r"^Status:\s*Confirmed\b"))
    expect(page.get_by_role("status").filter(has_text="approved")).to_have_text(
        "1 registration approved. The people concerned are told by e-mail.")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Cancel the registration")).to_be_visible()

    [message] = mailbox.wait_for(1)
    assert message["To"] == "jose.garcia@example.org"
    assert message["Subject"] == "Your place at LSI General Assembly 2027 is confirmed"
    text = body(message)
    assert "Dear José," in text
    assert "/registration/" in text
    [link] = links_in(text)
    assert re.fullmatch(re.escape(live_server) + r"/registration/[^/?#\s]+", link), link

    # The server thread committed in its own session: read afresh.
    db.session.remove()
    statuses = dict(db.session.execute(sa.select(Participant.email, Participant.status)).all())
    assert statuses == {email: (Status.CONFIRMED if email == "jose.garcia@example.org" else Status.PENDING)
                        for _, _, email in PEOPLE}

    # The personal link in the e-mail works and shows the new status.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("My registration")
    expect(page.locator("p.status")).to_have_text(re.compile(r"Status:\s*Confirmed"))


@pytest.mark.browser
def test_desk_account_is_not_allowed_to_see_the_registrations(page, live_server):
    event = make_event()
    organization = make_organization(event, name=ORGANIZATION, quota=len(PEOPLE))
    for given, family, email in PEOPLE:
        make_participant(event, given_name=given, family_name=family, email=email,
                         country="ES", organization_id=organization.id, status=Status.PENDING)
    make_user("desk@example.org", PASSWORD, role=Role.DESK)

    sign_in(page, "desk@example.org")
    # Signed in: the header offers "Sign out" (sign-in lands on the dashboard, which is not theirs to see).
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    response = page.goto("/manage/registrations/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_text("Your account is not allowed to see this page.")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    content = page.content()
    for _, family, email in PEOPLE:
        assert family not in content and email not in content, family

    response = page.goto("/manage/registrations/?status=pending")
    assert response is not None and response.status == 403
    expect(page.locator("main")).not_to_contain_text("García")

    db.session.remove()
    assert set(db.session.scalars(sa.select(Participant.status))) == {Status.PENDING}
