"""Getting to Paris on a phone: a confirmed delegate asks, from the personal link on a 390 px screen, for a visa
invitation letter and then for travel support; the personal page shows both requests, and no page is wider than
the phone."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.travel.models import TravelRequest, TravelStatus
from lsi_assembly.visas.models import LetterStatus, VisaLetter
from tests.browser.test_delegates_phone_browser import PHONE, page_width, phone, screenshot  # noqa: F401
from tests.factories import make_event, make_organization, make_participant


@pytest.mark.browser
def test_a_delegate_asks_for_a_visa_letter_and_travel_support_on_a_phone(phone, live_server):  # noqa: F811
    event = make_event()
    organization = make_organization(event, name="Women's Rights Nigeria", country="NG")
    person = make_participant(event, given_name="Amara", family_name="Okafor", status=Status.CONFIRMED,
                              organization_id=organization.id, country="NG")
    personal = f"/registration/{make_token(person.access_key)}"
    phone.goto(personal)
    assert page_width(phone) <= PHONE["width"]

    # The visa letter: passport details, each with why it is asked and when it is deleted.
    phone.get_by_role("link", name="Ask for a visa invitation letter").click()
    expect(phone.get_by_text("deleted", exact=False).first).to_be_visible()
    phone.get_by_label("Full name as in your passport").fill("AMARA ADAEZE OKAFOR")
    phone.get_by_label("Nationality").select_option("NG")
    phone.get_by_label("Passport number").fill("XK4471932")
    phone.get_by_label("Date of birth").fill("1988-03-14")
    phone.get_by_label("Passport valid until").fill("2030-01-31")
    phone.get_by_label("Consulate: city").fill("Lagos")
    phone.get_by_label("Consulate: country").select_option("NG")
    assert page_width(phone) <= PHONE["width"]
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.locator(".visa-letter")).to_contain_text("Requested")
    assert page_width(phone) <= PHONE["width"]

    # Travel support, from the same personal page.
    phone.goto(personal)
    phone.get_by_role("link", name="Travel support").click()
    expect(phone.get_by_role("heading", name="Ask for travel support")).to_be_visible()
    phone.get_by_label("Travel (train, plane, bus)").fill("640")
    phone.get_by_label("Visa fees").fill("90")
    phone.get_by_label("Route").fill("Lagos – Paris, flight")
    phone.get_by_label("Why do you ask for support?").fill("Our organization cannot pay for the flight.")
    assert page_width(phone) <= PHONE["width"]
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.get_by_text("Your request for travel support is saved.")).to_be_visible()
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "journey_travel_390.png")

    db.session.expire_all()
    letter = db.session.scalars(sa.select(VisaLetter)).one()
    travel = db.session.scalars(sa.select(TravelRequest)).one()
    assert (letter.participant_id, letter.status, letter.passport_number) == (person.id, LetterStatus.REQUESTED,
                                                                             "XK4471932")
    assert (travel.participant_id, travel.status, travel.currency, travel.estimated_total) == (
        person.id, TravelStatus.REQUESTED, "EUR", Decimal("730.00"))
    # Neither the passport number nor the amounts went into an address of the pages visited.
    assert "XK4471932" not in phone.url
