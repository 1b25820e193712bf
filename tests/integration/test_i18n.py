"""English and French: chosen from the browser or the switch; every string translated; dates localized."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from lsi_assembly.extensions import db
from tests.factories import make_event, make_organization, post_form, registration_form

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "lsi_assembly/translations/fr/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_french_catalogue_translates_every_string_with_the_same_placeholders():
    catalog = _read(CATALOG)
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"untranslated: {ids[0]!r}"
        assert "fuzzy" not in message.flags, ids[0]
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(ids[-1])), ids[0]


def test_catalogue_holds_every_string_of_the_code_and_templates(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "--ignore-dirs", ".*", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    in_code = _ids(_read(pot))
    in_catalog = _ids(_read(CATALOG))
    assert in_code - in_catalog == set(), "run `make extract-messages` and translate the new strings"
    assert in_catalog - in_code == set(), "the catalogue has strings the code no longer uses"


def test_browser_language_picks_french_and_dates_follow(client):
    event = make_event()
    make_organization(event)
    page = client.get("/register", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Prénom" in html and "S'inscrire" in html
    assert "jeudi 24 juin 2027" in html
    assert "Pologne" in html  # country names in French


def test_language_switch_is_remembered_and_returns_to_the_page(client):
    make_event()
    response = client.get("/language/fr?next=/register")
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)
    assert client.get("/language/xx").status_code == 404
    assert client.get("/language/fr?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/language/fr?next=//evil.example/").headers["Location"] == "/"


def test_french_form_errors_are_french(client):
    event = make_event()
    organization = make_organization(event)
    client.get("/language/fr")
    response = post_form(client, "/register", registration_form(event, organization, given_name="", days=["x"]))
    html = response.get_data(as_text=True)
    assert "Veuillez remplir ce champ." in html
    assert "Il y a un problème" in html


def test_french_registrant_gets_french_mail(client, mailbox):
    event = make_event()
    organization = make_organization(event)
    client.get("/language/fr")
    post_form(client, "/register", registration_form(event, organization))
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Merci de confirmer votre inscription à LSI General Assembly 2027"
    assert db.session.execute(db.text("select locale from participants")).scalar() == "fr"


def test_lists_written_in_a_sentence_use_the_languages_separator(app):
    """French puts a no-break space before a semicolon, also between the items of a list in a page."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"):
        template = "{{ ['A', 'B']|join(_('; ')) }}"
        with force_locale("fr"):
            assert render_template_string(template) == "A\u00a0; B"
        with force_locale("en"):
            assert render_template_string(template) == "A; B"
