"""Country names in the reader's language, from Babel's CLDR data."""
from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

#: CLDR territories that are not countries one lives in (continents, groupings, unknown).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"}


@cache
def country_names(locale: str) -> dict[str, str]:
    """Map ISO 3166-1 alpha-2 codes to names in ``locale``, sorted by name."""
    territories = Locale.parse(locale).territories
    names = {code: name for code, name in territories.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}
    names["XK"] = territories.get("XK", "Kosovo")
    return dict(sorted(names.items(), key=lambda item: _collation_key(item[1])))


def _collation_key(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(c))


def country_name(code: str | None, locale: str) -> str:
    """Return the name of ``code`` in ``locale`` (the code itself if unknown)."""
    if not code:
        return ""
    return country_names(locale).get(code, code)
