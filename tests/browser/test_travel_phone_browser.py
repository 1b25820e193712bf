"""A delegate asks for travel support from the personal link on a 390 px phone: a forgotten field's error,
then the request sent; after the organizers' grant, the claim with a receipt photo."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.travel.models import TravelRequest, TravelStatus
from lsi_assembly.travel.services import grant
from tests.browser.test_delegates_phone_browser import PHONE, page_width, phone, screenshot  # noqa: F401
from tests.factories import make_event, make_organization, make_participant


def receipt_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 200), (240, 240, 230)).save(out, "JPEG")
    return out.getvalue()


def the_request() -> TravelRequest:
    db.session.expire_all()
    return db.session.scalars(sa.select(TravelRequest)).one()


@pytest.mark.browser
def test_a_delegate_asks_for_travel_support_and_claims_on_a_phone(app, phone, live_server, tmp_path):  # noqa: F811
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    event = make_event()
    organization = make_organization(event, name="La Strada Moldova", country="MD")
    person = make_participant(event, given_name="Ion", family_name="Rusu", country="MD", status=Status.CONFIRMED,
                              organization_id=organization.id)
    phone.goto(f"/registration/{make_token(person.access_key)}")
    phone.get_by_role("link", name="Travel support").click()
    expect(phone.get_by_role("heading", name="Ask for travel support")).to_be_visible()

    phone.get_by_label("Currency").select_option("MDL")
    phone.get_by_label("Travel (train, plane, bus)").fill("6 400,50")
    phone.get_by_label("Visa fees").fill("1200")
    phone.get_by_label("Why do you ask for support?").fill("Our organization cannot pay for the flight.")
    phone.get_by_role("button", name="Send my request").click()
    # The route was forgotten: the summary links to it, its error is tied to the field.
    expect(phone.locator("#error-summary")).to_be_visible()
    route = phone.get_by_label("Route")
    expect(route).to_have_attribute("aria-invalid", "true")
    expect(route).to_have_attribute("aria-describedby", "route-help route-error")
    expect(phone.locator("#route-error")).to_contain_text("Please fill in this field.")
    assert page_width(phone) <= PHONE["width"]
    screenshot(phone, "travel_request_error_390.png")
    route.fill("Chișinău – Paris, flight")
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.get_by_text("Your request for travel support is saved.")).to_be_visible()
    expect(phone.get_by_role("rowheader", name="Travel", exact=True)).to_be_visible()
    assert page_width(phone) <= PHONE["width"]
    travel = the_request()
    assert (travel.status, travel.currency, travel.estimated_total) == (TravelStatus.REQUESTED, "MDL",
                                                                        Decimal("7600.50"))

    grant(travel, Decimal("380.00"), "Economy class only")
    db.session.commit()
    phone.reload()
    expect(phone.get_by_text("Granted: €380.00.")).to_be_visible()
    phone.get_by_role("link", name="Claim my costs").click()
    phone.get_by_label("Travel (train, plane, bus)").fill("6100")
    phone.get_by_label("Receipts").set_input_files(
        files=[{"name": "boarding-pass.jpg", "mimeType": "image/jpeg", "buffer": receipt_photo()}])
    assert page_width(phone) <= PHONE["width"]
    phone.get_by_role("button", name="Send my claim").click()
    expect(phone.get_by_text("Your claim is sent.")).to_be_visible()
    expect(phone.get_by_role("link", name="Receipt 1")).to_be_visible()
    screenshot(phone, "travel_claimed_390.png")
    travel = the_request()
    assert travel.status == TravelStatus.CLAIMED and travel.claimed_total == Decimal("6100.00")
    assert [r.content_type for r in travel.receipts] == ["image/jpeg"]
