"""Solving an instance: a proven optimum with HiGHS, or first-come-first-served as the baseline.

Formulation (see docs/scheduler.md): one binary variable per (participant, run) that could help that
participant; constraints: at most one run per attended slot, at most one run per topic, run capacity,
and the per-organization cap per run. Pinned seats are placed first and shrink what is left.
Minimizing the cost of seats relative to no seat equals minimizing the total cost.

Without topics held more than once the model is a transportation problem whose LP optimum is
integral; with them it usually still is. So the LP relaxation is solved first: an integral LP optimum
is a proven integer optimum (its value is also the lower bound). Otherwise the integer program is
solved by HiGHS's branch and bound within a time limit, and the bound it proved is reported.
"""
from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix

from lsi_assembly.workshops.scheduler.model import Instance, Participant, Run

INTEGRAL = 1e-6


@dataclass
class Solution:
    """Who sits where, what it costs, and whether that is proven best."""

    assignments: dict  # participant id -> list of run ids, in slot order
    objective: float
    #: A proven bound under which no assignment can go (None for greedy, which proves nothing).
    lower_bound: float | None
    optimal: bool
    method: str
    stats: dict = field(default_factory=dict)
    solve_seconds: float = 0.0

    def to_json(self) -> dict:
        """The solution as the JSON object of docs/scheduler.md."""
        return {
            "assignments": {str(pid): runs for pid, runs in self.assignments.items()},
            "objective": _plain_number(self.objective),
            "lower_bound": None if self.lower_bound is None else _plain_number(self.lower_bound),
            "optimal": self.optimal,
            "gap": None if self.lower_bound is None else _plain_number(self.objective - self.lower_bound),
            "method": self.method,
            "stats": self.stats,
            "solve_seconds": round(self.solve_seconds, 4),
        }


def _plain_number(value: float):
    return int(round(value)) if abs(value - round(value)) < 1e-6 else round(value, 6)


class _Seats:
    """Remaining capacity and organization room while seats are placed."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.free = {run.id: run.capacity for run in instance.runs}
        self.org_count: Counter = Counter()
        self.by_participant: dict = {p.id: {} for p in instance.participants}  # slot -> run

    def org_room(self, participant: Participant, run: Run) -> bool:
        cap = self.instance.max_per_organization
        return cap is None or participant.organization is None or self.org_count[participant.organization, run.id] < cap

    def can_take(self, participant: Participant, run: Run) -> bool:
        seats = self.by_participant[participant.id]
        return (self.free[run.id] > 0 and run.slot in participant.slots and run.slot not in seats
                and all(other.topic != run.topic for other in seats.values()) and self.org_room(participant, run))

    def take(self, participant: Participant, run: Run) -> None:
        self.free[run.id] -= 1
        self.by_participant[participant.id][run.slot] = run
        if participant.organization is not None:
            self.org_count[participant.organization, run.id] += 1


def _place_pins(instance: Instance) -> _Seats:
    seats = _Seats(instance)
    for participant in instance.participants:
        for run_id in participant.pinned:
            run = instance.runs_by_id[run_id]
            seats.free[run.id] -= 1
            seats.by_participant[participant.id][run.slot] = run
            if participant.organization is not None:
                seats.org_count[participant.organization, run.id] += 1
    return seats


def _result(instance: Instance, seats: _Seats) -> dict:
    order = {slot: i for i, slot in enumerate(instance.slots)}
    return {p.id: [run.id for slot, run in sorted(seats.by_participant[p.id].items(), key=lambda i: order[i[0]])]
            for p in instance.participants}


def objective_of(instance: Instance, assignments: dict) -> float:
    """Sum, over every attended slot of every participant, the cost of what they got there."""
    total = 0.0
    for participant in instance.participants:
        taken = {instance.runs_by_id[r].slot: instance.runs_by_id[r] for r in assignments.get(participant.id, [])}
        total += sum(instance.cost(participant, taken.get(slot)) for slot in participant.slots)
    return total


def solve_greedy(instance: Instance, seed: int = 0) -> dict:
    """First come, first served in a random order: each takes their best choices still open, then any seat."""
    seats = _place_pins(instance)
    order = list(instance.participants)
    random.Random(seed).shuffle(order)
    runs_by_topic = defaultdict(list)
    for run in instance.runs:
        runs_by_topic[run.topic].append(run)
    for participant in order:
        for topic in participant.preferences:
            for run in runs_by_topic[topic]:
                if seats.can_take(participant, run):
                    seats.take(participant, run)
                    break
        if instance.unranked_cost < instance.unseated_cost:
            for run in instance.runs:
                if run.topic not in participant.preferences and seats.can_take(participant, run):
                    seats.take(participant, run)
    return _result(instance, seats)


def _rows(keys: np.ndarray, limits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group variables by ``keys`` into constraint rows "sum <= limit", keeping only rows that can bind.

    Returns (row of each kept variable, index of that variable, limit of each row).
    """
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    group_limits = np.zeros(len(unique))
    group_limits[inverse] = limits
    binding = counts > group_limits
    new_row = np.cumsum(binding) - 1
    keep = binding[inverse]
    return new_row[inverse[keep]], np.flatnonzero(keep), group_limits[binding]


def solve_optimal(instance: Instance, time_limit: float = 30.0) -> tuple[dict, float, bool]:
    """Return (assignments, lower bound on the objective, proven optimal)."""
    seats = _place_pins(instance)
    people, runs = instance.participants, instance.runs
    cap = instance.max_per_organization
    slot_index = {slot: i for i, slot in enumerate(instance.slots)}
    topic_index = {topic: i for i, topic in enumerate(dict.fromkeys(run.topic for run in runs))}
    org_index = {org: i for i, org in enumerate(dict.fromkeys(p.organization for p in people))}
    n_people, n_runs, n_slots, n_topics = len(people), len(runs), len(slot_index), len(topic_index)
    run_slot = np.array([slot_index[run.slot] for run in runs], dtype=np.int64)
    run_topic = np.array([topic_index[run.topic] for run in runs], dtype=np.int64)
    free = np.array([seats.free[run.id] for run in runs], dtype=np.int64)

    # Who may sit where: attended slots the pins left open, topics the pins did not take, seats left.
    open_slot = np.zeros((n_people, n_slots), dtype=bool)
    open_topic = np.ones((n_people, n_topics), dtype=bool)
    rank = np.full((n_people, n_topics), -1, dtype=np.int64)
    person_org = np.zeros(n_people, dtype=np.int64)
    for i, person in enumerate(people):
        taken = seats.by_participant[person.id]
        for slot in person.slots:
            open_slot[i, slot_index[slot]] = slot not in taken
        for run in taken.values():
            open_topic[i, topic_index[run.topic]] = False
        for k, topic in enumerate(person.preferences):
            rank[i, topic_index[topic]] = k
        person_org[i] = org_index[person.organization]
    eligible = open_slot[:, run_slot] & open_topic[:, run_topic] & (free > 0)[None, :]
    if cap is not None:
        pins_in = np.zeros((len(org_index), n_runs), dtype=np.int64)
        for (org, run_id), count in seats.org_count.items():
            pins_in[org_index[org], [r.id for r in runs].index(run_id)] = count
        org_room = cap - pins_in  # seats left for each organization in each run
        has_org = np.array([org is not None for org in org_index], dtype=bool)
        eligible &= ~has_org[person_org][:, None] | (org_room[person_org] > 0)
    rank_costs = np.array(instance.rank_costs, dtype=float)
    person_rank = rank[:, run_topic]
    cost = np.where(person_rank >= 0, rank_costs[np.minimum(person_rank, len(rank_costs) - 1)],
                    instance.unranked_cost)
    eligible &= cost < instance.unseated_cost  # a seat costing as much as none never helps
    var_person, var_run = np.nonzero(eligible)
    gains = cost[var_person, var_run] - instance.unseated_cost
    constant = objective_of(instance, _result(instance, seats))
    if len(gains) == 0:
        return _result(instance, seats), constant, True

    # Constraints: one run per (person, slot), one per (person, topic), run capacity, organization room.
    ones = np.ones(len(gains))
    groups = [
        _rows(var_person * n_slots + run_slot[var_run], ones),
        _rows(var_person * n_topics + run_topic[var_run], ones),
        _rows(var_run, free[var_run].astype(float)),
    ]
    if cap is not None:
        capped = has_org[person_org[var_person]]
        rows, members, limits = _rows(person_org[var_person][capped] * n_runs + var_run[capped],
                                      org_room[person_org[var_person][capped], var_run[capped]].astype(float))
        groups.append((rows, np.flatnonzero(capped)[members], limits))
    row_parts, col_parts, limit_parts, offset = [], [], [], 0
    for rows, members, limits in groups:
        row_parts.append(rows + offset)
        col_parts.append(members)
        limit_parts.append(limits)
        offset += len(limits)
    rows, cols, upper = np.concatenate(row_parts), np.concatenate(col_parts), np.concatenate(limit_parts)
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(offset, len(gains))).tocsr() if offset else None
    ub = upper if offset else None

    relaxed = linprog(gains, A_ub=matrix, b_ub=ub, bounds=(0, 1), method="highs")
    if relaxed.status != 0:
        raise RuntimeError(f"the LP relaxation failed: {relaxed.message}")
    x = relaxed.x
    optimal = bool(np.all(np.minimum(np.abs(x), np.abs(1 - x)) < INTEGRAL))
    bound = constant + float(relaxed.fun)
    if not optimal:
        constraints = [LinearConstraint(matrix, -np.inf, ub)] if matrix is not None else []
        exact = milp(gains, constraints=constraints, integrality=np.ones(len(gains)), bounds=Bounds(0, 1),
                     options={"time_limit": time_limit})
        if exact.x is None:
            raise RuntimeError(f"no integer solution within {time_limit} s: {exact.message}")
        x = exact.x
        dual = getattr(exact, "mip_dual_bound", None)
        bound = constant + float(dual) if dual is not None and np.isfinite(dual) else bound
        optimal = exact.status == 0 and abs(float(exact.fun) + constant - bound) < 1e-6
    for index in np.flatnonzero(x > 0.5):
        seats.take(people[var_person[index]], runs[var_run[index]])
    return _result(instance, seats), bound, optimal


def check_feasible(instance: Instance, assignments: dict) -> list[str]:
    """List the rules an assignment breaks (empty when it keeps them all)."""
    problems = []
    seated = Counter()
    org = Counter()
    pins_per = Counter()
    for participant in instance.participants:
        runs = [instance.runs_by_id[r] for r in assignments.get(participant.id, [])]
        slots = [run.slot for run in runs]
        topics = [run.topic for run in runs]
        if len(set(slots)) != len(slots):
            problems.append(f"participant {participant.id!r} sits in two runs of one slot")
        if len(set(topics)) != len(topics):
            problems.append(f"participant {participant.id!r} sits in two runs of one topic")
        if any(slot not in participant.slots for slot in slots):
            problems.append(f"participant {participant.id!r} is seated in a slot they do not attend")
        if not set(participant.pinned) <= {run.id for run in runs}:
            problems.append(f"participant {participant.id!r} lost a pin")
        for run in runs:
            seated[run.id] += 1
            if participant.organization is not None:
                org[participant.organization, run.id] += 1
                if run.id in participant.pinned:
                    pins_per[participant.organization, run.id] += 1
    for run in instance.runs:
        if seated[run.id] > run.capacity:
            problems.append(f"workshop {run.id!r} is over capacity")
    cap = instance.max_per_organization
    if cap is not None:
        for key, count in org.items():
            if count > max(cap, pins_per[key]):
                problems.append(f"organization {key[0]!r} has {count} people in workshop {key[1]!r}")
    return problems


def statistics(instance: Instance, assignments: dict) -> dict:
    """Seated and unseated counts, ranks obtained, first-choice share, worst rank, organizations compared."""
    ranks: Counter = Counter()
    seated = unseated = 0
    first_choice = ranked_people = 0
    worst = None
    per_org: dict = defaultdict(list)
    for participant in instance.participants:
        runs = [instance.runs_by_id[r] for r in assignments.get(participant.id, [])]
        seated += len(runs)
        unseated += len(participant.slots) - len(runs)
        obtained = [instance.rank(participant, run) for run in runs]
        for rank in obtained:
            ranks[str(rank) if rank else "unranked"] += 1
            if rank and (worst is None or rank > worst):
                worst = rank
        if participant.preferences:
            ranked_people += 1
            first_choice += 1 if 1 in obtained else 0
        if participant.organization is not None:
            taken = {run.slot: run for run in runs}
            per_org[str(participant.organization)].append(
                sum(instance.cost(participant, taken.get(slot)) for slot in participant.slots))
    return {
        "participants": len(instance.participants),
        "seated": seated,
        "unseated": unseated,
        "ranks": dict(sorted(ranks.items(), key=lambda item: (item[0] == "unranked", int(item[0]) if item[0].isdigit() else 0))),
        "first_choice_share": round(first_choice / ranked_people, 4) if ranked_people else None,
        "worst_rank": worst,
        "per_organization": {org: round(sum(costs) / len(costs), 3) for org, costs in sorted(per_org.items())},
    }


def solve(instance: Instance, method: str = "optimal", seed: int = 0, time_limit: float = 30.0) -> Solution:
    """Solve ``instance`` with ``optimal`` (HiGHS, proven) or ``greedy`` (first come, first served)."""
    started = time.perf_counter()
    if method == "optimal":
        assignments, bound, optimal = solve_optimal(instance, time_limit)
    elif method == "greedy":
        assignments, bound, optimal = solve_greedy(instance, seed), None, False
    else:
        raise ValueError(f"unknown method {method!r} (optimal or greedy)")
    elapsed = time.perf_counter() - started
    objective = objective_of(instance, assignments)
    if bound is not None:
        optimal = optimal and abs(objective - bound) < 1e-6
    return Solution(assignments, objective, bound, optimal, method, statistics(instance, assignments), elapsed)
