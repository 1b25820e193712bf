"""Registration in a real browser: the form filled in by hand, the e-mail, the confirmation, the personal link."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.core.dates import format_day
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import body, count
from tests.factories import ASSEMBLY_DAYS, links_in, make_event, make_organization

ORGANIZATION = "La Strada Česko"


def day_label(index: int) -> str:
    """The label of a day's checkbox, as the English form shows it."""
    return format_day(ASSEMBLY_DAYS[index], "full", "en")


@pytest.mark.browser
def test_register_in_the_browser_then_open_the_personal_link_from_the_email(page, live_server, mailbox):
    event = make_event()
    make_organization(event, name=ORGANIZATION, quota=3)

    page.goto("/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register for LSI General Assembly 2027")

    # About you: the names are typed on the keyboard, moving on with Tab.
    page.get_by_label("Given name").focus()
    page.keyboard.type("Zsófia")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Family name")).to_be_focused()
    page.keyboard.type("Kovács-Szőke")
    page.get_by_label("Name on badge").fill("Zsófi")
    page.get_by_label("E-mail address").fill("Zsofia.Kovacs@Example.ORG")
    page.get_by_label(re.compile(r"^Country\b")).select_option(label="Hungary")

    # Your organization.
    expect(page.get_by_label("I am registering as")).to_have_value("delegate")
    page.get_by_label("Member organization").select_option(label=ORGANIZATION)
    page.get_by_label("Job title").fill("Koordinátorka")

    # Attendance.
    days = page.get_by_role("group", name="Days you will attend")
    days.get_by_label(day_label(0)).check()
    days.get_by_label(day_label(1)).check()
    page.get_by_label("Arrival date").fill("2027-06-23")
    page.get_by_label("Departure date").fill("2027-06-25")

    # Your needs.
    page.get_by_role("group", name="Dietary requirements").get_by_label("Vegetarian").check()
    page.get_by_label("Other dietary needs or allergies").fill("Nem eszem gombát")
    page.get_by_label("Accessibility needs").fill("Step-free access, please.\nA quiet room for breaks.")
    page.get_by_label("Languages you speak").fill("Magyar, English, Français")

    # Privacy: Tab from the last field reaches the first consent; Space ticks it.
    page.keyboard.press("Tab")
    list_consent = page.get_by_label("Show my name, organization and country on the participant list")
    expect(list_consent).to_be_focused()
    page.keyboard.press("Space")
    expect(list_consent).to_be_checked()
    expect(page.get_by_label("I agree to be photographed")).not_to_be_checked()
    page.get_by_label("I have read the privacy notice").check()

    page.get_by_role("button", name="Register").click()

    expect(page).to_have_url(f"{live_server}/register/done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: please check your e-mail")

    [message] = mailbox.wait_for(1)
    assert message["To"] == "zsofia.kovacs@example.org"
    assert message["Subject"] == "Please confirm your registration for LSI General Assembly 2027"
    text = body(message)
    assert "as Zsófia Kovács-Szőke" in text and "Koordinátorka" not in text
    [link] = links_in(text)
    assert re.fullmatch(re.escape(live_server) + r"/registration/[^/?#\s]+", link), link

    # The link shows one button; the address is confirmed only when it is pressed.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your address")
    db.session.remove()
    assert db.session.scalar(sa.select(Participant.status)) == Status.UNCONFIRMED
    page.get_by_role("button", name="Confirm my address").click()

    expect(page).to_have_url(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("My registration")
    expect(page.get_by_role("main")).to_contain_text("Thank you: your address is confirmed.")
    received = mailbox.wait_for(2)[1]
    assert received["Subject"] == "Your registration for LSI General Assembly 2027"
    assert "Dear Zsófia," in body(received)
    expect(page.locator("p.status")).to_have_text(re.compile(r"Status:\s*Awaiting confirmation"))
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("Zsófia Kovács-Szőke")
    expect(summary).to_contain_text(ORGANIZATION)
    expect(summary).to_contain_text("Hungary")

    # The server thread committed in its own session: read afresh.
    db.session.remove()
    participant = db.session.scalar(sa.select(Participant))
    assert (participant.given_name, participant.family_name) == ("Zsófia", "Kovács-Szőke")
    assert participant.email == "zsofia.kovacs@example.org"
    assert participant.country == "HU"
    assert participant.organization.name == ORGANIZATION
    assert [day.date for day in participant.days] == list(ASSEMBLY_DAYS[:2])
    assert participant.dietary == ["vegetarian"]
    assert participant.accessibility_needs == "Step-free access, please.\nA quiet room for breaks."
    assert participant.languages == ["Magyar", "English", "Français"]
    assert participant.list_consent is True and participant.photo_consent is False
    assert participant.status == Status.PENDING


@pytest.mark.browser
def test_empty_form_shows_the_errors_from_the_server_and_stores_nothing(page):
    event = make_event()
    make_organization(event, name=ORGANIZATION, quota=3)
    page.goto("/register")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Register").click()
    assert posted.value.status == 422

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_have_attribute("tabindex", "-1")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile(r"^Given name: "))).to_have_attribute("href", "#given_name")

    # Every link of the summary points at a field of the form.
    links = summary.get_by_role("link")
    expect(links).not_to_have_count(0)
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        assert href and href.startswith("#"), href
        expect(page.locator("form.registration-form").locator(f"[id='{href[1:]}']")).to_have_count(1)

    given_name = page.get_by_label("Given name")
    expect(given_name).to_have_attribute("aria-invalid", "true")
    expect(given_name).to_have_accessible_description("Please fill in this field.")
    expect(page.locator("#given_name-error")).to_have_text("Please fill in this field.")

    # Following the summary's link takes the keyboard user to the field.
    summary.get_by_role("link", name=re.compile(r"^Given name: ")).click()
    expect(given_name).to_be_focused()

    db.session.remove()
    assert count(Participant) == 0


@pytest.mark.browser
def test_language_switch_in_the_header_renders_the_page_in_french(page, live_server):
    make_event()
    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/register\??$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
