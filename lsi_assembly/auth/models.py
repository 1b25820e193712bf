"""Staff accounts (the secretariat, the host's organizers and the desk), their sign-ins and failed attempts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lsi_assembly.core.audit import audit
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.enums import LabelledEnum
from lsi_assembly.extensions import db


class Role(LabelledEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    DESK = "desk"

    __labels__ = {ADMIN: _l("Administrator"), ORGANIZER: _l("Organizer"), DESK: _l("Desk")}


@audit("user", labels={
    "email": _l("E-mail address"), "name": _l("Name"), "password_hash": _l("Password"), "role": _l("Role"),
    "active": _l("Active"),
}, hidden={"password_hash"}, values={"role": Role})
class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.ORGANIZER)
    #: Disabled accounts cannot sign in; their history stays.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    #: The key of the sign-in this object was loaded for (auth.services.start_session and
    #: user_for_session set it); not a column: only a digest of it is stored, in staff_sessions.
    session_key = None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Identify the sign-in, not the account: Flask-Login puts this in the session and remember cookies.

        The key names a row of staff_sessions that signing out (or a new password) deletes, so a copied
        cookie stops working on the server, and the cookies carry no account id or e-mail address.
        """
        if self.session_key is None:
            raise RuntimeError("sign in through auth.services.start_session, which gives the sign-in its key")
        return self.session_key

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class StaffSession(db.Model):
    """One sign-in of a staff account, from signing in until signing out or its expiry."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random key the browser's cookies carry; the key itself is never stored.
    key_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: "Keep me signed in": the sign-in lasts REMEMBER_DAYS instead of a day.
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    #: What pages keep between requests that must not travel in the cookie (the registrations list's search words).
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<StaffSession {self.id} user={self.user_id} expires={self.expires_at:%Y-%m-%d %H:%M}>"


class SignInFailure(db.Model):
    """Failed sign-ins to one e-mail address from one client address (the pair is only kept as a digest).

    Counting per pair, not per account, means that nobody can lock a colleague out by failing on
    purpose from another connection; every address typed, with or without an account, gets a row, so
    failures do the same work whether the account exists or not.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA-256 (keyed with SECRET_KEY) of the e-mail address and the client address.
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Failures in a row within LOCK_DURATION of each other, since the last lock or success.
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SignInFailure {self.id} failures={self.failures} locked_until={self.locked_until}>"
