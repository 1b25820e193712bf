"""The assignment engine on small instances whose optimum is known by hand."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lsi_assembly.workshops.scheduler import InstanceError, check_feasible, parse_instance, solve
from lsi_assembly.workshops.scheduler.engine import solve_optimal


def instance(workshops, participants, slots=("mon", "tue"), **extra):
    return parse_instance({"slots": [{"id": s} for s in slots], "workshops": workshops,
                           "participants": participants, "rank_costs": [0, 1, 5], "unranked_cost": 10,
                           "unseated_cost": 20, **extra})


def run(wid, topic, slot, capacity):
    return {"id": wid, "topic": topic, "slot": slot, "capacity": capacity}


def test_capacity_goes_to_whoever_it_helps_most():
    inst = instance([run("a", "A", "mon", 1), run("b", "B", "mon", 5)],
                    [{"id": "keen", "slots": ["mon"], "preferences": ["A"]},
                     {"id": "flexible", "slots": ["mon"], "preferences": ["A", "B"]}], slots=("mon",))
    solution = solve(inst)
    assert solution.assignments == {"keen": ["a"], "flexible": ["b"]}
    assert solution.objective == 1 and solution.lower_bound == 1 and solution.optimal


def test_one_run_per_slot_and_only_attended_slots():
    inst = instance([run("a", "A", "mon", 5), run("b", "B", "mon", 5), run("c", "C", "tue", 5)],
                    [{"id": "p", "slots": ["mon"], "preferences": ["A", "B", "C"]}])
    solution = solve(inst)
    assert solution.assignments == {"p": ["a"]}
    assert solution.objective == 0 and solution.stats["unseated"] == 0


def test_never_two_runs_of_one_topic():
    inst = instance([run("a1", "A", "mon", 5), run("a2", "A", "tue", 5), run("b", "B", "tue", 5)],
                    [{"id": "p", "preferences": ["A", "B"]}])
    solution = solve(inst)
    assert solution.assignments == {"p": ["a1", "b"]}
    assert solution.objective == 1


def test_a_rank_past_the_list_costs_its_last_value_and_unranked_seats_beat_none():
    inst = instance([run("a", "A", "mon", 1), run("b", "B", "mon", 1), run("c", "C", "mon", 1),
                     run("d", "D", "mon", 1)],
                    [{"id": "p", "slots": ["mon"], "preferences": ["A", "B", "C", "D"]},
                     {"id": "q", "slots": ["mon"], "preferences": ["A", "B", "C", "D"]},
                     {"id": "r", "slots": ["mon"], "preferences": ["A", "B", "C", "D"]},
                     {"id": "s", "slots": ["mon"], "preferences": ["A", "B", "C", "D"]},
                     {"id": "t", "slots": ["mon"], "preferences": []}], slots=("mon",))
    solution = solve(inst)
    # Four seats for five people: ranks 1, 2, 3 and 4 cost 0 + 1 + 5 + 5 (the last value), one waits: 20.
    assert solution.objective == 31 and solution.optimal
    assert solution.stats["unseated"] == 1 and solution.stats["worst_rank"] == 4


def test_an_unranked_seat_costing_more_than_none_is_left_empty():
    inst = parse_instance({"slots": [{"id": "mon"}], "workshops": [run("a", "A", "mon", 5)],
                           "participants": [{"id": "p", "preferences": []}], "unranked_cost": 30,
                           "unseated_cost": 20})
    assert solve(inst).assignments == {"p": []}


def test_pins_are_kept_even_when_costly_and_count_against_capacity():
    inst = instance([run("a", "A", "mon", 1), run("b", "B", "mon", 5)],
                    [{"id": "pinned", "slots": ["mon"], "preferences": ["B"], "pinned": ["a"]},
                     {"id": "other", "slots": ["mon"], "preferences": ["A"]}], slots=("mon",))
    solution = solve(inst)
    assert solution.assignments == {"pinned": ["a"], "other": ["b"]}
    assert solution.objective == 10 + 10


def test_organization_cap_and_pins_that_reach_it():
    workshops = [run("a", "A", "mon", 10), run("b", "B", "mon", 10)]
    people = [{"id": f"p{i}", "organization": "ngo", "slots": ["mon"], "preferences": ["A", "B"]} for i in range(3)]
    capped = solve(instance(workshops, people, slots=("mon",), max_per_organization=2))
    assert sorted(capped.assignments.values()) == [["a"], ["a"], ["b"]]
    people[0]["pinned"] = ["a"]
    people[1]["pinned"] = ["a"]
    full = solve(instance(workshops, people, slots=("mon",), max_per_organization=1))
    assert full.assignments == {"p0": ["a"], "p1": ["a"], "p2": ["b"]}  # pins stay; no other member joins
    assert check_feasible(instance(workshops, people, slots=("mon",), max_per_organization=1), full.assignments) == []


def test_greedy_is_first_come_first_served_and_repeatable():
    inst = instance([run("a", "A", "mon", 1), run("b", "B", "mon", 5)],
                    [{"id": "keen", "slots": ["mon"], "preferences": ["A"]},
                     {"id": "flexible", "slots": ["mon"], "preferences": ["A", "B"]}], slots=("mon",))
    outcomes = {json.dumps(solve(inst, "greedy", seed=s).assignments, sort_keys=True) for s in range(20)}
    assert len(outcomes) == 2  # who comes first gets A
    assert solve(inst, "greedy", seed=7).assignments == solve(inst, "greedy", seed=7).assignments
    assert solve(inst, "greedy").lower_bound is None and not solve(inst, "greedy").optimal


def test_the_integer_program_agrees_with_the_lp_path(monkeypatch):
    inst = instance([run("a1", "A", "mon", 1), run("a2", "A", "tue", 1), run("b", "B", "mon", 2),
                     run("c", "C", "tue", 2)],
                    [{"id": f"p{i}", "organization": f"o{i % 2}", "preferences": ["A", "B", "C"]} for i in range(4)],
                    max_per_organization=1)
    lp_assignments, lp_bound, lp_optimal = solve_optimal(inst)
    from lsi_assembly.workshops.scheduler import engine

    monkeypatch.setattr(engine, "INTEGRAL", -1.0)  # treat every LP optimum as fractional
    mip_assignments, mip_bound, mip_optimal = solve_optimal(inst)
    assert lp_optimal and mip_optimal and lp_bound == pytest.approx(mip_bound)
    assert engine.objective_of(inst, lp_assignments) == engine.objective_of(inst, mip_assignments)


@pytest.mark.parametrize(("data", "message"), [
    ({"slots": [{"id": "s"}, {"id": "s"}], "workshops": [], "participants": []}, "duplicate slot id 's'"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "s", -1)], "participants": []},
     "workshop 'a': capacity must be a whole number of at least 0"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "x", 1)], "participants": []}, "workshop 'a': unknown slot 'x'"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "s", 1), run("a", "B", "s", 1)], "participants": []},
     "duplicate workshop id 'a'"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "s", 1)],
      "participants": [{"id": "p", "preferences": ["Z"]}]}, "participant 'p': unknown topic 'Z'"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "s", 1)],
      "participants": [{"id": "p"}, {"id": "p"}]}, "duplicate participant id 'p'"),
    ({"slots": [{"id": "s"}, {"id": "t"}], "workshops": [run("a", "A", "s", 1)],
      "participants": [{"id": "p", "slots": ["t"], "pinned": ["a"]}]}, "which the participant does not attend"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "s", 1), run("b", "B", "s", 1)],
      "participants": [{"id": "p", "pinned": ["a", "b"]}]}, "two pins in one slot"),
    ({"slots": [{"id": "s"}], "workshops": [run("a", "A", "s", 1)],
      "participants": [{"id": "p", "pinned": ["a"]}, {"id": "q", "pinned": ["a"]}]},
     "2 pinned participants exceed its capacity 1"),
    ({"slots": [{"id": "s"}], "workshops": [], "participants": [], "rank_costs": []}, "rank_costs must be"),
    ([], "the instance must be a JSON object"),
])
def test_malformed_instances_name_the_offending_item(data, message):
    with pytest.raises(InstanceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_instance(data)


def test_command_line(tmp_path):
    data = {"slots": [{"id": "mon"}], "workshops": [run("a", "A", "mon", 1)],
            "participants": [{"id": 7, "preferences": ["A"]}]}
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    command = [sys.executable, "-m", "lsi_assembly.workshops.scheduler"]
    result = subprocess.run([*command, str(path)], capture_output=True, text=True, check=True)
    solution = json.loads(result.stdout)
    assert solution["assignments"] == {"7": ["a"]} and solution["optimal"] is True
    assert solution["objective"] == solution["lower_bound"] == 0
    assert set(solution["stats"]) >= {"seated", "unseated", "ranks", "first_choice_share", "worst_rank",
                                      "per_organization"}
    greedy = subprocess.run([*command, str(path), "--method", "greedy", "--seed", "3"], capture_output=True,
                            text=True, check=True)
    assert json.loads(greedy.stdout)["method"] == "greedy"
    path.write_text('{"slots": [], "workshops": [{"id": "x", "slot": "nope", "capacity": 1}], "participants": []}')
    bad = subprocess.run([*command, str(path)], capture_output=True, text=True)
    assert bad.returncode == 2 and "workshop 'x': unknown slot 'nope'" in bad.stderr
    path.write_text("{not json")
    assert subprocess.run([*command, str(path)], capture_output=True, text=True).returncode == 2


def test_the_engine_imports_neither_flask_nor_sqlalchemy():
    code = ("import sys, lsi_assembly.workshops.scheduler as s; "
            "assert not {'flask', 'sqlalchemy', 'flask_sqlalchemy'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
