"""Personal links: a signed, expiring token around a random key; nothing personal in the URL."""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import abort, current_app

from lsi_assembly.core.links import external_url
from lsi_assembly.core.tokens import REGISTRATION_LINK, BadToken, TokenExpired, sign, unsign
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Participant

class LinkExpired(Exception):
    """The link was genuine but is older than MANAGE_LINK_MAX_AGE."""


def new_access_key() -> str:
    """Return a fresh random key (256 bits) to sign into personal links."""
    return secrets.token_urlsafe(32)


def make_token(access_key: str) -> str:
    """Sign ``access_key`` with the current time."""
    return sign(REGISTRATION_LINK, access_key)


def read_token(token: str) -> str | None:
    """Return the access key in ``token``; None if forged; raise LinkExpired if too old."""
    max_age = current_app.config["MANAGE_LINK_MAX_AGE"].total_seconds()
    try:
        return unsign(REGISTRATION_LINK, token, max_age=max_age)
    except TokenExpired as error:
        raise LinkExpired from error
    except BadToken:
        return None


def personal_link(access_key: str) -> str:
    """Return the absolute personal link for a registration's key."""
    return external_url("registration.manage", token=make_token(access_key))


def participant_from_link(token: str):
    """Load the registration a personal link points to: 404 if forged or revoked, 410 if expired."""
    try:
        key = read_token(token)
    except LinkExpired:
        abort(410)
    participant = db.session.scalar(sa.select(Participant).where(Participant.access_key == key)) if key else None
    if participant is None:
        abort(404)
    return participant
