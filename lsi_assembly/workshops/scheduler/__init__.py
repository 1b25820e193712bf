"""The workshop assignment engine: pure Python (no Flask, no SQLAlchemy), plain data in and out.

    from lsi_assembly.workshops.scheduler import parse_instance, solve
    solution = solve(parse_instance(json.load(open("instance.json"))), method="optimal")

Also runnable alone: ``python -m lsi_assembly.workshops.scheduler INSTANCE.json > SOLUTION.json``.
"""
from lsi_assembly.workshops.scheduler.engine import Solution, check_feasible, solve
from lsi_assembly.workshops.scheduler.model import Instance, InstanceError, Participant, Run, parse_instance

__all__ = ["Instance", "InstanceError", "Participant", "Run", "Solution", "check_feasible", "parse_instance",
           "solve"]
