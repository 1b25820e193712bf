"""Search keys: accents, case and letters Unicode does not decompose."""
from __future__ import annotations

import pytest

from lsi_assembly.core.search import fold, like_pattern, search_terms


@pytest.mark.parametrize(("text", "folded"), [
    ("José", "jose"), ("Ølé", "ole"), ("ŁUCJA Żółkiewska", "lucja zolkiewska"), ("Þóra Guðmundsdóttir", "thora gudmundsdottir"),
    ("Größe", "grosse"), ("Yıldırım", "yildirim"), ("Æsa", "aesa"), ("Ђорђе", "ђорђе"), ("Αικατερίνη", "αικατερινη"),
    ("  L’Hôpital  ", "l'hopital"), ("", ""), (None, ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


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
