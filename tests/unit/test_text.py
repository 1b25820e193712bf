"""Cleaning typed text: normalization and refused characters."""
from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from lsi_assembly.core.text import (
    describe_character,
    forbidden_characters,
    invisible_characters,
    name_problem,
    normalize_text,
    overloaded_letter,
)


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


NAMES_CSV = Path(__file__).resolve().parents[1] / "data" / "names-europe.csv"
EUROPEAN_NAMES = [name for row in csv.DictReader(NAMES_CSV.read_text("utf-8").splitlines())
                  for name in (row["given_name"], row["family_name"])]


@pytest.mark.parametrize("name", EUROPEAN_NAMES)
def test_every_name_of_the_team_list_is_accepted(name):
    assert name_problem(normalize_text(name)) is None
    assert name_problem(unicodedata.normalize("NFD", name)) is None  # as some keyboards send it


@pytest.mark.parametrize("name", [
    "Ǆemal", "Zoë", "Søren", "Παπαδόπουλος", "Марија", "Nguyễn Thị Minh Khai", "Trần Đức Lương",
    unicodedata.normalize("NFD", "Nguyễn Thị Minh Khai"),
    "مُحَمَّد عَبْدُ ٱلله", "أحمد الخطيب", "שְׁלֹמֹה", "שַּׁבָּת", "प्रियंका चोपड़ा", "สมชาย ใจดี", "Ọlájùmọ̀kẹ́",
    "O’Brien", "Jean-Luc", "李小龍", "Kim Min-ji 김민지", "Ⅷ", "Ø",
])
def test_names_of_other_scripts_with_their_usual_marks_are_accepted(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(("name", "described"), [
    ("Anna\u200b", "U+200B ZERO WIDTH SPACE"),
    ("An\u200cna", "U+200C ZERO WIDTH NON-JOINER"),
    ("An\u200dna", "U+200D ZERO WIDTH JOINER"),
    ("Anna\u2060", "U+2060 WORD JOINER"),
    ("\ufeffAnna", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("Anna\u200e", "U+200E LEFT-TO-RIGHT MARK"),
    ("Anna\u200f", "U+200F RIGHT-TO-LEFT MARK"),
    ("أحمد\u061c", "U+061C ARABIC LETTER MARK"),
    ("\u3164", "U+3164 HANGUL FILLER"),
    ("\u115f\u1160", "U+115F HANGUL CHOSEONG FILLER, U+1160 HANGUL JUNGSEONG FILLER"),
    ("An\uffa0na", "U+FFA0 HALFWIDTH HANGUL FILLER"),
    ("\u2800", "U+2800 BRAILLE PATTERN BLANK"),
    ("An\u00adna", "U+00AD SOFT HYPHEN"),
    ("Anna\ufe0f", "U+FE0F VARIATION SELECTOR-16"),
    ("Anna\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A"),
    ("A\u200bn\u200bna\u200b", "(U+200B ZERO WIDTH SPACE)"),  # named once
])
def test_invisible_and_direction_characters_are_refused_by_name(name, described):
    problem = name_problem(name)
    assert problem is not None and described in str(problem)
    assert invisible_characters(name)
    assert "first_name: contains a character that cannot be seen" in str(name_problem(name, column="first_name"))


def test_more_than_three_marks_on_one_letter_are_refused():
    assert overloaded_letter("Ze\u0336\u0336\u0336") is None
    assert overloaded_letter("Ze\u0336\u0336\u0336\u0336go") == ("e", 4)
    assert overloaded_letter("Zalgo\u0336\u0337\u0338\u0339\u033a") == ("o", 5)  # at the end too
    assert "(4 on “e”)" in str(name_problem("Ze\u0336\u0336\u0336\u0336go"))
    assert str(name_problem("x\u0336\u0336\u0336\u0336", column="last_name")).startswith(
        "last_name: too many accents on one letter (4")


def test_characters_are_described_with_their_unicode_name_when_they_have_one():
    assert describe_character("\u200b", with_name=True) == "U+200B ZERO WIDTH SPACE"
    assert describe_character("\x07", with_name=True) == "U+0007"
    assert describe_character("\u200b") == "U+200B"
