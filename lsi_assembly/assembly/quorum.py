"""The General Assembly's arithmetic and proxy rules: plain data in, figures out.

Pure Python (no Flask, no SQLAlchemy): ``assembly.services`` gathers the members, proxies and the
people inside the hall into these dataclasses, and pages, commands and tests read the figures.

- A full member is **present** when its voting delegate is inside the hall, or its alternate while
  the voting delegate is not.
- It is **represented** when it is not present and the member holding its proxy is present; the
  proxy of a present member is never counted, so no vote counts twice.
- Votes present = the votes of the members present and represented. The quorum is reached when
  votes present > fraction x the votes of all full members (0.5: "more than half").
"""
from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

#: "More than half of all members' votes".
DEFAULT_FRACTION = Decimal("0.5")


@dataclass(frozen=True)
class Member:
    """A member organization as the Assembly sees it."""

    id: int
    name: str
    votes: int = 1
    #: Only full members vote, give or hold proxies.
    full: bool = True
    #: The participant ids of its voting delegate and of its alternate (None: not named).
    voter: int | None = None
    alternate: int | None = None


@dataclass(frozen=True)
class Proxy:
    """An active proxy: ``giver``'s vote carried by ``holder`` (member ids)."""

    giver: int
    holder: int


@dataclass(frozen=True)
class Attendance:
    """How a member takes part: present (by its voter or alternate) or represented (by a holder)."""

    member: Member
    #: ``voter`` or ``alternate`` for a present member; None for a represented one.
    by: str | None = None
    #: The present member holding its proxy, for a represented member.
    holder: Member | None = None


@dataclass(frozen=True)
class Figures:
    """The quorum at one moment."""

    #: Full members, present, represented and missing (in the order given).
    members: tuple[Member, ...]
    present: tuple[Attendance, ...]
    represented: tuple[Attendance, ...]
    missing: tuple[Member, ...]
    votes_total: int
    votes_present: int
    votes_needed: int
    fraction: Decimal

    @property
    def quorum(self) -> bool:
        """Whether votes present > fraction x all full members' votes."""
        return self.votes_present >= self.votes_needed


def check_fraction(fraction: Decimal | str) -> Fraction:
    """Return ``fraction`` exactly as a Fraction; ValueError unless 0 <= fraction < 1."""
    exact = Fraction(str(fraction))
    if not 0 <= exact < 1:
        raise ValueError(f"a quorum fraction is at least 0 and less than 1, not {fraction}")
    return exact


def votes_needed(votes_total: int, fraction: Decimal | str = DEFAULT_FRACTION) -> int:
    """The fewest votes present that are more than ``fraction`` x ``votes_total``."""
    return math.floor(check_fraction(fraction) * votes_total) + 1


def count(members: Iterable[Member], proxies: Iterable[Proxy], inside: Collection[int],
          fraction: Decimal | str = DEFAULT_FRACTION) -> Figures:
    """The quorum when the participants ``inside`` are in the hall.

    Only full members count. A proxy counts when both its giver and its holder are full members, the
    giver is not present and the holder is; a giver with several proxies (never made by ``proxy_refusal``)
    counts once, by the first.
    """
    full = tuple(member for member in members if member.full)
    by_id = {member.id: member for member in full}
    present: dict[int, Attendance] = {}
    for member in full:
        if member.voter is not None and member.voter in inside:
            present[member.id] = Attendance(member, by="voter")
        elif member.alternate is not None and member.alternate in inside:
            present[member.id] = Attendance(member, by="alternate")
    holders = {}
    for proxy in proxies:
        if proxy.giver in by_id and proxy.holder in by_id and proxy.giver != proxy.holder:
            holders.setdefault(proxy.giver, proxy.holder)
    represented = tuple(
        Attendance(member, holder=by_id[holders[member.id]]) for member in full
        if member.id not in present and holders.get(member.id) in present)
    represented_ids = {attendance.member.id for attendance in represented}
    missing = tuple(m for m in full if m.id not in present and m.id not in represented_ids)
    total = sum(member.votes for member in full)
    votes_present = sum(a.member.votes for a in present.values()) + sum(a.member.votes for a in represented)
    return Figures(
        members=full, present=tuple(present[m.id] for m in full if m.id in present), represented=represented,
        missing=missing, votes_total=total, votes_present=votes_present, votes_needed=votes_needed(total, fraction),
        fraction=Decimal(str(fraction)))


class ProxyRefusal(enum.StrEnum):
    """Why a proxy cannot be given or revoked (``assembly.services`` words each one for people)."""

    GIVER_NOT_FULL = "giver_not_full"
    HOLDER_NOT_FULL = "holder_not_full"
    TO_ITSELF = "to_itself"
    #: A member gives at most one proxy.
    ALREADY_GIVEN = "already_given"
    #: A member holding a proxy cannot give its own.
    GIVER_HOLDS = "giver_holds"
    #: A member that gave its proxy cannot hold one.
    HOLDER_GAVE = "holder_gave"
    #: The holder carries ``max_proxies`` already.
    HOLDER_FULL = "holder_full"
    #: Nothing to revoke.
    NONE_GIVEN = "none_given"
    #: A proxy is revocable until the session starts.
    SESSION_STARTED = "session_started"


def proxy_refusal(giver: Member, holder: Member, proxies: Iterable[Proxy], max_proxies: int) -> ProxyRefusal | None:
    """Why ``giver`` cannot give its proxy to ``holder`` given the active ``proxies``; None: it can."""
    proxies = list(proxies)
    if not giver.full:
        return ProxyRefusal.GIVER_NOT_FULL
    if not holder.full:
        return ProxyRefusal.HOLDER_NOT_FULL
    if giver.id == holder.id:
        return ProxyRefusal.TO_ITSELF
    givers = {proxy.giver for proxy in proxies}
    carried = Counter(proxy.holder for proxy in proxies)
    if giver.id in givers:
        return ProxyRefusal.ALREADY_GIVEN
    if carried[giver.id]:
        return ProxyRefusal.GIVER_HOLDS
    if holder.id in givers:
        return ProxyRefusal.HOLDER_GAVE
    if carried[holder.id] >= max_proxies:
        return ProxyRefusal.HOLDER_FULL
    return None


def session_started(starts: Iterable[datetime], now: datetime) -> bool:
    """Whether one of the sessions beginning at ``starts`` has started at ``now``."""
    return any(start <= now for start in starts)


def revocation_refusal(giver: Member, proxies: Iterable[Proxy], starts: Iterable[datetime],
                       now: datetime) -> ProxyRefusal | None:
    """Why ``giver`` cannot revoke its proxy now; None: it can."""
    if all(proxy.giver != giver.id for proxy in proxies):
        return ProxyRefusal.NONE_GIVEN
    if session_started(starts, now):
        return ProxyRefusal.SESSION_STARTED
    return None


def simple_fraction(fraction: Decimal | str) -> Fraction | None:
    """``fraction`` as a common fraction with a small denominator (0.6667 -> 2/3), if it is one to four decimals."""
    exact = Fraction(str(fraction))
    simple = exact.limit_denominator(12)
    return simple if abs(simple - exact) < Fraction(1, 20_000) else None
