"""Demo data, staff sign-in and the back office overview."""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.auth.models import Role
from lsi_assembly.events.models import Event
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import PLACE_HOLDING, Category, Participant, Status
from lsi_assembly.workshops.models import Preference, Workshop, WorkshopRun
from tests.conftest import count
from tests.factories import csrf_token, make_event, make_user, post_form


def test_seed_demo_loads_a_sample_assembly_once(runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Loaded demo data" in first.output
    assert "Demo organizer login: organizer@example.org / assembly-demo" in first.output

    again = runner.invoke(args=["seed-demo"])
    assert "already loaded; nothing changed" in again.output
    assert count(Event) == 1 and count(Organization) == 33 and count(Participant) == 150

    event = db.session.scalar(sa.select(Event))
    assert event.is_sample and [d.date.month for d in event.days] == [6, 6, 6]
    assert event.registration_state() == "open"
    assert len({o.country for o in db.session.scalars(sa.select(Organization))}) == 24
    for organization in db.session.scalars(sa.select(Organization)):
        held = db.session.scalar(sa.select(sa.func.count()).where(
            Participant.organization_id == organization.id, Participant.category == Category.DELEGATE,
            Participant.status.in_(PLACE_HOLDING)))
        assert held <= organization.delegate_quota
    assert db.session.scalar(sa.select(sa.func.count()).where(Participant.status == Status.WAITLISTED)) > 0
    unconfirmed = list(db.session.scalars(sa.select(Participant).where(Participant.status == Status.UNCONFIRMED)))
    assert len(unconfirmed) == 3 and all(p.email_confirmed_at is None for p in unconfirmed)
    assert db.session.scalar(sa.select(sa.func.count()).where(Participant.email_confirmed_at.is_(None))) == 3

    assert count(Workshop) == 7 and count(WorkshopRun) == 10 and count(Preference) > 200
    assert db.session.scalar(sa.select(Event.preferences_open)) is True
    assert "Labour exploitation at big sporting events" in client.get("/programme").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "sample data" in home and event.name in home
    login = post_form(client, "/login", {"email": "organizer@example.org", "password": "assembly-demo"})
    assert login.status_code == 302 and login.headers["Location"] == "/manage/"
    overview = client.get("/manage/").get_data(as_text=True)
    assert "Sample: Payoke Network" in overview and "<meter" in overview


def test_seed_demo_leaves_a_real_event_alone(runner):
    make_event(slug="ga-real")
    result = runner.invoke(args=["seed-demo"])
    assert "already holds an event" in result.output
    assert count(Event) == 1 and count(Organization) == 0


def test_back_office_requires_a_staff_role(client):
    make_event()
    assert client.get("/manage/").headers["Location"].startswith("/login?next=")
    make_user("desk@example.org", "desk password 1", Role.DESK)
    post_form(client, "/login", {"email": "desk@example.org", "password": "desk password 1"})
    assert client.get("/manage/").status_code == 403


def test_wrong_password_and_disabled_accounts_cannot_sign_in(client):
    user = make_user()
    wrong = post_form(client, "/login", {"email": "organizer@example.org", "password": "nope"})
    assert wrong.status_code == 422
    assert "The e-mail address or the password is incorrect." in wrong.get_data(as_text=True)
    user.active = False
    db.session.commit()
    disabled = post_form(client, "/login", {"email": "organizer@example.org", "password": "correct horse battery"})
    assert disabled.status_code == 422
    assert client.get("/manage/").status_code == 302


def test_sign_out_is_a_csrf_protected_post(client):
    make_event()
    make_user()
    post_form(client, "/login", {"email": "organizer@example.org", "password": "correct horse battery"})
    assert "Sign out" in client.get("/manage/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/manage/").status_code == 200

    logout = client.post("/logout", data={"csrf_token": csrf_token(client, "/registration/link")})

    assert logout.status_code == 302
    assert client.get("/manage/").status_code == 302


def test_login_redirects_only_to_local_pages(client):
    make_user()
    response = post_form(client, "/login?next=https://evil.example/", {
        "email": "organizer@example.org", "password": "correct horse battery"})
    assert response.headers["Location"] == "/"
