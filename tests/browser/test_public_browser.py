"""The public event in a real browser: the form on the keyboard (the bot trap out of its way), the
e-mail's confirmation button, the ticket's QR code read back from the screen, one-button cancellation."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from lsi_assembly.extensions import db
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee, PublicEvent
from tests.conftest import body
from tests.factories import links_in, make_event


@pytest.mark.browser
def test_register_confirm_and_show_the_ticket_in_the_browser(page, live_server, mailbox, tmp_path):
    event = make_event()
    db.session.add(PublicEvent(event=event, title="Sport without exploitation", capacity=2, is_open=True,
                               venue="Maison des Métallos", starts_at=datetime(2027, 6, 25, 16, tzinfo=UTC),
                               ends_at=datetime(2027, 6, 25, 18, 30, tzinfo=UTC)))
    db.session.commit()

    page.goto("/public")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sport without exploitation")
    expect(page.get_by_role("status")).to_contain_text("2 places left")
    # On the keyboard, field after field; the hidden trap is never reached.
    page.get_by_label("Your name").focus()
    page.keyboard.type("Chloé Dubois-Łukasik")
    for label, text in (("E-mail address", "chloe@example.org"), ("Organization (optional)", "Lycée Voltaire")):
        page.keyboard.press("Tab")
        expect(page.get_by_label(label)).to_be_focused()
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Language of our e-mails")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Accessibility needs (optional)")).to_be_focused()
    page.keyboard.type("A seat near the front")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=re.compile("Read the privacy notice"))).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label(re.compile("I have read the privacy notice"))).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Register")).to_be_focused()
    # Screen readers do not meet the trap either: it is not in the accessibility tree.
    expect(page.get_by_role("textbox", name="Leave this field empty")).to_have_count(0)
    expect(page.locator("#website")).to_be_attached()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server}/public/done")
    [message] = mailbox.wait_for(1)
    confirm = next(url for url in links_in(body(message)) if "/public/confirm/" in url)
    page.goto(confirm)
    page.get_by_role("button", name="Confirm my registration").click()
    expect(page.get_by_role("heading", name="Your ticket")).to_be_visible()

    db.session.remove()
    person = db.session.scalar(sa.select(PublicAttendee))
    assert person.status == AttendeeStatus.CONFIRMED and person.accessibility_needs == "A seat near the front"
    shot = tmp_path / "ticket.png"
    page.locator(".ticket-code svg").screenshot(path=str(shot))
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(shot))] == [person.ticket_code]

    page.get_by_role("link", name=re.compile("cancel and free my seat")).click()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_role("main")).to_contain_text("This registration is cancelled.")
    db.session.remove()
    assert db.session.scalar(sa.select(PublicAttendee)).status == AttendeeStatus.CANCELLED
