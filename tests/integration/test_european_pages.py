"""Issue 15 through the app: dates for a European audience in both languages, the back office in the
event's time zone and never in figures only, the home page's order, the public event's own pages."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import g

from lsi_assembly.auth.models import Role
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.extensions import db
from tests.conftest import body
from tests.factories import make_event, make_organization, make_participant, sign_in
from tests.integration.test_public import confirmed_registration, make_public_event, press, register, token

#: "11/12/26", "6/24/2027", "24/06/2027": a date in figures, read differently on each side of the Atlantic.
NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
#: 23:30 UTC on 12 November 2026 is 01:30 on 13 November in Helsinki.
LATE = datetime(2026, 11, 12, 23, 30, tzinfo=UTC)


def page(client, url: str, language: str = "en") -> str:
    """GET ``url`` in ``language``, as a fresh request would.

    The test's requests share its app context, so Flask-Babel's choice of language and time zone,
    kept in ``g``, is forgotten first."""
    g.pop("_flask_babel", None)
    client.set_cookie("lsi_lang", language)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_home_page_writes_dates_day_month_year_in_english_and_in_french(client):
    make_event()
    english = page(client, "/")
    assert "24 June 2027" in english and "26 June 2027" in english and "Thursday, 24 June 2027" in english
    assert "June 24" not in english
    french = page(client, "/", "fr")
    assert "24 juin 2027" in french and "jeudi 24 juin 2027" in french


def test_the_home_page_puts_the_delegates_registration_before_the_public_event(client):
    make_public_event(make_event())
    for language, assembly, public in (("en", "Register for the Assembly", "Register for the public event"),
                                       ("fr", "S'inscrire à l'Assemblée", "S'inscrire à l'événement public")):
        html = page(client, "/", language)
        assert html.index(assembly) < html.index(public) < html.index("</main>")
        assert html.index(assembly) < html.index('id="about-title"')


def test_public_event_times_are_on_the_24_hour_clock_at_the_venue(client):
    make_public_event(make_event())  # 16:00 to 18:30 UTC: 18:00 to 20:30 in Paris
    assert "Friday, 25 June 2027, 18:00–20:30" in page(client, "/public")
    assert "vendredi 25 juin 2027, 18:00–20:30" in page(client, "/public", "fr")
    assert "PM" not in page(client, "/public")


def test_the_back_office_shows_unambiguous_dates_at_the_event_local_time(client):
    event = make_event(timezone="Europe/Helsinki")
    person = make_participant(event, organization=make_organization(event), created_at=LATE,
                              arrival_date=date(2027, 6, 23))
    person.arrival_date = date(2027, 6, 22)  # logged in the person's history
    db.session.commit()
    db.session.execute(sa.update(AuditEntry).values(created_at=LATE))
    db.session.commit()
    sign_in(client, Role.ORGANIZER)

    listing = page(client, "/manage/registrations/")
    assert "13 Nov 2026" in listing  # the day it was in Helsinki, not in UTC
    detail = page(client, f"/manage/registrations/{person.id}")
    assert "registered on 13 Nov 2026, 01:30" in detail
    assert "22 Jun 2027" in detail and "23 Jun 2027" in detail  # the change of arrival, written out
    audit = page(client, "/manage/audit")
    assert "13 Nov 2026, 01:30" in audit and "23:30" not in audit
    french = page(client, "/manage/audit", "fr")
    assert "13 nov. 2026, 01:30" in french
    for html in (listing, detail, audit, french):
        assert NUMERIC_DATE.search(html) is None, NUMERIC_DATE.search(html)
        assert not re.search(r"\d(\s|\u202f)?[AP]M\b", html)


def test_the_ticket_page_names_the_person_and_says_they_are_confirmed(client, mailbox):
    make_public_event(make_event())
    confirmed_registration(client, "zoe@example.org")
    path = f"/public/ticket/{token('zoe@example.org')}"
    assert "Ana Bălan, your registration is confirmed. Your seat is waiting for you." in page(client, path)
    assert "Ana Bălan, votre inscription est confirmée. Votre place vous attend." in page(client, path, "fr")


def test_the_ticket_page_escapes_the_name(client, mailbox):
    make_public_event(make_event())
    assert register(client, "x@example.org", name="Zoë O'Brien & co").status_code == 302  # (< and > are refused)
    press(client, f"/public/confirm/{token('x@example.org')}")
    html = page(client, f"/public/ticket/{token('x@example.org')}")
    assert "Zoë O&#39;Brien &amp; co, your registration is confirmed." in html and "& co" not in html


def test_public_event_pages_leave_out_the_delegates_navigation(client, mailbox):
    make_public_event(make_event())
    home = page(client, "/")
    assert 'href="/register"' in home and 'href="/programme"' in home  # the delegates' links, elsewhere
    confirmed_registration(client, "zoe@example.org")
    register(client, "later@example.org")  # not confirmed yet: its link shows the confirmation page
    for url in ("/public", "/public/done", f"/public/confirm/{token('later@example.org')}",
                f"/public/ticket/{token('zoe@example.org')}", f"/public/cancel/{token('zoe@example.org')}"):
        html = page(client, url)
        header = html[html.index("<header"):html.index("</header>")]
        assert 'href="/register"' not in header and 'href="/programme"' not in header, url
        assert "My registration" not in header, url
        assert "Français" in header  # the language switch stays


def test_the_public_event_is_shown_at_its_venue_time_on_personal_pages_and_in_mails(client, mailbox):
    make_public_event(make_event(timezone="Europe/Lisbon"))  # 16:00 UTC is 17:00 in Lisbon in June
    confirmed_registration(client, "zoe@example.org")
    assert "Friday, 25 June 2027, 17:00–19:30" in page(client, f"/public/ticket/{token('zoe@example.org')}")
    ticket = mailbox.wait_for(2)[1]
    assert "Friday, 25 June 2027, 17:00–19:30" in body(ticket)


def test_french_pages_put_a_no_break_space_before_a_colon_also_between_pieces(client, mailbox):
    event = make_event()
    event.days[0].label = "Plénière"
    db.session.commit()
    make_public_event(event)
    assert "jeudi 24 juin 2027</strong>\u00a0: Plénière" in page(client, "/", "fr")
    assert "<strong>Thursday, 24 June 2027</strong>: Plénière" in page(client, "/")
    confirmed_registration(client, "zoe@example.org")
    ticket = page(client, f"/public/ticket/{token('zoe@example.org')}", "fr")
    assert re.search(r"Code d(&#39;|')entrée\u00a0: <code>[0-9A-Z]{26}</code>", ticket)
    french = page(client, "/public", "fr")
    assert re.search(r"\w [:;!?](\s|<)", french.split("<main", 1)[1]) is None
