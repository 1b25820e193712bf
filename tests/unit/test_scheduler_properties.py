"""Properties of the engine on random instances: always feasible, never worse than greedy."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsi_assembly.workshops.scheduler import check_feasible, parse_instance, solve


@st.composite
def instances(draw):
    slots = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    topics = [f"t{i}" for i in range(draw(st.integers(1, 5)))]
    workshops = []
    for index in range(draw(st.integers(1, 7))):
        workshops.append({"id": f"w{index}", "topic": draw(st.sampled_from(topics)),
                          "slot": draw(st.sampled_from(slots)), "capacity": draw(st.integers(0, 4))})
    used_topics = sorted({w["topic"] for w in workshops})
    participants = []
    seats_left = {w["id"]: w["capacity"] for w in workshops}
    for index in range(draw(st.integers(0, 9))):
        attended = draw(st.lists(st.sampled_from(slots), unique=True, min_size=1))
        preferences = draw(st.lists(st.sampled_from(used_topics), unique=True, max_size=4))
        pinned = []
        if draw(st.booleans()):
            # a valid pin: an attended slot, a run with a seat left
            for w in workshops:
                if w["slot"] in attended and seats_left[w["id"]] > 0:
                    pinned = [w["id"]]
                    seats_left[w["id"]] -= 1
                    break
        participants.append({"id": f"p{index}", "organization": draw(st.sampled_from(["a", "b", None])),
                             "slots": attended, "preferences": preferences, "pinned": pinned})
    return parse_instance({
        "slots": [{"id": s} for s in slots], "workshops": workshops, "participants": participants,
        "rank_costs": draw(st.lists(st.integers(0, 9), min_size=1, max_size=4).map(sorted)),
        "unranked_cost": draw(st.integers(0, 15)), "unseated_cost": draw(st.integers(0, 25)),
        "max_per_organization": draw(st.sampled_from([None, 1, 2])),
    })


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 1000))
def test_optimal_is_feasible_proven_and_never_worse_than_greedy(instance, seed):
    best = solve(instance, "optimal")
    greedy = solve(instance, "greedy", seed=seed)
    assert check_feasible(instance, best.assignments) == []
    assert check_feasible(instance, greedy.assignments) == []
    assert best.optimal and abs(best.objective - best.lower_bound) < 1e-6
    assert best.objective <= greedy.objective + 1e-6


@settings(max_examples=50, deadline=None)
@given(instances())
def test_same_input_same_output(instance):
    assert solve(instance).assignments == solve(instance).assignments
