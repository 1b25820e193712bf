"""The rooming core: mutual pairs, capacity per night, no overbooking, one-sided wishes."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

from lsi_assembly.accommodation.rooming import (
    ALONE,
    COLLEAGUE,
    ORGANIZATION,
    SINGLE,
    TWIN,
    Block,
    Placement,
    Request,
    nights_between,
    overbooked,
    propose,
)

D = date(2027, 6, 23)
THREE = nights_between(D, D + timedelta(days=3))


def _nights(requests):
    return {r.id: r.nights for r in requests}


def test_nights_between_counts_check_in_not_check_out():
    assert nights_between(D, D + timedelta(days=2)) == {D, D + timedelta(days=1)}
    assert nights_between(D, D) == frozenset()


def test_mutual_named_pair_shares_a_twin():
    blocks = [Block(1, TWIN, 1, THREE), Block(2, SINGLE, 5, THREE)]
    requests = [Request(10, THREE, COLLEAGUE, wish=11, organization=1),
                Request(11, THREE, COLLEAGUE, wish=10, organization=2)]
    proposal = propose(blocks, requests)
    assert proposal.placements == {10: Placement(1, 11), 11: Placement(1, 10)}
    assert proposal.unplaced == []


def test_a_one_sided_wish_is_not_a_pair():
    blocks = [Block(1, TWIN, 5, THREE), Block(2, SINGLE, 5, THREE)]
    requests = [Request(10, THREE, COLLEAGUE, wish=11, organization=1), Request(11, THREE, ALONE, organization=1)]
    proposal = propose(blocks, requests)
    assert all(p.roommate is None for p in proposal.placements.values())
    assert proposal.placements[10].block == 2 and proposal.placements[11].block == 2


def test_named_wish_and_anyone_of_the_organization_make_a_pair_but_not_across_organizations():
    blocks = [Block(1, TWIN, 5, THREE)]
    requests = [Request(10, THREE, COLLEAGUE, wish=11, organization=1), Request(11, THREE, ORGANIZATION, organization=1),
                Request(12, THREE, ORGANIZATION, organization=2)]
    proposal = propose(blocks, requests)
    assert proposal.placements[10] == Placement(1, 11)
    assert proposal.placements[12] == Placement(1, None)


def test_mutual_pairs_go_before_organization_pairs():
    # One twin room: the mutual pair gets it, the organization pair waits for singles.
    blocks = [Block(1, TWIN, 1, THREE), Block(2, SINGLE, 2, THREE)]
    requests = [Request(1, THREE, ORGANIZATION, organization=7), Request(2, THREE, ORGANIZATION, organization=7),
                Request(3, THREE, COLLEAGUE, wish=4), Request(4, THREE, COLLEAGUE, wish=3)]
    proposal = propose(blocks, requests)
    assert proposal.placements[3] == Placement(1, 4) and proposal.placements[4] == Placement(1, 3)
    assert proposal.placements[1] == Placement(2) and proposal.placements[2] == Placement(2)


def test_organization_pairs_prefer_identical_nights():
    short = nights_between(D, D + timedelta(days=1))
    blocks = [Block(1, TWIN, 5, THREE)]
    requests = [Request(1, THREE, ORGANIZATION, organization=1), Request(2, short, ORGANIZATION, organization=1),
                Request(3, THREE, ORGANIZATION, organization=1)]
    proposal = propose(blocks, requests)
    assert proposal.placements[1].roommate == 3 and proposal.placements[2].roommate is None


def test_capacity_is_per_night():
    first = nights_between(D, D + timedelta(days=1))
    second = nights_between(D + timedelta(days=1), D + timedelta(days=2))
    both = first | second
    blocks = [Block(1, SINGLE, 1, both)]
    requests = [Request(1, first), Request(2, second), Request(3, both)]
    proposal = propose(blocks, requests)
    # One room: the first night to 1, the second to 2, nothing left for 3.
    assert set(proposal.placements) == {1, 2} and proposal.unplaced == [3]


def test_a_stay_outside_the_block_nights_is_not_placed():
    blocks = [Block(1, SINGLE, 10, nights_between(D, D + timedelta(days=1)))]
    proposal = propose(blocks, [Request(1, THREE)])
    assert proposal.placements == {} and proposal.unplaced == [1]


def test_singles_overflow_into_twins_and_cheapest_first():
    blocks = [Block(1, SINGLE, 1, THREE, price=150), Block(2, SINGLE, 1, THREE, price=90), Block(3, TWIN, 1, THREE)]
    proposal = propose(blocks, [Request(1, THREE), Request(2, THREE), Request(3, THREE), Request(4, THREE)])
    assert proposal.placements[1] == Placement(2) and proposal.placements[2] == Placement(1)
    assert proposal.placements[3] == Placement(3) and proposal.unplaced == [4]


def test_a_pair_without_a_twin_is_placed_alone():
    blocks = [Block(1, SINGLE, 2, THREE)]
    proposal = propose(blocks, [Request(1, THREE, COLLEAGUE, wish=2), Request(2, THREE, COLLEAGUE, wish=1)])
    assert proposal.placements == {1: Placement(1), 2: Placement(1)}


def test_the_proposal_never_overbooks_a_block():
    blocks = [Block(1, TWIN, 3, THREE), Block(2, SINGLE, 4, nights_between(D, D + timedelta(days=2)))]
    requests = []
    for i in range(1, 41):
        start = D + timedelta(days=i % 3)
        stay = nights_between(start, min(start + timedelta(days=1 + i % 2), D + timedelta(days=3)))
        sharing = (ALONE, COLLEAGUE, ORGANIZATION)[i % 3]
        requests.append(Request(i, stay, sharing, wish=i + 1 if sharing == COLLEAGUE else None, organization=i % 4))
    proposal = propose(blocks, requests)
    assert proposal.placements and proposal.unplaced
    assert overbooked(blocks, proposal.placements, _nights(requests)) == []
    for request_id, placement in proposal.placements.items():
        if placement.roommate is not None:
            assert proposal.placements[placement.roommate].roommate == request_id


def test_overbooked_finds_too_many_rooms_and_missing_nights():
    blocks = [Block(1, SINGLE, 1, THREE)]
    requests = [Request(1, THREE), Request(2, THREE), Request(3, nights_between(D, D + timedelta(days=4)))]
    placements = {1: Placement(1), 2: Placement(1)}
    assert len(overbooked(blocks, placements, _nights(requests))) == 3
    assert (1, D + timedelta(days=3)) in overbooked(blocks, {3: Placement(1)}, _nights(requests))


def test_the_core_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys, lsi_assembly.accommodation.rooming; "
            "print(any(m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_babel') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
