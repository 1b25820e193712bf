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
#: Letters and marks that show nothing: with them two names that look the same are not (U+3164 HANGUL FILLER,
#: U+2800 BRAILLE PATTERN BLANK, the combining grapheme joiner, variation selectors). Format characters
#: (category Cf: zero-width spaces and joiners, direction marks, the soft hyphen, tags) are refused as well.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5") | frozenset(
    chr(code) for code in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))
#: Most combining marks one letter may carry in a name, once composed (Hebrew with points needs 3: שַּׁ).
MAX_STACKED_MARKS = 3


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


def describe_character(char: str, with_name: bool = False) -> str:
    """Name a character for an error message, e.g. ``U+0007`` (``U+200B ZERO WIDTH SPACE`` ``with_name``)."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "") if with_name else ""
    return f"{code} {name}" if name else code


def invisible_characters(value: str) -> list[str]:
    """List the characters of a name that show nothing or change the direction of the text around them."""
    return [char for char in value if unicodedata.category(char) == "Cf" or char in _BLANK_LETTERS]


def overloaded_letter(value: str, limit: int = MAX_STACKED_MARKS) -> tuple[str, int] | None:
    """Return the first letter of ``value`` (composed) carrying more than ``limit`` combining marks, and how many."""
    value = unicodedata.normalize("NFC", value)
    base, marks = "", 0
    for char in value:
        if unicodedata.category(char).startswith("M"):
            marks += 1
        else:
            if marks > limit:
                return base, marks
            base, marks = char, 0
    return (base, marks) if marks > limit else None


def name_problem(value: str | None, column: str | None = None):
    """Say what is wrong with a name (invisible, direction or stacked characters); None if nothing is.

    The message is lazy (translated where it is shown); with ``column``, it is a line of an import's report.
    """
    if not value:
        return None
    invisible = invisible_characters(value)
    if invisible:
        chars = ", ".join(describe_character(c, with_name=True) for c in dict.fromkeys(invisible))
        if column:
            return _l("%(column)s: contains a character that cannot be seen or that changes the direction of "
                      "the text (%(chars)s)", column=column, chars=chars)
        return _l("Contains a character that cannot be seen or that changes the direction of the text "
                  "(%(chars)s). Please type it again without it.", chars=chars)
    overloaded = overloaded_letter(value)
    if overloaded is not None:
        letter, marks = overloaded
        if column:
            return _l("%(column)s: too many accents on one letter (%(count)d on “%(letter)s”)",
                      column=column, count=marks, letter=letter)
        return _l("Has too many accents on one letter (%(count)d on “%(letter)s”). Please type it again.",
                  count=marks, letter=letter)
    return None


class CleanText:
    """Refuse control characters (and ``<``/``>`` on one-line fields); data is normalized by the filter.

    With ``name``, also refuse what has no place in a person's or an organization's name (``name_problem``).
    """

    def __init__(self, multiline: bool = False, name: bool = False) -> None:
        self.multiline = multiline
        self.name = name

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
        problem = name_problem(value) if self.name else None
        if problem is not None:
            raise ValidationError(problem)


def strip_filter(value):
    """WTForms filter: normalize one-line text, keep non-strings as they are."""
    return normalize_text(value) if isinstance(value, str) else value


def strip_multiline_filter(value):
    """WTForms filter: normalize multi-line text, keep non-strings as they are."""
    return normalize_text(value, multiline=True) if isinstance(value, str) else value
