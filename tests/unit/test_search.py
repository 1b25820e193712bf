"""Search keys: accents, case, letters Unicode does not decompose, and other scripts in Latin letters."""
from __future__ import annotations

import pytest

from lsi_assembly.core.search import fold, like_pattern, search_terms


@pytest.mark.parametrize(("text", "folded"), [
    ("José", "jose"), ("Ølé", "ole"), ("ŁUCJA Żółkiewska", "lucja zolkiewska"), ("Þóra Guðmundsdóttir", "thora gudmundsdottir"),
    ("Größe", "grosse"), ("Yıldırım", "yildirim"), ("Æsa", "aesa"), ("  L’Hôpital  ", "l'hopital"), ("", ""), (None, ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(("text", "folded"), [
    ("Марија Стојановска", "marija stojanovska"), ("Ђорђе Јовановић", "djordje jovanovic"),
    ("Ольга Щербакова", "olga shcherbakova"),
    ("Παπαδόπουλος", "papadopoulos"), ("ΠΑΠΑΔΌΠΟΥΛΟΣ", "papadopoulos"), ("Αικατερίνη", "aikaterini"),
    # Greek pairs as passports write them: "ευ" is "ef" before a voiceless consonant, else "ev"; "γγ" is "ng";
    # with a diaeresis the two letters are read apart.
    ("Ευθύμιος", "efthymios"), ("Ευάγγελος", "evangelos"), ("Παύλος", "pavlos"), ("Προϋπολογισμός", "proypologismos"),
    ("北京", "beijing"),
])
def test_other_scripts_fold_to_the_latin_spelling(text, folded):
    assert fold(text) == folded


def test_every_key_is_plain_ascii():
    assert fold("Ærø Ŀlorenç 東京 Ωμέγα Жук").isascii()


def test_a_query_in_either_script_matches_the_other():
    """The desk types what it hears: Latin for a Cyrillic or Greek name, or the other way round."""
    assert fold("Stojanovska") in fold("Марија Стојановска")
    assert fold("Стојановска") in fold("Marija Stojanovska")
    assert fold("Papadopoulos") in fold("Νίκος Παπαδόπουλος")
    assert fold("Παπαδόπουλος") in fold("Nikos Papadopoulos")


def test_search_terms_split_on_spaces_and_commas_in_any_order():
    assert sorted(search_terms("García-Fernández, José")) == ["garcia-fernandez", "jose"]
    assert sorted(search_terms("  jose   GARCIA jose ")) == ["garcia", "jose"]
    assert search_terms("   ") == []
    assert len(search_terms("a b c d e f g h i")) == 6


def test_like_wildcards_are_escaped():
    assert like_pattern("100%_x") == "%100\\%\\_x%"
    assert like_pattern("a\\b") == "%a\\\\b%"


def test_control_characters_separate_words_and_never_reach_a_query():
    """PostgreSQL refuses a NUL byte in text: a search must not send one."""
    assert sorted(search_terms("an\x00na no\x07wak")) == ["an", "na", "no", "wak"]
    assert search_terms("\x00\x00") == []
