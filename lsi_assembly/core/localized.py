"""The organizers' own texts in each language: the event's name, its days' labels, titles, descriptions.

A text the organizers write is kept in a column per language: the default language's (English) in
the column itself (``title``), each other language's beside it with the language's code
(``title_fr``). ``localized(workshop, "title")`` gives the text in the current language, else in
the other: a French page shows the French title, or the English one when no French was written,
and an English page the English title, or the French one when only French was written.
"""
from __future__ import annotations

from flask import current_app, has_app_context

from lsi_assembly.core.i18n import current_language

#: The languages the texts are written in, the default first (used outside an app, e.g. in migrations).
LANGUAGES: tuple[str, ...] = ("en", "fr")


def _languages() -> tuple[str, str, tuple[str, ...]]:
    if has_app_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"], current_language(), tuple(current_app.config["LANGUAGES"])
    return LANGUAGES[0], LANGUAGES[0], LANGUAGES


def column_name(field: str, language: str, default: str = LANGUAGES[0]) -> str:
    """The attribute holding ``field`` in ``language``: ``title`` in the default language, else ``title_fr``."""
    return field if language == default else f"{field}_{language}"


def localized(obj: object, field: str, language: str | None = None) -> str:
    """Return ``obj``'s text ``field`` in ``language`` (the current one by default), else in another
    language it was written in (the default language first); "" when it was written in none.

    ``language`` may be a locale such as ``fr_FR``: its language part counts.
    """
    if obj is None:
        return ""
    default, current, languages = _languages()
    wanted = str(language or current).replace("-", "_").split("_")[0]
    order = [wanted, default, *languages]
    for code in dict.fromkeys(code for code in order if code in languages):
        value = getattr(obj, column_name(field, code, default), None)
        if value and value.strip():
            return value
    return ""


def install_filter(jinja_env) -> None:
    """Make ``{{ workshop|localized("title") }}`` available in the templates."""
    jinja_env.filters["localized"] = localized
