"""Who sleeps where: the automatic rooming proposal, as pure Python (no Flask, no SQLAlchemy).

The rule is greedy, in three passes, each in a fixed order so that the same requests always give the
same proposal:

1. **Mutual pairs** (A named B and B named A, or one named the other and the other accepts anyone of
   their organization) go together into a twin room, for the union of their nights.
2. **Same-organization pairs**: people who accept anyone of their organization are paired with the
   colleague whose nights overlap theirs most (identical nights first), into a twin room.
3. **Singles**: everyone else, and the halves of a pair no twin room could take, alone in a single
   room, else alone in a twin room when no single room is left.

A room is counted per night: a block of ``rooms`` rooms holds at most ``rooms`` occupied rooms on each
of its nights, whoever fills them; a request is placed only in a block that has all its nights. Blocks
are tried cheapest first. Nobody is ever paired with someone who did not agree to share with them.

Why greedy and not the workshop engine (``workshops/scheduler``, a MILP): pairing is a matching
problem the engine does not model, the numbers are small (tens of rooms), and organizers must be able
to predict and explain the result ("mutual wishes first") before they adjust it by hand.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

SINGLE = "single"
TWIN = "twin"
ROOM_TYPES = (SINGLE, TWIN)
#: How a person would share: alone, with the colleague they name, or with anyone of their organization.
ALONE = "single"
COLLEAGUE = "colleague"
ORGANIZATION = "organization"
SHARING = (ALONE, COLLEAGUE, ORGANIZATION)


def nights_between(check_in: date, check_out: date) -> frozenset[date]:
    """The nights of a stay: from the check-in day to the day before check-out."""
    return frozenset(check_in + timedelta(days=n) for n in range((check_out - check_in).days))


@dataclass(frozen=True)
class Block:
    """Rooms of one type held at a hotel for some nights."""

    id: int
    room_type: str
    rooms: int
    nights: frozenset[date]
    price: Decimal = Decimal(0)


@dataclass(frozen=True)
class Request:
    """A person's request: nights, how they would share, and with whom."""

    id: int
    nights: frozenset[date]
    sharing: str = ALONE
    #: The person they named (``sharing == COLLEAGUE``).
    wish: int | None = None
    #: Their organization (None: none; nobody shares "with anyone of their organization" then).
    organization: int | None = None


@dataclass(frozen=True)
class Placement:
    """Where a request sleeps: a block and, in a twin room, the roommate (None: alone)."""

    block: int
    roommate: int | None = None


@dataclass
class Proposal:
    """The result: each placed request's placement, and the requests no block could take."""

    placements: dict[int, Placement] = field(default_factory=dict)
    unplaced: list[int] = field(default_factory=list)


def agrees(a: Request, b: Request) -> bool:
    """Tell whether ``a`` agreed to share a room with ``b``."""
    if a.id == b.id:
        return False
    if a.sharing == COLLEAGUE:
        return a.wish == b.id
    if a.sharing == ORGANIZATION:
        return a.organization is not None and a.organization == b.organization
    return False


def mutual(a: Request, b: Request) -> bool:
    """Tell whether both agreed to share with each other."""
    return agrees(a, b) and agrees(b, a)


def rooms_used(placements: dict[int, Placement], nights: dict[int, frozenset[date]]) -> dict[tuple[int, date], int]:
    """How many rooms of each block are taken on each night (a pair takes one room)."""
    used: dict[tuple[int, date], int] = defaultdict(int)
    for request_id, placement in placements.items():
        if placement.roommate is not None and placement.roommate in placements and placement.roommate < request_id:
            # The pair's room was counted with its first member; only the nights the roommate lacks count here.
            mate_nights = nights.get(placement.roommate, frozenset())
            for night in nights[request_id] - mate_nights:
                used[placement.block, night] += 1
            continue
        for night in nights[request_id]:
            used[placement.block, night] += 1
    return used


def overbooked(blocks: Iterable[Block], placements: dict[int, Placement],
               nights: dict[int, frozenset[date]]) -> list[tuple[int, date]]:
    """The (block, night) pairs with more rooms taken than held, or taken on a night the block lacks."""
    by_id = {block.id: block for block in blocks}
    problems = []
    for (block_id, night), count in sorted(rooms_used(placements, nights).items()):
        block = by_id[block_id]
        if night not in block.nights or count > block.rooms:
            problems.append((block_id, night))
    return problems


class _Capacity:
    def __init__(self, blocks: Iterable[Block]) -> None:
        self.blocks = sorted(blocks, key=lambda b: (b.price, b.id))
        self.used: dict[tuple[int, date], int] = defaultdict(int)

    def find(self, room_type: str, nights: frozenset[date]) -> Block | None:
        for block in self.blocks:
            if block.room_type == room_type and nights <= block.nights and all(
                    self.used[block.id, night] < block.rooms for night in nights):
                return block
        return None

    def take(self, block: Block, nights: frozenset[date]) -> None:
        for night in nights:
            self.used[block.id, night] += 1


def _overlap(a: Request, b: Request) -> tuple[bool, int, int]:
    """How well two stays fit one room: identical first, then most shared nights, then fewest empty ones."""
    shared = len(a.nights & b.nights)
    return (a.nights == b.nights, shared, -len(a.nights ^ b.nights))


def _pairs(requests: list[Request]) -> list[tuple[Request, Request]]:
    by_id = {r.id: r for r in requests}
    paired: set[int] = set()
    pairs = []
    # 1. Mutual wishes where at least one named the other.
    for request in requests:
        if request.id in paired or request.sharing != COLLEAGUE or request.wish not in by_id:
            continue
        other = by_id[request.wish]
        if other.id not in paired and mutual(request, other) and request.nights & other.nights:
            pairs.append((request, other))
            paired |= {request.id, other.id}
    # 2. Anyone of the organization: the best-fitting colleague who also accepts anyone of it.
    for request in requests:
        if request.id in paired or request.sharing != ORGANIZATION:
            continue
        candidates = [o for o in requests if o.id not in paired and o.sharing == ORGANIZATION
                      and mutual(request, o) and request.nights & o.nights]
        if candidates:
            other = max(candidates, key=lambda o: (*_overlap(request, o), -o.id))
            pairs.append((request, other))
            paired |= {request.id, other.id}
    return pairs


def propose(blocks: Iterable[Block], requests: Iterable[Request]) -> Proposal:
    """Place every request it can: mutual pairs, then organization pairs in twins, then singles."""
    requests = sorted(requests, key=lambda r: r.id)
    capacity = _Capacity(blocks)
    proposal = Proposal()
    alone: list[Request] = []
    for a, b in _pairs(requests):
        nights = a.nights | b.nights
        block = capacity.find(TWIN, nights)
        if block is None:
            alone += [a, b]
            continue
        capacity.take(block, nights)
        proposal.placements[a.id] = Placement(block.id, b.id)
        proposal.placements[b.id] = Placement(block.id, a.id)
    paired = set(proposal.placements)
    alone += [r for r in requests if r.id not in paired and r not in alone]
    for request in sorted(alone, key=lambda r: r.id):
        if not request.nights:
            proposal.unplaced.append(request.id)
            continue
        block = capacity.find(SINGLE, request.nights) or capacity.find(TWIN, request.nights)
        if block is None:
            proposal.unplaced.append(request.id)
            continue
        capacity.take(block, request.nights)
        proposal.placements[request.id] = Placement(block.id)
    proposal.unplaced.sort()
    return proposal
