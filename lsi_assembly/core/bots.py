"""Bot traps of the public forms (the public event's, the delegates'): a hidden field and a minimum time.

A person never meets them. ``website`` is hidden from people and from screen readers; a program that
fills every field fills it, and is answered as if it had registered while nothing is stored.
``started`` carries the moment the form was shown, signed together with a random value of the browser
session: a form sent sooner than a person can fill it in, with a forged stamp, or with a stamp fetched
in another session is shown again with a neutral message, and a fresh stamp, so that a quick person is
never blocked: the next submission counts.

A person whose browser or password manager fills the whole form at once may send it within a second.
Such a form, if its stamp is this session's, comes back with a "second chance" stamp: the next sending
from this session counts after ``SECOND_CHANCE_SECONDS`` (the time to look at the page and click
again), however short the form's minimum time is not. A program that sends once, or without keeping
the session's cookie, is still held back, and the hidden field still catches the ones filling every field.
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
#: After a form was sent too quickly, the next sending of the same session counts after this long.
SECOND_CHANCE_SECONDS = 1.0


def _session_nonce() -> str:
    """A random value of this browser session, so that a time stamp only works in the session it was made for."""
    if _NONCE_KEY not in session:
        session[_NONCE_KEY] = secrets.token_urlsafe(12)
    return session[_NONCE_KEY]


def started_stamp(second_chance: bool = False) -> str:
    """When the form was shown, signed with this session's nonce (a bot can neither forge it nor reuse
    one fetched in another session); ``second_chance`` once a form of this session came too quickly."""
    return sign(FORM_STARTED, [time.time(), _session_nonce(), 1 if second_chance else 0])


def read_stamp(stamp: str | None) -> tuple[float, bool] | None:
    """How long ago the form with ``stamp`` was shown in this session, and whether it is a second
    chance; None for a missing, forged, foreign or day-old stamp."""
    try:
        shown, nonce, *rest = unsign(FORM_STARTED, stamp or "")
        elapsed = time.time() - float(shown)
    except (BadToken, TypeError, ValueError):
        return None
    if nonce != session.get(_NONCE_KEY) or not 0 <= elapsed <= STAMP_MAX_AGE:
        return None
    return elapsed, bool(rest and rest[0] == 1)



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

    #: Set by ``bot_verdict``: the form came too quickly with this session's stamp, so the next one
    #: shown carries a second chance.
    _second_chance = False

    def bot_verdict(self, min_seconds: float) -> Verdict:
        """Judge a submitted form: the hidden field first, then the time since it was shown."""
        if self.is_trap_filled():
            return Verdict.TRAPPED
        read = read_stamp(self.started.data)
        if read is None:
            return Verdict.TOO_QUICK
        elapsed, second_chance = read
        if elapsed >= min(min_seconds, SECOND_CHANCE_SECONDS if second_chance else min_seconds):
            return Verdict.PASSED
        self._second_chance = True
        return Verdict.TOO_QUICK

    def stamp(self) -> None:
        """Give the form to be shown a fresh time stamp (a second chance after a quick sending)."""
        self.started.data = started_stamp(second_chance=self._second_chance)
