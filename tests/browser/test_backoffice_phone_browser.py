"""The back office on a phone (390 px wide): every page fits the screen; wide tables scroll inside their box."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import expect

from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.auth.models import Role
from lsi_assembly.demo.seed import seed_demo
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.workshops.assignment import run_assignment
from lsi_assembly.workshops.models import Workshop, WorkshopRun
from tests.browser.conftest import sign_in_page
from tests.factories import make_event, make_organization, make_participant

PHONE = {"width": 390, "height": 844}


def _backoffice_urls(event) -> list[str]:
    """Every back-office page an admin opens (GET, HTML), with ids from the demo data."""
    participant = db.session.scalar(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED).order_by(Participant.id).limit(1))
    pending = db.session.scalar(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.PENDING).order_by(Participant.id).limit(1))
    organization = db.session.scalar(sa.select(Organization).where(Organization.event_id == event.id)
                                     .order_by(Organization.id).limit(1))
    workshop = db.session.scalar(sa.select(Workshop).order_by(Workshop.id).limit(1))
    run = db.session.scalar(sa.select(WorkshopRun).order_by(WorkshopRun.id).limit(1))
    session = db.session.scalar(sa.select(StatutorySession).order_by(StatutorySession.id).limit(1))
    urls = [
        url_for("manage.index"), url_for("manage.audit"), url_for("manage.users"),
        url_for("manage_registrations.index"),
        url_for("manage_registrations.detail", participant_id=participant.id),
        url_for("manage_registrations.edit", participant_id=participant.id),
        url_for("manage_registrations.act", participant_id=participant.id, action="cancel"),
        url_for("manage_registrations.import_form"),
        url_for("manage_organizations.index"), url_for("manage_organizations.create"),
        url_for("manage_organizations.edit", organization_id=organization.id),
        url_for("manage_organizations.import_members"),
        url_for("manage_programme.index"), url_for("manage_programme.new_workshop"),
        url_for("manage_programme.workshop", workshop_id=workshop.id),
        url_for("manage_assignment.report"), url_for("manage_assignment.rosters"),
        url_for("manage_assignment.roster", run_id=run.id),
        url_for("manage_assignment.seats", participant_id=participant.id),
        url_for("manage_badges.index"), url_for("manage_lists.index"),
        url_for("manage_documents.certificates"), url_for("manage_public.index"), url_for("manage_public.message"),
        url_for("manage_assembly.index"), url_for("manage_assembly.session", session_id=session.id),
        url_for("manage_assembly.edit_session", session_id=session.id),
        url_for("manage_voting_cards.index"), url_for("manage_delegations.index"),
        url_for("manage_delegations.organization", organization_id=organization.id),
        url_for("desk.index"), url_for("desk.participant", participant_id=participant.id), url_for("desk.walk_in"),
        url_for("desk_public.index"), url_for("desk_assembly.index"),
        url_for("desk_assembly.door", session_id=session.id),
    ]
    if pending is not None:
        urls.append(url_for("manage_registrations.detail", participant_id=pending.id))
    return urls


@pytest.mark.browser
def test_every_backoffice_page_fits_a_phone_and_wide_tables_scroll_in_a_named_focusable_box(
        browser, live_server, app):
    with app.test_request_context():
        event = seed_demo(participant_count=60)
        run_assignment(event)
        db.session.commit()
        urls = _backoffice_urls(event)
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/Paris", viewport=PHONE)
    page = context.new_page()
    try:
        sign_in_page(page, Role.ADMIN, "admin@example.org")
        too_wide, unnamed = {}, []
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response and response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[url] = width
            # Every scrolling box can be reached with the keyboard and is named for a screen reader.
            for box in page.locator(".table-scroll").all():
                if not (box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
                        and (box.get_attribute("aria-label") or box.get_attribute("aria-labelledby"))):
                    unnamed.append(url)
        assert not too_wide, " ".join(f"{url}={width}" for url, width in sorted(too_wide.items()))
        assert not unnamed, unnamed
    finally:
        context.close()


#: What makes a field look like the others: its border, its padding, its font.
FIELD_STYLE = """element => { const s = getComputedStyle(element);
  return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.paddingTop, s.paddingLeft, s.fontSize,
          s.fontFamily, s.borderTopLeftRadius]; }"""


@pytest.mark.browser
def test_number_time_and_select_fields_look_like_the_text_fields(page, live_server, app):
    event = make_event()
    organization = make_organization(event)
    sign_in_page(page, Role.ORGANIZER)
    page.goto(f"/manage/organizations/{organization.id}")
    text = page.locator(".field input[type=text]").first.evaluate(FIELD_STYLE)
    for selector in (".field input[type=number]", ".field select"):
        assert page.locator(selector).first.evaluate(FIELD_STYLE) == text, selector
    page.goto("/manage/programme/")
    assert page.locator(".field input[type=time]").first.evaluate(FIELD_STYLE) == text
    assert page.locator(".field select").first.evaluate(FIELD_STYLE) == text


@pytest.mark.browser
def test_the_header_checkbox_ticks_the_page_and_the_bulk_actions_are_above_and_below(page, live_server, app):
    event = make_event()
    for i in range(3):
        make_participant(event, email=f"p{i}@example.org", family_name=f"Nowak{i}", status=Status.PENDING)
    sign_in_page(page, Role.ORGANIZER)
    page.goto("/manage/registrations/")
    master = page.get_by_role("checkbox", name="Select all on this page")
    boxes = page.locator("tbody input[name=ids]")
    expect(master).to_be_visible()  # shown by app.js only
    master.check()
    for box in boxes.all():
        expect(box).to_be_checked()
    boxes.first.uncheck()
    assert master.evaluate("element => element.indeterminate")
    master.check()
    page.get_by_label("With the selected registrations").first.select_option("approve")
    page.get_by_role("button", name="Apply").first.click()
    expect(page.get_by_role("status").filter(has_text="approved")).to_contain_text("3 registrations approved.")
    expect(page.get_by_label("With the selected registrations")).to_have_count(2)
    db.session.remove()
    assert set(db.session.scalars(sa.select(Participant.status))) == {Status.CONFIRMED}
