"""Demo data helpers that need no database."""
from __future__ import annotations

import unicodedata
from datetime import date

from lsi_assembly.demo.seed import SAMPLE_ORGANIZATIONS, next_assembly_days, sample_names


def test_assembly_days_are_the_next_24_to_26_june():
    assert next_assembly_days(date(2026, 11, 29)) == [date(2027, 6, 24), date(2027, 6, 25), date(2027, 6, 26)]
    assert next_assembly_days(date(2027, 1, 5))[0] == date(2027, 6, 24)
    assert next_assembly_days(date(2027, 6, 24))[0] == date(2028, 6, 24)


def test_sample_names_cover_scripts_and_never_mix_scripts_in_one_name():
    names = sample_names(150)
    assert len(names) == 150 and len(set(names)) == 150
    scripts = {unicodedata.name(given[0]).split()[0] for given, _, _ in names}
    assert {"LATIN", "CYRILLIC", "GREEK"} <= scripts
    for given, family, _ in names:
        assert unicodedata.name(given[0]).split()[0] == unicodedata.name(family[0]).split()[0], (given, family)


def test_sample_organizations_are_marked_and_span_24_countries():
    assert len(SAMPLE_ORGANIZATIONS) == 33
    assert len({country for _, country in SAMPLE_ORGANIZATIONS}) == 24
    assert all(name.startswith("Sample:") for name, _ in SAMPLE_ORGANIZATIONS)
