"""Cleaning typed text: normalization and refused characters."""
from __future__ import annotations

import unicodedata

import pytest

from lsi_assembly.core.text import forbidden_characters, normalize_text


def test_names_are_stored_composed():
    decomposed = unicodedata.normalize("NFD", "Łucja Wiśniewska-Żółkiewska")
    assert normalize_text(decomposed) == "Łucja Wiśniewska-Żółkiewska"
    assert normalize_text(decomposed) != decomposed


def test_spaces_are_folded_on_one_line_and_kept_between_lines():
    assert normalize_text("  María   José \t ") == "María José"
    assert normalize_text("line one  \r\n\r\n line two ", multiline=True) == "line one\n\n line two"
    assert normalize_text("   ") is None and normalize_text(None) is None


@pytest.mark.parametrize("name", ["Ђорђе Петровић", "Αικατερίνη", "L'Hôpital", "Þóra Guðmundsdóttir", "X Æ",
                                  "Freiherr von und zu Liechtenstein-Habsburg", "Müge Yıldırım"])
def test_real_names_have_no_forbidden_characters(name):
    assert forbidden_characters(name) == []


@pytest.mark.parametrize(("text", "multiline", "bad"), [
    ("a\x00b", False, ["\x00"]),
    ("a\nb", False, ["\n"]),
    ("a\nb\tc", True, []),
    ("evil\u202eman", False, ["\u202e"]),
    ("\x1b[31m", True, ["\x1b"]),
])
def test_control_and_direction_characters_are_found(text, multiline, bad):
    assert forbidden_characters(text, multiline) == bad
