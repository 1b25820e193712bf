"""Keep the signed tokens of personal links out of the logs.

A delegation link (``/delegation/<token>``), a registration's personal link (``/registration/<token>``)
and the other signed-token URLs open someone's page without an account; the delegation link never
expires by itself. Their paths show in Flask's exception log ("Exception on /delegation/…/mandate"),
in the development server's access log (logger ``werkzeug``) and in gunicorn's access log (logger
``gunicorn.access``, also the Referer it writes). ``install_token_filter`` puts a filter on those
loggers that writes "…" instead of the token segment: the path prefixes come from the app's URL rules
with a ``<token>`` part, so a new personal link is covered when it is added.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

#: What the token's path segment becomes in a log line.
HIDDEN = "…"
#: Loggers that write request paths: the app's own (its name is added), the development server's, gunicorn's.
PATH_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
#: A token segment: URL-safe signed text (letters, digits, - _ . ~ and %-escapes), long enough not to be a
#: plain word of a path (``/registration/sent`` stays readable).
_TOKEN = r"[A-Za-z0-9_.~%-]{16,}"


def token_prefixes(rules: Iterable[str]) -> list[str]:
    """The path parts before ``<token>`` of the URL rules that have one (``/delegation/``, ``/ticket/``…)."""
    return sorted({rule.split("<token>", 1)[0] for rule in rules if "<token>" in rule and rule.index("<token>")})


class HideTokens(logging.Filter):
    """Replace the token segment of the personal links' paths by "…" in a log record's text."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        super().__init__()
        self.prefixes = sorted(set(prefixes))
        alternatives = "|".join(re.escape(p) for p in sorted(self.prefixes, key=len, reverse=True))
        self.pattern = re.compile(rf"({alternatives}){_TOKEN}") if self.prefixes else None

    def scrub(self, text: str) -> str:
        """``text`` with every token segment hidden."""
        return self.pattern.sub(lambda m: m.group(1) + HIDDEN, text) if self.pattern else text

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging's name
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to logging's own error report
            return True
        hidden = self.scrub(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


def install_token_filter(prefixes: Iterable[str], logger_names: Iterable[str]) -> HideTokens:
    """Put one ``HideTokens`` on each named logger (replacing one put there before, e.g. by an earlier app)."""
    token_filter = HideTokens(prefixes)
    for name in logger_names:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, HideTokens)]:
            logger.removeFilter(old)
        logger.addFilter(token_filter)
    return token_filter
