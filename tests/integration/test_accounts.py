"""Staff accounts: the users commands, the lock after failed sign-ins, password reset by e-mail."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.auth.models import User
from lsi_assembly.auth.services import MAX_FAILED_LOGINS, find_user
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from tests.conftest import body
from tests.factories import make_event, make_user, post_form


def _sign_in(client, password="correct horse battery", email="organizer@example.org"):
    return post_form(client, "/login", {"email": email, "password": password})


def test_users_create_reads_the_password_from_stdin_and_never_from_arguments(runner):
    result = runner.invoke(args=["users", "create", "Desk.One@Example.org", "--role", "desk"],
                           input="a long desk password\n")
    assert result.exit_code == 0, result.output
    user = find_user("desk.one@example.org")
    assert user.role == "desk" and user.check_password("a long desk password")
    assert "a long desk password" not in result.output

    short = runner.invoke(args=["users", "create", "x@example.org", "--role", "admin"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    twice = runner.invoke(args=["users", "create", "desk.one@example.org", "--role", "desk"], input="x" * 12 + "\n")
    assert twice.exit_code != 0 and "already exists" in twice.output
    bad_role = runner.invoke(args=["users", "create", "y@example.org", "--role", "king"], input="x" * 12 + "\n")
    assert bad_role.exit_code != 0
    bad_email = runner.invoke(args=["users", "create", "not-an-email", "--role", "desk"], input="x" * 12 + "\n")
    assert bad_email.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_users_list_and_disable(runner, client):
    make_event()
    make_user()
    listing = runner.invoke(args=["users", "list"])
    assert re.search(r"organizer@example.org\s+organizer\s+active", listing.output)
    disabled = runner.invoke(args=["users", "disable", "organizer@example.org"])
    assert disabled.exit_code == 0
    assert re.search(r"organizer@example.org\s+organizer\s+disabled", runner.invoke(args=["users", "list"]).output)
    assert _sign_in(client).status_code == 422
    assert runner.invoke(args=["users", "disable", "nobody@example.org"]).exit_code != 0


def test_repeated_failures_lock_the_account_even_for_the_right_password(client):
    make_event()
    user = make_user()
    for _ in range(MAX_FAILED_LOGINS):
        assert _sign_in(client, "wrong password").status_code == 422
    locked = _sign_in(client)
    assert locked.status_code == 422
    assert "The e-mail address or the password is incorrect." in locked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_until > utcnow()

    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _sign_in(client).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_password_reset_by_emailed_link_works_once(client, mailbox):
    make_event()
    user = make_user()
    for _ in range(MAX_FAILED_LOGINS):
        _sign_in(client, "wrong password")

    unknown = post_form(client, "/login/reset", {"email": "nobody@example.org"}, follow_redirects=True)
    known = post_form(client, "/login/reset", {"email": "Organizer@example.org"}, follow_redirects=True)
    assert "a reset link is on its way" in unknown.get_data(as_text=True)
    assert "a reset link is on its way" in known.get_data(as_text=True)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "organizer@example.org"
    path = re.search(r"https?://[^/]+(/login/reset/\S+)", body(message)).group(1)

    mismatch = post_form(client, path, {"password": "a new long password", "confirm": "different one!!"})
    assert mismatch.status_code == 422 and "The two passwords differ." in mismatch.get_data(as_text=True)
    done = post_form(client, path, {"password": "a new long password", "confirm": "a new long password"})
    assert done.status_code == 302

    assert client.get(path).status_code == 302  # used: the link no longer works
    assert _sign_in(client, "a new long password").status_code == 302
    db.session.refresh(user)
    assert user.locked_until is None
    assert client.get("/login/reset/forged-token").status_code == 302


def test_account_changes_are_audited_without_secrets(runner):
    runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"], input="a long password 1\n")
    runner.invoke(args=["users", "disable", "a@example.org"])
    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "user")
                                      .order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["created", "changed"]
    assert entries[0].actor == "command line"
    assert entries[0].changes["password_hash"] == [None, "(changed)"]
    assert entries[1].changes == {"active": [True, False]}


def test_control_characters_in_sign_in_fields_are_refused_not_crashing(client):
    make_event()
    for email in ("a\x00b@example.org", "organizer@example.org"):
        response = post_form(client, "/login", {"email": email, "password": "x\x00y"})
        assert response.status_code == 422
    response = post_form(client, "/login/reset", {"email": "a\x00b@example.org"})
    assert response.status_code == 422


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, client, mailbox):
    make_event()
    user = make_user()
    _sign_in(client)
    assert client.get("/manage/").status_code == 200
    with app.app_context():  # another browser: its own context, so its own CSRF token
        other = app.test_client()
        post_form(other, "/login/reset", {"email": "organizer@example.org"})
        path = re.search(r"https?://[^/]+(/login/reset/\S+)", body(mailbox.wait_for(1)[0])).group(1)
        post_form(other, path, {"password": "a brand new password", "confirm": "a brand new password"})
    with app.app_context():  # a fresh request context, as every real request gets
        assert client.get("/manage/").status_code == 302  # the first session is over
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "user", AuditEntry.entity_id == user.id).order_by(AuditEntry.id.desc())).first()
    assert entry.actor == "organizer@example.org"


def test_sign_in_answers_the_same_for_unknown_and_locked_accounts(client):
    make_event()
    make_user()
    for _ in range(MAX_FAILED_LOGINS):
        _sign_in(client, "wrong password")
    locked = _sign_in(client).get_data(as_text=True)
    unknown = _sign_in(client, email="nobody@example.org").get_data(as_text=True)
    message = "The e-mail address or the password is incorrect."
    assert message in locked and message in unknown
