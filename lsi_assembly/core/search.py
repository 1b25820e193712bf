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


def like_pattern(query: str) -> str:
    """Return a LIKE pattern matching ``query`` folded, with LIKE's wildcards escaped (escape char ``\\``)."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
