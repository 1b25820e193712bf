"""Hand-run benchmark of the printed and exported lists (issue 6): every list as PDF, CSV and Excel at 5,000 participants.

One child process loads a throw-away SQLite database (``support.fresh_app``) once and keeps a copy of
it; then every list runs in a child process of its own, on a fresh copy of that file, so its peak
RSS is its own. The database holds one event of 3 days, the 33 sample organizations and N confirmed
participants (default 5,000): 80 % attend all three days, the others one or two; about 88 % are
members of the sample organizations, the others from outside organizations (free text); names from
``tests/data/names-europe.csv`` (42 names in Latin, Cyrillic and Greek script, cycled; from the
second pass on the family name gets a number, " 2", " 3", ..., so every name is unique); about 80 %
agreed to appear on the shared list; about 30 % have a diet, 4 % a free-text dietary note, 3 %
accessibility needs. The programme has 2 slots a day (6 to 8 workshop runs a slot, in rooms "Room 1"
to "Room 8"); the people present that day are seated in each slot (``WorkshopAssignment`` rows, the
runs filled to 90-98 % of the people present), so rosters and door lists have about 25,000 rows.

For each list (``lsi_assembly.lists.tables.KINDS``, all days, alphabetical, ``locale="en"``;
catering without names) the child times, with ``time.perf_counter``:

1. ``build(kind, event)`` (the queries and the rows);
2. ``list_file(table, event, fmt)`` for csv, then xlsx, then pdf (PDF last: its memory dominates),
   each written to a file; for the PDF (``list_pdf``) also how many processes laid it out and when
   all its pages were known (the rest is drawing, writing and joining the parts);

and reports rows, pages (pypdf), bytes, and the child's peak RSS (``RUSAGE_SELF``) after ``build``,
after CSV and Excel, and after the PDF. Long PDFs are laid out in one process per core
(``lists.render.PARALLEL_FROM``); each part's process reports its own peak RSS. ``--one-day`` adds
the roster of the day's largest run and its largest door list, and the lists that can be printed per day
(sign-in, rosters, doors) for the first day only, as the desk would print them each morning.

Nothing is asserted about time (issue 6's goal is any list in under 10 s; the tables say which are
not). The only failures are sanity checks, reported with exit status 2 after the tables: WeasyPrint
without HarfBuzz's subsetter, a PDF that does not start with ``%PDF`` or whose last page does not
read "Page N of N", a CSV or Excel file without one line per row of the table (plus its header), a
roster, door or sign-in list without rows, a shared list with someone who did not consent.

    .venv/bin/python bench/lists.py [--participants 5000] [--kinds participants,sign-in,...]
                                    [--repeat 1] [--one-day] [--save-db FILE]

About 8 minutes on a 2-core machine with the defaults (the long PDFs dominate). ``--save-db FILE``
keeps a copy of the loaded database, e.g. to study the PDFs apart.

Note: this file imports the app inside functions, not at the top, as bench/badges.py does, so that a
process pool's workers (which import ``__main__``) would not pay for the app's imports.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from harness import run_case, unique_names

SEED = 2027
FORMATS = ("csv", "xlsx", "pdf")  # in this order: the PDF last, its memory dominates the peak
PER_DAY = ("sign-in", "rosters", "doors")
GOAL_SECONDS = 10.0
CATEGORIES = [("delegate", 70), ("observer", 10), ("speaker", 8), ("press", 4), ("secretariat", 3),
              ("staff", 3), ("guest", 2)]
DIETS = ["vegetarian", "vegan", "halal", "kosher", "gluten_free", "lactose_free", "nut_allergy"]
DIET_NOTES = ["No celery, please", "Diabetic: meals at fixed times", "Severe shellfish allergy (carries an EpiPen)",
              "Low-sodium diet", "No pork", "Pescatarian", "Fructose intolerance", "Soft food only (dental surgery)"]
NEEDS = ["Wheelchair user: step-free access and an accessible toilet", "Hearing loop in the plenary and workshops",
         "International sign language interpretation", "Seat near the front (low vision)",
         "Large-print documents", "Travels with an assistance dog", "Needs breaks every hour (chronic pain)",
         "Personal assistant attends too"]
SLOT_TIMES = [((10, 0), (11, 30)), ((14, 0), (15, 30))]


# --- data ----------------------------------------------------------------------------------------

def load(app, count: int) -> dict:
    """The event (3 days, 2 slots a day), 33 organizations, ``count`` confirmed participants, their seats."""
    import random
    from datetime import time as clock_time
    from datetime import timedelta

    import sqlalchemy as sa
    from support import OUTSIDE_ORGANIZATIONS, assembly_with_organizations, email_local, finish_load

    from lsi_assembly.core.database import utcnow
    from lsi_assembly.core.search import fold
    from lsi_assembly.demo.seed import SAMPLE_WORKSHOPS
    from lsi_assembly.extensions import db
    from lsi_assembly.registration.models import Participant, participant_days
    from lsi_assembly.workshops.models import Room, TimeSlot, Workshop, WorkshopAssignment, WorkshopRun

    rng = random.Random(SEED + count)
    started = time.perf_counter()
    with app.app_context():
        event, organizations = assembly_with_organizations()
        org_ids = [o.id for o in organizations]
        day_ids = [d.id for d in event.days]
        rows, days_of = [], []
        for i, (given, family, country) in enumerate(unique_names(count)):
            created = utcnow() - timedelta(days=100, seconds=-i * 60)
            member = rng.random() < 0.88
            diets = (rng.sample(DIETS, 2 if rng.random() < 0.1 else 1) if rng.random() < 0.3 else [])
            rows.append({
                "event_id": event.id, "category": rng.choices(*zip(*CATEGORIES, strict=True))[0],
                "status": "confirmed", "given_name": given, "family_name": family, "name_on_badge": None,
                "email": f"{email_local(given, family)}.{i + 1:05d}@example.org",
                "organization_id": org_ids[i % len(org_ids)] if member else None,
                "organization_name": None if member else rng.choice(OUTSIDE_ORGANIZATIONS), "country": country,
                "job_title": None, "dietary": diets,
                "dietary_notes": rng.choice(DIET_NOTES) if rng.random() < 0.04 else None,
                "accessibility_needs": rng.choice(NEEDS) if rng.random() < 0.03 else None,
                "languages": ["English"], "list_consent": rng.random() < 0.8,
                "photo_consent": rng.random() < 0.75, "badge_hide_organization": False,
                "privacy_accepted_at": created, "locale": "en", "access_key": secrets.token_urlsafe(32),
                # Bulk inserts skip the ORM's before_insert event: fold as models.py does.
                "search_text": fold(f"{given} {family}"), "sort_name": fold(f"{family} {given}")[:210],
                "created_at": created, "updated_at": created, "status_changed_at": created,
            })
            days_of.append(day_ids if rng.random() < 0.8 else sorted(rng.sample(day_ids, rng.randint(1, 2))))
        ids = []
        for first in range(0, count, 1_000):
            ids += db.session.scalars(sa.insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
                                      rows[first:first + 1_000]).all()
        db.session.execute(sa.insert(participant_days), [{"participant_id": pid, "event_day_id": day}
                                                         for pid, days in zip(ids, days_of, strict=True)
                                                         for day in days])
        # The programme: 2 slots a day, 6-8 runs a slot, everyone present seated in each slot (runs 90-98 % full).
        rooms = [Room(event_id=event.id, name=f"Room {i + 1}", capacity=2_000) for i in range(8)]
        workshops = [Workshop(event_id=event.id, title=title, facilitators=who, language=language)
                     for title, who, language in SAMPLE_WORKSHOPS]
        slots = [TimeSlot(event_id=event.id, day_id=day_id, starts_at=clock_time(*start), ends_at=clock_time(*end))
                 for day_id in day_ids for start, end in SLOT_TIMES]
        db.session.add_all([*rooms, *workshops, *slots])
        db.session.flush()
        seats, run_count = [], 0
        for number, slot in enumerate(slots):
            present = [pid for pid, days in zip(ids, days_of, strict=True) if slot.day_id in days]
            rng.shuffle(present)
            present = present[:round(len(present) * rng.uniform(0.90, 0.98))]
            count_runs = rng.randint(6, 8)
            weights = [rng.uniform(0.75, 1.25) for _ in range(count_runs)]
            bounds = [0]
            for weight in weights:
                bounds.append(bounds[-1] + round(len(present) * weight / sum(weights)))
            bounds[-1] = len(present)
            for r in range(count_runs):
                run = WorkshopRun(workshop_id=workshops[(number * 3 + r) % len(workshops)].id, slot_id=slot.id,
                                  room_id=rooms[r].id, capacity=bounds[r + 1] - bounds[r])
                db.session.add(run)
                db.session.flush()
                run_count += 1
                seats += [{"participant_id": pid, "run_id": run.id, "pinned": False, "created_at": utcnow()}
                          for pid in present[bounds[r]:bounds[r + 1]]]
        for first in range(0, len(seats), 5_000):
            db.session.execute(sa.insert(WorkshopAssignment), seats[first:first + 5_000])
        finish_load()
    return {"load_seconds": time.perf_counter() - started, "runs": run_count, "seats": len(seats),
            "consent": sum(r["list_consent"] for r in rows),
            "attendance": [sum(day in days for days in days_of) for day in day_ids]}


# --- cases (each in a child process) -------------------------------------------------------------

def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def load_case(count: int, template: Path, folder: str) -> dict:
    """Load the database once and copy it to ``template`` (SQLite's backup API)."""
    import sqlite3

    from support import fresh_app

    with fresh_app("sqlite", folder=folder) as app:
        info = load(app, count)
        source = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        with sqlite3.connect(source) as src, sqlite3.connect(template) as dst:
            src.backup(dst)
    return info


def stop_fork_server() -> None:
    """End the fork server that rendered the parts, and wait for it: only then does the CPU time of the
    parts' processes count as this child's (``harness.run_case`` tells the machine's other work by it)."""
    from multiprocessing import forkserver
    server = getattr(forkserver, "_forkserver", None)
    if server is not None and getattr(server, "_forkserver_pid", None) is not None:
        server._stop()  # private, but the way to end it now rather than at exit


def last_page_text(pdf: bytes) -> tuple[int, str]:
    import io

    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), reader.pages[-1].extract_text() or ""


def list_case(kind: str, one_day: bool, template: Path, folder: str) -> dict:
    """``build`` then csv, xlsx and pdf of one list, on a copy of the loaded database."""
    import csv
    import io

    from openpyxl import load_workbook

    from config import TestConfig
    from lsi_assembly.app import create_app
    from lsi_assembly.core import pdf as pdf_module
    from lsi_assembly.events.services import current_event
    from lsi_assembly.extensions import db
    from lsi_assembly.lists import render
    from lsi_assembly.lists.tables import build

    problems: list[str] = []
    what = label(kind, one_day)
    database = Path(folder) / "run.db"
    shutil.copyfile(template, database)
    app = create_app(TestConfig({"DATABASE_URL": f"sqlite:///{database}"}))
    result: dict = {"kind": kind, "one_day": one_day, "rss_start": rss_mb()}
    inside = {"seconds": 0.0}
    original = render.render_pdf

    def timed_render_pdf(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            inside["seconds"] += time.perf_counter() - started
    render.render_pdf = timed_render_pdf
    try:
        with app.app_context():
            event = current_event()
            day = event.days[0] if one_day else None
            started = time.perf_counter()
            table = build(kind, event, day=day, group_by="name", locale="en", with_names=False)
            if one_day == "largest":  # one run's roster, one door list: the longest of the day
                table.sections = [replace(max(table.sections, key=lambda s: len(s.rows)), new_page=False)]
            result["build"] = time.perf_counter() - started
            result["rows"] = table.row_count
            result["sections"] = len(table.sections)
            result["rss_build"] = rss_mb()
            if kind in PER_DAY and table.row_count == 0:
                problems.append(f"{what}: no rows")
            if kind == "participants":
                consenting = db.session.execute(db.text(
                    "SELECT count(*) FROM participants WHERE status = 'confirmed' AND list_consent")).scalar()
                if table.row_count != consenting:
                    problems.append(f"{what}: {table.row_count} rows, {consenting} people consented")
            for fmt in FORMATS:
                if fmt == "pdf":
                    started = time.perf_counter()  # FontConfiguration + CSS, once per process: timed apart
                    pdf_module.stylesheet("css/lists.css")
                    result["pdf_setup"] = time.perf_counter() - started
                inside["seconds"] = 0.0
                pdf_stats: dict = {}
                laid_out: dict = {}
                started = time.perf_counter()
                if fmt == "pdf":
                    data = render.list_pdf(table, event, stats=pdf_stats, progress=lambda _step, _pages: (
                        laid_out.setdefault("seconds", time.perf_counter() - started)))
                else:
                    data = render.list_file(table, event, fmt)
                out = Path(folder) / f"list.{fmt}"
                out.write_bytes(data)
                seconds = time.perf_counter() - started
                result[fmt] = {"seconds": seconds, "bytes": len(data)}
                if fmt == "csv":
                    lines = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
                    if lines != table.row_count + 1:
                        problems.append(f"{what}: CSV has {lines} lines for {table.row_count} rows and a header")
                elif fmt == "xlsx":
                    sheet = load_workbook(io.BytesIO(data), read_only=True).active
                    lines = sum(1 for _ in sheet.iter_rows(values_only=True))
                    if lines != table.row_count + 1:
                        problems.append(f"{what}: Excel has {lines} rows for {table.row_count} rows and a header")
                else:
                    result[fmt]["weasyprint"] = inside["seconds"]
                    result[fmt]["processes"] = pdf_stats.get("parts", 1)
                    result[fmt]["laid_out"] = laid_out.get("seconds")
                    result["rss_pdf"] = rss_mb()
                    result["rss_parts"] = pdf_stats.get("peak_rss_mb", [])
                    if not data.startswith(b"%PDF"):
                        problems.append(f"{what}: the PDF does not start with %PDF")
                    else:
                        pages, text = last_page_text(data)
                        result[fmt]["pages"] = pages
                        if f"Page {pages} of {pages}" not in " ".join(text.split()):
                            problems.append(f"{what}: the last page does not read 'Page {pages} of {pages}'")
                if fmt == "xlsx":
                    result["rss_tabular"] = rss_mb()
            db.session.remove()
    finally:
        render.render_pdf = original
        with app.app_context():
            db.engine.dispose()
        stop_fork_server()
    result["problems"] = problems
    return result


# --- the parent: children, tables ----------------------------------------------------------------

def in_child(case: dict, folder: str) -> dict | None:
    """Run one case in a child process of its own (``harness.run_case``); None when it failed."""
    return run_case(__file__, case, folder, 3600)


def run_child(case: dict, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="lsi-bench-") as folder:
        if case["case"] == "load":
            result = load_case(case["participants"], Path(case["template"]), folder)
        else:
            result = list_case(case["kind"], case["one_day"], Path(case["template"]), folder)
    out.write_text(json.dumps(result), encoding="utf-8")


def median(results: list[dict], *keys: str) -> float:
    values = []
    for r in results:
        value = r
        for key in keys:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def label(kind: str, scope) -> str:
    """The list's name in the tables: all days, the first day, or the largest run / door list of that day."""
    if scope == "largest":
        return f"{kind} ({'largest run' if kind == 'rosters' else 'largest room and slot'}, first day)"
    return f"{kind}{' (first day)' if scope else ''}"


def laid_out(runs: list[dict]) -> str:
    values = [r["pdf"]["laid_out"] for r in runs if r["pdf"].get("laid_out") is not None]
    return f"{statistics.median(values):.2f}" if values else "—"


def print_tables(results: dict, participants: int, repeat: int, info: dict) -> None:
    print(f"## 1. Each list, {participants:,} participants, SQLite, a fresh child process per list "
          f"(median of {repeat})\n")
    print("Seconds: `build` (queries and rows), then `list_file` for CSV and Excel and `list_pdf` for the PDF, "
          "file written. PDF: the whole `list_pdf` (Jinja, WeasyPrint, joining the parts); *processes*: how many "
          "processes laid it out (one per core from 1,200 lines on), and *laid out*: when every part's pages "
          "were known (the rest is drawing, writing and joining). Goal: any list in under "
          f"{GOAL_SECONDS:.0f} s (build + file).\n")
    print("| list | rows | sections | build s | CSV s | CSV KB | Excel s | Excel KB | PDF s | processes | ↳ laid out s "
          "| pages | PDF KB | ms per row (PDF) | build + PDF s | goal | others' CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for (kind, one_day), runs in results.items():
        label_ = label(kind, one_day)
        if not runs:
            print(f"| {label_} | failed |" + " |" * 15)
            continue
        r0 = runs[0]
        build = median(runs, "build")
        pdf = median(runs, "pdf", "seconds")
        total = build + pdf
        others = " / ".join(f"{r['others_cpu']:.0f}" for r in runs)
        print(f"| {label_} | {r0['rows']:,} | {r0['sections']} | {build:.2f} | {median(runs, 'csv', 'seconds'):.2f} "
              f"| {median(runs, 'csv', 'bytes') / 1e3:,.0f} | {median(runs, 'xlsx', 'seconds'):.2f} "
              f"| {median(runs, 'xlsx', 'bytes') / 1e3:,.0f} | {pdf:.2f} | {r0['pdf']['processes']} "
              f"| {laid_out(runs)} "
              f"| {r0['pdf'].get('pages', 0):,} | {median(runs, 'pdf', 'bytes') / 1e3:,.0f} "
              f"| {pdf * 1000 / max(r0['rows'], 1):.2f} | {total:.2f} "
              f"| {'met' if total < GOAL_SECONDS else '**missed**'} "
              f"| {others} |")
    print("\n## 2. Peak RSS of each list's child process, MB (`ru_maxrss`, median)\n")
    print("The PDF's share is what the list's own process grew by; a list laid out in parts also has the peak "
          "of each part's process (a fork-server child: the imports are shared, its peak counts them).\n")
    print("| list | at start (imports) | after `build` | after CSV + Excel | after PDF | PDF's share "
          "| parts' processes, peak | MB per 1,000 PDF rows |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (kind, one_day), runs in results.items():
        if not runs:
            continue
        label_ = label(kind, one_day)
        before, after = median(runs, "rss_tabular"), median(runs, "rss_pdf")
        parts = [max(r["rss_parts"]) for r in runs if r["rss_parts"]]
        grown = after - before + sum(max(r["rss_parts"]) - r["rss_start"] for r in runs[:1] if r["rss_parts"])
        print(f"| {label_} | {median(runs, 'rss_start'):,.0f} | {median(runs, 'rss_build'):,.0f} | {before:,.0f} "
              f"| {after:,.0f} | +{after - before:,.0f} "
              f"| {' / '.join(f'{mb:,.0f}' for mb in runs[0]['rss_parts']) or '—'}"
              f"{f' (median of the largest {statistics.median(parts):,.0f})' if len(runs) > 1 and parts else ''} "
              f"| {grown * 1000 / max(runs[0]['rows'], 1):,.0f} |")
    print(f"\nData: {participants:,} confirmed participants, {info['consent']:,} of them on the shared list; "
          f"present per day {', '.join(f'{n:,}' for n in info['attendance'])}; {info['runs']} workshop runs "
          f"(2 slots a day), {info['seats']:,} seats. Loading took {info['load_seconds']:.1f} s (once, "
          "untimed for the lists). WeasyPrint's set-up (FontConfiguration + parsing lists.css, once per process, "
          "before the PDF, not in its seconds): "
          f"{statistics.median(r['pdf_setup'] for runs in results.values() for r in runs):.2f} s (median). "
          "Others' CPU: CPU seconds the rest of the machine used while the list's child ran (0 on a quiet "
          "machine; on 2 cores, tens of seconds mean the times are inflated).\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=5_000, help="confirmed participants (default 5,000)")
    parser.add_argument("--kinds", default="", help="comma-separated lists (default: all seven)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh child processes per list (default 1)")
    parser.add_argument("--one-day", action="store_true",
                        help="also sign-in, rosters and doors for the first day, one run's roster, one door list")
    parser.add_argument("--save-db", type=Path, help="keep a copy of the loaded SQLite database here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    if args.child:
        run_child(json.loads(args.case), Path(args.child))
        return
    import weasyprint
    import weasyprint.text.ffi as weasyprint_ffi
    from support import machine

    from lsi_assembly.lists.tables import KINDS

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] or list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not 10 <= args.participants <= 50_000 or not 1 <= args.repeat <= 10:
        parser.error(f"unknown lists {unknown}" if unknown else "--participants 10-50,000, --repeat 1-10")
    problems: list[str] = []
    subsetter = getattr(weasyprint_ffi, "harfbuzz_subset", None)
    print(f"# Printed and exported lists\n\n{machine(load_average=True)}\n")
    print(f"WeasyPrint {weasyprint.__version__}; HarfBuzz subsetter: "
          + ("found." if subsetter is not None else "**MISSING** (every PDF is slower).") + "\n")
    sys.stdout.flush()
    if subsetter is None:
        problems.append("weasyprint.text.ffi.harfbuzz_subset is None: libharfbuzz-subset0 is missing")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lsi-bench-results-") as folder:
        template = Path(folder) / "template.db"
        info = in_child({"case": "load", "participants": args.participants, "template": str(template)}, folder)
        if info is None:
            print("WARNING loading the database failed")
            sys.exit(2)
        if args.save_db:
            shutil.copyfile(template, args.save_db)
        plan = [(kind, False) for kind in kinds] + ([(k, True) for k in kinds if k in PER_DAY] if args.one_day else [])
        plan += [(k, "largest") for k in kinds if k in ("rosters", "doors")] if args.one_day else []
        results: dict = {case: [] for case in plan}
        for _ in range(args.repeat):
            for kind, one_day in plan:
                result = in_child({"case": "list", "kind": kind, "one_day": one_day, "template": str(template)},
                                  folder)
                if result is None:
                    problems.append(f"{label(kind, one_day)}: child failed")
                    continue
                problems.extend(result["problems"])
                results[kind, one_day].append(result)
    print_tables(results, args.participants, args.repeat, info)
    print(f"Whole benchmark: {time.perf_counter() - started:.0f} s; load average at the end "
          + ", ".join(f"{value:.2f}" for value in os.getloadavg()) + ".\n")
    for problem in problems:
        print(f"WARNING {problem}")
    sys.stdout.flush()
    sys.exit(2 if problems else 0)


if __name__ == "__main__":
    main()
