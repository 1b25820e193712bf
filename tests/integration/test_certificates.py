"""Certificates of attendance read back from real PDFs: what they say, their QR code, /verify, who may print
them in bulk, the command line, and issuing once (again only when the attendance changes), on both databases."""
from __future__ import annotations

import io
import re
import subprocess
import threading
import time

import pdfplumber
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from lsi_assembly.auth.models import Role
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.documents.models import Certificate
from lsi_assembly.documents.services import CODE_LENGTH, grouped, issue_certificate, issue_certificates, normalize_code
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Participant, Status
from tests.factories import csrf_token, make_event, make_organization, make_participant, sign_in

PT_PER_MM = 72 / 25.4
BASE_URL = "https://assembly.example.org"
DOWNLOAD = "Download your certificate of attendance"


def check_in(person, *days, desk="Desk 1"):
    for day in days:
        db.session.add(CheckIn(participant_id=person.id, day_id=day.id, desk=desk))
    db.session.commit()


def personal_page(person) -> str:
    return f"/registration/{make_token(person.access_key)}"


def pdf_text(data: bytes) -> list[str]:
    """Each page's text, its lines joined by spaces."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [" ".join(page.extract_text().split()) for page in document.pages]


def current_certificates() -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.superseded_at.is_(None))
                                   .order_by(Certificate.id)))


def render(runner, tmp_path, *args):
    out = tmp_path / "certificates.pdf"
    result = runner.invoke(args=["documents", "render", "certificates", "--out", str(out), *args])
    return result, out


@pytest.fixture
def people(app):
    """Ngozi (CCEM, days 1 and 3), Jan (La Strada Poland, organization hidden on his badge, day 2),
    Pending Person (never checked in)."""
    event = make_event(venue="Maison des Associations")
    ccem = make_organization(event, name="CCEM", quota=5, country="FR")
    poland = make_organization(event, name="La Strada Polska", quota=5)
    ngozi = make_participant(event, given_name="Ngozi", family_name="Okonkwo", email="ngozi@example.org",
                             status=Status.CONFIRMED, organization_id=ccem.id)
    jan = make_participant(event, given_name="Jan", family_name="Kowalski-Żółć", email="jan@example.org",
                           status=Status.CONFIRMED, organization_id=poland.id, badge_hide_organization=True)
    absent = make_participant(event, given_name="Pending", family_name="Person", email="absent@example.org",
                              status=Status.CONFIRMED, organization_id=ccem.id)
    check_in(ngozi, event.days[0], event.days[2])
    check_in(jan, event.days[1])
    return event, ngozi, jan, absent


def test_the_personal_page_offers_the_certificate_which_says_who_when_and_what(client, people):
    event, ngozi, _jan, _absent = people
    page = client.get(personal_page(ngozi)).get_data(as_text=True)
    assert DOWNLOAD in page
    response = client.get(personal_page(ngozi) + "/certificate.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(210 * PT_PER_MM, abs=0.5)  # A4
    assert float(box.height) == pytest.approx(297 * PT_PER_MM, abs=0.5)
    [text] = pdf_text(response.data)
    [certificate] = current_certificates()
    assert "Certificate of attendance" in text
    assert "Ngozi Okonkwo" in text and "CCEM" in text
    assert "Thursday, 24 June 2027" in text and "Saturday, 26 June 2027" in text
    assert "Friday, 25 June 2027" not in text  # the day she was not checked in
    assert "LSI General Assembly 2027" in text and "Maison des Associations, Paris" in text
    assert "Secretariat of La Strada International" in text
    assert grouped(certificate.code) in text
    assert f"http://localhost/verify/{grouped(certificate.code)}" in text
    # Downloading again gives the same certificate.
    again = client.get(personal_page(ngozi) + "/certificate.pdf")
    assert grouped(certificate.code) in pdf_text(again.data)[0]
    assert [c.id for c in current_certificates()] == [certificate.id]


def test_an_organization_left_off_the_badge_is_left_off_the_certificate(client, people):
    _event, _ngozi, jan, _absent = people
    [text] = pdf_text(client.get(personal_page(jan) + "/certificate.pdf").data)
    assert "Jan Kowalski-Żółć" in text and "Friday, 25 June 2027" in text
    assert "Polska" not in text
    [certificate] = current_certificates()
    assert certificate.organization is None
    page = client.get(f"/verify/{grouped(certificate.code)}").get_data(as_text=True)
    assert "Jan Kowalski-Żółć" in page and "Polska" not in page


def test_nobody_gets_a_certificate_before_being_checked_in(client, runner, tmp_path, people):
    _event, _ngozi, _jan, absent = people
    assert DOWNLOAD not in client.get(personal_page(absent)).get_data(as_text=True)
    response = client.get(personal_page(absent) + "/certificate.pdf")
    assert response.status_code == 404 and "once you have been checked in" in response.get_data(as_text=True)
    result, out = render(runner, tmp_path, "--participant", "absent@example.org")
    assert result.exit_code == 2 and "has not been checked in" in result.output
    assert not out.exists()
    assert all(c.participant_id != absent.id for c in current_certificates())


def test_verify_shows_what_the_certificate_says_as_issued(client, people):
    event, ngozi, _jan, _absent = people
    certificate = issue_certificate(ngozi)
    db.session.commit()
    code = grouped(certificate.code)
    ngozi.given_name = "Changed"  # later changes do not rewrite what was issued...
    event.name = "Renamed event"
    db.session.commit()
    response = client.get(f"/verify/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in page and response.headers["X-Robots-Tag"]
    assert "Ngozi Okonkwo" in page and "Changed" not in page
    assert "CCEM" in page and "LSI General Assembly 2027" in page and "Renamed" not in page
    assert "Thursday, 24 June 2027" in page and "Saturday, 26 June 2027" in page
    assert "Friday, 25 June 2027" not in page
    assert "Secretariat of La Strada International" in page and code in page
    assert "replaced" not in page
    # ...but a corrected name is a new certificate, and the old code says it was replaced.
    renewed = issue_certificate(ngozi)
    db.session.commit()
    assert renewed.code != certificate.code and renewed.name == "Changed Okonkwo"
    old = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "replaced by a newer one" in old and "Ngozi Okonkwo" in old and renewed.code not in old


def test_codes_are_typed_in_any_case_with_or_without_dashes(client, people):
    _event, ngozi, _jan, _absent = people
    certificate = issue_certificate(ngozi)
    db.session.commit()
    code = certificate.code
    assert re.fullmatch(rf"[0-9A-HJKMNP-TV-Z]{{{CODE_LENGTH}}}", code)
    assert normalize_code(f" {grouped(code).lower()} ") == code
    assert normalize_code(" ".join(grouped(code).split("-"))) == code
    for typed in (code.lower(), " ".join(grouped(code).split("-")), grouped(code).lower()):
        response = client.get("/verify", query_string={"code": typed})
        assert response.status_code == 302 and response.headers["Location"] == f"/verify/{grouped(code)}", typed
    assert client.get(f"/verify/{code.lower()}").headers["Location"] == f"/verify/{grouped(code)}"
    form = client.get("/verify").get_data(as_text=True)
    assert '<form method="get" action="/verify"' in form and 'name="code"' in form
    assert '<meta name="robots" content="noindex, nofollow">' in form


def test_a_wrong_code_is_404(client, people):
    _event, ngozi, _jan, _absent = people
    issue_certificate(ngozi)
    db.session.commit()
    for path in ("/verify/ABCD-EFGH-JKMN-PQRS", "/verify/not-a-code", "/verify?code=ABCD+EFGH+JKMN+PQRS",
                 "/verify?code=12345"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert "There is no document with this code" in response.get_data(as_text=True)


def test_verify_is_rate_limited(app, client, people):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    codes = [client.get(path).status_code for path in ("/verify", "/verify/ABCD-EFGH-JKMN-PQRS",
                                                        "/verify?code=x", "/verify", "/verify/ABCD")]
    assert codes == [200, 404, 404, 429, 429]


def test_the_qr_code_holds_the_verify_address_and_nothing_personal(app, runner, tmp_path, people):
    app.config["BASE_URL"] = BASE_URL
    result, out = render(runner, tmp_path)
    assert result.exit_code == 0, result.output
    png = subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(out)],
                         capture_output=True, check=True).stdout
    [decoded] = [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    first = next(c for c in current_certificates() if c.name == "Jan Kowalski-Żółć")  # alphabetical: K before O
    assert decoded == f"{BASE_URL}/verify/{grouped(first.code)}"
    assert pdf_text(out.read_bytes())[0].count(decoded) == 1  # printed too, for those who type


def test_the_command_line_prints_everyone_checked_in_one_organization_or_one_person(app, runner, tmp_path, people):
    app.config["BASE_URL"] = BASE_URL
    result, out = render(runner, tmp_path)
    assert result.exit_code == 0, result.output
    pages = pdf_text(out.read_bytes())
    assert len(pages) == 2 and "Jan Kowalski-Żółć" in pages[0] and "Ngozi Okonkwo" in pages[1]
    assert "2 certificates written" in result.output
    issued = {c.participant_id: c.code for c in current_certificates()}
    assert len(issued) == 2  # committed by the command

    result, out = render(runner, tmp_path, "--organization", "la strada POLSKA")
    assert result.exit_code == 0, result.output
    [page] = pdf_text(out.read_bytes())
    assert "Jan Kowalski-Żółć" in page

    result, out = render(runner, tmp_path, "--participant", "Ngozi@Example.org")
    assert result.exit_code == 0, result.output
    [page] = pdf_text(out.read_bytes())
    assert "Ngozi Okonkwo" in page and grouped(issued[people[1].id]) in page  # the same certificate again
    assert {c.participant_id: c.code for c in current_certificates()} == issued

    result, out = render(runner, tmp_path, "--participant", "Ngozi@Example.org", "--language", "fr")
    assert result.exit_code == 0, result.output
    [page] = pdf_text(out.read_bytes())
    assert "Attestation de présence" in page and "jeudi 24 juin 2027" in page


@pytest.mark.parametrize("args, message", [
    (["--participant", "nobody@example.org"], "nobody is registered with the address nobody@example.org"),
    (["--participant", "absent@example.org"], "absent@example.org has not been checked in"),
    (["--organization", "Nobody"], "no organization 'Nobody'"),
])
def test_the_command_line_exits_2_when_there_is_nobody_to_print(app, runner, tmp_path, people, args, message):
    app.config["BASE_URL"] = BASE_URL
    result, out = render(runner, tmp_path, *args)
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_the_command_line_exits_2_when_nobody_was_checked_in(app, runner, tmp_path):
    app.config["BASE_URL"] = BASE_URL
    event = make_event()
    make_participant(event, status=Status.CONFIRMED)
    result, out = render(runner, tmp_path)
    assert result.exit_code == 2 and "nobody has been checked in yet" in result.output
    assert not out.exists()


def test_printing_in_bulk_is_for_organizers_not_the_desk(client, people):
    sign_in(client, Role.DESK, email="desk@example.org")
    assert client.get("/manage/documents/certificates").status_code == 403
    token = csrf_token(client, "/desk/")
    assert client.post("/manage/documents/certificates", data={"csrf_token": token}).status_code == 403
    assert current_certificates() == []


def wait_for_job(client, location: str) -> str:
    for _ in range(300):
        page = client.get(location).get_data(as_text=True)
        if "Download the PDF" in page or "failed" in page:
            return page
        time.sleep(0.1)
    raise AssertionError("the print run did not finish")


def test_organizers_print_everyone_or_one_organization_in_the_background(client, people):
    event, ngozi, jan, _absent = people
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/documents/certificates").get_data(as_text=True)
    assert "people checked in at least once" in page
    token = csrf_token(client, "/manage/documents/certificates")
    response = client.post("/manage/documents/certificates", data={"csrf_token": token, "organization_id": ""})
    assert response.status_code == 302 and "/manage/jobs/" in response.headers["Location"]
    assert "Done: 2 certificates." in wait_for_job(client, response.headers["Location"])
    download = client.get(response.headers["Location"] + "/download")
    pages = pdf_text(download.data)
    assert len(pages) == 2 and "Jan Kowalski-Żółć" in pages[0] and "Ngozi Okonkwo" in pages[1]
    assert {c.participant_id for c in current_certificates()} == {ngozi.id, jan.id}

    ccem = ngozi.organization_id
    response = client.post("/manage/documents/certificates", data={"csrf_token": token, "organization_id": ccem})
    assert "Done: 1 certificate." in wait_for_job(client, response.headers["Location"])
    [page] = pdf_text(client.get(response.headers["Location"] + "/download").data)
    assert "Ngozi Okonkwo" in page and "CCEM" in page

    empty = make_organization(event, name="Nobody came")
    response = client.post("/manage/documents/certificates", data={"csrf_token": token, "organization_id": empty.id},
                           follow_redirects=True)
    assert "Nobody of this organization has been checked in" in response.get_data(as_text=True)


def test_a_certificate_changes_only_when_the_attendance_does(app, people):
    event, ngozi, jan, _absent = people
    first = {c.participant_id: c.code for c in issue_certificates(event)}
    db.session.commit()
    assert {c.participant_id: c.code for c in issue_certificates(event)} == first  # nothing changed
    check_in(jan, event.days[2])  # Jan comes back on the last day
    app.config["CERTIFICATE_SIGNATORY"] = "Someone Else"  # the signatory alone does not reissue
    db.session.commit()
    second = {c.participant_id: c for c in issue_certificates(event)}
    db.session.commit()
    assert second[ngozi.id].code == first[ngozi.id]
    assert second[jan.id].code != first[jan.id]
    assert second[jan.id].days == ["2027-06-25", "2027-06-26"] and second[jan.id].signatory == "Someone Else"
    old = db.session.scalar(sa.select(Certificate).where(Certificate.code == first[jan.id]))
    assert old.superseded_at is not None and old.days == ["2027-06-25"]


def test_erasing_a_person_erases_their_certificates(client, people):
    _event, ngozi, _jan, _absent = people
    code = grouped(issue_certificate(ngozi).code)
    db.session.commit()
    db.session.execute(sa.delete(Participant).where(Participant.id == ngozi.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    assert client.get(f"/verify/{code}").status_code == 404


def test_two_downloads_at_once_issue_one_certificate(app, people):
    _event, ngozi, _jan, _absent = people
    person_id = ngozi.id
    barrier = threading.Barrier(4)
    codes, errors = [], []

    def download() -> None:
        with app.app_context():
            try:
                participant = db.session.get(Participant, person_id)
                barrier.wait(timeout=30)
                certificate = issue_certificate(participant)
                code = certificate.code
                db.session.commit()
                codes.append(code)
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=download) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(codes) == 4 and len(set(codes)) == 1
    assert len(current_certificates()) == 1


def test_the_command_line_needs_base_url_for_the_verification_address(runner, tmp_path, people):
    result, out = render(runner, tmp_path)
    assert result.exit_code == 1 and "Set BASE_URL" in result.output
    assert not out.exists() and current_certificates() == []
