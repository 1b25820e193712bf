"""Organizations: create, edit, quota growth refilling the waiting list, invitation links, member list."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Participant, Status
from tests.conftest import count
from tests.factories import csrf_token, make_event, make_organization, make_participant, post_form, sign_in


@pytest.fixture
def event():
    return make_event()


@pytest.fixture
def organizer(client, event):
    sign_in(client, Role.ORGANIZER)
    return client


def test_create_and_edit_an_organization(organizer, event):
    response = post_form(organizer, "/manage/organizations/new", {
        "name": "  Fondation Samilia ", "country": "BE", "delegate_quota": "3", "contact_name": "Marie Dubois",
        "contact_email": "Marie@Example.org", "is_active": "y"})
    assert response.status_code == 302
    organization = db.session.scalar(sa.select(Organization))
    assert (organization.name, organization.country, organization.delegate_quota) == ("Fondation Samilia", "BE", 3)
    assert organization.contact_email == "marie@example.org"

    duplicate = post_form(organizer, "/manage/organizations/new", {
        "name": "FONDATION SAMILIA", "country": "BE", "delegate_quota": "1"})
    assert duplicate.status_code == 422 and "Another organization already has this name." in duplicate.get_data(
        as_text=True)
    bad = post_form(organizer, f"/manage/organizations/{organization.id}", {
        "name": "Fondation Samilia", "country": "BE", "delegate_quota": "-1"})
    assert bad.status_code == 422 and "whole number from 0 to 1000" in bad.get_data(as_text=True)

    post_form(organizer, f"/manage/organizations/{organization.id}", {
        "name": "Fondation Samilia", "country": "BE", "delegate_quota": "4"})  # is_active unticked
    db.session.refresh(organization)
    assert organization.is_active is False and organization.delegate_quota == 4
    page = organizer.get(f"/manage/organizations/{organization.id}").get_data(as_text=True)
    assert "<del>3</del> → <ins>4</ins>" in page and "organizer@example.org" in page
    assert "inactive" in organizer.get("/manage/organizations/").get_data(as_text=True)
    assert "Fondation Samilia" not in organizer.get("/register").get_data(as_text=True)


def test_a_larger_quota_takes_delegates_off_the_waiting_list(organizer, event, mailbox):
    organization = make_organization(event, quota=1)
    make_participant(event, organization_id=organization.id, status=Status.CONFIRMED, email="in@example.org")
    waiting = [make_participant(event, organization_id=organization.id, status=Status.WAITLISTED,
                                email=f"w{i}@example.org") for i in range(3)]
    page = post_form(organizer, f"/manage/organizations/{organization.id}", {
        "name": organization.name, "country": "PL", "delegate_quota": "3", "is_active": "y"}, follow_redirects=True)
    assert "2 delegates moved off the waiting list." in page.get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Participant, p.id).status for p in waiting] == ["pending", "pending", "waitlisted"]
    assert {m["To"] for m in mailbox.wait_for(2)} == {"w0@example.org", "w1@example.org"}


def test_invitation_link_preselects_the_organization_and_can_be_revoked(organizer, client, event):
    organization = make_organization(event, name="La Strada Ukraine", country="UA")
    make_organization(event, name="Another NGO")
    post_form(organizer, f"/manage/organizations/{organization.id}", {})  # a GET-token round trip
    token = csrf_token(organizer, f"/manage/organizations/{organization.id}")
    organizer.post(f"/manage/organizations/{organization.id}/invitation", data={"csrf_token": token})
    page = organizer.get(f"/manage/organizations/{organization.id}").get_data(as_text=True)
    link = re.search(r'id="invitation-link" value="([^"]+)"', page).group(1)
    path = link.replace("http://localhost", "").replace("&amp;", "&")
    assert "/register?invite=" in path and "ukraine" not in path.lower()

    form = organizer.get(path).get_data(as_text=True)
    assert "You are invited as a delegate of La Strada Ukraine." in form
    assert f'<option selected value="{organization.id}">La Strada Ukraine</option>' in form

    organizer.post(f"/manage/organizations/{organization.id}/invitation", data={"csrf_token": token, "revoke": "1"})
    revoked = organizer.get(path).get_data(as_text=True)
    assert "This invitation link is no longer valid" in revoked and "You are invited" not in revoked


def test_member_list_import_is_all_or_nothing(organizer, event):
    make_organization(event, name="La Strada Polska", quota=2)
    token = csrf_token(organizer, "/manage/organizations/import")
    bad = ("name,country,delegate_quota,contact_email\n"
           "La Strada Polska,PL,4,office@example.org\n"
           "Nowa Fundacja,Poland,x,\n"
           "Kein Land,Atlantis,2,\n")
    response = organizer.post("/manage/organizations/import", data={
        "csrf_token": token, "file": (io.BytesIO(bad.encode()), "members.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in html
    assert "delegate_quota: “x” is not a whole number" in html and "“Atlantis” is not a known country" in html
    assert count(Organization) == 1

    good = "name;country;delegate_quota\nla strada polska;PL;4\nNowa Fundacja;Pologne;3\n"
    response = organizer.post("/manage/organizations/import", data={
        "csrf_token": token, "file": (io.BytesIO(("\ufeff" + good).encode()), "members.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Member list imported: 1 added, 1 updated." in response.get_data(as_text=True)
    quotas = dict(db.session.execute(sa.select(Organization.name, Organization.delegate_quota)).all())
    assert quotas == {"la strada polska": 4, "Nowa Fundacja": 3}


def test_membership_and_votes_on_the_organization_form(organizer, event):
    organization = make_organization(event, name="La Strada Polska")
    assert (organization.membership, organization.votes) == ("full", 1)
    page = organizer.get(f"/manage/organizations/{organization.id}").get_data(as_text=True)
    assert 'name="membership"' in page and 'name="votes"' in page and "Associate member" in page

    response = post_form(organizer, f"/manage/organizations/{organization.id}", {
        "name": "La Strada Polska", "country": "PL", "delegate_quota": "2", "membership": "associate",
        "votes": "0", "is_active": "y"})
    assert response.status_code == 302
    db.session.refresh(organization)
    assert (organization.membership, organization.votes) == ("associate", 0)
    history = organizer.get(f"/manage/organizations/{organization.id}").get_data(as_text=True)
    assert "Membership" in history and "<del>Full member</del> → <ins>Associate member</ins>" in history

    for votes in ("-1", "", "x", "1001"):
        bad = post_form(organizer, f"/manage/organizations/{organization.id}", {
            "name": "La Strada Polska", "country": "PL", "delegate_quota": "2", "membership": "full",
            "votes": votes})
        assert bad.status_code == 422, votes
    bad = post_form(organizer, f"/manage/organizations/{organization.id}", {
        "name": "La Strada Polska", "country": "PL", "delegate_quota": "2", "membership": "honorary", "votes": "1"})
    assert bad.status_code == 422
    db.session.refresh(organization)
    assert (organization.membership, organization.votes) == ("associate", 0)


def _upload(client, text: str, **kwargs):
    token = csrf_token(client, "/manage/organizations/import")
    return client.post("/manage/organizations/import", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "members.csv")},
        content_type="multipart/form-data", **kwargs)


def test_member_list_import_takes_membership_and_votes(organizer, event):
    make_organization(event, name="La Strada Polska", membership="associate", votes=0)
    bad = ("name,country,membership,votes\n"
           "Nowa Fundacja,PL,honorary,1\n"
           "Druga Fundacja,PL,full,-2\n"
           "Trzecia Fundacja,PL,full,2.5\n")
    response = _upload(organizer, bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in html
    assert "membership: “honorary” is not one of full, associate, partner" in html
    assert "votes: “-2” is not a whole number from 0 to 1000" in html
    assert "votes: “2.5” is not a whole number from 0 to 1000" in html
    assert count(Organization) == 1

    good = ("name,country,membership,votes\n"
            "La Strada Polska,PL,,\n"  # empty: kept as they are
            "Nowa Fundacja,PL,Partner,0\n"
            "Druga Fundacja,PL,FULL,3\n"
            "Trzecia Fundacja,PL,,\n")  # a new organization: a full member with one vote
    response = _upload(organizer, good, follow_redirects=True)
    assert "Member list imported: 3 added, 1 updated." in response.get_data(as_text=True)
    rows = {name: (membership, votes) for name, membership, votes in db.session.execute(
        sa.select(Organization.name, Organization.membership, Organization.votes))}
    assert rows == {"La Strada Polska": ("associate", 0), "Nowa Fundacja": ("partner", 0),
                    "Druga Fundacja": ("full", 3), "Trzecia Fundacja": ("full", 1)}

    _upload(organizer, "name,country,delegate_quota\nLa Strada Polska,PL,3\n")  # the old columns only
    db.session.expire_all()
    polska = db.session.scalar(sa.select(Organization).where(Organization.name == "La Strada Polska"))
    assert (polska.delegate_quota, polska.membership, polska.votes) == (3, "associate", 0)


def test_member_list_import_from_the_command_line(app, event, tmp_path):
    make_organization(event, name="La Strada Polska", quota=1)
    waiting = make_participant(event, organization_id=db.session.scalar(sa.select(Organization.id)),
                               status=Status.WAITLISTED)
    make_participant(event, organization_id=waiting.organization_id, status=Status.CONFIRMED)
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,country,membership,votes\nNowa Fundacja,PL,full,x\n", encoding="utf-8")
    result = runner.invoke(args=["organizations", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 2: reject Nowa Fundacja: votes: “x” is not a whole number from 0 to 1000" in result.output
    assert "nothing was imported" in result.output and count(Organization) == 1

    good = tmp_path / "members.csv"
    good.write_text("\ufeffname;country;delegate_quota;membership;votes\n"
                    "la strada polska;PL;2;full;2\nNowa Fundacja;Pologne;3;associate;0\n", encoding="utf-8")
    dry = runner.invoke(args=["organizations", "import", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "line 2: update la strada polska" in dry.output and "line 3: create Nowa Fundacja" in dry.output
    assert "1 to create, 1 to update, 0 rejected" in dry.output and "dry run: nothing was written" in dry.output
    assert count(Organization) == 1

    result = runner.invoke(args=["organizations", "import", str(good)])
    assert result.exit_code == 1 and "nothing was imported: Set BASE_URL" in result.output  # to e-mail the promoted
    assert count(Organization) == 1
    app.config["BASE_URL"] = "https://assembly.example.org"
    result = runner.invoke(args=["organizations", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "imported: 1 created, 1 updated" in result.output
    db.session.expire_all()
    rows = {name: (quota, membership, votes) for name, quota, membership, votes in db.session.execute(
        sa.select(Organization.name, Organization.delegate_quota, Organization.membership, Organization.votes))}
    assert rows == {"la strada polska": (2, "full", 2), "Nowa Fundacja": (3, "associate", 0)}
    # The same saving as on the web: the larger quota took the waiting delegate in.
    assert db.session.get(Participant, waiting.id).status == Status.PENDING
