"""Bot traps of the public forms (the public event's, the delegates'): a hidden field and a minimum time.

A person never meets them. ``website`` is hidden from people and from screen readers; a program that
fills every field fills it, and is answered as if it had registered while nothing is stored.
``started`` carries the moment the form was shown, signed together with a random value of the browser
session: a form sent sooner than a person can fill it in, with a forged stamp, or with a stamp fetched
in another session is shown again with a neutral message, and a fresh stamp, so that a quick person is
never blocked: the next submission counts.
"""
from __future__ import annotations

import enum
import secrets
import time

from flask import session
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField

from lsi_assembly.core.tokens import FORM_STARTED, BadToken, sign, unsign

#: The session's key holding its random value.
_NONCE_KEY = "form_nonce"
#: A time stamp older than this is refused too (a form left open a whole day is simply shown again).
STAMP_MAX_AGE = 24 * 3600


def _session_nonce() -> str:
    """A random value of this browser session, so that a time stamp only works in the session it was made for."""
    if _NONCE_KEY not in session:
        session[_NONCE_KEY] = secrets.token_urlsafe(12)
    return session[_NONCE_KEY]


def started_stamp() -> str:
    """When the form was shown, signed with this session's nonce (a bot can neither forge it nor reuse
    one fetched in another session)."""
    return sign(FORM_STARTED, [time.time(), _session_nonce()])


def seconds_since(stamp: str | None) -> float | None:
    """How long ago the form with ``stamp`` was shown in this session; None for a missing, forged,
    foreign or day-old stamp."""
    try:
        shown, nonce = unsign(FORM_STARTED, stamp or "")
        elapsed = time.time() - float(shown)
    except (BadToken, TypeError, ValueError):
        return None
    if nonce != session.get(_NONCE_KEY) or not 0 <= elapsed <= STAMP_MAX_AGE:
        return None
    return elapsed


class Verdict(enum.Enum):
    """What the traps say about a submitted form."""

    #: Nothing caught: process the form.
    PASSED = "passed"
    #: The hidden field is filled: answer as if all went well, store nothing.
    TRAPPED = "trapped"
    #: Sent too quickly, or with a stamp that is not this session's: show the form again with a message.
    TOO_QUICK = "too_quick"


class BotTraps:
    """Mixin for a ``FlaskForm``: the hidden field, the time stamp, and the check of both.

    Render ``templates/_macros/bots.html``'s ``bot_trap_fields(form)`` inside the form and
    ``too_quick_notice()`` above it when the verdict was ``TOO_QUICK``.
    """

    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()

    def is_trap_filled(self) -> bool:
        """Tell whether the hidden field was filled (by a program: people never see it)."""
        return bool((self.website.data or "").strip())

    def bot_verdict(self, min_seconds: float) -> Verdict:
        """Judge a submitted form: the hidden field first, then the time since it was shown."""
        if self.is_trap_filled():
            return Verdict.TRAPPED
        elapsed = seconds_since(self.started.data)
        if elapsed is None or elapsed < min_seconds:
            return Verdict.TOO_QUICK
        return Verdict.PASSED

    def stamp(self) -> None:
        """Give the form to be shown a fresh time stamp."""
        self.started.data = started_stamp()
