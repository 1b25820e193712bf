"""Accent-, case- and script-insensitive search keys: "jose" finds "José", "ole" finds "Ølé",
"stojanovska" finds "Стојановска", "papadopoulos" finds "Παπαδόπουλος" (and the other way round).

Pure functions; the key is stored beside the searched text so both databases compare plain strings.
Every key is ASCII: letters of any script are written in Latin letters by ``anyascii``, so a name
typed in either script finds the other (the stored keys are recomputed by a migration when this changes).
"""
from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_COMBINING_DIAERESIS = "\u0308"
_VOICELESS = "θκξπστφχψ"
#: Greek letter pairs written as one sound in Latin (ELOT 743, the transliteration of Greek passports),
#: which letter-by-letter transliteration gets wrong: "ου" is "ou" (Papadopoulos, not Papadopoylos),
#: "ευ" is "ev" or "ef" (Evangelos, Efthymios). A diaeresis on the second letter keeps them apart.
_GREEK_PAIRS = (
    (re.compile(f"ου(?!{_COMBINING_DIAERESIS})"), "ou"),
    (re.compile(f"([αεη])υ(?!{_COMBINING_DIAERESIS})(?=[{_VOICELESS}]|$|\\W)"),
     lambda m: {"α": "a", "ε": "e", "η": "i"}[m.group(1)] + "f"),
    (re.compile(f"([αεη])υ(?!{_COMBINING_DIAERESIS})"), lambda m: {"α": "a", "ε": "e", "η": "i"}[m.group(1)] + "v"),
    (re.compile("γ([γξχ])"), lambda m: "n" + {"γ": "g", "ξ": "x", "χ": "ch"}[m.group(1)]),
)


#: Cyrillic soft and hard signs: passports leave them out (Olga, not Ol'ga), and nobody types the apostrophe.
_SILENT = str.maketrans({"ь": None, "ъ": None})


def _greek_pairs(text: str) -> str:
    """Write the Greek letter pairs of ``text`` (case-folded, decomposed) in Latin letters."""
    text = text.replace("\u0301", "")  # the accent (tonos) would stand between a pair and the next letter
    for pattern, latin in _GREEK_PAIRS:
        text = pattern.sub(latin, text)
    return text


def fold(text: str | None) -> str:
    """Return ``text`` in lower-case ASCII: without accents, in Latin letters, with runs of spaces folded."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if any("\u0370" <= c <= "\u03ff" for c in decomposed):
        decomposed = _greek_pairs(decomposed)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SILENT)
    return " ".join(anyascii(stripped).lower().split())


def like_pattern(term: str) -> str:
    """Return a LIKE pattern matching ``term`` folded, with LIKE's wildcards escaped (escape char ``\\``)."""
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_terms(query: str, limit: int = 6) -> list[str]:
    """Split a query into folded words (commas, spaces and control characters such as NUL, which PostgreSQL
    refuses in text, separate them), longest first, at most ``limit``."""
    spaced = "".join(" " if unicodedata.category(c) == "Cc" else c for c in query)
    words = {word for word in fold(spaced).replace(",", " ").replace(";", " ").split() if word}
    return sorted(words, key=len, reverse=True)[:limit]


def needs_latin_line(name: str | None) -> bool:
    """Tell whether ``name`` has letters of a script other than Latin (Cyrillic, Greek...): its badge
    then carries a second line in Latin letters, so that everyone can read it."""
    return any(c.isalpha() and not unicodedata.name(c, "").startswith("LATIN") for c in (name or ""))


def latin_letters(name: str | None) -> str:
    """``name`` written in Latin letters, capitals kept ("Марија Стојановска" -> "Marija Stojanovska",
    "Παπαδόπουλος" -> "Papadopoulos"): the suggestion for a badge's Latin line."""
    words = []
    for word in unicodedata.normalize("NFC", name or "").split():
        if not needs_latin_line(word):
            words.append(word)
            continue
        latin = fold(word).replace(" ", "")
        if word.isupper() and len(word) > 1:
            latin = latin.upper()
        else:  # capitals where the word had them: each part of "Παπαδημητροπούλου-Χατζηγεωργίου"
            latin = "-".join(part[:1].upper() + part[1:] if original[:1].isupper() else part
                             for part, original in zip(latin.split("-"), word.split("-"), strict=False))
        words.append(latin)
    return " ".join(words)


def full_name_keys(query: str) -> list[str]:
    """The ``sort_name`` values (family then given name, folded) an exact full name typed in either order
    matches: every rotation of its words ("Ana Maria Popescu" may be given "Ana Maria", family "Popescu")."""
    words = fold(query).replace(",", " ").split()
    return sorted({" ".join(words[k:] + words[:k]) for k in range(len(words))}) if len(words) >= 2 else []
