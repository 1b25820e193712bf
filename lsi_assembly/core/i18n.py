"""Language choice: a cookie set by the switch on every page, else the browser's preference.

The switch itself is a page: ``core.views``."""
from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale
from flask import current_app, has_request_context, request, url_for
from flask_babel import get_locale

COOKIE = "lsi_lang"


def select_locale() -> str:
    """Pick the interface language for this request (the default one outside requests, e.g. commands)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """Return the language code of the current request (``en``, ``fr``)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def language_choices() -> list[tuple[str, str]]:
    """Offer each language in its own name, e.g. ``("fr", "Français")``."""
    return [(code, Locale.parse(code).get_display_name(code).capitalize())
            for code in current_app.config["LANGUAGES"]]


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the home page.

    A line break would make the redirect's Location header fail (a 500): unprintable targets are refused.
    """
    if target and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")
