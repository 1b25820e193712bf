"""Cleaning and checking free text typed by people: names, organizations, notes.

Pure functions and WTForms validators; no database.
"""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

#: Bidirectional overrides and isolates: they can make a name display as something else.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\t")


def normalize_text(value: str | None, multiline: bool = False) -> str | None:
    """Return ``value`` in NFC with outer space stripped (inner runs folded on one line); None if empty."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n")).strip()
    else:
        value = " ".join(value.split())
    return value or None


def forbidden_characters(value: str, multiline: bool = False) -> list[str]:
    """List the characters of ``value`` that a form must refuse (control and direction codes)."""
    found = []
    for char in value:
        if multiline and char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} or char in _BIDI_CONTROLS:
            found.append(char)
    return found


def describe_character(char: str) -> str:
    """Name a character for an error message, e.g. ``U+0007``."""
    return f"U+{ord(char):04X}"


class CleanText:
    """Refuse control characters (and ``<``/``>`` on one-line fields); data is normalized by the filter."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        value = field.data
        if not isinstance(value, str) or not value:
            return
        bad = forbidden_characters(value, self.multiline)
        if bad:
            raise ValidationError(
                _l("Contains characters that are not allowed (%(chars)s). Please type it again.",
                   chars=", ".join(sorted({describe_character(c) for c in bad})))
            )
        if not self.multiline and ("<" in value or ">" in value):
            raise ValidationError(_l("Please leave out the characters < and >."))


def strip_filter(value):
    """WTForms filter: normalize one-line text, keep non-strings as they are."""
    return normalize_text(value) if isinstance(value, str) else value


def strip_multiline_filter(value):
    """WTForms filter: normalize multi-line text, keep non-strings as they are."""
    return normalize_text(value, multiline=True) if isinstance(value, str) else value
