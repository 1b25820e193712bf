"""What the benchmarks that fork children share and that must not import the app (bench/badges.py,
bench/lists.py): the shared names, a case run in a child process, CPU accounting.

Kept apart from ``support.py``, which imports the app: a process pool's workers import the main
script, and should not pay for the app's imports.
"""
from __future__ import annotations

import csv
import json
import os
import resource
import secrets
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES_CSV = ROOT / "tests" / "data" / "names-europe.csv"


def unique_names(count: int) -> list[tuple[str, str, str]]:
    """``count`` unique (given, family, country): the CSV cycled, a number after the family name from pass 2."""
    with NAMES_CSV.open(encoding="utf-8") as handle:
        rows = [(unicodedata.normalize("NFC", r["given_name"]), unicodedata.normalize("NFC", r["family_name"]),
                 r["country"]) for r in csv.DictReader(handle)]
    found = []
    for i in range(count):
        given, family, country = rows[i % len(rows)]
        turn = i // len(rows)
        found.append((given, f"{family} {turn + 1}" if turn else family, country))
    return found


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (``/proc/stat``: everything but idle and iowait)."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds of this process's reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_case(script: str, case: dict, folder: str, timeout: float, cleanup=None) -> dict | None:
    """Run ``script --child OUT --case JSON`` in a child process; its JSON result, or None when it failed.

    Adds ``others_cpu`` (CPU seconds the rest of the machine used while the child ran: the machine's
    busy time minus the child's and its reaped descendants', to tell a quiet run from a disturbed one)
    and ``wall``. ``cleanup()`` runs afterwards whatever happened.
    """
    out = Path(folder) / f"{secrets.token_hex(4)}.json"
    command = [sys.executable, script, "--child", str(out), "--case", json.dumps(case)]
    busy, own = busy_seconds(), own_seconds()
    started = time.perf_counter()
    try:
        child = subprocess.run(command, timeout=timeout, check=False)
    finally:
        if cleanup is not None:
            cleanup()
    others = max(0.0, (busy_seconds() - busy) - (own_seconds() - own))
    print(f"<!-- {case}: child finished in {time.perf_counter() - started:.1f} s, status {child.returncode}, "
          f"others' CPU {others:.1f} s -->", file=sys.stderr)
    if child.returncode != 0 or not out.exists():
        return None
    return {**json.loads(out.read_text(encoding="utf-8")), "others_cpu": others,
            "wall": time.perf_counter() - started}
