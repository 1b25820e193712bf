"""The one signer of the app: every signed link and stamp, each purpose with a salt of its own.

A token is signed with SECRET_KEY by itsdangerous (which Flask ships), URL-safe. The salt keeps the
purposes apart: a token made for one never passes for another. A timed purpose carries the moment
it was signed, so that reading it can refuse a token older than ``max_age``. The salts and formats
are those the links already sent were made with: changing one would break every link in people's
inboxes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer


@dataclass(frozen=True)
class Purpose:
    """What a token is for: its salt, and whether it carries the moment it was signed."""

    salt: str
    timed: bool = False


#: A registration's personal link (registration.links): expires after MANAGE_LINK_MAX_AGE.
REGISTRATION_LINK = Purpose("lsi-assembly/registration-link", timed=True)
#: A public event attendee's links (public.services): valid as long as the registration's key.
PUBLIC_LINK = Purpose("lsi-assembly/public-link")
#: A staff password reset or first-password link (auth.services): expires after one hour or three days.
PASSWORD_RESET = Purpose("lsi-assembly/password-reset", timed=True)
#: A member's delegation page for its focal point (assembly.delegation): ``[organization id, key]``,
#: valid until the organizers send a new link (a new key); no expiry of its own.
DELEGATION_LINK = Purpose("lsi-assembly/delegation-link")
#: When a public form was shown, and in which browser session (core.bots).
FORM_STARTED = Purpose("lsi-assembly/form-started")
#: A check-in desk's settings, kept in a cookie on its laptop or phone (checkin.station).
DESK_STATION = Purpose("lsi-assembly/desk-station")


class BadToken(Exception):
    """The token is forged, altered, or was made for another purpose."""


class TokenExpired(BadToken):
    """The token is genuine but older than the ``max_age`` it was read with."""


def _serializer(purpose: Purpose) -> URLSafeSerializer:
    kind = URLSafeTimedSerializer if purpose.timed else URLSafeSerializer
    return kind(current_app.config["SECRET_KEY"], salt=purpose.salt)


def sign(purpose: Purpose, value: Any) -> str:
    """Return ``value`` (anything JSON can hold) signed for ``purpose``."""
    return _serializer(purpose).dumps(value)


def unsign(purpose: Purpose, token: str, max_age: float | None = None) -> Any:
    """Return the value signed in ``token`` for ``purpose``.

    Raise TokenExpired when a timed token is older than ``max_age`` seconds, BadToken when it is not genuine.
    """
    if max_age is not None and not purpose.timed:
        raise ValueError(f"{purpose.salt} tokens carry no time: they cannot expire")
    try:
        if purpose.timed:
            return _serializer(purpose).loads(token, max_age=max_age)
        return _serializer(purpose).loads(token)
    except SignatureExpired as error:
        raise TokenExpired(str(error)) from error
    except BadSignature as error:
        raise BadToken(str(error)) from error
