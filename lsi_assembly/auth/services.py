"""Staff accounts: creating them, checking a sign-in, its server-side session, password resets.

Failed sign-ins are counted per e-mail address *and* client address (SignInFailure): after
MAX_FAILED_LOGINS failures in a row from one address, that address cannot sign in to that account
for LOCK_DURATION, even with the right password, while a colleague signing in to it from another
address is not affected. (The per-address rate limit, LOGIN_RATE_LIMIT, bounds how many accounts and
guesses one address can try.) Every failed sign-in does the same work, whether the account exists,
is disabled, locked or not: one look-up of the account, one of the failure row, one password-hash
check (against a dummy hash when there is no account) and one write of the failure row.

A successful sign-in opens a StaffSession: a random key goes into Flask-Login's session and
"keep me signed in" cookies, and only its digest is stored. Signing out deletes the row, so a copied
cookie is worthless afterwards; a new password deletes every row of the account.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g
from flask import session as flask_session
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from lsi_assembly.auth.models import Role, SignInFailure, StaffSession, User
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.links import external_url
from lsi_assembly.core.mail import OutboxMessage, queue_mail
from lsi_assembly.core.tokens import PASSWORD_RESET, BadToken, sign, unsign
from lsi_assembly.extensions import db

log = logging.getLogger(__name__)

#: Shortest password accepted for a staff account.
MIN_PASSWORD_LENGTH = 10
#: Failed sign-ins in a row, from one client address to one account, that pause that pair, and for how long.
MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
#: How long a sign-in without "keep me signed in" lasts on the server (the browser forgets it when closed).
SESSION_MAX_AGE = timedelta(hours=24)
#: How long a password-reset link stays valid, and the link that lets a new account set its password.
RESET_MAX_AGE = timedelta(hours=1)
INVITE_MAX_AGE = timedelta(days=3)
#: Reset mails sent to one account within an hour, whoever asks; further requests send nothing.
MAX_RESET_MAILS_PER_HOUR = 3
#: Checked against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


def find_user(email: str) -> User | None:
    """Return the account of ``email`` (compared lower-cased)."""
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(email: str, password: str | None, role: Role, name: str | None = None) -> User:
    """Create a staff account with a hashed password (None: a random one, to be set through a link)."""
    user = User(email=email.strip().lower(), role=role, name=name)
    user.set_password(password if password is not None else secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    return user


def _failure_key(email: str, client_address: str) -> str:
    """Name the (e-mail address, client address) pair without storing either."""
    message = f"{email.strip().lower()}\n{client_address}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def _failure_query(key: str) -> sa.Select:
    """Select the failure row of a pair, locked until the commit on PostgreSQL.

    The row lock makes simultaneous failures of one pair count one after the other. (SQLite ignores
    it; two failures of one pair at the same instant may then count once.)
    """
    return sa.select(SignInFailure).where(SignInFailure.key == key).with_for_update()


def _record_failure(failure: SignInFailure, locked: bool, now: datetime) -> None:
    """Count a failure of the pair (unless it is already locked) and lock it at MAX_FAILED_LOGINS."""
    if not locked:
        recent = failure.last_failure_at is not None and failure.last_failure_at > now - LOCK_DURATION
        failure.failures = (failure.failures if recent else 0) + 1
        if failure.failures >= MAX_FAILED_LOGINS:
            failure.failures = 0
            failure.locked_until = now + LOCK_DURATION
            log.warning("sign-in paused for %s after %d failures from one client address to one account",
                        LOCK_DURATION, MAX_FAILED_LOGINS)
    failure.last_failure_at = now


def _insert_failure(key: str, now: datetime) -> None:
    """Record the first failure of a pair (once, even when two requests of the pair race)."""
    failure = SignInFailure(key=key, failures=0)
    _record_failure(failure, False, now)
    try:
        with db.session.begin_nested():
            db.session.add(failure)
    except IntegrityError:  # the same pair failed at the same instant in another request: count on its row
        _record_failure(db.session.scalar(_failure_query(key)), False, now)


def authenticate(email: str, password: str, client_address: str) -> User | None:
    """Return the active account matching these credentials, or None; record a failure.

    The pair (``email``, ``client_address``) is refused for LOCK_DURATION after MAX_FAILED_LOGINS
    failures in a row, even with the right password. Every refusal does the same work (see the module's
    docstring), so its timing tells nothing. The caller commits either way.
    """
    now = utcnow()
    user = find_user(email)
    key = _failure_key(email, client_address)
    failure = db.session.scalar(_failure_query(key))
    locked = failure is not None and failure.locked_until is not None and failure.locked_until > now
    # Exactly one hash check in every case: the dummy one when there is no account.
    matches = check_password_hash(user.password_hash if user is not None else _DUMMY_HASH, password)
    if matches and user is not None and user.active and not locked:
        if failure is not None:
            db.session.delete(failure)
        user.last_login_at = now
        db.session.flush()
        return user
    if failure is not None:
        _record_failure(failure, locked, now)
    else:
        _insert_failure(key, now)
    db.session.flush()
    return None


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, remember: bool) -> str:
    """Open a server-side session for ``user`` and return its key (also set as ``user.session_key``).

    It lasts REMEMBER_COOKIE_DURATION (the REMEMBER_DAYS setting) with ``remember``, else
    SESSION_MAX_AGE. Expired sessions and stale failure counts of every account are deleted here.
    """
    now = utcnow()
    db.session.execute(sa.delete(StaffSession).where(StaffSession.expires_at <= now))
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.last_failure_at < now - LOCK_DURATION))
    key = secrets.token_urlsafe(32)
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"] if remember else SESSION_MAX_AGE
    db.session.add(StaffSession(user=user, key_digest=_key_digest(key), remember=remember,
                                created_at=now, expires_at=now + lifetime, data={}))
    db.session.flush()
    user.session_key = key
    return key


def _session_row(key: str | None) -> StaffSession | None:
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    row = db.session.scalar(sa.select(StaffSession).where(StaffSession.key_digest == _key_digest(key)))
    return row if row is not None and row.expires_at > utcnow() else None


def user_for_session(key: str) -> User | None:
    """Return the active account whose open, unexpired session has ``key`` (Flask-Login's user loader)."""
    row = _session_row(key)
    if row is None or not row.user.active:
        return None
    row.user.session_key = key
    return row.user


def end_session(key: str | None) -> None:
    """Close the session of ``key`` on the server: its cookies no longer sign anyone in."""
    if isinstance(key, str):
        db.session.execute(sa.delete(StaffSession).where(StaffSession.key_digest == _key_digest(key)))


def session_value(key: str | None, name: str, default=None):
    """Return a value kept in the server-side session of ``key`` (never in the cookie)."""
    row = _session_row(key)
    return row.data.get(name, default) if row is not None else default


def set_session_value(key: str | None, name: str, value) -> None:
    """Keep ``value`` (JSON) under ``name`` in the server-side session of ``key``; None removes it."""
    row = _session_row(key)
    if row is None:
        return
    data = {k: v for k, v in row.data.items() if k != name}
    if value is not None:
        data[name] = value
    row.data = data  # a new dict: the JSON column sees the change
    db.session.flush()


#: Where a staff member's flashed messages wait between two requests (they may name a participant).
_FLASHES = "flashes"


def _signed_in_key() -> str | None:
    return current_user.session_key if current_user.is_authenticated else None


def restore_staff_flashes() -> None:
    """Before a staff request: hand the messages kept on the server to this request's page."""
    key = _signed_in_key()
    waiting = session_value(key, _FLASHES) if key else None
    if waiting:
        set_session_value(key, _FLASHES, None)
        g.staff_flashes_moved = True
        flask_session["_flashes"] = [tuple(item) for item in waiting] + flask_session.get("_flashes", [])


def keep_staff_flashes() -> bool:
    """After a staff request: messages not shown yet wait on the server, not in the readable cookie.

    Returns whether the staff session's row changed: the caller (the app, after the request) commits it.
    """
    key = _signed_in_key()
    if key and "_flashes" in flask_session:
        set_session_value(key, _FLASHES, [list(item) for item in flask_session.pop("_flashes")])
        g.staff_flashes_moved = True
    return g.pop("staff_flashes_moved", False)


def _reset_mails_sent(recipient: str, within: timedelta) -> int:
    """Count the password-reset mails queued for ``recipient`` less than ``within`` ago."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == recipient, OutboxMessage.kind == "password_reset",
        OutboxMessage.created_at > utcnow() - within)) or 0


def request_password_reset(email: str, locale: str) -> None:
    """Queue a reset mail for the active account of ``email``, at most MAX_RESET_MAILS_PER_HOUR an hour.

    Nothing tells the caller whether a mail was queued: the page answers the same for any address.
    """
    user = find_user(email)
    if user is None or not user.active:
        return
    if _reset_mails_sent(user.email, timedelta(hours=1)) >= MAX_RESET_MAILS_PER_HOUR:
        log.info("password reset not sent: %d reset mails to one account within the hour",
                 MAX_RESET_MAILS_PER_HOUR)
        return
    queue_mail(user.email, "password_reset", locale, link=external_url("auth.reset_password_form", token=make_reset_token(user)))


def make_reset_token(user: User, invite: bool = False) -> str:
    """Sign a reset token bound to the current password: it stops working once the password changes.

    An ``invite`` token (a new account setting its first password) stays valid longer.
    """
    return sign(PASSWORD_RESET, {"u": user.id, "p": user.password_hash[-16:], "i": invite})


def user_from_reset_token(token: str) -> User | None:
    """Return the account a valid, unused, unexpired reset token names."""
    try:
        data = unsign(PASSWORD_RESET, token, max_age=INVITE_MAX_AGE.total_seconds())
        if not (isinstance(data, dict) and data.get("i")):
            data = unsign(PASSWORD_RESET, token, max_age=RESET_MAX_AGE.total_seconds())
    except BadToken:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("p"):
        return None
    return user


def reset_password(user: User, password: str, client_address: str | None = None) -> None:
    """Set a new password, end every session of the account and lift the lock of ``client_address``.

    Whoever opens the e-mailed link owns the mailbox: the failures counted for the account from their
    connection are forgotten, so they can sign in at once.
    """
    user.set_password(password)
    db.session.execute(sa.delete(StaffSession).where(StaffSession.user_id == user.id))
    if client_address is not None:
        db.session.execute(sa.delete(SignInFailure).where(
            SignInFailure.key == _failure_key(user.email, client_address)))
    db.session.flush()
