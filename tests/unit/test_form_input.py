"""Values arriving from forms and query strings: ids, numbers, lists of fields (no app needed)."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField

from lsi_assembly.core.forms import (
    MAX_DATABASE_ID,
    BoundedFieldList,
    FiniteDecimalField,
    database_id,
    optional_id,
    parse_id,
)


@pytest.mark.parametrize(("text", "number"), [
    ("1", 1), ("0", 0), ("2147483647", MAX_DATABASE_ID), ("0042", 42), (17, 17),
    ("2147483648", None), ("99999999999999999999", None), ("9" * 5000, None), ("-1", None), ("+1", None),
    (" 1", None), ("1_000", None), ("١٢", None), ("²", None), ("1.0", None), ("", None), (None, None),
    (True, None), (-5, None), (2**31, None),
])
def test_ids_are_ascii_digits_within_the_database_integer(text, number):
    assert parse_id(text) == number


def test_coerce_functions_refuse_what_is_not_an_id():
    assert optional_id("") is None and optional_id("7") == 7 and database_id("7") == 7
    for bad in ("99999999999999999999", "abc", "\x00"):
        with pytest.raises(ValueError):
            optional_id(bad)
    with pytest.raises(ValueError):
        database_id("")


class SizeForm(Form):
    width = FiniteDecimalField(places=1)


@pytest.mark.parametrize("text", ["NaN", "sNaN", "-NaN", "Infinity", "-inf", "1e999999999", "abc"])
def test_a_size_is_a_finite_number(text):
    form = SizeForm(MultiDict({"width": text}))
    assert form.width.data is None and not form.validate()
    assert [str(e) for e in form.width.errors] == ["Please give a number, such as 85 or 85.5."]
    assert text in form.width()  # shown back as typed, not as a crash while rounding it


def test_a_size_keeps_ordinary_numbers():
    form = SizeForm(MultiDict({"width": "85.5"}))
    assert form.validate() and str(form.width.data) == "85.5"


class ChoicesForm(Form):
    ranks = BoundedFieldList(SelectField(coerce=optional_id, validate_choice=False), max_entries=5)


def test_a_field_list_builds_at_most_its_entries_and_counts_what_was_sent():
    form = ChoicesForm(MultiDict({f"ranks-{i}": "1" for i in range(10_000)}))
    assert len(form.ranks.entries) == 5 and form.ranks.sent == 10_000


def test_a_field_list_ignores_indices_that_are_not_ascii_digits():
    form = ChoicesForm(MultiDict({"ranks-²": "1", "ranks-" + "9" * 5000: "1", "ranks-1": "2"}))
    assert [entry.data for entry in form.ranks] == [2] and form.ranks.sent == 1
