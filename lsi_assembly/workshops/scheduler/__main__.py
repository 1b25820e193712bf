"""python -m lsi_assembly.workshops.scheduler INSTANCE.json [--method optimal|greedy] [--seed N] > SOLUTION.json"""
from __future__ import annotations

import argparse
import json
import sys

from lsi_assembly.workshops.scheduler.engine import solve
from lsi_assembly.workshops.scheduler.model import InstanceError, parse_instance


def main(argv: list[str] | None = None) -> int:
    """Read an instance (a file, or - for standard input), write its solution as JSON to standard output."""
    parser = argparse.ArgumentParser(prog="python -m lsi_assembly.workshops.scheduler",
                                     description="Assign participants to workshop runs (see docs/scheduler.md).")
    parser.add_argument("instance", help="instance JSON file, or - for standard input")
    parser.add_argument("--method", choices=["optimal", "greedy"], default="optimal",
                        help="optimal: minimal total cost, proven (default); greedy: first come, first served")
    parser.add_argument("--seed", type=int, default=0, help="order of arrival for greedy (default 0)")
    parser.add_argument("--time-limit", type=float, default=30.0,
                        help="seconds the integer program may take when the LP is not enough (default 30)")
    args = parser.parse_args(argv)
    try:
        if args.instance == "-":
            data = json.load(sys.stdin)
        else:
            with open(args.instance, encoding="utf-8") as handle:
                data = json.load(handle)
    except OSError as error:
        print(f"error: cannot read {args.instance}: {error.strerror}", file=sys.stderr)
        return 2
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        print(f"error: {args.instance} is not valid JSON: {error}", file=sys.stderr)
        return 2
    try:
        instance = parse_instance(data)
    except InstanceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    solution = solve(instance, method=args.method, seed=args.seed, time_limit=args.time_limit)
    json.dump(solution.to_json(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
