"""The Assembly's pure core: who is present or represented, votes present and needed, proxy rules."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsi_assembly.assembly.quorum import (
    Member,
    Proxy,
    ProxyRefusal,
    count,
    proxy_refusal,
    revocation_refusal,
    session_started,
    simple_fraction,
    votes_needed,
)

ROOT = Path(__file__).resolve().parents[2]

# Members 1..5: voter 10*id, alternate 10*id + 1.
A, B, C, D, E = (Member(i, name, voter=10 * i, alternate=10 * i + 1) for i, name in enumerate("ABCDE", start=1))


def names(attendances) -> list[str]:
    return [a.member.name for a in attendances]


def test_a_member_is_present_by_its_voter_or_its_alternate_while_the_voter_is_out():
    figures = count([A, B, C], [], inside={10, 21, 30, 31})
    assert [(a.member.name, a.by) for a in figures.present] == [("A", "voter"), ("B", "alternate"), ("C", "voter")]
    assert figures.missing == () and figures.votes_present == 3


def test_a_person_without_a_mandate_makes_no_member_present():
    nobody = Member(9, "No mandate")
    figures = count([A, nobody], [], inside={99, 11})
    assert names(figures.present) == ["A"] and figures.missing == (nobody,)


def test_an_absent_member_is_represented_by_the_present_holder_of_its_proxy():
    figures = count([A, B, C], [Proxy(giver=2, holder=1), Proxy(giver=3, holder=4)], inside={10})
    assert names(figures.present) == ["A"]
    assert [(a.member.name, a.holder.name) for a in figures.represented] == [("B", "A")]
    assert figures.missing == (C,)  # its holder (4) is no member here
    assert figures.votes_present == 2


def test_a_present_members_proxy_is_never_counted():
    figures = count([A, B], [Proxy(giver=2, holder=1)], inside={10, 20})
    assert names(figures.present) == ["A", "B"] and figures.represented == ()
    assert figures.votes_present == 2  # not 3


def test_a_proxy_to_an_absent_holder_represents_nobody():
    figures = count([A, B], [Proxy(giver=2, holder=1)], inside=set())
    assert figures.represented == () and figures.missing == (A, B) and figures.votes_present == 0


def test_only_full_members_count_vote_and_carry_proxies():
    associate = Member(6, "Associate", votes=3, full=False, voter=60)
    figures = count([A, B, associate], [Proxy(giver=2, holder=6), Proxy(giver=6, holder=1)], inside={10, 60})
    assert [m.name for m in figures.members] == ["A", "B"]
    assert names(figures.present) == ["A"] and figures.represented == ()
    assert figures.votes_total == 2 and figures.votes_present == 1


def test_votes_are_weighted():
    big = Member(7, "Big", votes=3, voter=70)
    figures = count([A, B, big], [Proxy(giver=7, holder=1)], inside={10})
    assert figures.votes_total == 5 and figures.votes_present == 4 and figures.votes_needed == 3 and figures.quorum


@pytest.mark.parametrize(("total", "fraction", "needed"), [
    (10, "0.5", 6), (11, "0.5", 6), (1, "0.5", 1), (2, "0.5", 2), (0, "0.5", 1),
    (30, "0.6667", 21), (9, "0.6667", 7), (3, "0.3333", 1), (100, "0", 1), (7, "0.9999", 7),
])
def test_votes_needed_is_the_fewest_votes_above_the_fraction(total, fraction, needed):
    assert votes_needed(total, Decimal(fraction)) == needed


def test_quorum_is_more_than_the_fraction_not_equal_to_it():
    members = [Member(i, str(i), voter=i) for i in range(1, 11)]
    assert not count(members, [], inside=set(range(1, 6))).quorum  # 5 of 10: exactly half
    assert count(members, [], inside=set(range(1, 7))).quorum  # 6 of 10


@pytest.mark.parametrize("fraction", ["1", "-0.1", "1.5", "abc"])
def test_a_fraction_outside_zero_to_one_is_refused(fraction):
    with pytest.raises(ValueError):
        votes_needed(10, fraction)


# Proxy rules, one by one.

PROXY_RULES = [
    ("giver not full", Member(6, "F", full=False), A, [], 1, ProxyRefusal.GIVER_NOT_FULL),
    ("holder not full", A, Member(6, "F", full=False), [], 1, ProxyRefusal.HOLDER_NOT_FULL),
    ("to itself", A, A, [], 1, ProxyRefusal.TO_ITSELF),
    ("a second proxy", A, B, [Proxy(1, 3)], 1, ProxyRefusal.ALREADY_GIVEN),
    ("a holder gives", A, B, [Proxy(3, 1)], 1, ProxyRefusal.GIVER_HOLDS),
    ("to a member that gave", A, B, [Proxy(2, 3)], 1, ProxyRefusal.HOLDER_GAVE),
    ("to a holder at the maximum", A, B, [Proxy(3, 2)], 1, ProxyRefusal.HOLDER_FULL),
    ("below the maximum", A, B, [Proxy(3, 2)], 2, None),
    ("with max_proxies 0", A, B, [], 0, ProxyRefusal.HOLDER_FULL),
    ("a first proxy", A, B, [Proxy(3, 4)], 1, None),
]


@pytest.mark.parametrize(("case", "giver", "holder", "proxies", "max_proxies", "refusal"), PROXY_RULES,
                         ids=[rule[0] for rule in PROXY_RULES])
def test_proxy_rules(case, giver, holder, proxies, max_proxies, refusal):
    assert proxy_refusal(giver, holder, proxies, max_proxies) == refusal


def test_a_proxy_is_revocable_until_a_session_starts():
    now = datetime(2027, 6, 25, 9, 0, tzinfo=UTC)
    later, earlier = now + timedelta(hours=1), now - timedelta(minutes=1)
    assert revocation_refusal(A, [Proxy(1, 2)], [later], now) is None
    assert revocation_refusal(A, [Proxy(1, 2)], [later, earlier], now) == ProxyRefusal.SESSION_STARTED
    assert revocation_refusal(A, [Proxy(1, 2)], [now], now) == ProxyRefusal.SESSION_STARTED
    assert revocation_refusal(A, [Proxy(2, 1)], [later], now) == ProxyRefusal.NONE_GIVEN
    assert session_started([], now) is False


# Properties on random assemblies.

@st.composite
def assemblies(draw):
    size = draw(st.integers(0, 8))
    members = [Member(i, f"M{i}", votes=draw(st.integers(0, 3)), full=draw(st.booleans()) or draw(st.booleans()),
                      voter=draw(st.sampled_from([None, 100 + i])), alternate=draw(st.sampled_from([None, 200 + i])))
               for i in range(size)]
    people = [p for m in members for p in (m.voter, m.alternate) if p is not None]
    inside = set(draw(st.lists(st.sampled_from(people), unique=True))) if people else set()
    proxies, max_proxies = [], draw(st.integers(0, 2))
    by_id = {m.id: m for m in members}
    if members:
        for giver, holder in draw(st.lists(st.tuples(st.sampled_from(list(by_id)), st.sampled_from(list(by_id))),
                                           max_size=10)):
            if proxy_refusal(by_id[giver], by_id[holder], proxies, max_proxies) is None:
                proxies.append(Proxy(giver, holder))
    fraction = Decimal(draw(st.integers(0, 9999))) / 10000
    return members, proxies, inside, max_proxies, fraction


@given(assemblies())
def test_proxies_accepted_one_by_one_keep_every_rule(assembly):
    members, proxies, _inside, max_proxies, _fraction = assembly
    by_id = {m.id: m for m in members}
    givers = [p.giver for p in proxies]
    holders = [p.holder for p in proxies]
    assert len(givers) == len(set(givers))  # one proxy per giver
    assert all(holders.count(h) <= max_proxies for h in holders)
    assert not set(givers) & set(holders)  # a giver holds none
    assert all(p.giver != p.holder and by_id[p.giver].full and by_id[p.holder].full for p in proxies)


@given(assemblies())
def test_every_full_member_is_counted_once_and_votes_add_up(assembly):
    members, proxies, inside, _max, fraction = assembly
    figures = count(members, proxies, inside, fraction)
    full = [m for m in members if m.full]
    seen = [a.member.id for a in figures.present] + [a.member.id for a in figures.represented] + [
        m.id for m in figures.missing]
    assert sorted(seen) == sorted(m.id for m in full)
    assert figures.votes_total == sum(m.votes for m in full)
    assert figures.votes_present == sum(a.member.votes for a in (*figures.present, *figures.represented))
    assert 0 <= figures.votes_present <= figures.votes_total
    present_ids = {a.member.id for a in figures.present}
    assert all(a.holder.id in present_ids and a.member.id not in present_ids for a in figures.represented)
    exact = Fraction(str(fraction)) * figures.votes_total
    assert figures.votes_needed > exact >= figures.votes_needed - 1
    assert figures.quorum == (figures.votes_present > exact)


@given(assemblies(), st.data())
def test_someone_entering_never_lowers_the_votes_present(assembly, data):
    members, proxies, inside, _max, fraction = assembly
    people = [p for m in members for p in (m.voter, m.alternate) if p is not None and p not in inside]
    if not people:
        return
    newcomer = data.draw(st.sampled_from(people))
    before = count(members, proxies, inside, fraction)
    after = count(members, proxies, inside | {newcomer}, fraction)
    assert after.votes_present >= before.votes_present
    assert len(after.missing) <= len(before.missing)


def test_the_core_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys, lsi_assembly.assembly.quorum; "
            "assert not {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_a_quorum_fraction_is_said_as_a_common_fraction_when_it_is_one():
    assert [str(simple_fraction(v)) for v in ("0.5", "0.6667", "0.3333", "0.75", "0.0")] == [
        "1/2", "2/3", "1/3", "3/4", "0"]
    assert simple_fraction("0.55") is None and simple_fraction("0.1234") is None
