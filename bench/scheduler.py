"""Benchmark the workshop assignment engine: time to a proven optimum, and quality next to greedy.

    .venv/bin/python bench/scheduler.py [--sizes 300 1000 5000] [--repeat 3] [--seed 1]

Instances: 4 slots, 6 to 8 runs a slot, topics of Zipf-skewed popularity, a few topics held twice,
5 ranked topics per participant, organizations of about 8 people (at least 33) with a cap of 3 per run,
capacities about 10 % above the average demand. Prints a Markdown table (for docs/benchmarks.md). Run by hand; never part of the tests.
"""
from __future__ import annotations

import argparse
import platform
import random
import statistics
import time

from lsi_assembly.workshops.scheduler import check_feasible, parse_instance, solve


def make_instance(participants: int, seed: int) -> dict:
    """A random instance shaped like the Assembly's, scaled to ``participants``."""
    rng = random.Random(seed)
    slots = [f"slot{i}" for i in range(4)]
    runs_per_slot = [rng.randint(6, 8) for _ in slots]
    total_runs = sum(runs_per_slot)
    repeated = max(2, total_runs // 8)  # topics held in two slots
    topics = [f"topic{i:02d}" for i in range(total_runs - repeated)]
    schedule = topics + rng.sample(topics[: len(topics) // 2], repeated)  # popular ones are held twice
    rng.shuffle(schedule)
    workshops, index, used = [], 0, set()
    for slot, count in zip(slots, runs_per_slot, strict=True):
        for _ in range(count):
            topic = schedule[index]
            index += 1
            while (slot, topic) in used:  # a topic's two runs go to different slots
                topic = rng.choice(topics)
            used.add((slot, topic))
            workshops.append({"id": f"w{len(workshops):02d}", "topic": topic, "slot": slot,
                              "capacity": max(5, round(participants / count * 1.1))})
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(topics))]  # Zipf-like popularity
    organizations = max(33, participants // 8)  # delegations of about 8 at most sizes
    people = []
    for number in range(participants):
        preferences: list[str] = []
        while len(preferences) < 5:
            topic = rng.choices(topics, weights)[0]
            if topic not in preferences:
                preferences.append(topic)
        attended = [s for s in slots if rng.random() < 0.9] or [slots[0]]
        people.append({"id": f"p{number}", "organization": f"org{number % organizations}", "slots": attended,
                       "preferences": preferences})
    return {"slots": [{"id": s} for s in slots], "workshops": workshops, "participants": people,
            "rank_costs": [0, 1, 3, 6, 10], "unranked_cost": 20, "unseated_cost": 40, "max_per_organization": 3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}; median of {args.repeat} runs\n")
    print("| participants | runs | method | solve s (median) | optimal | objective | lower bound | seated | "
          "unseated | 1st-choice share | worst rank | unranked seats |")
    print("|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        instance = parse_instance(make_instance(size, args.seed))
        for method in ("optimal", "greedy"):
            times, solution = [], None
            for attempt in range(args.repeat):
                started = time.perf_counter()
                solution = solve(instance, method, seed=args.seed + attempt)
                times.append(time.perf_counter() - started)
            problems = check_feasible(instance, solution.assignments)
            assert not problems, problems[:3]
            s = solution.stats
            print(f"| {size:,} | {len(instance.runs)} | {method} | {statistics.median(times):.3f} | "
                  f"{'yes' if solution.optimal else 'no'} | {solution.objective:,.0f} | "
                  f"{'–' if solution.lower_bound is None else f'{solution.lower_bound:,.0f}'} | {s['seated']:,} | "
                  f"{s['unseated']:,} | {s['first_choice_share']:.1%} | {s['worst_rank']} | "
                  f"{s['ranks'].get('unranked', 0):,} |")


if __name__ == "__main__":
    main()
