"""The list ``assembly-register``: the attendance register of a statutory session, for the minutes,
through the Assembly's services and ``flask lists render assembly-register --session ID``."""
from __future__ import annotations

import csv
import io
import time as clock
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pdfplumber
import pytest

from lsi_assembly.assembly import services
from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.factories import make_event, make_organization, make_participant, sign_in

#: 09:40 and 09:55 in Paris (UTC+2 in June).
MORNING = datetime(2027, 6, 25, 7, 40, tzinfo=UTC)
LATER = datetime(2027, 6, 25, 7, 55, tzinfo=UTC)


@pytest.fixture
def ga(app):
    """Four full members (Éire with 2 votes) and an associate. Polska is present by its voting delegate,
    Samilia by its alternate, Tegen gave its proxy to Polska (represented), Éire is absent; a quorum
    and a vote are recorded."""
    event = make_event()
    names = ("La Strada Polska", "Fondation Samilia", "Stichting Tegen Vrouwenhandel", "ALC Éire")
    orgs = [make_organization(event, name=name, votes=2 if name == "ALC Éire" else 1) for name in names]
    make_organization(event, name="Partner Network", membership="associate")
    people = {}
    for org, key in zip(orgs, "abcd", strict=True):
        for role in ("voter", "alternate"):
            people[f"{key}_{role}"] = make_participant(
                event, organization_id=org.id, status=Status.CONFIRMED, given_name=f"{key.upper()}{role}",
                family_name="Delegate", email=f"{key}.{role}@example.org")
    session = services.add_session(event, "Statutory session 1", date(2027, 6, 25), starts_at=time(9, 30))
    for key, org in zip("abcd", orgs, strict=True):
        services.set_mandate(event, org, people[f"{key}_voter"], people[f"{key}_alternate"])
    services.give_proxy(event, orgs[2], orgs[0], now=datetime(2027, 6, 1, tzinfo=UTC))
    services.enter(session, people["a_voter"], now=MORNING)
    services.enter(session, people["b_alternate"], now=LATER)
    services.record_quorum(session, now=LATER)
    services.record_vote(session, "Adopt the 2026 accounts", 2, 1, 0, now=LATER)
    db.session.commit()
    return SimpleNamespace(event=event, session=session, orgs=orgs, **people)


def render(runner, tmp_path, suffix, *options):
    out = tmp_path / f"register.{suffix}"
    result = runner.invoke(args=["lists", "render", "assembly-register", "--out", str(out), *options])
    return result, out


def pdf_text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as document:
        return "\n".join(page.extract_text(y_tolerance=1) for page in document.pages)


def test_the_register_pdf_holds_attendance_quorums_votes_and_signature_lines(runner, tmp_path, ga):
    result, out = render(runner, tmp_path, "pdf", "--session", ga.session.id)
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "Attendance register: Statutory session 1" in text
    lines = text.splitlines()

    def line_of(name: str) -> str:
        return next(line for line in lines if line.startswith(name))

    assert "Present (voting delegate)" in line_of("La Strada Polska") and "09:40" in line_of("La Strada Polska")
    assert "Present (alternate)" in line_of("Fondation Samilia") and "09:55" in line_of("Fondation Samilia")
    assert "Represented by La Strada Polska" in text
    assert "Absent" in line_of("ALC Éire")
    assert "Partner Network" not in text  # only full members
    assert "Recorded quorums" in text and "Vote results" in text
    assert "Adopt the 2026 accounts" in text
    assert "The chair" in text and "The secretary" in text


def test_the_register_csv_holds_the_member_rows(runner, tmp_path, ga):
    result, out = render(runner, tmp_path, "csv", "--session", ga.session.id)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Member", "Votes", "Voting delegate", "Alternate", "Attendance", "Time in"]
    by_member = {row[0]: row for row in rows[1:]}
    assert set(by_member) == {"La Strada Polska", "Fondation Samilia", "Stichting Tegen Vrouwenhandel", "ALC Éire"}
    assert by_member["La Strada Polska"][1:] == [
        "1", ga.a_voter.full_name, ga.a_alternate.full_name, "Present (voting delegate)", "09:40"]
    assert by_member["Fondation Samilia"][4:] == ["Present (alternate)", "09:55"]
    assert by_member["Stichting Tegen Vrouwenhandel"][4:] == ["Represented by La Strada Polska", ""]
    assert by_member["ALC Éire"][1] == "2" and by_member["ALC Éire"][4:] == ["Absent", ""]
    assert "Adopt the 2026 accounts" not in out.read_text(encoding="utf-8-sig")


def test_a_person_who_came_in_and_left_still_attended(runner, tmp_path, ga):
    services.leave(ga.session, ga.a_voter, now=LATER)
    db.session.commit()
    result, out = render(runner, tmp_path, "csv", "--session", ga.session.id)
    assert result.exit_code == 0, result.output
    rows = {row[0]: row for row in csv.reader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["La Strada Polska"][4:] == ["Present (voting delegate)", "09:40"]
    assert rows["Stichting Tegen Vrouwenhandel"][4] == "Represented by La Strada Polska"


@pytest.mark.parametrize("options", [(), ("--session", "999999"), ("--session", "abc")])
def test_the_register_needs_a_known_session(runner, tmp_path, ga, options):
    result, out = render(runner, tmp_path, "pdf", *options)
    assert result.exit_code == 2, result.output
    assert "session" in result.output.lower()
    assert not out.exists()


def test_organizers_get_the_register_from_the_lists_page(client, ga):
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/lists/").get_data(as_text=True)
    assert "Attendance register of a statutory session" in page
    assert f'<option value="{ga.session.id}">Statutory session 1' in page
    response = client.get(f"/manage/lists/file?kind=assembly-register&format=csv&session={ga.session.id}")
    assert response.status_code == 200
    assert f"assembly-register-{ga.session.id}.csv" in response.headers["Content-Disposition"]
    assert "Represented by La Strada Polska" in response.get_data(as_text=True)
    assert client.get("/manage/lists/file?kind=assembly-register&format=csv").status_code == 404
    assert client.get("/manage/lists/file?kind=assembly-register&format=csv&session=999999").status_code == 404
    response = client.get(f"/manage/lists/file?kind=assembly-register&format=pdf&session={ga.session.id}")
    assert response.status_code == 302
    status = response.headers["Location"]
    for _ in range(300):
        if "Download the PDF" in client.get(status).get_data(as_text=True):
            break
        clock.sleep(0.1)
    with pdfplumber.open(io.BytesIO(client.get(status + "/download").data)) as document:
        text = "\n".join(page.extract_text() for page in document.pages)
    assert "Attendance register" in text and "The secretary" in text
