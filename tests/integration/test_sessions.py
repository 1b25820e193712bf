"""Staff sessions live on the server: signing out ends them, cookies carry a key and nothing personal."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.auth.models import Role, StaffSession
from lsi_assembly.auth.services import SESSION_MAX_AGE, user_for_session
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.factories import csrf_token, make_event, make_organization, make_participant, make_user, post_form

PASSWORD = "correct horse battery"


@contextmanager
def browser(app, address: str = "127.0.0.1", cookies: dict[str, str] | None = None):
    """Another browser: a client in a fresh application context (as every real request gets its own)."""
    with app.app_context():
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        for name, value in (cookies or {}).items():
            client.set_cookie(name, value)
        yield client


def _sign_in(client, remember: bool = False, email: str = "organizer@example.org"):
    data = {"email": email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    response = post_form(client, "/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _sign_out(client) -> None:
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/registration/link")}).status_code == 302


def _back_office(app, cookies: dict[str, str]) -> int:
    with browser(app, cookies=cookies) as other:
        return other.get("/manage/").status_code


def test_a_copied_session_cookie_stops_working_after_sign_out(app):
    make_event()
    make_user()
    with browser(app) as client:
        _sign_in(client)
        copied = {"session": client.get_cookie("session").value}
        assert client.get_cookie("remember_token") is None
        assert _back_office(app, copied) == 200  # the copy works while the sign-in lasts
        _sign_out(client)
    assert _back_office(app, copied) == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0


def test_a_copied_remember_cookie_stops_working_after_sign_out(app):
    make_event()
    make_user()
    with browser(app) as client:
        _sign_in(client, remember=True)
        copied = {"remember_token": client.get_cookie("remember_token").value}
        assert _back_office(app, copied) == 200  # "keep me signed in" alone signs the browser in
        _sign_out(client)
    with browser(app, cookies=copied) as other:
        response = other.get("/manage/")
    assert response.status_code == 302 and "/login" in response.location


def test_signing_out_ends_only_that_sign_in(app):
    make_event()
    make_user()
    with browser(app) as laptop:
        _sign_in(laptop)
        on_laptop = {"session": laptop.get_cookie("session").value}
    with browser(app, address="198.51.100.4") as phone:
        _sign_in(phone)
        _sign_out(phone)
    assert _back_office(app, on_laptop) == 200


def test_remember_cookie_and_server_session_last_remember_days(make_app):
    app = make_app(REMEMBER_COOKIE_DURATION=timedelta(days=3))
    with app.app_context():
        make_event()
        make_user()
        before = utcnow()
        with browser(app) as client:
            _sign_in(client, remember=True)
            cookie = client.get_cookie("remember_token")
        expires = cookie.expires.replace(tzinfo=before.tzinfo)
        assert before + timedelta(days=3) - timedelta(minutes=1) < expires < utcnow() + timedelta(days=3, minutes=1)
        row = db.session.scalar(sa.select(StaffSession))
        assert row.remember and row.expires_at - row.created_at == timedelta(days=3)


def test_remember_days_default_to_fourteen(app):
    assert app.config["REMEMBER_DAYS"] == 14
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_a_sign_in_without_remember_ends_on_the_server_after_a_day(app):
    make_event()
    make_user()
    with browser(app) as client:
        _sign_in(client)
        copied = {"session": client.get_cookie("session").value}
    row = db.session.scalar(sa.select(StaffSession))
    assert not row.remember and row.expires_at - row.created_at == SESSION_MAX_AGE
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _back_office(app, copied) == 302


def test_a_disabled_account_is_signed_out_on_its_next_request(app, runner):
    make_event()
    make_user()
    with browser(app) as client:
        _sign_in(client, remember=True)
        copied = {"session": client.get_cookie("session").value, "remember_token": client.get_cookie("remember_token").value}
    assert runner.invoke(args=["users", "disable", "organizer@example.org"]).exit_code == 0
    assert _back_office(app, copied) == 302


def test_cookies_of_the_old_format_sign_nobody_in(app):
    user = make_user()
    assert user_for_session(f"{user.id}:{user.password_hash[-12:]}") is None
    assert user_for_session("") is None


def test_the_session_cookie_carries_no_search_words(app):
    event = make_event()
    make_participant(event, given_name="Zdzisława", family_name="Wiśniewska", email="zw@example.org")
    make_participant(event, given_name="Anna", family_name="Nowak", email="an@example.org")
    make_user()
    with browser(app) as client:
        _sign_in(client)
        page = post_form(client, "/manage/registrations/", {"q": "Wiśniewska"}, follow_redirects=True)
        html = page.get_data(as_text=True)
        assert "Wiśniewska, Zdzisława" in html and "Nowak, Anna" not in html  # the search still works
        assert "isniewska" not in page.request.url.lower()
        cookie = client.get_cookie("session").value
        decoded = app.session_interface.get_signing_serializer(app).loads(cookie)
        assert "Wiśniewska" not in json.dumps(decoded, ensure_ascii=False)
        assert "Wiśniewska" not in str(decoded) and "registrations_q" not in decoded
        # The words are kept on the server for this sign-in, and forgotten with it.
        assert "Nowak, Anna" not in client.get("/manage/registrations/").get_data(as_text=True)
        _sign_out(client)
        _sign_in(client)
        assert "Nowak, Anna" in client.get("/manage/registrations/").get_data(as_text=True)


def test_clearing_the_search_forgets_the_words(app):
    event = make_event()
    make_participant(event, given_name="Zdzisława", family_name="Wiśniewska", email="zw@example.org")
    make_participant(event, given_name="Anna", family_name="Nowak", email="an@example.org")
    make_user()
    with browser(app) as client:
        _sign_in(client)
        post_form(client, "/manage/registrations/", {"q": "Wiśniewska"})
        assert client.get("/manage/registrations/?clear=1").status_code == 302
        assert "Nowak, Anna" in client.get("/manage/registrations/").get_data(as_text=True)
    assert db.session.scalar(sa.select(StaffSession)).data == {}


def test_the_desk_keeps_its_name_and_day_through_a_remembered_sign_in(app):
    event = make_event()
    make_user("desk@example.org", PASSWORD, Role.DESK)
    with browser(app) as client:
        _sign_in(client, remember=True, email="desk@example.org")
        token = csrf_token(client, "/desk/")
        client.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 7", "day_id": event.days[0].id,
                                            "preset": "card-86x54"})
        assert "Desk 7" in client.get("/desk/").get_data(as_text=True)
        # The browser closed and opened again: the session cookie is gone, the lasting cookies stay.
        copied = {"remember_token": client.get_cookie("remember_token").value,
                  "lsi_desk": client.get_cookie("lsi_desk", path="/desk").value}
    with browser(app, cookies=copied) as same_browser:
        page = same_browser.get("/desk/").get_data(as_text=True)
        assert "Desk 7" in page and "Set up this desk" not in page


def test_a_message_naming_a_participant_waits_on_the_server_not_in_the_cookie(app):
    event = make_event()
    org = make_organization(event, quota=1)
    holder = make_participant(event, organization_id=org.id, status=Status.CONFIRMED, email="h@example.org")
    make_participant(event, organization_id=org.id, status=Status.WAITLISTED, email="w@example.org",
                     given_name="Zdzisława", family_name="Wiśniewska")
    make_user()
    with browser(app) as client:
        _sign_in(client)
        token = csrf_token(client, f"/manage/registrations/{holder.id}/edit")
        response = client.post(f"/manage/registrations/{holder.id}/cancel", data={"csrf_token": token})
        assert response.status_code == 302
        cookie = client.get_cookie("session").value
        decoded = app.session_interface.get_signing_serializer(app).loads(cookie)
        assert "Wiśniewska" not in json.dumps(decoded, ensure_ascii=False)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Zdzisława Wiśniewska moved off the waiting list" in page  # shown once, on the next page
        assert "moved off the waiting list" not in client.get("/manage/").get_data(as_text=True)
    assert "flashes" not in db.session.scalar(sa.select(StaffSession)).data
