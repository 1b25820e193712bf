"""Travel support through the app, on both databases: apply from the personal link, decide (e-mailed),
claim with receipts checked by content, pay; every refused transition; who sees what; the budget's
arithmetic; the receipts' retention and erasure; the accountant's list read back."""
from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pdfplumber
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lsi_assembly.assembly.delegation import delegation_link
from lsi_assembly.auth.models import Role
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.extensions import db
from lsi_assembly.privacy.erasure import erase
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.travel.models import TravelReceipt, TravelRequest, TravelStatus
from lsi_assembly.travel.receipts import MAX_RECEIPT_BYTES
from lsi_assembly.travel.services import (
    Application,
    TravelError,
    apply,
    budget_report,
    claim,
    decline,
    grant,
    mark_paid,
    set_budget,
)
from tests.conftest import body
from tests.factories import csrf_token, make_event, make_organization, make_participant, post_form, sign_in

APPLICATION = {"currency": "EUR", "estimated_travel": "420,50", "estimated_accommodation": "300",
               "estimated_visa": "80.00", "estimated_other": "", "route": "Chișinău – Paris, flight",
               "reason": "Our organization cannot pay for the trip."}


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size=(40, 30), noise: bool = False) -> bytes:
    image = (Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise
             else Image.new("RGB", size, (200, 30, 60)))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


#: A Windows program's first bytes ("MZ", the DOS stub): what a renamed executable starts with.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode" * 20


@pytest.fixture(autouse=True)
def base_url(app):
    """Decisions e-mail the personal link, also when made outside a request (in these tests)."""
    app.config["BASE_URL"] = "https://assembly.example.org"


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads" / "receipts"


@pytest.fixture
def person(app):
    event = make_event()
    organization = make_organization(event, name="La Strada Moldova", country="MD")
    return make_participant(event, given_name="Ion", family_name="Rusu", email="ion.rusu@example.org",
                            country="MD", organization_id=organization.id, status=Status.CONFIRMED)


def page(person) -> str:
    return f"/registration/{make_token(person.access_key)}/travel"


def travel_of(person) -> TravelRequest:
    db.session.expire_all()
    return db.session.scalar(sa.select(TravelRequest).where(TravelRequest.participant_id == person.id))


def application(**estimates) -> Application:
    values = {kind: Decimal(amount) for kind, amount in estimates.items()}
    return Application("EUR", values, "Vilnius – Paris, train", "No funds")


def staff_post(client, travel, action: str, data: dict, **kwargs):
    """Post an organizer's form of the request's page (decide, pay) with that page's CSRF token."""
    token = csrf_token(client, f"/manage/travel/{travel.id}")
    return client.post(f"/manage/travel/{travel.id}/{action}", data={"csrf_token": token, **data}, **kwargs)


def multipart_post(client, url: str, fields: dict, files: list[tuple[str, bytes]], token_from: str | None = None):
    """Post a multipart form as a browser does, its body built in memory (Werkzeug's test client spools
    a large one to a temporary file it leaves open)."""
    data = {"csrf_token": csrf_token(client, token_from or url), **fields,
            "receipts": [FileStorage(io.BytesIO(content), filename=name) for name, content in files]}
    boundary, payload = encode_multipart(data)
    return client.post(url, data=payload, content_type=f"multipart/form-data; boundary={boundary}")


def claim_files(client, person, files, **amounts):
    fields = {"claimed_travel": "400", "claimed_accommodation": "", "claimed_visa": "", "claimed_other": "",
              **amounts}
    return multipart_post(client, page(person) + "/claim", fields, files)


def granted(person, amount="500.00") -> TravelRequest:
    travel = apply(person, application(travel="450", visa="80"))
    grant(travel, Decimal(amount), "Economy class only")
    db.session.commit()
    return travel


def test_the_whole_way_from_request_to_payment(app, client, person, mailbox, uploads):
    assert "Travel support" in client.get(f"/registration/{make_token(person.access_key)}").get_data(as_text=True)
    response = post_form(client, page(person), APPLICATION)
    assert response.status_code == 302, response.get_data(as_text=True)
    travel = travel_of(person)
    assert travel.status == TravelStatus.REQUESTED
    assert (travel.estimated_travel, travel.estimated_accommodation, travel.estimated_visa, travel.estimated_other) == (
        Decimal("420.50"), Decimal("300.00"), Decimal("80.00"), Decimal("0.00"))
    assert travel.estimated_total == Decimal("800.50")
    assert travel.route == "Chișinău – Paris, flight"
    # The person may change the request while it waits for a decision.
    assert post_form(client, page(person), {**APPLICATION, "estimated_other": "19.5"}).status_code == 302
    assert travel_of(person).estimated_total == Decimal("820.00")

    sign_in(client)
    html = client.get(f"/manage/travel/{travel.id}").get_data(as_text=True)
    assert "Ion Rusu" in html and "Chișinău – Paris, flight" in html
    response = staff_post(client, travel, "decide", {"decision": "grant", "granted_eur": "650",
                                                     "conditions": "Economy class only"})
    assert response.status_code == 302, response.get_data(as_text=True)
    travel = travel_of(person)
    assert (travel.status, travel.granted_eur, travel.conditions) == (TravelStatus.GRANTED, Decimal("650.00"),
                                                                      "Economy class only")
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "ion.rusu@example.org" and "granted" in mail["Subject"]
    text = body(mail)
    assert "650" in text and "Economy class only" in text and "/registration/" in text
    # The person can no longer change the request once decided.
    assert client.post(page(person), data={"csrf_token": csrf_token(client, page(person) + "/claim"),
                                           **APPLICATION}).status_code == 405

    response = claim_files(client, person, [("ticket.pdf", pdf_bytes()), ("hotel.png", png_bytes())],
                           claimed_travel="398,20", claimed_accommodation="250")
    assert response.status_code == 302, response.get_data(as_text=True)
    travel = travel_of(person)
    assert travel.status == TravelStatus.CLAIMED
    assert travel.claimed_total == Decimal("648.20")
    assert sorted(r.content_type for r in travel.receipts) == ["application/pdf", "image/png"]
    stored = sorted(path.name for path in uploads.iterdir())
    assert stored == sorted(r.stored_name for r in travel.receipts)
    assert all(len(name) == 32 and "ticket" not in name for name in stored)  # random names, not the person's
    static = Path(app.static_folder).resolve()
    assert not uploads.resolve().is_relative_to(static)

    response = staff_post(client, travel, "pay", {"paid_eur": "648.20", "paid_on": "2027-07-10"})
    assert response.status_code == 302, response.get_data(as_text=True)
    travel = travel_of(person)
    assert (travel.status, travel.paid_eur, travel.paid_on) == (TravelStatus.PAID, Decimal("648.20"), date(2027, 7, 10))
    changes = [entry.changes.get("status") for entry in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity_type == "travel_request", AuditEntry.entity_id == travel.id)
        .order_by(AuditEntry.id))]
    assert [change[1] for change in changes if change] == ["requested", "granted", "claimed", "paid"]
    # The route and reasons are free text: the log says that they changed, not what they say.
    assert "Chișinău" not in json.dumps([e.changes for e in db.session.scalars(sa.select(AuditEntry))],
                                        ensure_ascii=False)
    page_html = client.get(page(person)).get_data(as_text=True)
    assert "Paid" in page_html and "Receipt 1" in page_html


def test_a_declined_request_is_e_mailed_and_can_be_neither_claimed_nor_paid(app, client, person, mailbox, uploads):
    travel = apply(person, application(travel="900"))
    db.session.commit()
    sign_in(client)
    response = staff_post(client, travel, "decide", {"decision": "decline", "decline_reason": "The budget is spent."})
    assert response.status_code == 302
    assert travel_of(person).status == TravelStatus.DECLINED
    [mail] = mailbox.wait_for(1)
    assert "declined" in mail["Subject"] and "The budget is spent." in body(mail)

    response = multipart_post(client, page(person) + "/claim", {"claimed_travel": "100"},
                              [("ticket.pdf", pdf_bytes())], token_from="/manage/travel/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/travel")
    response = staff_post(client, travel, "pay", {"paid_eur": "100", "paid_on": "2027-07-10"},
                          follow_redirects=True)
    assert "This cannot be done to a request that is “Declined”" in response.get_data(as_text=True)
    travel = travel_of(person)
    assert (travel.status, travel.paid_eur, travel.claimed_at) == (TravelStatus.DECLINED, None, None)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TravelReceipt))


def test_a_decision_needs_its_amount_or_its_reason(app, client, person):
    travel = apply(person, application(travel="900"))
    db.session.commit()
    sign_in(client)
    response = staff_post(client, travel, "decide", {"decision": "decline", "decline_reason": ""})
    assert response.status_code == 422
    assert "Say why the request is declined" in response.get_data(as_text=True)
    response = staff_post(client, travel, "decide", {"decision": "grant", "granted_eur": "-5"})
    assert response.status_code == 422
    response = staff_post(client, travel, "decide", {"decision": "grant", "granted_eur": "lots"})
    assert response.status_code == 422
    assert travel_of(person).status == TravelStatus.REQUESTED


@pytest.mark.parametrize("steps, action", [
    ((), "pay"), ((), "claim"),
    (("decline",), "pay"), (("decline",), "claim"),
    (("grant",), "pay"),
    (("grant", "claim", "pay"), "grant"), (("grant", "claim", "pay"), "decline"), (("grant", "claim", "pay"), "pay"),
    (("grant", "claim", "pay"), "claim"), (("grant", "claim"), "decline"),
])
def test_transitions_that_are_refused(app, person, uploads, steps, action):
    travel = apply(person, application(travel="300"))
    do = {"grant": lambda: grant(travel, Decimal("200"), ""),
          "decline": lambda: decline(travel, "No"),
          "claim": lambda: claim(travel, {"travel": Decimal("190")}, [("application/pdf", pdf_bytes())]),
          "pay": lambda: mark_paid(travel, Decimal("190"), date(2027, 7, 1))}
    for step in steps:
        do[step]()
    db.session.commit()
    before = travel_of(person).status
    with pytest.raises(TravelError):
        do[action]()
    db.session.rollback()
    assert travel_of(person).status == before


def test_bad_application_changes_nothing(app, client, person):
    for data in ({**APPLICATION, "estimated_travel": "a lot"}, {**APPLICATION, "currency": "XXX"},
                 {**APPLICATION, "estimated_travel": "-10"}, {**APPLICATION, "route": ""},
                 {**APPLICATION, "estimated_travel": "1e400"}):
        response = post_form(client, page(person), data)
        assert response.status_code == 422, data
        assert 'class="error-summary"' in response.get_data(as_text=True)
    response = post_form(client, page(person), {**APPLICATION, "estimated_travel": "0", "estimated_accommodation": "",
                                                "estimated_visa": ""})
    assert response.status_code == 422
    assert "Give at least one estimated cost." in response.get_data(as_text=True)
    assert travel_of(person) is None


def test_receipts_are_checked_by_content_and_size(app, client, person, uploads):
    granted(person)
    refused = [("receipt.pdf", EXECUTABLE, "Only PDF files and JPEG or PNG images are accepted"),
               ("photo.png", b"\x89PNG\r\n\x1a\n" + b"not an image" * 10, "This image cannot be read"),
               ("scan.pdf", b"%PDF-1.7 nothing else", "This PDF file cannot be read"),
               ("huge.pdf", b"%PDF-1.7" + b"0" * MAX_RECEIPT_BYTES, "larger than 5 MB")]
    for name, content, message in refused:
        response = claim_files(client, person, [(name, content)])
        assert response.status_code == 422, name
        html = response.get_data(as_text=True)
        assert message in html and name in html, name
    assert travel_of(person).status == TravelStatus.GRANTED
    assert not uploads.exists() or not any(uploads.iterdir())
    # A claim needs a receipt.
    response = claim_files(client, person, [])
    assert response.status_code == 422 and "Add at least one receipt." in response.get_data(as_text=True)
    # A good photo bigger than the app's usual form limit (4 MB) goes through the claim, and only the claim.
    big = png_bytes((1300, 1100), noise=True)
    assert app.config["MAX_CONTENT_LENGTH"] < len(big) < MAX_RECEIPT_BYTES
    response = claim_files(client, person, [("big.png", big)])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert travel_of(person).receipts[0].size == len(big)
    response = multipart_post(client, f"/registration/{make_token(person.access_key)}/edit", {},
                              [("big.png", big)])
    assert response.status_code == 413


def test_who_sees_what(app, client, person, uploads):
    travel = granted(person)
    claim(travel, {"travel": Decimal("420")}, [("application/pdf", pdf_bytes())])
    db.session.commit()
    receipt = travel_of(person).receipts[0]
    other = make_participant(person.event, email="other@example.org", status=Status.CONFIRMED)
    own = f"{page(person)}/receipts/{receipt.id}"
    response = client.get(own)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    response.close()
    # Another person's link does not reach it, nor their travel page show anything of it.
    assert client.get(f"{page(other)}/receipts/{receipt.id}").status_code == 404
    assert "420" not in client.get(page(other)).get_data(as_text=True)
    sign_in(client, Role.ORGANIZER)
    response = client.get(f"/manage/travel/{travel.id}/receipts/{receipt.id}")
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    # A receipt is reached only through its own request.
    other_travel = apply(other, application(travel="10"))
    db.session.commit()
    assert client.get(f"/manage/travel/{other_travel.id}/receipts/{receipt.id}").status_code == 404


def test_anonymous_visitors_and_the_desk_see_none_of_it(app, client, person, uploads):
    travel = granted(person)
    claim(travel, {"travel": Decimal("420")}, [("application/pdf", pdf_bytes())])
    db.session.commit()
    receipt = travel_of(person).receipts[0]
    staff_urls = ["/manage/travel/", "/manage/travel/budget", f"/manage/travel/{travel.id}",
                  f"/manage/travel/{travel.id}/receipts/{receipt.id}"]
    for url in staff_urls:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    sign_in(client, Role.DESK)
    for url in staff_urls:
        assert client.get(url).status_code == 403, url
    assert client.get("/manage/lists/file?kind=travel-support&format=csv").status_code == 403
    token = csrf_token(client, "/desk/")
    for action, data in (("decide", {"decision": "grant", "granted_eur": "9999"}),
                         ("pay", {"paid_eur": "1", "paid_on": "2027-07-01"})):
        assert client.post(f"/manage/travel/{travel.id}/{action}", data={"csrf_token": token, **data}).status_code == 403
    assert travel_of(person).granted_eur == Decimal("500.00")


def test_budget_arithmetic(app, client, person, uploads):
    event = person.event
    set_budget(event, Decimal("10000.00"))
    other_org = make_organization(event, name="ACCEM", country="ES")
    people = [person] + [make_participant(event, email=f"p{i}@example.org", country=country,
                                          organization_id=other_org.id, status=Status.CONFIRMED)
                         for i, country in enumerate(("ES", "ES", "ES", "ES"))]
    currencies = ["EUR", "PLN", "EUR", "EUR", "GBP"]
    requests = []
    for who, currency, amount in zip(people, currencies, ("800.10", "1500.00", "300.33", "99.99", "120.00")):
        requests.append(apply(who, Application(currency, {"travel": Decimal(amount)}, "Route", "Why")))
    grant(requests[0], Decimal("750.25"), "")          # granted
    grant(requests[1], Decimal("333.33"), "")          # claimed (in PLN)
    claim(requests[1], {"travel": Decimal("1400.00")}, [("application/pdf", pdf_bytes())])
    grant(requests[2], Decimal("300.33"), "")          # paid
    claim(requests[2], {"travel": Decimal("290.01")}, [("application/pdf", pdf_bytes())])
    mark_paid(requests[2], Decimal("290.01"), date(2027, 7, 2))
    decline(requests[3], "Outside the rules")           # declined: requested amounts not counted
    db.session.commit()                                 # requests[4] waits (GBP)
    report = budget_report(event, "en")
    assert report.budget == Decimal("10000.00")
    assert report.total.granted == Decimal("750.25") + Decimal("333.33") + Decimal("300.33") == Decimal("1383.91")
    assert report.total.paid == Decimal("290.01")
    assert report.remaining == Decimal("8616.09")
    assert report.unpaid == Decimal("1093.90")
    assert dict(report.total.requested) == {"EUR": Decimal("1100.43"), "PLN": Decimal("1500.00"),
                                            "GBP": Decimal("120.00")}
    assert dict(report.total.claimed) == {"PLN": Decimal("1400.00"), "EUR": Decimal("290.01")}
    assert all(isinstance(value, Decimal) for value in (report.remaining, report.total.granted, report.total.paid))
    countries = dict(report.by_country)
    assert countries["Spain"].granted == Decimal("633.66") and countries["Moldova"].granted == Decimal("750.25")
    organizations = dict(report.by_organization)
    assert organizations["ACCEM"].count == 4 and organizations["La Strada Moldova"].count == 1

    sign_in(client)
    html = client.get("/manage/travel/budget").get_data(as_text=True)
    for text in ("€10,000.00", "€1,383.91", "€290.01", "€8,616.09", "PLN1,500.00", "£120.00", "Spain", "ACCEM",
                 'class="budget-bar"', "<svg"):
        assert text in html, text


def test_budget_form_and_bad_budget(app, client, person):
    sign_in(client)
    token = csrf_token(client, "/manage/travel/")
    client.post("/manage/travel/budget", data={"csrf_token": token, "amount": "25 000,50"})
    assert budget_report(person.event, "en").budget == Decimal("25000.50")
    response = client.post("/manage/travel/budget", data={"csrf_token": token, "amount": "-1"}, follow_redirects=True)
    assert "The budget was not saved" in response.get_data(as_text=True)
    assert budget_report(person.event, "en").budget == Decimal("25000.50")
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "travel_budget")).all()
    assert entry.changes["amount_eur"] == [None, "25000.50"] and entry.actor == "organizer@example.org"


def test_purge_deletes_receipts_then_texts_on_schedule(app, runner, person, uploads):
    travel = granted(person)
    claim(travel, {"travel": Decimal("420")}, [("application/pdf", pdf_bytes()), ("image/png", png_bytes())])
    db.session.commit()
    assert len(list(uploads.iterdir())) == 2
    (uploads / "orphan-from-a-failed-claim").write_bytes(b"%PDF-1.4")
    os.utime(uploads / "orphan-from-a-failed-claim", (0, 0))  # a failed claim long ago; a fresh one is kept
    last_day = max(day.date for day in person.event.days)
    result = runner.invoke(args=["privacy", "purge", "--today", date.fromordinal(last_day.toordinal() + 180).isoformat()])
    assert result.exit_code == 0, result.output
    assert len(travel_of(person).receipts) == 2
    result = runner.invoke(args=["privacy", "purge", "--today", date.fromordinal(last_day.toordinal() + 181).isoformat()])
    assert result.exit_code == 0, result.output
    travel = travel_of(person)
    assert travel.receipts == [] and list(uploads.iterdir()) == []
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TravelReceipt))
    assert travel.route == "Vilnius – Paris, train"  # the texts go later
    runner.invoke(args=["privacy", "purge", "--today", date.fromordinal(last_day.toordinal() + 366).isoformat()])
    travel = travel_of(person)
    assert (travel.route, travel.reason, travel.conditions) == ("", "", None)
    assert travel.granted_eur == Decimal("500.00") and travel.claimed_total == Decimal("420.00")  # the accounts


def test_erasure_and_export_cover_travel_support(app, client, person, uploads):
    travel = granted(person)
    claim(travel, {"travel": Decimal("420")}, [("application/pdf", pdf_bytes())])
    db.session.commit()
    response = client.get(f"/registration/{make_token(person.access_key)}/data")
    exported = json.loads(response.get_data(as_text=True))["travel_support"]
    assert exported["status"] == "claimed" and exported["granted_eur"] == "500.00"
    assert exported["route"] == "Vilnius – Paris, train" and len(exported["receipts"]) == 1
    assert "stored_name" not in json.dumps(exported)
    erase(person, reason="asked by e-mail", by="organizer")
    db.session.commit()
    travel = travel_of(person)
    assert travel.receipts == [] and list(uploads.iterdir()) == []
    assert (travel.route, travel.reason, travel.conditions) == ("", "", None)
    assert travel.claimed_total == Decimal("420.00")


def test_the_accountants_list(app, client, runner, person, uploads, tmp_path):
    person.given_name = "=HYPERLINK(\"http://evil\")"
    travel = granted(person, "512.40")
    claim(travel, {"travel": Decimal("500"), "visa": Decimal("12.40")}, [("application/pdf", pdf_bytes())])
    mark_paid(travel, Decimal("512.40"), date(2027, 7, 3))
    other = make_participant(person.event, given_name="Ewa", family_name="Lis", email="ewa@example.org")
    apply(other, Application("PLN", {"travel": Decimal("1200")}, "Warsaw – Paris", "Why"))
    db.session.commit()

    out = tmp_path / "travel.csv"
    result = runner.invoke(args=["lists", "render", "travel-support", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Reference", "Name", "Organization", "Country", "Status", "Requested", "Currency",
                       "Granted (EUR)", "Claimed (in the currency)", "Paid (EUR)", "Paid on"]
    by_status = {row[4]: row for row in rows[1:]}
    paid = by_status["Paid"]
    assert paid[0] == f"TS-{travel.id:04d}" and paid[1].startswith("'=HYPERLINK")
    assert paid[2:4] == ["La Strada Moldova", "Moldova"]
    assert paid[5:] == ["530.00", "EUR", "512.40", "512.40", "512.40", "2027-07-03"]
    assert by_status["Requested"][5:9] == ["1200.00", "PLN", "", ""]

    out = tmp_path / "travel.xlsx"
    assert runner.invoke(args=["lists", "render", "travel-support", "--out", str(out)]).exit_code == 0
    sheet = load_workbook(out).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Reference"
    assert any(str(row[1]).startswith("'=HYPERLINK") for row in values[1:])

    out = tmp_path / "travel.pdf"
    assert runner.invoke(args=["lists", "render", "travel-support", "--out", str(out)]).exit_code == 0
    with pdfplumber.open(out) as document:
        text = " ".join(page.extract_text() for page in document.pages)
    assert "Travel support" in text and f"TS-{travel.id:04d}" in text and "512.40" in text and "PLN" in text

    sign_in(client)
    response = client.get("/manage/lists/file?kind=travel-support&format=csv")
    assert response.status_code == 200 and "TS-" in response.get_data(as_text=True)
    assert "Travel support, for the accountant" in client.get("/manage/lists/").get_data(as_text=True)


def test_a_focal_point_asks_for_a_delegate_of_their_organization_only(app, client, person):
    organization = person.organization
    organization.delegation_key = "travel-test"
    elsewhere = make_organization(person.event, name="Other member", country="FR")
    stranger = make_participant(person.event, email="stranger@example.org", organization_id=elsewhere.id,
                                status=Status.CONFIRMED)
    protected = make_participant(person.event, email="protected@example.org", given_name="Hidden",
                                 organization_id=organization.id, status=Status.CONFIRMED, protected=True)
    db.session.commit()
    base = urlsplit(delegation_link(organization)).path
    assert "Travel support for your delegates" in client.get(base).get_data(as_text=True)
    listing = client.get(base + "/travel").get_data(as_text=True)
    assert "Ion Rusu" in listing and "Hidden" not in listing and "Anna" not in listing
    for other in (stranger, protected):
        assert client.get(f"{base}/travel/{other.id}").status_code == 404
    assert client.get(f"/delegation/forged-token/travel/{person.id}").status_code == 404
    response = post_form(client, f"{base}/travel/{person.id}", APPLICATION)
    assert response.status_code == 302, response.get_data(as_text=True)
    travel = travel_of(person)
    assert travel.status == TravelStatus.REQUESTED and travel.estimated_total == Decimal("800.50")
    created = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "travel_request")).first()
    assert created.actor == "focal point"
    # Once decided, only the delegate follows the request up.
    grant(travel, Decimal("300"), "")
    db.session.commit()
    response = client.get(f"{base}/travel/{person.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/travel")
    assert "Granted" in client.get(base + "/travel").get_data(as_text=True)
