"""A confirmed participant asks for a visa invitation letter on a 390 px phone: the form fits, a wrong expiry
is explained beside its field, the corrected request shows as "Requested" on the personal page. (The
personal page itself is not measured: it is wider than 390 px already without the visa section.)"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.visas.models import LetterStatus, VisaLetter
from tests.browser.test_delegates_phone_browser import page_width, phone  # noqa: F401  (the fixture)
from tests.factories import make_event, make_organization, make_participant


@pytest.mark.browser
def test_a_participant_asks_for_a_visa_letter_on_a_phone(phone, live_server):  # noqa: F811
    event = make_event()
    organization = make_organization(event, name="Women's Rights Nigeria", country="NG")
    person = make_participant(event, given_name="Amara", family_name="Okafor", status=Status.CONFIRMED,
                              organization_id=organization.id, country="NG")
    phone.goto(f"/registration/{make_token(person.access_key)}")
    phone.get_by_role("link", name="Ask for a visa invitation letter").click()
    assert page_width(phone) <= 390
    phone.get_by_label("Full name as in your passport").fill("AMARA ADAEZE OKAFOR")
    phone.get_by_label("Nationality").select_option("NG")
    phone.get_by_label("Passport number").fill("XK4471932")
    phone.get_by_label("Date of birth").fill("1988-03-14")
    phone.get_by_label("Passport valid until").fill("2027-06-20")  # before the Assembly ends
    phone.get_by_label("Consulate: city").fill("Lagos")
    phone.get_by_label("Consulate: country").select_option("NG")
    phone.get_by_role("button", name="Send my request").click()
    expiry = phone.get_by_label("Passport valid until")
    expect(expiry).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#passport_expiry-error")).to_contain_text("must be valid after the Assembly")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaLetter)) == 0
    expiry.fill("2030-01-31")
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.locator("#visa-letter")).to_be_visible()
    expect(phone.locator(".visa-letter")).to_contain_text("Requested")
    db.session.expire_all()
    letter = db.session.scalar(sa.select(VisaLetter))
    assert letter.status == LetterStatus.REQUESTED and letter.passport_number == "XK4471932"
