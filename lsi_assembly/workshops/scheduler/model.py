"""The instance: slots, runs (a workshop topic in one slot and room), participants, costs; and its checks."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from numbers import Real

#: Defaults when an instance leaves them out (documented in docs/scheduler.md).
DEFAULT_RANK_COSTS = (0, 1, 3, 6, 10)
DEFAULT_UNRANKED_COST = 20
DEFAULT_UNSEATED_COST = 40


class InstanceError(ValueError):
    """The instance is malformed; the message names the offending item."""


@dataclass(frozen=True)
class Run:
    """One workshop run: a topic held in one slot, with a number of seats."""

    id: str | int
    topic: str | int
    slot: str | int
    capacity: int


@dataclass(frozen=True)
class Participant:
    id: str | int
    organization: str | int | None
    #: Slots attended, in the instance's slot order.
    slots: tuple
    #: Topics, best first.
    preferences: tuple
    #: Runs an organizer fixed for this person.
    pinned: tuple = ()


@dataclass
class Instance:
    slots: list
    runs: list[Run]
    participants: list[Participant]
    rank_costs: tuple = DEFAULT_RANK_COSTS
    unranked_cost: float = DEFAULT_UNRANKED_COST
    unseated_cost: float = DEFAULT_UNSEATED_COST
    max_per_organization: int | None = None
    runs_by_id: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.runs_by_id = {run.id: run for run in self.runs}

    def cost(self, participant: Participant, run: Run | None) -> float:
        """What a seat in ``run`` (None: no seat) costs ``participant`` in one slot."""
        if run is None:
            return self.unseated_cost
        if run.topic in participant.preferences:
            rank = participant.preferences.index(run.topic)
            return self.rank_costs[min(rank, len(self.rank_costs) - 1)]
        return self.unranked_cost

    def rank(self, participant: Participant, run: Run) -> int | None:
        """1 for the participant's first choice, None for a topic they did not rank."""
        return participant.preferences.index(run.topic) + 1 if run.topic in participant.preferences else None


def _id(value, what: str):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InstanceError(f"{what}: an id must be a string or an integer, not {value!r}")
    return value


def _unique(items, what: str) -> None:
    doubled = [item for item, count in Counter(items).items() if count > 1]
    if doubled:
        raise InstanceError(f"duplicate {what} id {doubled[0]!r}")


def _number(value, what: str, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or value != value or value < minimum:
        raise InstanceError(f"{what} must be a number of at least {minimum}, not {value!r}")
    return value


def _list(data: dict, key: str, what: str) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        raise InstanceError(f"{what}: '{key}' must be a list")
    return value


def parse_instance(data) -> Instance:
    """Check a JSON-like instance and build it; raise InstanceError naming what is wrong."""
    if not isinstance(data, dict):
        raise InstanceError("the instance must be a JSON object")
    slots = []
    for item in _list(data, "slots", "instance"):
        if not isinstance(item, dict) or "id" not in item:
            raise InstanceError(f"slot {item!r}: each slot is an object with an 'id'")
        slots.append(_id(item["id"], "slot"))
    _unique(slots, "slot")
    slot_set = set(slots)

    runs = []
    for item in _list(data, "workshops", "instance"):
        if not isinstance(item, dict) or "id" not in item:
            raise InstanceError(f"workshop {item!r}: each workshop is an object with an 'id'")
        run_id = _id(item["id"], "workshop")
        slot = item.get("slot")
        if slot not in slot_set:
            raise InstanceError(f"workshop {run_id!r}: unknown slot {slot!r}")
        capacity = item.get("capacity")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
            raise InstanceError(f"workshop {run_id!r}: capacity must be a whole number of at least 0, not {capacity!r}")
        runs.append(Run(run_id, _id(item.get("topic", run_id), f"workshop {run_id!r} topic"), slot, capacity))
    _unique([run.id for run in runs], "workshop")
    runs_by_id = {run.id: run for run in runs}
    topics = {run.topic for run in runs}

    participants = []
    for item in _list(data, "participants", "instance"):
        if not isinstance(item, dict) or "id" not in item:
            raise InstanceError(f"participant {item!r}: each participant is an object with an 'id'")
        pid = _id(item["id"], "participant")
        organization = item.get("organization")
        if organization is not None:
            _id(organization, f"participant {pid!r} organization")
        attended = item.get("slots")
        if attended is None:
            attended = list(slots)
        if not isinstance(attended, list):
            raise InstanceError(f"participant {pid!r}: 'slots' must be a list")
        for slot in attended:
            if slot not in slot_set:
                raise InstanceError(f"participant {pid!r}: unknown slot {slot!r}")
        _unique(attended, f"participant {pid!r} slot")
        preferences = item.get("preferences", [])
        if not isinstance(preferences, list):
            raise InstanceError(f"participant {pid!r}: 'preferences' must be a list")
        for topic in preferences:
            if topic not in topics:
                raise InstanceError(f"participant {pid!r}: unknown topic {topic!r} in preferences")
        _unique(preferences, f"participant {pid!r} preference")
        pinned = item.get("pinned", [])
        if not isinstance(pinned, list):
            raise InstanceError(f"participant {pid!r}: 'pinned' must be a list")
        pinned_runs = []
        for run_id in pinned:
            run = runs_by_id.get(run_id)
            if run is None:
                raise InstanceError(f"participant {pid!r}: unknown workshop {run_id!r} in pinned")
            if run.slot not in attended:
                raise InstanceError(f"participant {pid!r}: pinned workshop {run_id!r} is in slot {run.slot!r}, "
                                    "which the participant does not attend")
            pinned_runs.append(run)
        _unique([run.slot for run in pinned_runs], f"participant {pid!r} pinned slot (two pins in one slot): slot")
        _unique([run.topic for run in pinned_runs], f"participant {pid!r} pinned topic (two runs of one topic): topic")
        order = {slot: index for index, slot in enumerate(slots)}
        participants.append(Participant(pid, organization, tuple(sorted(attended, key=order.__getitem__)),
                                        tuple(preferences), tuple(run.id for run in pinned_runs)))
    _unique([p.id for p in participants], "participant")

    pins = Counter(run_id for p in participants for run_id in p.pinned)
    for run_id, count in pins.items():
        if count > runs_by_id[run_id].capacity:
            raise InstanceError(f"workshop {run_id!r}: {count} pinned participants exceed its capacity "
                                f"{runs_by_id[run_id].capacity}")

    rank_costs = data.get("rank_costs", list(DEFAULT_RANK_COSTS))
    if not isinstance(rank_costs, list) or not rank_costs:
        raise InstanceError("rank_costs must be a non-empty list of numbers")
    rank_costs = tuple(_number(c, f"rank_costs[{i}]") for i, c in enumerate(rank_costs))
    cap = data.get("max_per_organization")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        raise InstanceError(f"max_per_organization must be null or a whole number of at least 0, not {cap!r}")
    return Instance(
        slots=slots, runs=runs, participants=participants, rank_costs=rank_costs,
        unranked_cost=_number(data.get("unranked_cost", DEFAULT_UNRANKED_COST), "unranked_cost"),
        unseated_cost=_number(data.get("unseated_cost", DEFAULT_UNSEATED_COST), "unseated_cost"),
        max_per_organization=cap,
    )
