"""axe-core on every public page and every back-office and desk page: no violation of WCAG 2.1 A/AA.

axe-core comes from npm (``package.json``, pinned in ``package-lock.json``; ``make install-test`` runs
``npm ci``) and is injected into each page from ``node_modules/axe-core/axe.min.js``: no CDN. Without it
the tests are skipped, or fail when CI=true (like Chromium). The pages are those of the demo data
(``seed_demo``), so the demonstration banner and full tables are checked too. The back-office and desk
pages are listed in STAFF_PAGES, kept complete by a test that compares it with the app's URL map.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import expect

from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest
from lsi_assembly.assembly.delegation import delegation_link
from lsi_assembly.assembly.models import StatutorySession
from lsi_assembly.auth.models import Role
from lsi_assembly.core.jobs import Job
from lsi_assembly.demo.seed import seed_demo
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee
from lsi_assembly.public.services import make_token as public_token
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Category, Participant, Status
from lsi_assembly.visas.models import VisaLetter
from lsi_assembly.travel.models import TravelRequest, TravelStatus
from lsi_assembly.workshops.models import Workshop, WorkshopRun
from tests.browser.conftest import TIMEOUT_MS, _unavailable, sign_in_page
from tests.factories import make_participant

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: The rules checked: WCAG 2.0 and 2.1, levels A and AA ...
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: ... and axe's best-practice rule that all content sits in a landmark (the review found the demo
#: banner outside one).
EXTRA_RULES = ["region"]
PHONE = {"width": 390, "height": 844}

#: Every GET page under /manage and /desk: endpoint -> the URL values it needs (from ``ids``).
STAFF_PAGES: dict[str, Callable[[dict], dict]] = {
    "manage.index": lambda ids: {},
    "manage.audit": lambda ids: {},
    "manage.event": lambda ids: {},
    "manage.users": lambda ids: {},
    "manage.job": lambda ids: {"job_id": ids["job"]},
    "manage_assembly.index": lambda ids: {},
    "manage_assembly.session": lambda ids: {"session_id": ids["session"]},
    "manage_assembly.edit_session": lambda ids: {"session_id": ids["session"]},
    "manage_assembly.projector": lambda ids: {"session_id": ids["session"]},
    "manage_voting_cards.index": lambda ids: {},
    "manage_delegations.index": lambda ids: {},
    "manage_delegations.organization": lambda ids: {"organization_id": ids["organization"]},
    "manage_badges.index": lambda ids: {},
    "manage_documents.certificates": lambda ids: {},
    "manage_lists.index": lambda ids: {},
    "manage_organizations.index": lambda ids: {},
    "manage_organizations.edit": lambda ids: {"organization_id": ids["organization"]},
    "manage_organizations.import_members": lambda ids: {},
    "manage_organizations.create": lambda ids: {},
    "manage_programme.index": lambda ids: {},
    "manage_programme.workshop": lambda ids: {"workshop_id": ids["workshop"]},
    "manage_programme.new_workshop": lambda ids: {},
    "manage_assignment.report": lambda ids: {},
    "manage_assignment.seats": lambda ids: {"participant_id": ids["participant"]},
    "manage_assignment.rosters": lambda ids: {},
    "manage_assignment.roster": lambda ids: {"run_id": ids["run"]},
    "manage_public.index": lambda ids: {},
    "manage_public.message": lambda ids: {},
    "manage_registrations.index": lambda ids: {},
    "manage_registrations.detail": lambda ids: {"participant_id": ids["participant"]},
    "manage_registrations.act": lambda ids: {"participant_id": ids["pending"], "action": "approve"},
    "manage_registrations.edit": lambda ids: {"participant_id": ids["participant"]},
    "manage_registrations.import_form": lambda ids: {},
    "manage_privacy.settings": lambda ids: {},
    "manage_accommodation.index": lambda ids: {},
    "manage_accommodation.placement": lambda ids: {"room_request_id": ids["room_request"]},
    "manage_privacy.erase_participant": lambda ids: {"participant_id": ids["participant"]},
    "manage_visas.index": lambda ids: {},
    "manage_visas.detail": lambda ids: {"letter_id": ids["visa_letter"]},
    "manage_visas.settings": lambda ids: {},
    "manage_travel.index": lambda ids: {},
    "manage_travel.budget": lambda ids: {},
    "manage_travel.detail": lambda ids: {"request_id": ids["travel"]},
    "desk.index": lambda ids: {},
    "desk.participant": lambda ids: {"participant_id": ids["participant"]},
    "desk.walk_in": lambda ids: {},
    "desk_assembly.index": lambda ids: {},
    "desk_assembly.door": lambda ids: {"session_id": ids["session"]},
    "desk_public.index": lambda ids: {},
    "desk_public.attendee": lambda ids: {"attendee_id": ids["attendee"]},
}
#: GET routes under /manage and /desk that are not HTML pages (files, JSON polled by pages).
NOT_PAGES = {
    "manage.job_download", "manage_assembly.status_json", "manage_delegations.proxy_pdf",
    "manage_lists.download",
    "manage_public.export", "manage_registrations.export", "desk.counts", "desk_assembly.counts",
    "desk_public.counts", "manage_badges.preview", "manage_privacy.participant_data",
    "manage_visas.letter_file",
    "manage_travel.receipt",
}


@pytest.fixture
def axe():
    if not AXE.is_file():
        _unavailable(f"axe-core is not installed at {AXE} (run `npm ci` in the project's root)")
    return str(AXE)


@pytest.fixture
def page(browser, live_server):
    """Like conftest's page, but the app's Content-Security-Policy (script-src 'self') lets the test
    inject axe-core: the pages are checked as served, only the injected script is allowed."""
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/Paris",
                                  bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def violations(page, axe: str, path: str) -> list[str]:
    """Open ``path``, run axe-core on it; return one readable line per node in violation."""
    response = page.goto(path)
    assert response is not None
    page.add_script_tag(path=axe)
    found = page.evaluate("([tags, extra]) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                          " rules: Object.fromEntries(extra.map(id => [id, {enabled: true}]))})"
                          ".then(r => r.violations.map(v => ({id: v.id, help: v.help, impact: v.impact,"
                          " targets: v.nodes.map(n => n.target.join(' '))})))", [TAGS, EXTRA_RULES])
    width = page.viewport_size["width"] if page.viewport_size else "?"
    shown = re.sub(r"[\w.-]{40,}", "<token>", path)
    return [f"{shown} [{width}px]: {v['id']} ({v['impact']}) on {target}: {v['help']}"
            for v in found for target in v["targets"]]


def check_all(page, axe: str, paths: list[str]) -> list[str]:
    """Run axe on every path; return every violation of every page."""
    return [problem for path in paths for problem in violations(page, axe, path)]


def assert_none(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} accessibility violation(s):\n" + "\n".join(problems)


def demo() -> dict:
    """The demo Assembly, and the ids and tokens the pages need."""
    event = seed_demo(participant_count=40)
    confirmed = db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED,
        Participant.category == Category.DELEGATE).order_by(Participant.id)).first()
    pending = db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.PENDING,
    ).order_by(Participant.id)).first()
    organization = db.session.get(Organization, confirmed.organization_id)
    organization.delegation_key = "accessibility-test"
    attendee = db.session.scalars(sa.select(PublicAttendee).where(
        PublicAttendee.status == AttendeeStatus.CONFIRMED).order_by(PublicAttendee.id)).first()
    waiting = db.session.scalars(sa.select(PublicAttendee).where(
        PublicAttendee.status == AttendeeStatus.UNCONFIRMED).order_by(PublicAttendee.id)).first()
    unconfirmed = db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.UNCONFIRMED,
    ).order_by(Participant.id)).first()
    job = Job(kind="badges", status="done", done=3, total=3, message="3 badges")
    letter = VisaLetter(event_id=event.id, participant_id=confirmed.id, passport_name="DEMO PERSON",
                        nationality="NG", passport_number="A1234567", birth_date="1990-01-01",
                        passport_expiry="2030-01-01", consulate_city="Lagos", consulate_country="NG")
    db.session.add_all([job, letter])
    # Travel support: granted to the confirmed delegate (the claim form), asked by the pending one (the form).
    travel = TravelRequest(event_id=event.id, participant_id=confirmed.id, status=TravelStatus.GRANTED,
                           currency="PLN", estimated_travel=Decimal("1200.00"), route="Warsaw – Paris, train",
                           reason="Our budget is small.", granted_eur=Decimal("250.00"), conditions="Economy class")
    db.session.add_all([travel, TravelRequest(event_id=event.id, participant_id=pending.id,
                                              estimated_travel=Decimal("90.00"), route="Lyon – Paris", reason="-")])
    hotel = Hotel(event_id=event.id, name="Hôtel du Marais", address="12 rue des Archives, 75004 Paris")
    db.session.add(hotel)
    db.session.flush()
    nights = [d.date.isoformat() for d in event.days]
    block = RoomBlock(hotel_id=hotel.id, room_type="twin", rooms=4, nights=nights, price=95)
    db.session.add(block)
    db.session.flush()
    room_request = RoomRequest(participant_id=confirmed.id, check_in=event.days[0].date,
                               check_out=event.days[-1].date, block_id=block.id)
    db.session.add(room_request)
    db.session.flush()
    ids = {
        "participant": confirmed.id, "pending": pending.id, "organization": organization.id, "job": job.id,
        "session": db.session.scalars(sa.select(StatutorySession.id).order_by(StatutorySession.id)).first(),
        "workshop": db.session.scalars(sa.select(Workshop.id).order_by(Workshop.id)).first(),
        "run": db.session.scalars(sa.select(WorkshopRun.id).order_by(WorkshopRun.id)).first(),
        "attendee": attendee.id,
        "personal": "/registration/" + make_token(confirmed.access_key),
        "pending_personal": "/registration/" + make_token(pending.access_key),
        "ticket": "/public/ticket/" + public_token(attendee),
        "public_cancel": "/public/cancel/" + public_token(attendee),
        "public_confirm": "/public/confirm/" + public_token(waiting),
        "unconfirmed_personal": "/registration/" + make_token(unconfirmed.access_key),
        "delegation": "/delegation/" + delegation_link(organization).rsplit("/delegation/", 1)[1],
        "day": event.days[0].id,
        "visa_letter": letter.id,
        "travel": travel.id,
        "room_request": room_request.id,
        # A delegate of the same member without a decided request: the focal point's travel support form.
        "colleague": make_participant(event, organization_id=organization.id, status=Status.CONFIRMED,
                                      email="travel.colleague@example.org").id,
    }
    db.session.commit()
    return ids


#: The public pages checked (endpoints), and the GET routes outside /manage and /desk that are not
#: HTML pages or are not checked (with why); a test keeps the two complete against the URL map.
PUBLIC_PAGES = {
    "main.index", "registration.register_form", "workshops.programme", "public.register", "public.ticket",
    "public.cancel", "public.confirm", "registration.manage", "workshops.ranking", "registration.edit",
    "registration.cancel", "registration.sign_out_links", "registration.request_link",
    "documents.verify_form",
    "documents.verify", "main.privacy", "delegation.page", "auth.login", "auth.reset_request",
    "registration.done", "public.done", "registration.cancelled", "registration.links_renewed",
    "privacy.erase_my_data", "privacy.erased", "visas.request_letter", "accommodation.room",
    "travel.personal", "travel.claim_form", "travel.delegation", "travel.for_delegate",
}
PUBLIC_NOT_CHECKED = {
    "static", "main.health", "main.ready", "i18n.switch",  # not pages
    "public.calendar", "workshops.calendar", "delegation.proxy_pdf", "documents.my_certificate",
    "shared_list.participant_list", "privacy.my_data", "visas.my_letter", "travel.my_receipt",  # files
    "auth.reset_password_form",  # a one-time token of a staff account: the same form macros as /login/reset
    "public.claim",  # a place offered from the waiting list: redirects to the ticket (checked) or the form
}

#: What the pages shown after a form need in the (signed cookie) session.
AFTER_A_FORM = {"registration_submitted": True, "public_submitted": True, "registration_cancelled": True,
                "registration_links_renewed": True, "registration_erased": True}


def public_paths(ids: dict) -> list[str]:
    personal = ids["personal"]
    return ["/", "/register", "/programme", "/public", ids["ticket"], ids["public_cancel"],
            ids["public_confirm"], personal, personal + "/workshops", personal + "/edit",
            personal + "/cancel", personal + "/sign-out", personal + "/erase", personal + "/visa-letter",
            personal + "/room",
            ids["pending_personal"],
            ids["unconfirmed_personal"],
            "/registration/link", "/verify", "/verify/0000-0000-0000-0000", "/privacy", ids["delegation"],
            "/login", "/login/reset", "/no-such-page", personal + "/travel", personal + "/travel/claim",
            ids["pending_personal"] + "/travel", ids["delegation"] + "/travel",
            ids["delegation"] + f"/travel/{ids['colleague']}"]


def set_session(app, page, live_server: str, values: dict) -> None:
    """Put ``values`` in the browser's Flask session cookie, as the forms' redirects would."""
    cookie = app.session_interface.get_signing_serializer(app).dumps(values)
    name = app.config["SESSION_COOKIE_NAME"]
    page.context.add_cookies([{"name": name, "value": cookie, "url": live_server}])


def staff_paths(app, ids: dict, prefix: str) -> list[str]:
    with app.test_request_context():
        return [url_for(endpoint, **values(ids)) for endpoint, values in STAFF_PAGES.items()
                if endpoint.split(".")[0].startswith(prefix)]


def set_up_desk(page, ids: dict) -> None:
    page.goto("/desk/")
    page.get_by_label("Desk name").fill("Desk 1")
    page.get_by_label("Checking in for").select_option(str(ids["day"]))
    page.get_by_role("button", name="Start checking in").click()
    expect(page.get_by_label("Scan a badge or type a name")).to_be_visible()


def test_staff_pages_list_every_get_page_under_manage_and_desk(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and rule.rule.startswith(("/manage", "/desk"))}
    assert routes - NOT_PAGES == set(STAFF_PAGES), "add a new page to STAFF_PAGES (NOT_PAGES if not HTML)"


def test_public_pages_list_every_get_page_outside_manage_and_desk(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and not rule.rule.startswith(("/manage", "/desk"))}
    assert routes == PUBLIC_PAGES | PUBLIC_NOT_CHECKED, "add a new page to PUBLIC_PAGES and public_paths"
    assert not PUBLIC_PAGES & PUBLIC_NOT_CHECKED


@pytest.mark.browser
def test_public_pages_have_no_accessibility_violation(app, page, live_server, axe):
    ids = demo()
    paths = public_paths(ids)
    assert len(paths) == 30  # + visa letter request (1), travel support (5), my hotel room (1) (issue 17)
    problems = check_all(page, axe, paths)
    # The pages shown after a form was sent (registered, cancelled, links signed out).
    set_session(app, page, live_server, AFTER_A_FORM)
    for path in ["/register/done", "/public/done", "/registration/cancelled", "/registration/signed-out",
                 "/registration/erased"]:
        problems += violations(page, axe, path)
        assert page.url == live_server + path  # the page itself, not a redirect to the form or home
    assert_none(problems)


@pytest.mark.browser
def test_back_office_pages_have_no_accessibility_violation(app, page, live_server, axe):
    ids = demo()
    sign_in_page(page, Role.ORGANIZER, "axe.organizer@example.org")
    paths = staff_paths(app, ids, "manage") + ["/manage/registrations/?q=a",
                                               "/manage/registrations/?status=pending"]
    assert len(paths) == 45  # + visa letters (3), travel support (3), accommodation (2) (issue 17)
    assert_none(check_all(page, axe, paths))


@pytest.mark.browser
def test_desk_pages_have_no_accessibility_violation(app, page, live_server, axe):
    ids = demo()
    sign_in_page(page, Role.DESK, "axe.desk@example.org")
    # The setup step before the desk's day is saved, and the error page of a back-office page (403).
    problems = check_all(page, axe, ["/desk/", "/manage/"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    set_up_desk(page, ids)
    paths = staff_paths(app, ids, "desk") + ["/desk/?q=a"]
    assert len(paths) == 8
    assert_none(problems + check_all(page, axe, paths))


@pytest.mark.browser
def test_pages_in_french_have_no_accessibility_violation(page, live_server, axe):
    ids = demo()
    page.goto("/language/fr?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    problems = check_all(page, axe, ["/", "/register", "/programme", "/public", ids["personal"],
                                     ids["ticket"], "/no-such-page"])
    page.goto("/language/en?next=/")
    sign_in_page(page, Role.ORGANIZER, "axe.organizer@example.org")
    page.goto("/language/fr?next=/manage/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_none(problems + check_all(page, axe, ["/manage/", "/manage/registrations/", "/desk/"]))


@pytest.mark.browser
def test_pages_on_a_phone_have_no_accessibility_violation(page, live_server, axe):
    ids = demo()
    page.set_viewport_size(PHONE)
    problems = check_all(page, axe, ["/", "/register", "/programme", "/public", ids["personal"],
                                     ids["personal"] + "/workshops"])
    # The programme is a list by day on a phone: nothing to scroll sideways.
    page.goto("/programme")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A back-office table wider than the phone scrolls in its box, which a keyboard reaches (a named,
    # focusable region).
    page.set_viewport_size(PHONE)
    sign_in_page(page, Role.ORGANIZER, "axe.organizer@example.org")
    page.goto("/manage/registrations/")
    scroll_box = page.locator(".table-scroll").first
    expect(scroll_box).to_have_attribute("tabindex", "0")
    expect(scroll_box).to_have_attribute("role", "region")
    assert_none(problems + check_all(page, axe, [
        "/manage/", "/manage/registrations/", f"/manage/registrations/{ids['participant']}",
        "/manage/programme/", "/manage/assembly/", "/desk/"]))
