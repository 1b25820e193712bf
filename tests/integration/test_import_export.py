"""Participant lists in and out: dry run line by line, all-or-nothing, export escaping, round trip."""
from __future__ import annotations

import csv
import io
import os
import time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.registration.transfer import EXPORT_COLUMNS
from tests.conftest import body, count
from tests.factories import csrf_token, make_event, make_organization, make_participant, sign_in

HEADER = "first_name,last_name,email,organization,country,category,days,dietary,list_consent,photo_consent\n"


@pytest.fixture
def event():
    event = make_event()
    make_organization(event, name="La Strada Česko", country="CZ", quota=1)
    make_organization(event, name="Comité Contre l'Esclavage Moderne", country="FR", quota=5)
    make_participant(event, email="existing@example.org", given_name="Old", family_name="Name",
                     category="observer", organization_name="Université de Lille")
    return event


GOOD_AND_BAD = (
    HEADER
    + "Jiří,Dvořák,jiri@example.org,la strada cesko,CZ,delegate,2027-06-24;2027-06-25,vegan;no mushrooms,yes,no\n"
    + "Chloé,Dupont,existing@example.org,Comité Contre l'Esclavage Moderne,France,observer,,,no,yes\n"
    + "Bad,Mail,not-an-email,La Strada Česko,CZ,delegate,,,yes,yes\n"
    + "Nobody,Known,nobody@example.org,Unknown NGO,CZ,delegate,,,yes,yes\n"
    + "Jiří,Again,JIRI@example.org,La Strada Česko,CZ,delegate,,,yes,yes\n"
    + "Press,Person,press@example.org,Le Monde,FR,press,2027-07-01,,maybe,no\n"
)


def test_dry_run_reports_every_line_and_writes_nothing(runner, event, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")

    result = runner.invoke(args=["participants", "import", str(path), "--dry-run"])

    assert result.exit_code == 0, result.output
    out = result.output
    assert "line 2: create jiri@example.org" in out
    assert "line 3: update existing@example.org" in out
    assert "line 4: reject" in out and "is not a valid e-mail address" in out
    assert "line 5: reject nobody@example.org: organization: “Unknown NGO” is not a member organization" in out
    assert "line 6: reject jiri@example.org: email: the same address as line 2" in out
    assert "days: “2027-07-01” is not a day of the event" in out and "list_consent: “maybe” is not yes or no" in out
    assert "2 to create" not in out and "1 to create, 1 to update, 4 rejected" in out
    assert count(Participant) == 1


def test_import_is_all_or_nothing_unless_valid_only(app, runner, event, tmp_path, mailbox):
    app.config["BASE_URL"] = "https://assembly.example.org"
    path = tmp_path / "list.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    refused = runner.invoke(args=["participants", "import", str(path)])
    assert refused.exit_code != 0 and "nothing was imported" in refused.output
    assert count(Participant) == 1

    done = runner.invoke(args=["participants", "import", str(path), "--valid-only", "--notify"])
    assert done.exit_code == 0, done.output
    assert "imported: 1 created, 1 updated" in done.output
    jiri = db.session.scalar(sa.select(Participant).where(Participant.email == "jiri@example.org"))
    assert jiri.status == Status.CONFIRMED and jiri.organization.name == "La Strada Česko"
    assert jiri.dietary == ["vegan"] and jiri.dietary_notes == "no mushrooms"
    assert [d.date.isoformat() for d in jiri.days] == ["2027-06-24", "2027-06-25"]
    assert jiri.list_consent is True and jiri.photo_consent is False and jiri.privacy_accepted_at is None
    existing = db.session.scalar(sa.select(Participant).where(Participant.email == "existing@example.org"))
    assert (existing.given_name, existing.country, existing.category) == ("Chloé", "FR", "observer")
    [message] = mailbox.wait_for(1)
    assert message["To"] == "jiri@example.org" and "https://assembly.example.org/registration/" in body(message)


def test_notify_from_the_command_line_needs_base_url(runner, event, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "A,One,a1@example.org,La Strada Česko,CZ,delegate,,,no,no\n", encoding="utf-8")
    result = runner.invoke(args=["participants", "import", str(path), "--notify"])
    assert result.exit_code != 0 and "set BASE_URL" in result.output
    assert count(Participant) == 1


def test_imported_delegates_beyond_the_quota_are_waitlisted(runner, event, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "A,One,a1@example.org,La Strada Česko,CZ,delegate,,,no,no\n"
                    + "B,Two,b2@example.org,La Strada Česko,CZ,delegate,,,no,no\n", encoding="utf-8")
    assert runner.invoke(args=["participants", "import", str(path)]).exit_code == 0
    statuses = dict(db.session.execute(sa.select(Participant.email, Participant.status)).all())
    assert statuses["a1@example.org"] == "confirmed" and statuses["b2@example.org"] == "waitlisted"


@pytest.mark.parametrize(("content", "message"), [
    ("first_name;last_name;email\nA;B;a@example.org\n".encode(), "Missing required columns: organization, country"),
    (HEADER.encode("utf-8") + "Zoë,Müller,z@example.org,La Strada,CZ,delegate,,,no,no\n".encode("latin-1"),
     "The file is not UTF-8 text"),
    (b"", "The file is empty."),
])
def test_unreadable_files_are_refused_whole(runner, event, tmp_path, content, message):
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["participants", "import", str(path), "--dry-run"])
    assert result.exit_code != 0 and message in result.output


def test_bom_and_semicolons_are_understood(runner, event, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes("\ufefffirst_name;last_name;email;organization;country;category\n"
                     "Αικατερίνη;Γεωργίου;k@example.org;La Strada Česko;GR;delegate\n".encode())
    result = runner.invoke(args=["participants", "import", str(path)])
    assert result.exit_code == 0, result.output
    person = db.session.scalar(sa.select(Participant).where(Participant.email == "k@example.org"))
    assert person.given_name == "Αικατερίνη" and len(person.days) == 3


def test_export_neutralizes_formulas_and_reimports_as_updates(runner, event, tmp_path):
    make_participant(event, given_name="=HYPERLINK(\"http://evil\")", family_name="+SUM(A1)",
                     email="f@example.org", job_title="@cmd", accessibility_needs="-2+3", country="FR",
                     category="guest", organization_name="=cmd|' /C calc'!A0")
    csv_path, xlsx_path = tmp_path / "out.csv", tmp_path / "out.xlsx"
    assert runner.invoke(args=["participants", "export", "--out", str(csv_path)]).exit_code == 0
    assert runner.invoke(args=["participants", "export", "--out", str(xlsx_path)]).exit_code == 0

    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    formula = next(r for r in rows if r["email"] == "f@example.org")
    assert formula["first_name"] == "'=HYPERLINK(\"http://evil\")" and formula["last_name"] == "'+SUM(A1)"
    assert formula["job_title"] == "'@cmd" and formula["accessibility"] == "'-2+3"

    sheet = load_workbook(xlsx_path).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'=HYPERLINK(\"http://evil\")" in [c.value for c in cells]

    again = runner.invoke(args=["participants", "import", str(csv_path), "--dry-run"])
    assert "0 to create, 2 to update, 0 rejected" in again.output, again.output
    runner.invoke(args=["participants", "import", str(csv_path)])
    person = db.session.scalar(sa.select(Participant).where(Participant.email == "f@example.org"))
    db.session.refresh(person)
    assert person.family_name == "+SUM(A1)" and person.accessibility_needs == "-2+3"


def test_export_filters_by_status(runner, event, tmp_path):
    make_participant(event, email="c@example.org", status=Status.CONFIRMED)
    path = tmp_path / "confirmed.csv"
    runner.invoke(args=["participants", "export", "--out", str(path), "--status", "confirmed"])
    assert [r["email"] for r in csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))] == ["c@example.org"]
    assert runner.invoke(args=["participants", "export", "--out", str(tmp_path / "x.pdf")]).exit_code != 0


def test_web_import_shows_the_plan_then_imports_valid_lines(client, app, event, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/registrations/import")
    plan = client.post("/manage/registrations/import", data={
        "csrf_token": token, "file": (io.BytesIO(GOOD_AND_BAD.encode()), "list.csv")},
        content_type="multipart/form-data")
    html = plan.get_data(as_text=True)
    assert plan.status_code == 200 and "will be created" in html and "is not a member organization" in html
    assert count(Participant) == 1
    upload_token = html.split('name="token" type="hidden" value="')[1].split('"')[0]

    all_lines = client.post("/manage/registrations/import/confirm", data={"csrf_token": token, "token": upload_token})
    assert all_lines.status_code == 422 and count(Participant) == 1
    done = client.post("/manage/registrations/import/confirm",
                       data={"csrf_token": token, "token": upload_token, "valid_only": "y"})
    assert done.status_code == 302 and count(Participant) == 2
    again = client.post("/manage/registrations/import/confirm",
                        data={"csrf_token": token, "token": upload_token, "valid_only": "y"})
    assert again.status_code == 302 and "expired" in client.get("/manage/registrations/import").get_data(as_text=True)
    traversal = client.post("/manage/registrations/import/confirm",
                            data={"csrf_token": token, "token": "../../etc/passwd", "valid_only": "y"})
    assert traversal.status_code == 302


def test_web_export_downloads_the_filtered_list(client, event):
    sign_in(client, Role.ORGANIZER)
    make_participant(event, email="c@example.org", status=Status.CONFIRMED)
    response = client.get("/manage/registrations/export.csv?status=confirmed")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=participants-")
    assert response.get_data().decode("utf-8-sig").splitlines()[1].split(",")[2] == "c@example.org"
    xlsx = client.get("/manage/registrations/export.xlsx")
    assert load_workbook(io.BytesIO(xlsx.get_data())).active.max_row == 3


def test_an_update_changes_only_the_columns_in_the_file(runner, event, tmp_path):
    person = make_participant(event, email="keep@example.org", list_consent=True, photo_consent=True,
                              dietary=["vegan"], accessibility_needs="Step-free", name_on_badge="Kiki",
                              languages=["Greek"], category="observer", organization_name="Own")
    person.days = [event.days[1]]
    db.session.commit()
    path = tmp_path / "names-only.csv"
    path.write_text("first_name,last_name,email,organization,country,category\n"
                    "Kyriaki,Papadaki,keep@example.org,Own,GR,observer\n", encoding="utf-8")
    assert runner.invoke(args=["participants", "import", str(path)]).exit_code == 0
    db.session.refresh(person)
    assert (person.given_name, person.family_name, person.country) == ("Kyriaki", "Papadaki", "GR")
    assert person.list_consent and person.photo_consent and person.dietary == ["vegan"]
    assert person.accessibility_needs == "Step-free" and person.name_on_badge == "Kiki"
    assert person.languages == ["Greek"] and [d.id for d in person.days] == [event.days[1].id]


def test_an_update_moving_a_delegate_keeps_both_quotas(runner, event, tmp_path):
    full = db.session.scalar(sa.select(Organization).where(Organization.name == "La Strada Česko"))
    roomy = db.session.scalar(sa.select(Organization).where(Organization.name != "La Strada Česko"))
    make_participant(event, email="holder@example.org", organization_id=full.id, status=Status.CONFIRMED)
    mover = make_participant(event, email="mover@example.org", organization_id=roomy.id, status=Status.CONFIRMED)
    path = tmp_path / "move.csv"
    path.write_text(HEADER.split(",days")[0] + "\nM,Over,mover@example.org,La Strada Česko,CZ,delegate\n",
                    encoding="utf-8")
    assert runner.invoke(args=["participants", "import", str(path)]).exit_code == 0
    db.session.refresh(mover)
    assert mover.organization_id == full.id and mover.status == Status.WAITLISTED


@pytest.mark.parametrize(("content", "message"), [
    (b"first_name,last_name,email,email,organization,country,category\n", "appear more than once: email"),
    (b"first_name,last_name,email,organization,country,category\n\"" + b"x" * 200_000 + b"\",B,c,d,e,f\n",
     "not a readable CSV file"),
])
def test_malformed_files_are_refused_with_a_message(runner, event, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["participants", "import", str(path), "--dry-run"])
    assert result.exit_code != 0 and message in result.output


def test_stale_uploads_are_deleted(client, app, event, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    old = tmp_path / "import-AAAAAAAAAAAAAAAAAAAAAA.csv"
    old.write_text("personal data", encoding="utf-8")
    os.utime(old, (time.time() - 3 * 3600, time.time() - 3 * 3600))
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/registrations/import")
    client.post("/manage/registrations/import", data={
        "csrf_token": token, "file": (io.BytesIO(GOOD_AND_BAD.encode()), "list.csv")},
        content_type="multipart/form-data")
    assert not old.exists() and len(list(tmp_path.glob("import-*.csv"))) == 1
