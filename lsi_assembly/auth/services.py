"""Staff accounts: creating them, checking a sign-in (with a lock after repeated failures), resets."""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from lsi_assembly.auth.models import Role, User
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db

#: Shortest password accepted for a staff account.
MIN_PASSWORD_LENGTH = 10
#: Failed sign-ins in a row that lock an account, and for how long.
MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
#: How long a password-reset link stays valid, and the link that lets a new account set its password.
RESET_MAX_AGE = timedelta(hours=1)
INVITE_MAX_AGE = timedelta(days=3)
_RESET_SALT = "lsi-assembly/password-reset"
#: Checked against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountLocked(Exception):
    """Too many failed sign-ins: the account refuses every password until ``until``."""

    def __init__(self, until) -> None:
        super().__init__(until)
        self.until = until


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


def authenticate(email: str, password: str) -> User | None:
    """Return the active account matching these credentials, recording the attempt.

    After MAX_FAILED_LOGINS failures in a row the account is locked for LOCK_DURATION and raises
    AccountLocked, even for the right password. The caller commits either way.
    """
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until)
    if not user.check_password(password) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCK_DURATION
            user.failed_logins = 0
        db.session.flush()
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def make_reset_token(user: User, invite: bool = False) -> str:
    """Sign a reset token bound to the current password: it stops working once the password changes.

    An ``invite`` token (a new account setting its first password) stays valid longer.
    """
    return _reset_serializer().dumps({"u": user.id, "p": user.password_hash[-16:], "i": invite})


def user_from_reset_token(token: str) -> User | None:
    """Return the account a valid, unused, unexpired reset token names."""
    serializer = _reset_serializer()
    try:
        data = serializer.loads(token, max_age=INVITE_MAX_AGE.total_seconds())
        if not (isinstance(data, dict) and data.get("i")):
            data = serializer.loads(token, max_age=RESET_MAX_AGE.total_seconds())
    except BadSignature:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("p"):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password and lift any lock."""
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
