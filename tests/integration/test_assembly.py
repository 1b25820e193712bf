"""The General Assembly: sessions, mandates, proxies, the hall's door, the quorum, recorded figures and
voting cards, through the services and the `flask assembly` commands, with races between real threads."""
from __future__ import annotations

import json
import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from lsi_assembly.assembly import services
from lsi_assembly.assembly.models import (
    HallPresence,
    Mandate,
    Proxy,
    QuorumRecord,
    StatutorySession,
    VoteResult,
    VotingCard,
)
from lsi_assembly.assembly.services import AssemblyError
from lsi_assembly.badges.services import reissue, valid_code
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Category, Status
from tests.conftest import count
from tests.factories import make_event, make_organization, make_participant, run_at_once

#: Tables a refused command must leave as they were.
TABLES = (StatutorySession, Mandate, Proxy, HallPresence, QuorumRecord, VoteResult, VotingCard, AuditEntry)


def snapshot() -> dict:
    """Every row of the Assembly's tables and the audit log, to show that nothing changed."""
    db.session.expire_all()
    return {model.__tablename__: sorted(tuple(str(v) for v in row) for row in db.session.execute(
        sa.select(*model.__table__.columns)).all()) for model in TABLES}


@pytest.fixture
def ga(app):
    """Four full members (one with 2 votes), an associate; each full member has two confirmed delegates."""
    event = make_event()
    names = ("La Strada Polska", "Fondation Samilia", "Stichting Tegen Vrouwenhandel", "ALC Éire")
    orgs = [make_organization(event, name=name, votes=2 if name == "ALC Éire" else 1) for name in names]
    associate = make_organization(event, name="Partner Network", membership="associate")
    people = {}
    for org, key in zip(orgs, "abcd", strict=True):
        for role in ("voter", "alternate"):
            people[f"{key}_{role}"] = make_participant(
                event, organization_id=org.id, status=Status.CONFIRMED, given_name=f"{key.upper()}-{role}",
                email=f"{key}.{role}@example.org")
    people["e_delegate"] = make_participant(event, organization_id=associate.id, status=Status.CONFIRMED,
                                            email="e.delegate@example.org")
    session = services.add_session(event, "Statutory session 1", date(2027, 6, 25), starts_at=time(9, 30))
    db.session.commit()
    return SimpleNamespace(event=event, a=orgs[0], b=orgs[1], c=orgs[2], d=orgs[3], associate=associate,
                           session=session, **people)


def invoke(runner, *args):
    return runner.invoke(args=["assembly", *[str(a) for a in args]])


def refused(runner, *args) -> str:
    """Run a command that a rule must refuse: exit status 2, nothing changed; return its error output."""
    before = snapshot()
    result = invoke(runner, *args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == "", result.stdout
    assert snapshot() == before
    return result.stderr


def mandates(ga):
    for key, org in zip("abcd", (ga.a, ga.b, ga.c, ga.d), strict=True):
        services.set_mandate(ga.event, org, getattr(ga, f"{key}_voter"), getattr(ga, f"{key}_alternate"))
    db.session.commit()


# Sessions


def test_session_add_prints_the_id_on_its_last_line_and_sessions_lists_them(runner, ga):
    result = invoke(runner, "session-add", "Statutory session 2", "--day", "2027-06-26", "--quorum-fraction", "2/3",
                    "--starts-at", "14:00", "--ends-at", "17:30")
    assert result.exit_code == 0, result.output
    new_id = int(result.output.strip().splitlines()[-1])
    session = db.session.get(StatutorySession, new_id)
    assert (session.name, session.day, session.quorum_fraction, session.starts_at, session.ends_at) == (
        "Statutory session 2", date(2027, 6, 26), Decimal("0.6667"), time(14), time(17, 30))
    listed = invoke(runner, "sessions").output.splitlines()
    assert listed == [f"{ga.session.id}\t2027-06-25\t09:30\t0.5\tStatutory session 1",
                      f"{new_id}\t2027-06-26\t14:00-17:30\t0.6667\tStatutory session 2"]
    default = invoke(runner, "session-add", "Extraordinary", "--day", "2027-06-24")
    assert db.session.get(StatutorySession, int(default.output.split()[-1])).quorum_fraction == Decimal("0.5")


@pytest.mark.parametrize(("args", "reason"), [
    (("Statutory session 1", "--day", "2027-06-26"), "There is already a session named"),
    (("Session 3", "--day", "2027-07-01"), "2027-07-01 is not a day of the event."),
    (("Session 3", "--day", "2027-06-25", "--quorum-fraction", "1"), "The quorum fraction must be"),
    (("Session 3", "--day", "2027-06-25", "--quorum-fraction", "half"), "The quorum fraction must be"),
    (("Session 3", "--day", "2027-06-25", "--quorum-fraction", "-0.1"), "The quorum fraction must be"),
    (("Session 3", "--day", "2027-06-25", "--starts-at", "12:00", "--ends-at", "11:00"), "end after it starts"),
    (("  ", "--day", "2027-06-25"), "Please give the session a name"),
])
def test_session_add_refusals(runner, ga, args, reason):
    assert reason in refused(runner, "session-add", *args)


@pytest.mark.parametrize(("text", "value"), [
    ("0.5", "0.5"), ("0,5", "0.5"), (" 0.5 ", "0.5"), ("2/3", "0.6667"), (".75", "0.75"), ("0", "0"), ("1/2", "0.5"),
])
def test_quorum_fractions_as_typed(app, text, value):
    assert services.parse_fraction(text) == Decimal(value)


@pytest.mark.parametrize("text", ["1e-9999999", "5e-1", "1E-2", "0x1", "½", "٠.٥", "1/0", "0.5/2", "1_0/20",
                                  "-1/2", "+0.5", "inf", "nan", "1/" + "9" * 30, ""])
def test_odd_quorum_fractions_are_refused_at_once(app, text):
    started = time_module.perf_counter()
    with pytest.raises(services.AssemblyError, match="The quorum fraction must be"):
        services.parse_fraction(text)
    assert time_module.perf_counter() - started < 0.05


# Mandates


def test_a_mandate_names_two_confirmed_delegates_of_the_member(runner, ga):
    result = invoke(runner, "mandate", "la strada POLSKA", "--voter", "A.Voter@example.org",
                    "--alternate", "a.alternate@example.org")
    assert result.exit_code == 0, result.output
    assert "mandate of La Strada Polska: voting delegate A-voter" in result.output
    mandate = db.session.scalar(sa.select(Mandate))
    assert (mandate.organization_id, mandate.voter_id, mandate.alternate_id) == (ga.a.id, ga.a_voter.id,
                                                                                 ga.a_alternate.id)
    # By id and without accents; the alternate is optional; a new mandate replaces the old one.
    assert invoke(runner, "mandate", str(ga.d.id), "--voter", "d.voter@example.org").exit_code == 0
    assert invoke(runner, "mandate", "alc eire", "--voter", "d.alternate@example.org").exit_code == 0
    d = db.session.scalar(sa.select(Mandate).where(Mandate.organization_id == ga.d.id))
    assert (d.voter_id, d.alternate_id) == (ga.d_alternate.id, None)
    assert count(Mandate) == 2
    logged = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "mandate")
                                .order_by(AuditEntry.id)).all()
    assert [e.action for e in logged] == ["created", "created", "changed"]
    assert all(e.actor == "command line" for e in logged)


def test_mandate_refusals(runner, ga):
    pending = make_participant(ga.event, organization_id=ga.a.id, status=Status.PENDING, email="pending@example.org")
    observer = make_participant(ga.event, organization_id=ga.a.id, status=Status.CONFIRMED,
                                category=Category.OBSERVER, email="observer@example.org")
    assert "is not a confirmed delegate of La Strada Polska" in refused(
        runner, "mandate", "La Strada Polska", "--voter", "pending@example.org")
    assert "is not a confirmed delegate of La Strada Polska" in refused(
        runner, "mandate", "La Strada Polska", "--voter", "observer@example.org")
    assert "is not a confirmed delegate of La Strada Polska" in refused(
        runner, "mandate", "La Strada Polska", "--voter", "b.voter@example.org")  # another member's delegate
    assert "is not a confirmed delegate of La Strada Polska" in refused(
        runner, "mandate", "La Strada Polska", "--voter", "a.voter@example.org", "--alternate", "b.voter@example.org")
    assert "two different people" in refused(
        runner, "mandate", "La Strada Polska", "--voter", "a.voter@example.org", "--alternate", "A.VOTER@example.org")
    assert "Partner Network is not a full member: only full members vote." in refused(
        runner, "mandate", "Partner Network", "--voter", "e.delegate@example.org")
    assert "There is no organization “Nowhere”." in refused(
        runner, "mandate", "Nowhere", "--voter", "a.voter@example.org")
    assert "Nobody is registered with the e-mail address nobody@example.org." in refused(
        runner, "mandate", "La Strada Polska", "--voter", "nobody@example.org")
    assert pending.id and observer.id


def test_an_organization_of_another_event_is_not_found_by_id(runner, ga):
    other = make_organization(make_event(slug="ga-2025"), name="Elsewhere")
    with pytest.raises(AssemblyError):
        services.find_organization(ga.event, other.id)


# Proxies


def test_a_proxy_is_given_and_revoked(runner, ga):
    result = invoke(runner, "proxy", "Fondation Samilia", "--to", "La Strada Polska")
    assert result.exit_code == 0 and "proxy of Fondation Samilia given to La Strada Polska" in result.output
    [proxy] = db.session.scalars(sa.select(Proxy)).all()
    assert (proxy.giver_id, proxy.holder_id, proxy.revoked_at) == (ga.b.id, ga.a.id, None)
    result = invoke(runner, "proxy", "fondation samilia", "--revoke")
    assert result.exit_code == 0 and "proxy of Fondation Samilia to La Strada Polska revoked" in result.output
    db.session.refresh(proxy)
    assert proxy.revoked_at is not None
    # Revoked, the member may give it again, to another.
    assert invoke(runner, "proxy", str(ga.b.id), "--to", str(ga.c.id)).exit_code == 0
    assert len(services.active_proxies(ga.event)) == 1
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "proxy").order_by(AuditEntry.id))] == ["created", "changed", "created"]


def test_proxy_refusals(runner, ga, app):
    assert invoke(runner, "proxy", "Fondation Samilia", "--to", "La Strada Polska").exit_code == 0
    assert "Fondation Samilia has already given its proxy" in refused(
        runner, "proxy", "Fondation Samilia", "--to", "ALC Eire")
    assert "A member cannot give its proxy to itself." in refused(runner, "proxy", "ALC Éire", "--to", "alc eire")
    assert "Partner Network is not a full member: only full members hold a proxy." in refused(
        runner, "proxy", "ALC Éire", "--to", "Partner Network")
    assert "Partner Network is not a full member: only full members give a proxy." in refused(
        runner, "proxy", "Partner Network", "--to", "ALC Éire")
    assert "La Strada Polska already holds as many proxies as a member may (1)." in refused(
        runner, "proxy", "ALC Éire", "--to", "La Strada Polska")
    assert "La Strada Polska holds another member's proxy, so it cannot give its own." in refused(
        runner, "proxy", "La Strada Polska", "--to", "ALC Éire")
    assert "Fondation Samilia has given its own proxy, so it cannot hold one." in refused(
        runner, "proxy", "ALC Éire", "--to", "Fondation Samilia")
    assert "ALC Éire has no proxy to revoke." in refused(runner, "proxy", "ALC Éire", "--revoke")
    assert "There is no organization “Nowhere”." in refused(runner, "proxy", "Nowhere", "--to", "ALC Éire")
    assert "either --to ORGANIZATION or --revoke" in refused(runner, "proxy", "ALC Éire")
    assert "either --to ORGANIZATION or --revoke" in refused(runner, "proxy", "ALC Éire", "--to", "La Strada Polska",
                                                             "--revoke")
    app.config["ASSEMBLY_MAX_PROXIES"] = 2  # the setting: a holder may now carry two
    assert invoke(runner, "proxy", "ALC Éire", "--to", "La Strada Polska").exit_code == 0


def test_a_proxy_is_revocable_until_the_first_session_starts(runner, ga, monkeypatch):
    services.give_proxy(ga.event, ga.b, ga.a)
    db.session.commit()
    start = datetime(2027, 6, 25, 7, 30, tzinfo=UTC)  # 9:30 in Paris, summer time
    assert services.proxies_revocable(ga.event, start - timedelta(seconds=1))
    assert not services.proxies_revocable(ga.event, start)
    with pytest.raises(AssemblyError, match="no longer be revoked"):
        services.revoke_proxy(ga.event, ga.b, now=start)
    db.session.rollback()
    monkeypatch.setattr(services, "utcnow", lambda: start + timedelta(minutes=1))
    assert "A proxy can no longer be revoked: the session has started." in refused(
        runner, "proxy", "Fondation Samilia", "--revoke")
    services.revoke_proxy(ga.event, ga.b, now=start - timedelta(seconds=1))


def test_the_database_keeps_one_active_proxy_per_giver(ga):
    services.give_proxy(ga.event, ga.b, ga.a)
    db.session.commit()
    db.session.add(Proxy(event_id=ga.event.id, giver_id=ga.b.id, holder_id=ga.c.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# The hall's door


def test_the_door_lets_people_in_and_out_by_badge_code_or_e_mail(runner, ga):
    code = valid_code(ga.a_voter).code
    db.session.commit()
    result = invoke(runner, "enter", ga.session.id, code.lower())
    assert result.exit_code == 0 and "A-voter Nowak entered (Statutory session 1)" in result.output
    again = invoke(runner, "enter", ga.session.id, "a.voter@example.org")
    assert again.exit_code == 0 and "was already inside" in again.output
    [presence] = db.session.scalars(sa.select(HallPresence)).all()
    assert presence.inside and presence.left_at is None
    out = invoke(runner, "leave", ga.session.id, code)
    assert out.exit_code == 0 and "A-voter Nowak left" in out.output
    assert "was not inside" in invoke(runner, "leave", ga.session.id, code).output
    back = invoke(runner, "enter", ga.session.id, code)
    assert back.exit_code == 0
    db.session.expire_all()
    [presence] = db.session.scalars(sa.select(HallPresence)).all()
    assert presence.inside and presence.first_entered_at < presence.entered_at
    passages = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "hall_presence")
                                  .order_by(AuditEntry.id)).all()
    assert [e.action for e in passages] == ["created", "changed", "changed"]


def test_the_door_refuses_unknown_cancelled_replaced_and_void(runner, ga):
    cancelled = make_participant(ga.event, organization_id=ga.a.id, status=Status.CANCELLED,
                                 email="gone@example.org", given_name="Gone")
    old = valid_code(ga.b_voter).code
    reissue(ga.b_voter)
    db.session.commit()
    assert "No participant has this badge code or e-mail address: nobody@example.org" in refused(
        runner, "enter", ga.session.id, "nobody@example.org")
    assert "No participant has this badge code or e-mail address" in refused(runner, "enter", ga.session.id,
                                                                            "0" * 26)
    assert "The registration of Gone Nowak is cancelled." in refused(runner, "enter", ga.session.id,
                                                                    "gone@example.org")
    assert "This badge was replaced by a new one" in refused(runner, "enter", ga.session.id, old)
    assert "There is no session 999999." in refused(runner, "enter", 999999, "a.voter@example.org")
    assert "either PERSON or --from-file FILE" in refused(runner, "enter", ga.session.id)
    assert cancelled.id


def test_a_scanners_file_is_all_or_nothing(runner, ga, tmp_path):
    codes = [valid_code(p).code for p in (ga.a_voter, ga.b_voter)]
    db.session.commit()
    log = tmp_path / "door.txt"
    log.write_text(f"{codes[0]}\n\n{codes[1]}\n{codes[0]}\nnobody@example.org\n", encoding="utf-8")
    assert "line 5: No participant has this badge code" in refused(runner, "enter", ga.session.id,
                                                                  "--from-file", log)
    log.write_text(f"{codes[0]}\n\n{codes[1]}\n{codes[0]}\nc.voter@example.org\n", encoding="utf-8")
    result = invoke(runner, "enter", ga.session.id, "--from-file", log)
    assert result.exit_code == 0 and "4 scans: 3 entered, 1 unchanged" in result.output
    assert services.inside(ga.session) == {ga.a_voter.id, ga.b_voter.id, ga.c_voter.id}
    log.write_text(f"{codes[1]}\n", encoding="utf-8")
    assert "1 scans: 1 left" in invoke(runner, "leave", ga.session.id, "--from-file", log).output
    assert services.inside(ga.session) == {ga.a_voter.id, ga.c_voter.id}


# The quorum


def _status(runner, session) -> dict:
    result = invoke(runner, "status", session.id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_quorum_counts_voters_alternates_and_proxies(runner, ga):
    mandates(ga)
    # 4 full members, 5 votes in all (ALC Éire has 2): more than half is 3.
    empty = _status(runner, ga.session)
    assert {k: empty[k] for k in ("members", "present", "represented", "votes_present", "votes_needed", "quorum")} == {
        "members": 4, "present": 0, "represented": 0, "votes_present": 0, "votes_needed": 3, "quorum": False}
    assert (empty["votes_total"], empty["quorum_fraction"], empty["session"]) == (
        5, "0.5", {"id": ga.session.id, "name": "Statutory session 1", "day": "2027-06-25"})
    assert [m["name"] for m in empty["members_missing"]] == [
        "ALC Éire", "Fondation Samilia", "La Strada Polska", "Stichting Tegen Vrouwenhandel"]

    services.give_proxy(ga.event, ga.d, ga.a)  # ALC Éire's 2 votes carried by La Strada Polska
    services.give_proxy(ga.event, ga.b, ga.c)
    for person in (ga.a_voter, ga.b_alternate, ga.e_delegate):
        services.enter(ga.session, person)
    db.session.commit()
    figures = _status(runner, ga.session)
    assert {k: figures[k] for k in ("present", "represented", "missing", "votes_present", "quorum")} == {
        "present": 2, "represented": 1, "missing": 1, "votes_present": 4, "quorum": True}
    assert figures["members_present"] == [
        {"id": ga.b.id, "name": "Fondation Samilia", "votes": 1, "by": "alternate"},
        {"id": ga.a.id, "name": "La Strada Polska", "votes": 1, "by": "voter"}]
    assert figures["members_represented"] == [
        {"id": ga.d.id, "name": "ALC Éire", "votes": 2, "holder": "La Strada Polska", "holder_id": ga.a.id}]
    assert figures["members_missing"] == [{"id": ga.c.id, "name": "Stichting Tegen Vrouwenhandel", "votes": 1}]

    # ALC Éire's own voter comes in: present, its proxy no longer counted; the total is unchanged.
    services.enter(ga.session, ga.d_voter)
    # Fondation Samilia's voter comes in while its alternate is inside: counted once.
    services.enter(ga.session, ga.b_voter)
    services.leave(ga.session, ga.a_voter)
    db.session.commit()
    figures = _status(runner, ga.session)
    assert [(m["name"], m["by"]) for m in figures["members_present"]] == [
        ("ALC Éire", "voter"), ("Fondation Samilia", "voter")]
    assert figures["members_represented"] == [] and figures["votes_present"] == 3 and figures["quorum"] is True
    services.leave(ga.session, ga.d_voter)
    db.session.commit()
    assert _status(runner, ga.session)["quorum"] is False  # 1 vote of 5

    text = invoke(runner, "status", ga.session.id)
    assert "quorum: NOT reached" in text.output and "missing: ALC Éire; La Strada Polska; Stichting" in text.output


def test_only_confirmed_delegates_count_for_a_mandate(runner, ga):
    mandates(ga)
    services.enter(ga.session, ga.a_voter)
    db.session.commit()
    assert _status(runner, ga.session)["present"] == 1
    ga.a_voter.status = Status.CANCELLED  # cancelled since the mandate was given
    db.session.commit()
    assert _status(runner, ga.session)["present"] == 0


def test_the_quorum_fraction_of_the_session_applies(runner, ga):
    mandates(ga)
    two_thirds = services.add_session(ga.event, "Statutes", date(2027, 6, 26), quorum_fraction=Decimal("0.6667"))
    for person in (ga.a_voter, ga.b_voter, ga.c_voter):
        services.enter(two_thirds, person)
    db.session.commit()
    figures = _status(runner, two_thirds)
    assert (figures["votes_present"], figures["votes_needed"], figures["quorum"]) == (3, 4, False)


def test_the_chair_records_the_quorum_and_vote_results(ga):
    mandates(ga)
    services.give_proxy(ga.event, ga.d, ga.a)
    services.enter(ga.session, ga.a_voter)
    services.enter(ga.session, ga.b_voter)
    record = services.record_quorum(ga.session)
    db.session.commit()
    assert (record.members, record.present, record.represented, record.votes_total, record.votes_present,
            record.votes_needed, record.quorum, record.actor) == (4, 2, 1, 5, 4, 3, True, "command line")
    assert record.quorum_fraction == Decimal("0.5")
    assert [m["name"] for m in record.details["members_present"]] == ["Fondation Samilia", "La Strada Polska"]
    assert record.details["members_represented"][0]["holder"] == "La Strada Polska"

    result = services.record_vote(ga.session, "  Approve the accounts 2026 ", 3, 0, 1)
    db.session.commit()
    assert (result.motion, result.votes_for, result.votes_against, result.abstentions, result.votes_present) == (
        "Approve the accounts 2026", 3, 0, 1, 4)
    with pytest.raises(AssemblyError, match="5 votes were cast, more than the 4 votes present."):
        services.record_vote(ga.session, "Too many", 3, 1, 1)
    for bad in ((-1, 0, 0), (1.5, 0, 0), (True, 0, 0)):
        with pytest.raises(AssemblyError, match="whole numbers"):
            services.record_vote(ga.session, "Bad", *bad)
    with pytest.raises(AssemblyError, match="motion"):
        services.record_vote(ga.session, "  ", 1, 0, 0)
    db.session.rollback()
    assert [r.motion for r in services.vote_results(ga.session)] == ["Approve the accounts 2026"]
    assert len(services.quorum_records(ga.session)) == 1


# Voting cards


def _cards(ga) -> set[tuple[str, str, int]]:
    db.session.expire_all()
    return {(card.participant.given_name, card.organization.name, card.votes)
            for card in services.valid_voting_cards(ga.event)}


def test_voting_cards_follow_mandates_and_proxies(runner, ga):
    mandates(ga)
    assert _cards(ga) == {("A-voter", "La Strada Polska", 1), ("B-voter", "Fondation Samilia", 1),
                          ("C-voter", "Stichting Tegen Vrouwenhandel", 1), ("D-voter", "ALC Éire", 2)}
    own = {card.organization_id: card.code for card in services.valid_voting_cards(ga.event)}

    assert invoke(runner, "proxy", "ALC Éire", "--to", "La Strada Polska").exit_code == 0
    assert ("A-voter", "ALC Éire", 2) in _cards(ga) and ("D-voter", "ALC Éire", 2) not in _cards(ga)
    assert "This voting card is void" in refused(runner, "enter", ga.session.id, own[ga.d.id])
    # A valid card's code lets its holder in, as their badge does.
    assert invoke(runner, "enter", ga.session.id, own[ga.a.id]).exit_code == 0
    assert services.inside(ga.session) == {ga.a_voter.id}

    assert invoke(runner, "mandate", "La Strada Polska", "--voter", "a.alternate@example.org").exit_code == 0
    assert {c for c in _cards(ga) if c[0].startswith("A-")} == {
        ("A-alternate", "La Strada Polska", 1), ("A-alternate", "ALC Éire", 2)}
    assert invoke(runner, "proxy", "ALC Éire", "--revoke").exit_code == 0
    assert ("D-voter", "ALC Éire", 2) in _cards(ga)
    assert count(VotingCard) == 8 and len(services.valid_voting_cards(ga.event)) == 4
    # Each member's vote is on one valid card, whatever happened.
    valid = services.valid_voting_cards(ga.event)
    assert len({card.organization_id for card in valid}) == len(valid)
    assert len({card.code for card in db.session.scalars(sa.select(VotingCard))}) == 8


def test_voting_cards_follow_votes_and_membership_when_refreshed(ga):
    mandates(ga)
    ga.d.votes = 3
    ga.c.membership = "partner"
    ga.b.votes = 0
    db.session.commit()
    services.refresh_voting_cards(ga.event)
    db.session.commit()
    assert _cards(ga) == {("A-voter", "La Strada Polska", 1), ("D-voter", "ALC Éire", 3)}
    assert services.remove_mandate(ga.event, ga.a) is True
    db.session.commit()
    assert _cards(ga) == {("D-voter", "ALC Éire", 3)}


# Races between real threads (each with its own app context, hence its own session and connection)


def test_two_members_giving_their_proxy_to_the_same_holder_at_once_one_is_accepted(app, ga):
    event_id, holder_id, giver_ids = ga.event.id, ga.a.id, (ga.b.id, ga.c.id)

    def give(giver_id: int):
        def action(ready):
            with app.app_context():
                event = db.session.get(type(ga.event), event_id)
                giver = services.find_organization(event, giver_id)
                holder = services.find_organization(event, holder_id)
                ready()
                try:
                    services.give_proxy(event, giver, holder)
                    db.session.commit()
                    return "accepted"
                except AssemblyError as error:
                    db.session.rollback()
                    return str(error)
        return action

    for round_ in range(3):
        results = run_at_once([give(giver_id) for giver_id in giver_ids])
        assert sorted(results) == ["La Strada Polska already holds as many proxies as a member may (1).",
                                   "accepted"], results
        db.session.expire_all()
        active = services.active_proxies(ga.event)
        assert len(active) == 1 and active[0].holder_id == holder_id
        services.revoke_proxy(ga.event, active[0].giver)
        db.session.commit()
        assert round_ >= 0


def test_two_doors_scanning_the_same_person_in_at_once_count_them_once(app, ga):
    mandates(ga)
    code = valid_code(ga.a_voter).code
    db.session.commit()
    event_id, session_id = ga.event.id, ga.session.id

    def scan(ready):
        with app.app_context():
            event = db.session.get(type(ga.event), event_id)
            session = services.find_session(event, session_id)
            person = services.find_person(event, code)
            ready()
            changed = services.enter(session, person)
            db.session.commit()
            return changed

    for _round in range(3):
        assert sorted(run_at_once([scan] * 4)) == [False, False, False, True]
        db.session.expire_all()
        assert count(HallPresence) == 1
        figures = services.status(ga.session).figures
        assert (len(figures.present), figures.votes_present) == (1, 1)
        services.leave(ga.session, ga.a_voter)
        db.session.commit()
        db.session.execute(sa.delete(HallPresence))
        db.session.commit()
