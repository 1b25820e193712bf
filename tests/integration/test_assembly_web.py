"""The chair's pages under /manage/assembly: sessions (add, change, delete), the live quorum, the
projector and its status.json, recording the quorum and vote results, through the app on both databases."""
from __future__ import annotations

import html
import json
import re
from datetime import time
from decimal import Decimal

import flask_babel
import pytest

from lsi_assembly.assembly import services
from lsi_assembly.assembly.models import QuorumRecord, StatutorySession, VoteResult
from lsi_assembly.auth.models import Role
from lsi_assembly.extensions import db
from tests.conftest import count
from tests.factories import csrf_token, post_form, run_at_once, sign_in
from tests.integration.test_assembly import ga, mandates, snapshot  # noqa: F401 - ga is a fixture

INDEX = "/manage/assembly/"


def _session_url(ga, suffix: str = "") -> str:
    return f"/manage/assembly/sessions/{ga.session.id}{suffix}"


def _text(response) -> str:
    """The page's text without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _in_the_hall(ga):
    """A and B present by their voting delegates, C by its alternate; D (2 votes) gave its proxy to A."""
    mandates(ga)
    services.give_proxy(ga.event, ga.d, ga.a)
    for person in (ga.a_voter, ga.b_voter, ga.c_alternate):
        services.enter(ga.session, person)
    db.session.commit()


# Sessions


def test_the_sessions_page_shows_each_session_with_its_live_quorum(client, ga):
    sign_in(client)
    _in_the_hall(ga)
    response = client.get(INDEX)
    assert response.status_code == 200
    text = _text(response)
    assert "Statutory session 1" in text and "Fri 25 Jun, 09:30" in text and "more than 1/2" in text
    page = response.get_data(as_text=True)
    assert f'data-status-url="/manage/assembly/sessions/{ga.session.id}/status.json"' in page
    assert '<td class="num" data-figure="present">3</td>' in page
    assert '<td class="num" data-figure="represented">1</td>' in page
    assert '<span data-figure="votes_present">5</span> / <span data-figure="votes_needed">3</span>' in page
    assert "Quorum reached" in text
    # The bar: the votes present of all 5 votes, the mark at the 3 needed.
    assert 'class="quorum-bar-present" x="0" y="0" height="10" width="100.0"' in page
    assert 'x1="60.0"' in page
    # The room the other pages need, and the way in from the dashboard.
    assert 'href="/manage/assembly/delegations/"' in page and 'href="/manage/assembly/cards/"' in page
    assert 'href="/manage/assembly/"' in client.get("/manage/").get_data(as_text=True)


def test_a_session_is_added_from_the_form(client, ga):
    sign_in(client)
    response = post_form(client, INDEX, {"name": "  Statutory   session 2 ", "day": "2027-06-26",
                                         "starts_at": "14:00", "ends_at": "17:30", "quorum_fraction": "2/3"})
    assert response.status_code == 302 and response.headers["Location"] == INDEX
    session = db.session.scalar(db.select(StatutorySession).where(StatutorySession.name == "Statutory session 2"))
    assert (session.day.isoformat(), session.starts_at, session.ends_at, session.quorum_fraction) == (
        "2027-06-26", time(14), time(17, 30), Decimal("0.6667"))
    page = _text(client.get(INDEX))
    assert "The session “Statutory session 2” is added." in page and "more than 2/3" in page
    # Times are optional; "0,5" is read as a decimal.
    post_form(client, INDEX, {"name": "Extraordinary", "day": "2027-06-24", "quorum_fraction": "0,5"})
    extra = db.session.scalar(db.select(StatutorySession).where(StatutorySession.name == "Extraordinary"))
    assert (extra.starts_at, extra.ends_at, extra.quorum_fraction) == (None, None, Decimal("0.5"))


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Please fill in this field."),
    ({"name": "statutory SESSION 1"}, "There is already a session with this name."),
    ({"day": "2027-07-01"}, "Not a valid choice."),
    ({"day": ""}, "Please choose a day."),
    ({"starts_at": "12:00", "ends_at": "11:00"}, "The end must come after the start."),
    ({"starts_at": "25:00"}, "Not a valid time value."),
    ({"quorum_fraction": "1"}, "The quorum fraction must be a number from 0 to less than 1, such as 0.5 or 2/3."),
    ({"quorum_fraction": "half"}, "The quorum fraction must be a number from 0 to less than 1"),
    ({"quorum_fraction": "-0.1"}, "The quorum fraction must be a number from 0 to less than 1"),
    ({"quorum_fraction": "1/0"}, "The quorum fraction must be a number from 0 to less than 1"),
    ({"quorum_fraction": "3/2"}, "The quorum fraction must be a number from 0 to less than 1"),
    ({"quorum_fraction": ""}, "Please give the quorum fraction, such as 1/2 or 0.5."),
])
def test_a_session_form_with_a_mistake_says_what_and_saves_nothing(client, ga, fields, message):
    sign_in(client)
    before = snapshot()
    data = {"name": "Session 3", "day": "2027-06-25", "starts_at": "", "ends_at": "", "quorum_fraction": "1/2",
            **fields}
    response = post_form(client, INDEX, data)
    assert response.status_code == 422
    assert message in _text(response)
    assert "There is a problem" in _text(response)
    assert snapshot() == before


def test_a_session_is_changed(client, ga):
    sign_in(client)
    url = _session_url(ga, "/edit")
    form = client.get(url).get_data(as_text=True)
    assert 'value="Statutory session 1"' in form and 'value="1/2"' in form and 'value="09:30"' in form
    response = post_form(client, url, {"name": "Session one", "day": "2027-06-26", "starts_at": "10:00",
                                       "ends_at": "12:00", "quorum_fraction": "0,55"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (ga.session.name, ga.session.day.isoformat(), ga.session.quorum_fraction) == (
        "Session one", "2027-06-26", Decimal("0.55"))
    assert 'value="0.55"' in client.get(url).get_data(as_text=True)
    # Its own name is not "taken"; another session's is.
    services.add_session(ga.event, "Session two", ga.session.day)
    db.session.commit()
    refused = post_form(client, url, {"name": "SESSION TWO", "day": "2027-06-26", "quorum_fraction": "1/2"})
    assert refused.status_code == 422 and "There is already a session with this name." in _text(refused)


def test_a_session_is_deleted_until_someone_entered_or_something_was_recorded(client, ga):
    sign_in(client)
    spare = services.add_session(ga.event, "Spare", ga.session.day)
    db.session.commit()
    spare_id = spare.id
    page = client.get(f"/manage/assembly/sessions/{spare_id}/edit")
    assert "it can be deleted" in _text(page)
    response = client.post(f"/manage/assembly/sessions/{spare_id}/delete",
                           data={"csrf_token": csrf_token(client, INDEX)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(StatutorySession, spare_id) is None

    # Someone entered the hall: refused, said on the page, nothing changed.
    mandates(ga)
    services.enter(ga.session, ga.a_voter)
    services.leave(ga.session, ga.a_voter)
    db.session.commit()
    edit = _session_url(ga, "/edit")
    assert "This session cannot be deleted" in _text(client.get(edit))
    before = snapshot()
    response = client.post(_session_url(ga, "/delete"), data={"csrf_token": csrf_token(client, INDEX)},
                           follow_redirects=True)
    assert "“Statutory session 1” cannot be deleted: people entered the hall" in _text(response)
    assert snapshot() == before

    # A vote recorded, nobody ever in: refused as well.
    other = services.add_session(ga.event, "Other", ga.session.day)
    db.session.add(VoteResult(session_id=other.id, motion="m", votes_for=0, votes_against=0, abstentions=0,
                              votes_present=0, actor="test"))
    db.session.commit()
    client.post(f"/manage/assembly/sessions/{other.id}/delete", data={"csrf_token": csrf_token(client, INDEX)})
    db.session.expire_all()
    assert db.session.get(StatutorySession, other.id) is not None


def test_a_session_of_another_event_or_unknown_is_not_found(client, ga):
    sign_in(client)
    for suffix in ("", "/edit", "/projector", "/status.json"):
        assert client.get(f"/manage/assembly/sessions/999999{suffix}").status_code == 404
    assert client.get("/manage/assembly/sessions/99999999999").status_code == 404


# The chair's page


def test_the_chairs_page_shows_who_is_present_represented_and_missing(client, ga):
    sign_in(client)
    _in_the_hall(ga)
    response = client.get(_session_url(ga))
    assert response.status_code == 200
    text = _text(response)
    assert "Fondation Samilia (voting delegate)" in text
    assert "Stichting Tegen Vrouwenhandel (alternate)" in text
    assert "ALC Éire, represented by La Strada Polska" in text
    assert "Members missing None" in text
    assert "Votes present now: 5 . For, against and abstentions together cannot be more." in text
    page = response.get_data(as_text=True)
    # The figures refresh with JavaScript only (a half-typed motion must survive), with a link without it.
    assert 'http-equiv="refresh"' not in page
    assert f'<a href="{_session_url(ga)}">Refresh</a>' in page
    assert f'data-status-url="{_session_url(ga, "/status.json")}"' in page


def test_recording_the_quorum_keeps_who_when_and_the_figures(client, ga):
    sign_in(client)
    _in_the_hall(ga)
    response = client.post(_session_url(ga, "/quorum"), data={"csrf_token": csrf_token(client, _session_url(ga))})
    assert response.status_code == 302 and response.headers["Location"].endswith("#recorded-quorums")
    [record] = db.session.scalars(db.select(QuorumRecord)).all()
    organizer = db.session.scalar(db.text("select id from users where email = 'organizer@example.org'"))
    assert (record.user_id, record.actor, record.members, record.present, record.represented, record.votes_present,
            record.votes_needed, record.quorum) == (organizer, "organizer@example.org", 4, 3, 1, 5, 3, True)
    assert [m["name"] for m in record.details["members_represented"]] == ["ALC Éire"]
    page = _text(client.get(_session_url(ga)))
    assert "Quorum recorded: 5 votes present, 3 needed: reached." in page
    assert "organizer@example.org" in page and "5 / 3" in page


def test_a_vote_result_is_recorded(client, ga):
    sign_in(client)
    _in_the_hall(ga)
    response = client.post(_session_url(ga, "/votes"), data={
        "csrf_token": csrf_token(client, _session_url(ga)), "motion": " Approve the accounts 2026 ",
        "votes_for": "3", "votes_against": "1", "abstentions": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#vote-results")
    [result] = db.session.scalars(db.select(VoteResult)).all()
    assert (result.motion, result.votes_for, result.votes_against, result.abstentions, result.votes_present,
            result.actor) == ("Approve the accounts 2026", 3, 1, 1, 5, "organizer@example.org")
    assert "Vote result recorded: 3 for, 1 against, 1 abstentions." in _text(client.get(_session_url(ga)))


@pytest.mark.parametrize(("fields", "message"), [
    ({"votes_for": "4", "votes_against": "1", "abstentions": "1"}, "6 votes were cast, more than the 5 votes present."),
    ({"motion": "  "}, "Please fill in this field."),
    ({"votes_for": "-1"}, "Please give a whole number from 0 to 100000."),
    ({"votes_for": "two"}, "Not a valid integer value."),
    ({"abstentions": ""}, "Please give a whole number, 0 or more."),
    ({"motion": "x" * 2001}, "Please use at most 2000 characters."),
])
def test_a_vote_result_that_cannot_be_is_refused_and_nothing_saved(client, ga, fields, message):
    sign_in(client)
    _in_the_hall(ga)
    before = snapshot()
    data = {"csrf_token": csrf_token(client, _session_url(ga)), "motion": "Approve the budget", "votes_for": "1",
            "votes_against": "0", "abstentions": "0", **fields}
    response = client.post(_session_url(ga, "/votes"), data=data)
    assert response.status_code == 422
    text = _text(response)
    assert message in text and "There is a problem" in text
    assert snapshot() == before
    assert count(VoteResult) == 0
    # What was typed is kept, to correct it.
    assert "Approve the budget" in response.get_data(as_text=True) or "motion" in fields


def test_posting_without_the_csrf_token_changes_nothing(client, ga):
    sign_in(client)
    _in_the_hall(ga)
    before = snapshot()
    for path, data in ((INDEX, {"name": "No token", "day": "2027-06-25", "quorum_fraction": "1/2"}),
                       (_session_url(ga, "/quorum"), {}),
                       (_session_url(ga, "/votes"), {"motion": "m", "votes_for": "1", "votes_against": "0",
                                                     "abstentions": "0"}),
                       (_session_url(ga, "/delete"), {})):
        response = client.post(path, data=data)
        assert response.status_code in (400, 422), path
    assert snapshot() == before


# The projector and status.json


def test_status_json_is_the_commands_json(client, runner, ga):
    sign_in(client)
    _in_the_hall(ga)
    response = client.get(_session_url(ga, "/status.json"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert {"members", "present", "represented", "votes_present", "votes_needed", "quorum"} <= set(data)
    assert (data["members"], data["present"], data["represented"], data["votes_present"], data["votes_needed"],
            data["quorum"]) == (4, 3, 1, 5, 3, True)
    printed = runner.invoke(args=["assembly", "status", str(ga.session.id), "--json"])
    assert json.loads(printed.output) == data


def test_the_projector_reloads_itself_and_shows_the_missing_members(client, ga):
    sign_in(client, Role.DESK)  # desk staff may show it in the hall: members, never persons
    mandates(ga)
    services.enter(ga.session, ga.a_voter)
    db.session.commit()
    response = client.get(_session_url(ga, "/projector"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page
    assert f'data-status-url="{_session_url(ga, "/status.json")}" data-interval="2000"' in page
    assert '<dd data-figure="present">1</dd>' in page and '<dd data-figure="votes_needed">3</dd>' in page
    text = _text(response)
    assert "Quorum not reached" in text
    assert "Members missing ( 3 )" in text
    for name in ("Fondation Samilia", "Stichting Tegen Vrouwenhandel", "ALC Éire"):
        assert f"<li>{name}</li>" in page.replace("&#39;", "'")
    assert "A-voter" not in page and "@example.org" not in page  # no person on the screen
    ga.c.name = '<b>"Evil"</b> & {holder}'
    db.session.commit()
    page = client.get(_session_url(ga, "/projector")).get_data(as_text=True)
    assert "<b>" not in page and "<li>&lt;b&gt;&#34;Evil&#34;&lt;/b&gt; &amp; {holder}</li>" in page
    assert client.get(_session_url(ga, "/status.json")).status_code == 200
    assert client.get(_session_url(ga)).status_code == 403  # the chair's page is the organizers'


def test_the_projector_in_french(client, ga):
    sign_in(client)
    _in_the_hall(ga)
    client.get("/language/fr")
    # The client's requests share the test's app context, where flask_babel keeps the locale it chose first.
    flask_babel.refresh()
    response = client.get(_session_url(ga, "/projector"))
    text = _text(response)
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "Quorum atteint" in text and "Membres présents" in text and "Voix requises" in text
    chair = _text(client.get(_session_url(ga)))
    assert "ALC Éire, représenté par La Strada Polska" in chair
    assert "Constater le quorum maintenant" in chair
    sessions = _text(client.get(INDEX))
    assert "plus de 1/2" in sessions and "ven. 25 juin" in sessions


@pytest.mark.only_on("postgresql")
def test_two_organizers_adding_the_same_session_at_once_one_is_told_it_exists(app, ga):
    event_id, day = ga.event.id, ga.session.day

    def add(ready):
        with app.app_context():
            event = db.session.get(type(ga.event), event_id)
            ready()
            try:
                services.add_session(event, "Extraordinary session", day)
                db.session.commit()
                return "added"
            except services.AssemblyError as error:
                db.session.rollback()
                return str(error)

    assert sorted(run_at_once([add, add])) == ["There is already a session named “Extraordinary session”.", "added"]
    db.session.expire_all()
    assert [s.name for s in services.list_sessions(ga.event)].count("Extraordinary session") == 1
