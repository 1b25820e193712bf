"""Staff accounts: the users commands, the pause after failed sign-ins, password reset by e-mail."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from lsi_assembly.auth import services as auth_services
from lsi_assembly.auth.models import SignInFailure, User
from lsi_assembly.auth.services import LOCK_DURATION, MAX_FAILED_LOGINS, MAX_RESET_MAILS_PER_HOUR, find_user
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db
from lsi_assembly.core.mail import OutboxMessage
from tests.conftest import body, count
from tests.factories import csrf_token, make_event, make_user, post_form, run_at_once


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


@contextmanager
def _browser(app, address: str):
    """A browser at ``address``, with an application context of its own (as every real request gets)."""
    with app.app_context():
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        yield client


def test_failures_from_one_address_pause_that_address_not_a_colleague(app):
    make_event()
    make_user()
    with _browser(app, "203.0.113.66") as attacker:
        for _ in range(MAX_FAILED_LOGINS):
            assert _sign_in(attacker, "wrong password").status_code == 422
        locked = _sign_in(attacker)  # even the right password, from the attacker's address
        assert locked.status_code == 422
        assert "The e-mail address or the password is incorrect." in locked.get_data(as_text=True)
    with _browser(app, "198.51.100.7") as colleague:
        assert _sign_in(colleague).status_code == 302
    with _browser(app, "203.0.113.66") as attacker:
        assert _sign_in(attacker).status_code == 422  # the colleague's success lifts nothing here
    [failure] = db.session.scalars(sa.select(SignInFailure))
    assert failure.locked_until > utcnow() + LOCK_DURATION - timedelta(minutes=1)

    failure.locked_until = utcnow() - timedelta(seconds=1)  # the pause is over
    db.session.commit()
    with _browser(app, "203.0.113.66") as attacker:
        assert _sign_in(attacker).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)) == 0


def test_failures_below_the_limit_are_forgotten_after_a_success(app):
    make_event()
    make_user()
    with _browser(app, "192.0.2.10") as client:
        for _ in range(MAX_FAILED_LOGINS - 1):
            _sign_in(client, "wrong password")
        assert _sign_in(client).status_code == 302
    with _browser(app, "192.0.2.10") as client:
        for _ in range(MAX_FAILED_LOGINS - 1):
            _sign_in(client, "wrong password")
        assert _sign_in(client).status_code == 302


def _statements(run) -> list[tuple[str, str]]:
    """Run ``run()`` and return (verb, table) of each SQL statement it sent."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        match = re.search(r"\b(users|sign_in_failures|staff_sessions)\b", statement)
        sent.append((statement.split(None, 1)[0].upper(), match.group(1) if match else ""))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return sent


def test_every_failed_sign_in_checks_one_password_hash_and_does_the_same_work(app, monkeypatch):
    """Timing parity without a clock: each refusal checks exactly one hash and sends the same statements."""
    make_user()
    make_user("disabled@example.org", "correct horse battery").active = False
    db.session.commit()
    checked = []
    real_check = auth_services.check_password_hash
    monkeypatch.setattr(auth_services, "check_password_hash",
                        lambda hash_, password: checked.append(hash_) or real_check(hash_, password))

    def attempt(email, password, address):
        def run():
            assert auth_services.authenticate(email, password, address) is None
            db.session.commit()
        return run

    cases = {
        "no account": ("nobody@example.org", "correct horse battery"),
        "wrong password": ("organizer@example.org", "wrong password"),
        "disabled account": ("disabled@example.org", "correct horse battery"),
    }
    first, again = {}, {}
    for index, (name, (email, password)) in enumerate(cases.items()):
        address = f"192.0.2.{index + 1}"
        checked.clear()
        first[name] = _statements(attempt(email, password, address))  # the pair's first failure
        assert len(checked) == 1, name
        checked.clear()
        again[name] = _statements(attempt(email, password, address))  # a later one
        assert len(checked) == 1, name
    for _ in range(MAX_FAILED_LOGINS - 1):
        auth_services.authenticate("organizer@example.org", "wrong password", "192.0.2.50")
    db.session.commit()
    checked.clear()
    again["failure that locks"] = _statements(attempt("organizer@example.org", "wrong password", "192.0.2.50"))
    for name, password in (("locked, right password", "correct horse battery"),
                           ("locked, wrong password", "wrong password")):
        checked.clear()
        again[name] = _statements(attempt("organizer@example.org", password, "192.0.2.50"))
        assert len(checked) == 1, name
    assert len({tuple(statements) for statements in first.values()}) == 1, first
    assert len({tuple(statements) for statements in again.values()}) == 1, again
    assert ("SELECT", "users") in again["no account"] and ("UPDATE", "sign_in_failures") in again["no account"]

    checked.clear()
    assert auth_services.authenticate("organizer@example.org", "correct horse battery", "192.0.2.99") is not None
    assert len(checked) == 1


def test_password_reset_by_emailed_link_works_once(client, mailbox):
    make_event()
    make_user()
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
    assert _sign_in(client, "a new long password").status_code == 302  # the reset lifted this address's pause
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


def test_reset_requests_are_limited_per_client_address(app):
    make_event()
    make_user()
    app.config["RESET_RATE_LIMIT"] = "2 per minute"
    with _browser(app, "192.0.2.30") as client:
        codes = [post_form(client, "/login/reset", {"email": "organizer@example.org"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    with _browser(app, "192.0.2.31") as other:  # another client address is not affected
        assert post_form(other, "/login/reset", {"email": "organizer@example.org"}).status_code == 302
    assert count(OutboxMessage) == 3


def test_reset_mails_to_one_account_are_capped_per_hour_with_the_same_answer(app):
    make_event()
    make_user()
    make_user("colleague@example.org", "another long password")
    answers = []
    for index in range(MAX_RESET_MAILS_PER_HOUR + 2):
        with _browser(app, f"192.0.2.{40 + index}") as client:  # several addresses: the per-address limit is not it
            page = post_form(client, "/login/reset", {"email": "organizer@example.org"}, follow_redirects=True)
            answers.append((page.status_code, "a reset link is on its way" in page.get_data(as_text=True)))
    assert answers == [(200, True)] * (MAX_RESET_MAILS_PER_HOUR + 2)

    def sent_to(address):
        return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == address, OutboxMessage.kind == "password_reset"))

    assert sent_to("organizer@example.org") == MAX_RESET_MAILS_PER_HOUR
    with _browser(app, "192.0.2.60") as client:  # another account still gets its link
        post_form(client, "/login/reset", {"email": "colleague@example.org"})
    assert sent_to("colleague@example.org") == 1

    db.session.execute(sa.update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    with _browser(app, "192.0.2.61") as client:  # an hour later, one more
        post_form(client, "/login/reset", {"email": "organizer@example.org"})
    assert sent_to("organizer@example.org") == MAX_RESET_MAILS_PER_HOUR + 1


def test_simultaneous_first_failures_of_one_pair_count_on_one_row(app):
    make_event()
    make_user()
    attempts = MAX_FAILED_LOGINS - 1

    def fail(ready):
        client = app.test_client()  # a thread of its own: its own application context per request
        data = {"csrf_token": csrf_token(client, "/login"), "email": "organizer@example.org",
                "password": "wrong password"}
        ready()
        return client.post("/login", data=data).status_code

    assert run_at_once([fail] * attempts) == [422] * attempts
    [failure] = db.session.scalars(sa.select(SignInFailure))
    assert failure.failures == attempts and failure.locked_until is None
