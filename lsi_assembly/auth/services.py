"""Staff accounts: creating them and checking a sign-in."""
from __future__ import annotations

import sqlalchemy as sa

from lsi_assembly.auth.models import Role, User
from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db


def find_user(email: str) -> User | None:
    """Return the account of ``email`` (compared lower-cased)."""
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(email: str, password: str, role: Role, name: str | None = None) -> User:
    """Create a staff account with a hashed password."""
    user = User(email=email.strip().lower(), role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active account matching these credentials, recording the sign-in."""
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user
