"""The dashboard's figures, the audit log page, and administrators managing staff accounts."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.auth.models import Role, User
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.manage.services import dashboard, timeline_chart
from lsi_assembly.registration.models import Category, Status
from tests.conftest import body
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    make_user,
    post_form,
    sign_in,
)


def test_dashboard_counts(app, client):
    event = make_event()
    org = make_organization(event, quota=2)
    now = utcnow()
    make_participant(event, organization_id=org.id, status=Status.CONFIRMED, dietary=["vegan"], country="FR",
                     email="a@example.org", created_at=now - timedelta(days=2))
    make_participant(event, organization_id=org.id, status=Status.PENDING, dietary=["vegan", "halal"],
                     dietary_notes="no fish", accessibility_needs="Wheelchair", email="b@example.org",
                     created_at=now - timedelta(days=2))
    make_participant(event, status=Status.WAITLISTED, category=Category.PRESS, email="c@example.org", created_at=now)
    make_participant(event, status=Status.CANCELLED, dietary=["vegan"], accessibility_needs="x",
                     email="d@example.org", created_at=now)
    make_participant(event, organization_id=org.id, status=Status.UNCONFIRMED, dietary=["vegan"], country="DE",
                     accessibility_needs="y", email="e@example.org", created_at=now)  # counted apart only

    figures = dashboard(event)

    assert figures.by_status == {"pending": 1, "confirmed": 1, "waitlisted": 1, "cancelled": 1, "unconfirmed": 1}
    assert figures.active == 3
    assert dict(figures.by_category) == {"delegate": 2, "press": 1}
    assert dict(figures.by_country) == {"PL": 2, "FR": 1}
    assert [count for _, count in figures.by_day] == [2, 2, 2]
    assert figures.catering[0].diets == {"vegan": 2, "halal": 1} and figures.catering[0].with_notes == 1
    assert figures.accessibility_needs == 1
    assert [(new, total) for _, new, total in figures.timeline] == [(2, 2), (0, 2), (1, 3)]
    chart = timeline_chart(figures.timeline)
    assert len(chart.bars) == 3 and chart.bars[-1][3] == chart.height

    sign_in(client, Role.ORGANIZER)
    html = client.get("/manage/").get_data(as_text=True)
    assert "Registrations over time" in html and "<svg" in html and "Catering" in html
    assert "Wheelchair" not in html and "no fish" not in html  # counts only, never who or what


def test_audit_log_page_lists_changes_with_who(client):
    event = make_event()
    sign_in(client, Role.ORGANIZER)
    person = make_participant(event, status=Status.PENDING)
    token = csrf_token(client, "/registration/link")
    client.post(f"/manage/registrations/{person.id}/approve", data={"csrf_token": token})
    everything = client.get("/manage/audit").get_data(as_text=True)
    assert f"Participant #{person.id}" in everything and "organizer@example.org" in everything
    assert "<del>Awaiting confirmation</del> → <ins>Confirmed</ins>" in everything
    only_accounts = client.get("/manage/audit?kind=user").get_data(as_text=True)
    assert f"Participant #{person.id}" not in only_accounts and "Staff account #" in only_accounts
    one = client.get(f"/manage/audit?kind=participant&id={person.id}").get_data(as_text=True)
    assert one.count(f"Participant #{person.id}") == 2  # created, then approved
    assert "Participant #" not in client.get("/manage/audit?kind=participant&id=999999").get_data(as_text=True)


def test_admin_creates_an_account_whose_owner_sets_the_password(client, mailbox):
    make_event()
    sign_in(client, Role.ADMIN)
    response = post_form(client, "/manage/users", {"email": "Desk.Two@Example.org", "name": "Desk Two",
                                                   "role": "desk"})
    assert response.status_code == 302
    [message] = mailbox.wait_for(1)
    assert message["To"] == "desk.two@example.org"
    path = re.search(r"https?://[^/]+(/login/reset/\S+)", body(message)).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/registration/link")})
    assert post_form(client, path, {"password": "a desk password", "confirm": "a desk password"}).status_code == 302
    login = post_form(client, "/login", {"email": "desk.two@example.org", "password": "a desk password"})
    assert login.status_code == 302
    assert client.get("/manage/").status_code == 403  # a desk account has no back office


def test_admin_changes_roles_but_not_their_own(client):
    make_event()
    sign_in(client, Role.ADMIN)
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    other = make_user("org2@example.org", "some password!", Role.ORGANIZER)
    token = csrf_token(client, "/registration/link")
    client.post(f"/manage/users/{other.id}", data={"csrf_token": token, "role": "desk"})
    db.session.refresh(other)
    assert other.role == "desk" and other.active is False
    page = client.post(f"/manage/users/{admin.id}", data={"csrf_token": token, "role": "desk"},
                       follow_redirects=True)
    assert "You cannot change your own account here" in page.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active is True


def test_audit_log_names_the_kind_of_other_records(client):
    """A record of a kind without its own link (a statutory session here) is named by its kind, not as a staff account."""
    from datetime import date

    from lsi_assembly.assembly.services import add_session

    event = make_event()
    session = add_session(event, "Statutory session 1", event.days[0].date if event.days else date(2027, 6, 25))
    db.session.commit()
    sign_in(client, Role.ORGANIZER)
    everything = client.get("/manage/audit").get_data(as_text=True)
    assert f"Statutory session #{session.id}" in everything
