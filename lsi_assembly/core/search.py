"""Accent- and case-insensitive search keys: "jose" finds "José", "ole" finds "Ølé".

Pure functions; the key is stored beside the searched text so both databases compare plain strings.
"""
from __future__ import annotations

import unicodedata

#: Letters that Unicode does not decompose into a base letter and an accent.
_EXTRA_FOLDS = str.maketrans({
    "ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l",
    "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "ĳ": "ij",
    "’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-",
})


def fold(text: str | None) -> str:
    """Return ``text`` lower-cased, without accents, with runs of spaces folded."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", stripped.translate(_EXTRA_FOLDS)).split())


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
