"""core.localized: the organizers' text in the reader's language, else in the other."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from lsi_assembly.core.localized import column_name, localized


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_LOCALE="en", LANGUAGES=("en", "fr"))
    Babel(app)
    with app.test_request_context():
        yield app


def texts(title=None, title_fr=None):
    return SimpleNamespace(title=title, title_fr=title_fr)


def test_each_language_reads_its_own_text(app):
    workshop = texts("Safe shelters", "Foyers sûrs")
    assert localized(workshop, "title", "en") == "Safe shelters"
    assert localized(workshop, "title", "fr") == "Foyers sûrs"
    assert localized(workshop, "title", "fr_FR") == "Foyers sûrs"  # a locale counts by its language


def test_a_missing_text_falls_back_to_the_other_language_both_ways(app):
    assert localized(texts("Safe shelters", None), "title", "fr") == "Safe shelters"
    assert localized(texts("Safe shelters", "  "), "title", "fr") == "Safe shelters"  # blank counts as missing
    assert localized(texts(None, "Foyers sûrs"), "title", "en") == "Foyers sûrs"
    assert localized(texts("", ""), "title", "fr") == ""
    assert localized(None, "title") == ""


def test_the_current_language_is_the_default(app):
    workshop = texts("Safe shelters", "Foyers sûrs")
    with force_locale("fr"):
        assert localized(workshop, "title") == "Foyers sûrs"
    with force_locale("en"):
        assert localized(workshop, "title") == "Safe shelters"
    assert localized(workshop, "title", "de") == "Safe shelters"  # a language the site has not: the default


def test_column_names():
    assert column_name("title", "en") == "title" and column_name("title", "fr") == "title_fr"


def test_without_an_app_the_default_language_is_read():
    assert localized(texts("Safe shelters", "Foyers sûrs"), "title") == "Safe shelters"
    assert localized(texts("Safe shelters", "Foyers sûrs"), "title", "fr") == "Foyers sûrs"
