"""Visa invitation letters: asking from the personal link, each decision, who sees what, the letter's PDF read
back, /verify before and after revocation and deletion, the e-mail with its attachment, the command line, and
the passport number gone from the whole database after the retention date; on both databases."""
from __future__ import annotations

import io
import re

import pdfplumber
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from lsi_assembly.auth.models import Role
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.documents.services import grouped
from lsi_assembly.extensions import db
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Status
from lsi_assembly.visas.models import LetterStatus, VisaLetter
from lsi_assembly.visas.services import approve as approve_letter
from tests.conftest import body
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    run_at_once,
    sign_in,
)

BASE_URL = "https://assembly.example.org"
PASSPORT = "XK4471932"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def personal_page(person) -> str:
    return f"/registration/{make_token(person.access_key)}"


def pdf_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [" ".join(page.extract_text().split()) for page in document.pages]


def request_form(**overrides) -> dict:
    data = {"passport_name": "AMARA ADAEZE OKAFOR", "nationality": "NG", "passport_number": PASSPORT,
            "birth_date": "1988-03-14", "passport_expiry": "2030-01-31", "consulate_city": "Lagos",
            "consulate_country": "NG"}
    data.update(overrides)
    return data


def the_letter() -> VisaLetter:
    db.session.expire_all()
    return db.session.scalar(sa.select(VisaLetter))


@pytest.fixture
def people(app):
    """Amara (confirmed, needs a visa), Jan (confirmed, another participant), Paul (pending)."""
    event = make_event(venue="Maison des Associations")
    org = make_organization(event, name="Women's Rights Nigeria", quota=5, country="NG")
    amara = make_participant(event, given_name="Amara", family_name="Okafor", email="amara@example.org",
                             status=Status.CONFIRMED, organization_id=org.id, country="NG")
    jan = make_participant(event, given_name="Jan", family_name="Kowalski", email="jan@example.org",
                           status=Status.CONFIRMED, organization_id=org.id)
    paul = make_participant(event, given_name="Paul", family_name="Pending", email="paul@example.org",
                            status=Status.PENDING, organization_id=org.id)
    return event, amara, jan, paul


def ask(client, person, **overrides):
    return post_form(client, personal_page(person) + "/visa-letter", request_form(**overrides))


def letterhead(client):
    response = post_form(client, "/manage/visa-letters/settings", {
        "address": "La Strada International\nPostbus 15865\n1001 NJ Amsterdam", "signatory_name": "Suzanne Hoff",
        "signatory_title": "International Coordinator",
        "logo": (io.BytesIO(PNG), "logo.png"), "signature": (io.BytesIO(PNG), "signature.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)


def approve(client, letter_id, **overrides):
    data = {"costs": "lsi_travel_accommodation", "costs_note": "", "language": "en", **overrides}
    return decide(client, letter_id, "approve", **data)


def decide(client, letter_id, action, **data):
    return client.post(f"/manage/visa-letters/{letter_id}/{action}",
                       data={"csrf_token": csrf_token(client, f"/manage/visa-letters/{letter_id}"), **data})


def test_a_confirmed_participant_asks_and_sees_the_status(client, people):
    event, amara, _jan, _paul = people
    page = client.get(personal_page(amara)).get_data(as_text=True)
    assert "Ask for a visa invitation letter" in page
    form = client.get(personal_page(amara) + "/visa-letter").get_data(as_text=True)
    # Why each item is needed, and when it is deleted (30 days after 26 June 2027, from the schedule).
    assert "the consulate compares the letter with it" in form and "27 July 2027" in form
    assert 'autocomplete="bday"' in form and 'for="passport_number"' in form
    response = ask(client, amara)
    assert response.status_code == 302
    letter = the_letter()
    assert letter.status == LetterStatus.REQUESTED and letter.passport_number == PASSPORT
    page = client.get(personal_page(amara)).get_data(as_text=True)
    assert "Requested" in page and "Correct my request" in page
    assert PASSPORT not in page  # the page shows the status, not the passport
    # Stored encrypted: the raw column holds a token, not the number.
    raw = db.session.execute(sa.text("SELECT passport_number, passport_name FROM visa_letters")).one()
    assert PASSPORT not in raw[0] and "OKAFOR" not in raw[1]
    # The audit log says that it changed, never what it is.
    assert all(PASSPORT not in str(entry.changes) for entry in db.session.scalars(sa.select(AuditEntry)))


@pytest.mark.parametrize("overrides, message", [
    ({"passport_expiry": "2027-06-20"}, "Your passport must be valid after the Assembly"),
    ({"birth_date": "2099-01-01"}, "Please give a date of birth in the past."),
    ({"passport_number": "<b>1</b>"}, "letters and digits only"),
    ({"nationality": "QQ"}, "Please choose the country of your passport."),
    ({"birth_date": "not a date"}, "birth_date"),
    ({"passport_name": ""}, "Please fill in this field."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_changes(client, people, overrides, message):
    _event, amara, _jan, _paul = people
    response = ask(client, amara, **overrides)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert the_letter() is None


def test_only_confirmed_participants_ask_and_each_sees_only_their_own(client, people):
    _event, amara, jan, paul = people
    assert "Ask for a visa invitation letter" not in client.get(personal_page(paul)).get_data(as_text=True)
    assert client.get(personal_page(paul) + "/visa-letter").status_code == 302
    assert client.post(personal_page(paul) + "/visa-letter", data=request_form()).status_code in (302, 400)
    assert the_letter() is None
    ask(client, amara)
    # Jan's page shows nothing of Amara's request; his link reaches only his own (none).
    jan_page = client.get(personal_page(jan)).get_data(as_text=True)
    assert "Requested" not in jan_page and "OKAFOR" not in jan_page
    assert client.get(personal_page(jan) + "/visa-letter.pdf").status_code == 404
    assert "OKAFOR" not in client.get(personal_page(jan) + "/visa-letter").get_data(as_text=True)
    assert client.get("/registration/forged-token/visa-letter").status_code == 404


def test_desk_staff_see_none_of_it(client, people):
    _event, amara, _jan, _paul = people
    ask(client, amara)
    letter = the_letter()
    sign_in(client, Role.DESK)
    for path in ("/manage/visa-letters/", f"/manage/visa-letters/{letter.id}", "/manage/visa-letters/settings",
                 f"/manage/visa-letters/{letter.id}/letter.pdf"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/manage/visa-letters/{letter.id}/approve", data={}).status_code in (400, 403)
    assert the_letter().status == LetterStatus.REQUESTED


def test_correction_then_approval_then_revocation(app, client, mailbox, people):
    event, amara, _jan, _paul = people
    ask(client, amara, passport_name="AMARA OKAFR")
    letter_id = the_letter().id
    organizer = client  # one client: the tests share an application context (and its CSRF token)
    sign_in(organizer)
    listing = organizer.get("/manage/visa-letters/").get_data(as_text=True)
    assert "Amara Okafor" in listing and "Requested" in listing
    detail = organizer.get(f"/manage/visa-letters/{letter_id}").get_data(as_text=True)
    assert "AMARA OKAFR" in detail and PASSPORT in detail

    # Ask for a correction: e-mailed, shown on the personal page, the person corrects.
    response = decide(organizer, letter_id, "correction", message="The name differs from the passport scan.")
    assert response.status_code == 302 and the_letter().status == LetterStatus.CORRECTION
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "amara@example.org" and "The name differs" in body(mail)
    assert PASSPORT not in body(mail)
    assert "The name differs" in client.get(personal_page(amara)).get_data(as_text=True)
    assert ask(client, amara).status_code == 302
    assert the_letter().status == LetterStatus.REQUESTED and the_letter().passport_name == "AMARA ADAEZE OKAFOR"

    # No letterhead yet: approving is refused, nothing changes.
    response = approve(organizer, letter_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/visa-letters/settings")
    assert the_letter().status == LetterStatus.REQUESTED
    letterhead(organizer)

    # Approve: numbered, coded, e-mailed with the PDF attached.
    assert approve(organizer, letter_id, costs_note="economy return flight").status_code == 302
    letter = the_letter()
    assert letter.status == LetterStatus.ISSUED and letter.reference == "LSI-2027-V-0001"
    assert letter.issued_by == "organizer@example.org" and len(letter.code) == 16
    mails = mailbox.wait_for(2)
    issued = mails[1]
    assert issued["To"] == "amara@example.org" and "LSI-2027-V-0001" in body(issued)
    [attachment] = list(issued.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    [text] = pdf_text(attachment.get_payload(decode=True))
    for expected in ("AMARA ADAEZE OKAFOR", "Nigeria", PASSPORT, "14 March 1988", "31 January 2030",
                     "24–26 June 2027", "LSI General Assembly 2027", "Lagos, Nigeria", "LSI-2027-V-0001",
                     grouped(letter.code), f"/verify/{grouped(letter.code)}", "Suzanne Hoff",
                     "International Coordinator", "covers travel and accommodation",
                     "economy return flight"):
        assert expected in text, expected

    # Downloadable from the personal link: the same letter, one A4 page.
    page = client.get(personal_page(amara)).get_data(as_text=True)
    assert "Download my visa invitation letter" in page
    download = client.get(personal_page(amara) + "/visa-letter.pdf")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(download.data)).pages) == 1
    assert "LSI-2027-V-0001" in pdf_text(download.data)[0]
    # Decided: the person can no longer change it.
    assert client.get(personal_page(amara) + "/visa-letter").status_code == 302

    # /verify: the letter, its date, the holder's name and the Assembly's dates, nothing more.
    verify = client.get(f"/verify/{grouped(letter.code)}")
    page = verify.get_data(as_text=True)
    assert verify.status_code == 200 and verify.headers["Cache-Control"] == "no-store"
    assert "Visa invitation letter" in page and "AMARA ADAEZE OKAFOR" in page and "LSI-2027-V-0001" in page
    assert "24–26 June 2027" in page and "revoked" not in page
    assert PASSPORT not in page and "1988" not in page and "Lagos" not in page and "Nigeria" not in page
    assert client.get(f"/verify/{letter.code.lower()}").headers["Location"] == f"/verify/{grouped(letter.code)}"

    # The audit log shows the decisions, never the passport data.
    audit_page = organizer.get("/manage/audit")
    assert audit_page.status_code == 200 and PASSPORT not in audit_page.get_data(as_text=True)
    assert "ADAEZE" not in audit_page.get_data(as_text=True)

    # Revoke: the page says so, the download is gone, the person is told.
    assert decide(organizer, letter_id, "revoke").status_code == 302
    assert the_letter().status == LetterStatus.REVOKED and the_letter().revoked_by == "organizer@example.org"
    page = client.get(f"/verify/{grouped(letter.code)}").get_data(as_text=True)
    assert "This letter was revoked on" in page
    assert client.get(personal_page(amara) + "/visa-letter.pdf").status_code == 404
    assert "revoked" in body(mailbox.wait_for(3)[2])
    # Revoking twice, approving a revoked letter: nothing changes.
    assert decide(organizer, letter_id, "revoke").status_code == 302
    assert approve(organizer, letter_id).status_code == 302
    assert the_letter().status == LetterStatus.REVOKED


def test_decline_with_a_reason_deletes_the_passport_data(app, client, mailbox, people):
    _event, amara, _jan, _paul = people
    ask(client, amara)
    letter_id = the_letter().id
    sign_in(client)
    response = decide(client, letter_id, "decline", reason="")
    assert response.status_code == 422 and "Please fill in this field." in response.get_data(as_text=True)
    assert the_letter().status == LetterStatus.REQUESTED
    assert decide(client, letter_id, "decline", reason="You are not among the delegates.").status_code == 302
    letter = the_letter()
    assert letter.status == LetterStatus.DECLINED and letter.passport_number is None
    assert "You are not among the delegates." in body(mailbox.wait_for(1)[0])


def test_references_follow_each_other_per_event(app, client, people):
    event, amara, jan, _paul = people
    ask(client, amara)
    ask(client, jan, passport_name="JAN KOWALSKI", nationality="PL", passport_number="EA1234567")
    organizer = client  # one client: the tests share an application context (and its CSRF token)
    sign_in(organizer)
    letterhead(organizer)
    ids = [letter.id for letter in db.session.scalars(sa.select(VisaLetter).order_by(VisaLetter.id))]
    for letter_id in reversed(ids):
        assert approve(organizer, letter_id, language="fr").status_code == 302
    db.session.expire_all()
    references = {letter.participant_id: letter.reference for letter in db.session.scalars(sa.select(VisaLetter))}
    assert references == {jan.id: "LSI-2027-V-0001", amara.id: "LSI-2027-V-0002"}
    # A French letter.
    [text] = pdf_text(client.get(personal_page(jan) + "/visa-letter.pdf").data)
    assert "Lettre d’invitation" in text or "Lettre d'invitation" in text
    assert "24–26 juin 2027" in text


def test_unknown_codes_say_no_document(client, people):
    response = client.get("/verify/ABCD-EFGH-JKMN-PQRS")
    assert response.status_code == 404 and "There is no document with this code" in response.get_data(as_text=True)


def test_the_command_line_writes_approved_letters(app, client, runner, tmp_path, people):
    event, amara, jan, _paul = people
    app.config["BASE_URL"] = BASE_URL
    out = tmp_path / "letters.pdf"
    result = runner.invoke(args=["documents", "render", "visa-letters", "--out", str(out)])
    assert result.exit_code == 2 and "no approved visa letter" in result.output and not out.exists()
    ask(client, amara)
    ask(client, jan, passport_name="JAN KOWALSKI", nationality="PL", passport_number="EA1234567")
    organizer = client  # one client: the tests share an application context (and its CSRF token)
    sign_in(organizer)
    letterhead(organizer)
    amara_letter = db.session.scalar(sa.select(VisaLetter).where(VisaLetter.participant_id == amara.id))
    approve(organizer, amara_letter.id)  # Jan's stays requested: not printed
    result = runner.invoke(args=["documents", "render", "visa-letters", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 visa letter written" in result.output
    [page] = pdf_text(out.read_bytes())
    assert "AMARA ADAEZE OKAFOR" in page and f"{BASE_URL}/verify/" in page
    result = runner.invoke(args=["documents", "render", "visa-letters", "--out", str(out),
                                 "--participant", "jan@example.org"])
    assert result.exit_code == 2 and "jan@example.org has no approved visa letter" in result.output
    result = runner.invoke(args=["documents", "render", "visa-letters", "--out", str(out),
                                 "--participant", "Amara@Example.org"])
    assert result.exit_code == 0 and "AMARA ADAEZE OKAFOR" in pdf_text(out.read_bytes())[0]


def _text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text, sa.JSON)) or type(column.type).__name__ == "EncryptedText":
                yield table, column


def _plain_occurrences(needle: str) -> list[str]:
    found = []
    connection = db.session.connection()
    for table, column in _text_columns():
        for (value,) in connection.execute(sa.select(sa.cast(sa.type_coerce(column, sa.Text), sa.Text))):
            if value and needle.casefold() in value.casefold():
                found.append(f"{table.name}.{column.name}")
    return found


def test_after_the_retention_date_the_passport_number_is_nowhere(app, client, mailbox, runner, people):
    _event, amara, _jan, _paul = people
    ask(client, amara)
    organizer = client  # one client: the tests share an application context (and its CSRF token)
    sign_in(organizer)
    letterhead(organizer)
    letter = the_letter()
    approve(organizer, letter.id)
    code = the_letter().code
    mailbox.wait_for(1)
    # Before the date: nothing is deleted.
    result = runner.invoke(args=["privacy", "purge", "--today", "2027-07-20"])
    assert result.exit_code == 0 and the_letter().passport_number == PASSPORT
    result = runner.invoke(args=["privacy", "purge", "--today", "2027-08-01"])
    assert result.exit_code == 0, result.output
    assert re.search(r"passport_data\s+1\s+deleted", result.output)
    letter = the_letter()
    assert letter.status == LetterStatus.ISSUED and letter.reference == "LSI-2027-V-0001"
    assert letter.issued_at is not None and letter.issued_by == "organizer@example.org"
    raw = db.session.execute(sa.text(
        "SELECT passport_number, passport_name, nationality, birth_date, passport_expiry FROM visa_letters")).one()
    assert raw == (None, None, None, None, None)
    assert _plain_occurrences(PASSPORT) == []
    assert _plain_occurrences("ADAEZE") == []
    # Nor in the PDF that went with the e-mail: the outbox keeps that it was sent, not the attachment.
    assert all(message.attachments is None for message in db.session.scalars(sa.select(OutboxMessage)))
    # /verify: issued on its date for the Assembly, the holder's details deleted.
    page = client.get(f"/verify/{grouped(code)}").get_data(as_text=True)
    assert "LSI-2027-V-0001" in page and "deleted under the retention schedule" in page
    assert client.get(personal_page(amara) + "/visa-letter.pdf").status_code in (404, 410)
    # Applying it again deletes nothing more.
    result = runner.invoke(args=["privacy", "purge", "--today", "2027-08-02"])
    assert re.search(r"passport_data\s+0\s+deleted", result.output)


def test_cancelling_deletes_the_passport_data_and_the_export_leaves_it_out(app, client, people):
    _event, amara, _jan, _paul = people
    ask(client, amara)
    export = client.get(personal_page(amara) + "/data")
    assert export.status_code == 200 and export.get_json()["visa_letter"]["status"] == "requested"
    assert PASSPORT not in export.get_data(as_text=True)
    response = post_form(client, personal_page(amara) + "/cancel", {})
    assert response.status_code == 302
    letter = the_letter()
    assert letter.passport_number is None and letter.passport_deleted_at is not None
    assert _plain_occurrences(PASSPORT) == []


def test_approvals_at_the_same_moment_get_consecutive_references(app, client, people):
    event, amara, jan, _paul = people
    app.config["BASE_URL"] = BASE_URL
    others = [make_participant(event, given_name=f"Person{i}", email=f"person{i}@example.org",
                               status=Status.CONFIRMED) for i in range(2)]
    for number, person in enumerate([amara, jan, *others]):
        ask(client, person, passport_number=f"AB{number}234567")
    sign_in(client)
    letterhead(client)
    ids = [letter.id for letter in db.session.scalars(sa.select(VisaLetter).order_by(VisaLetter.id))]

    def approving(letter_id):
        def action(ready):
            with app.app_context():
                letter = db.session.get(VisaLetter, letter_id)
                ready()
                approve_letter(letter, costs="organization_all", costs_note=None, language="en", by="x@example.org")
                db.session.commit()
                return letter_id
        return action

    assert sorted(run_at_once([approving(letter_id) for letter_id in ids])) == ids
    db.session.expire_all()
    numbers = sorted(db.session.scalars(sa.select(VisaLetter.number)))
    assert numbers == [1, 2, 3, 4]
    assert len(set(db.session.scalars(sa.select(VisaLetter.code)))) == 4


def test_erasure_keeps_only_that_the_letter_was_issued(app, client, people):
    _event, amara, jan, _paul = people
    ask(client, amara)
    ask(client, jan, passport_name="JAN KOWALSKI", nationality="PL", passport_number="EA1234567")
    sign_in(client)
    letterhead(client)
    amara_letter = db.session.scalar(sa.select(VisaLetter).where(VisaLetter.participant_id == amara.id))
    approve(client, amara_letter.id)
    export = client.get(personal_page(amara) + "/data")
    assert export.status_code == 200
    section = export.get_json()["visa_letter"]
    assert section["status"] == "issued" and section["reference"] == "LSI-2027-V-0001"
    assert "held, encrypted" in section["passport_data"] and PASSPORT not in export.get_data(as_text=True)
    for person in (amara, jan):
        path = personal_page(person)
        assert post_form(client, path + "/erase", {"understood": "y"}).status_code == 302
    db.session.expire_all()
    [kept] = db.session.scalars(sa.select(VisaLetter)).all()  # Jan's request, never issued, is gone
    assert kept.reference == "LSI-2027-V-0001" and kept.issued_at is not None and kept.passport_number is None
    assert _plain_occurrences(PASSPORT) == [] and _plain_occurrences("EA1234567") == []
    page = client.get(f"/verify/{grouped(kept.code)}").get_data(as_text=True)
    assert "deleted under the retention schedule" in page


def test_the_form_and_its_errors_in_french(client, people):
    _event, amara, _jan, _paul = people
    client.get("/language/fr?next=/")
    form = client.get(personal_page(amara) + "/visa-letter").get_data(as_text=True)
    assert "Votre passeport" in form and "27 juillet 2027" in form
    response = ask(client, amara, passport_expiry="2027-06-01", birth_date="14/03/1988")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Votre passeport doit être valable après l’Assemblée" in page
    assert "Not a valid date" not in page


def test_cancelling_after_the_letter_was_issued_takes_the_attached_pdf_too(app, client, people):
    _event, amara, _jan, _paul = people
    ask(client, amara)
    sign_in(client)
    letterhead(client)
    approve(client, the_letter().id)  # no SMTP server: the e-mail waits in the outbox with its PDF
    [waiting] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "visa_letter_issued"))
    assert waiting.attachments and waiting.attachments[0]["filename"] == "visa-invitation-letter.pdf"
    assert post_form(client, personal_page(amara) + "/cancel", {}).status_code == 302
    db.session.expire_all()
    letter = the_letter()
    assert letter.status == LetterStatus.ISSUED and letter.passport_number is None
    assert db.session.get(OutboxMessage, waiting.id).attachments is None
