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
