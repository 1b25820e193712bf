"""French typography in the French catalogue: a no-break space before ``:``, ``;``, ``!`` and ``?``.

French puts a space before these signs, and it must be a no-break one (U+00A0, or the narrow U+202F),
or a browser may start a line with the sign. Only punctuation is checked: a sign after a letter, a
closing character or a space, followed by a space or the end. URLs ("https://"), times ("10:30"),
ratios ("1:2") and a sign right after a placeholder ("%(name)s:") are not punctuation.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[2] / "lsi_assembly/translations/fr/LC_MESSAGES/messages.po"
NO_BREAK = {"\u00a0", "\u202f"}
CLOSING = set(")]}»\"”’'")
#: A sign followed by a space, the end, or what may close around it (a tag, a bracket, a quote).
SIGN = re.compile(r"[:;!?](?=\s|$|[<)\]»\"”])")
PLACEHOLDER_END = re.compile(r"%(\(\w+\))?[sd]$")


def bad_signs(text: str) -> list[str]:
    """Return, for each punctuation sign of ``text`` without a no-break space before it, the text around it."""
    found = []
    for match in SIGN.finditer(text):
        at = match.start()
        before = text[at - 1] if at else ""
        if before in NO_BREAK or PLACEHOLDER_END.search(text[:at]):
            continue
        if before == " " or before.isalpha() or before in CLOSING:
            found.append(text[max(0, at - 20):at + 2])
    return found


@pytest.mark.parametrize("text", [
    "Date\u00a0: 24 juin", "Vraiment\u202f?", "Bienvenue\u00a0!", "a\u00a0; b",
    "https://example.org/verify", "à 10:30", "un ratio 1:2", "%(name)s: %(text)s", "%(count)d?",
    "<strong>Attention\u00a0!</strong>", "Le lien\u00a0:\n%(url)s", "",
])
def test_these_are_well_spaced_or_not_punctuation(text):
    assert bad_signs(text) == []


@pytest.mark.parametrize("text", [
    "Date : 24 juin", "Date: 24 juin", "Vraiment ?", "Bienvenue!", "a ; b", "(voir plus bas) :",
    "« Oui » !", "<em>Attention !</em>", "Le lien :\n%(url)s", "Fin :",
])
def test_these_lack_a_no_break_space(text):
    assert len(bad_signs(text)) == 1


def test_every_french_message_has_a_no_break_space_before_high_punctuation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    offenders = {}
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        for string in [message.string] if isinstance(message.string, str) else message.string:
            checked += 1
            if bad := bad_signs(string):
                offenders[message.id if isinstance(message.id, str) else message.id[0]] = bad
    assert checked > 500  # the whole catalogue was read
    assert offenders == {}
