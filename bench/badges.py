"""Hand-run benchmark of badge printing: batches of 300 to 3,000 badges and one reprint at the desk (never part of the test suite).

Every case runs in a child process of its own, on a throw-away database (a temporary SQLite file, or
a PostgreSQL schema of its own that is dropped at the end, even on error) holding one event of 3
days, the 33 sample organizations and N confirmed participants, all members of those organizations,
named from ``tests/data/names-europe.csv`` (42 names in Latin, Cyrillic and Greek script, cycled;
from the second pass on the family name gets a number, " 2", " 3", ..., so every name is unique).
Times are wall-clock (``time.perf_counter``):

1. **Batches** (SQLite): the whole ``print_and_log`` call (badge codes issued, texts fitted, QR PNGs,
   Jinja HTML, WeasyPrint, the print log) and the commit, for ``--sizes`` participants (default
   300, 1,000 and 3,000) on the preset ``insert-90x54`` (10 on A4) and at 1,000 on ``a6`` (4 on A4);
   in one process (``render.PARALLEL_FROM`` raised out of reach) and with the process pool (the
   default from 120 badges: a fork server with WeasyPrint preloaded, 2 workers on 2 cores, chunks
   of 25 sheets joined with pypdf). Each run is a fresh child (so each pool run also starts the
   fork server, as the first print after a start of the app does); median of ``--repeat`` runs
   (default 3), the modes interleaved. Peak RSS of the child (``RUSAGE_SELF``) and, for the pool,
   of its largest pool process (``VmHWM`` of the fork server and the workers, sampled from ``/proc``
   while they live: see ``PoolWatch``).
2. **Breakdown** at 1,000 (``insert-90x54``, SQLite), one child: the same ``print_and_log`` call
   with its parts wrapped (they run unchanged): ``badges_for`` (queries + issuing the codes), text
   fitting, QR PNGs, Jinja HTML, WeasyPrint (its set-up, font configuration and CSS, timed apart
   once), pypdf merge, the print log and commit; in one process, then with the pool twice in the
   same process: the fork server cold (first pool of the process), then already running. The codes
   and the log are deleted (untimed) between the runs so each one issues the codes again.
3. **Command line**: ``flask --app wsgi badges render --out FILE --preset insert-90x54`` as a
   subprocess at 1,000 (``LSI_ENV=testing``, on a copy of one loaded SQLite file each run, so each
   run issues the codes), wall time including Python's start-up; median of ``--repeat``; and the
   start-up alone (``... badges render --help``).
4. **Reprint at the desk** (SQLite and PostgreSQL, 1,000 participants whose badges were all printed
   before, codes and log written untimed): ``POST /desk/participants/<id>/badge`` with
   ``confirm=y`` through the test client, signed in as an organizer, at the desk's default badge
   size (``card-86x54``), a different person each request: the first request of the process
   (cold: WeasyPrint's fonts and stylesheet), 3 warm-up requests, then the median and p90 of
   ``--reprints`` (default 30), and the median time inside ``render_pdf``. The same child also
   times ``badges_for`` over all 1,000 (first call issuing the codes, then again), to show the share
   of the database.

Nothing is asserted about time. The only failures are sanity checks, reported with exit status 2
after the tables: WeasyPrint did not find HarfBuzz's subsetter (``weasyprint.text.ffi.harfbuzz_subset``
is None: every PDF would take the slow Python font subsetting), a PDF with the wrong number of pages,
codes or print-log rows missing, a reprint not answered with a one-page PDF, a command-line run that failed.

    .venv/bin/python bench/badges.py [--sizes 300,1000,3000] [--repeat 3] [--reprints 30]
                                     [--db sqlite|postgresql|both] [--skip-batches]

About 8 minutes on a 2-core machine with the defaults. PostgreSQL (reprint only): ``TEST_POSTGRES_URL``
(default postgresql://postgres@127.0.0.1:5432/test), as for the tests.

Note: the pool's workers are started by a fork server and, like every ``multiprocessing`` child
that is not forked, import the parent's ``__main__`` script first. This file therefore imports the
app (and ``support.py``) inside functions, not at the top: otherwise each worker would pay about
1.5 s of imports the app's own entry points (``flask``, ``gunicorn``) do not cost it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, run_case, unique_names

DEFAULT_SIZES = "300,1000,3000"
BREAKDOWN_SIZE = 1_000
CLI_SIZE = 1_000
REPRINT_POPULATION = 1_000
WARM_UPS = 3
MAIN_PRESET = "insert-90x54"
SECOND_PRESET = "a6"  # at 1,000 only
DESK_PRESET = "card-86x54"  # the desk's default (checkin/views.py DEFAULT_PRESET)
SEED = 2027
CATEGORIES = [("delegate", 70), ("observer", 10), ("speaker", 8), ("press", 4), ("secretariat", 3),
              ("staff", 3), ("guest", 2)]
HOME_LANGUAGES = {"PL": "Polish", "CZ": "Czech", "HU": "Hungarian", "RO": "Romanian", "UA": "Ukrainian",
                  "MK": "Macedonian", "RS": "Serbian", "BG": "Bulgarian", "GR": "Greek", "TR": "Turkish",
                  "IS": "Icelandic", "DK": "Danish", "NO": "Norwegian", "EE": "Estonian", "LT": "Lithuanian",
                  "LV": "Latvian", "BE": "Dutch", "NL": "Dutch", "ES": "Spanish", "PT": "Portuguese",
                  "FR": "French", "IE": "Irish", "DE": "German", "AT": "German", "IT": "Italian",
                  "HR": "Croatian", "SI": "Slovene", "XK": "Albanian"}


# --- data ----------------------------------------------------------------------------------------

def load(app, count: int) -> float:
    """Create the event (3 days), the 33 sample organizations and ``count`` confirmed participants."""
    import random
    from datetime import timedelta

    import sqlalchemy as sa

    from lsi_assembly.core.database import utcnow
    from lsi_assembly.core.search import fold
    from lsi_assembly.extensions import db
    from lsi_assembly.registration.models import Participant, participant_days
    from support import assembly_with_organizations, email_local, finish_load

    rng = random.Random(SEED + count)
    started = time.perf_counter()
    with app.app_context():
        event, organizations = assembly_with_organizations()
        org_ids = [o.id for o in organizations]
        day_ids = [d.id for d in event.days]
        rows = []
        for i, (given, family, country) in enumerate(unique_names(count)):
            created = utcnow() - timedelta(days=100, seconds=-i * 60)
            languages = sorted({"English", HOME_LANGUAGES.get(country, "English")}
                               | ({"French"} if rng.random() < 0.3 else set()))
            badge_name = given if rng.random() < 0.05 else None  # a few ask for their given name only
            rows.append({
                "event_id": event.id, "category": rng.choices(*zip(*CATEGORIES, strict=True))[0],
                "status": "confirmed", "given_name": given, "family_name": family, "name_on_badge": badge_name,
                "email": f"{email_local(given, family)}.{i + 1:05d}@example.org",
                "organization_id": org_ids[i % len(org_ids)], "organization_name": None, "country": country,
                "job_title": None, "dietary": [], "languages": languages, "list_consent": True,
                "photo_consent": rng.random() < 0.75, "badge_hide_organization": rng.random() < 0.03,
                "privacy_accepted_at": created, "locale": "en", "access_key": secrets.token_urlsafe(32),
                # Bulk inserts skip the ORM's before_insert event: fold as models.py does.
                "search_text": fold(" ".join(filter(None, (given, family, badge_name)))),
                "sort_name": fold(f"{family} {given}")[:210],
                "created_at": created, "updated_at": created, "status_changed_at": created,
            })
        for first in range(0, count, 1_000):
            ids = db.session.scalars(sa.insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
                                     rows[first:first + 1_000]).all()
            db.session.execute(sa.insert(participant_days),
                               [{"participant_id": pid, "event_day_id": day} for pid in ids for day in day_ids])
        finish_load()
    return time.perf_counter() - started


# --- instruments ---------------------------------------------------------------------------------

class Timers:
    """Wraps functions of the app's modules to add up their durations (they run unchanged)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._undo: list = []

    def wrap(self, module, name: str, key: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
        setattr(module, name, timed)
        self._undo.append((module, name, original))

    def replace(self, module, name: str, value) -> None:
        self._undo.append((module, name, getattr(module, name)))
        setattr(module, name, value)

    def reset(self) -> None:
        self.seconds = {}

    def restore(self) -> None:
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)
        self._undo = []


def timed_writer(timers: Timers):
    """A ``PdfWriter`` whose ``append`` and ``write`` (the merge of the pool's chunks) add to ``merge``."""
    from pypdf import PdfWriter

    class TimedPdfWriter(PdfWriter):
        def append(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return super().append(*args, **kwargs)
            finally:
                timers.seconds["merge"] = timers.seconds.get("merge", 0.0) + time.perf_counter() - started

        def write(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return super().write(*args, **kwargs)
            finally:
                timers.seconds["merge"] = timers.seconds.get("merge", 0.0) + time.perf_counter() - started
    return TimedPdfWriter


class PoolWatch:
    """Peak RSS (``VmHWM``) of this process's descendants (the fork server and the pool's workers).

    Read from ``/proc`` every 0.25 s while they live. ``RUSAGE_CHILDREN`` cannot tell it: a process
    keeps across ``exec`` the high-water mark of what it was forked from, so the fork server would
    report this process's RSS at the moment it was started. A worker's growth in its last 0.25 s
    before the pool shuts down could be missed; its earlier chunks are counted by the high-water mark.
    """

    def __init__(self) -> None:
        import threading
        self.peak_mb = 0.0
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PoolWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                        ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                parents.setdefault(ppid, []).append(int(entry))
        todo, found = [os.getpid()], []
        while todo:
            children = parents.get(todo.pop(), [])
            found.extend(children)
            todo.extend(children)
        for pid in found:
            try:
                with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
                    for line in handle:
                        if line.startswith("VmHWM:"):
                            self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
                            self.seen.add(pid)
            except OSError:
                continue

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()


def pool_started() -> bool:
    """Whether this process started a fork server (i.e. a process pool); stops it if so."""
    from multiprocessing import forkserver
    server = getattr(forkserver, "_forkserver", None)
    if server is None or getattr(server, "_forkserver_pid", None) is None:
        return False
    server._stop()  # private, but the way to end it now rather than at exit
    return True


def all_badges(event) -> list:
    """``badges_for`` every confirmed participant, fronts only (its signature has varied: with or without ``with_schedule``)."""
    import inspect

    from lsi_assembly.badges.services import BadgeFilter, badges_for
    extra = {"with_schedule": False} if "with_schedule" in inspect.signature(badges_for).parameters else {}
    return badges_for(event, BadgeFilter(), "en", **extra)


def pdf_pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader
    return len(PdfReader(io.BytesIO(pdf)).pages)


def counts() -> tuple[int, int]:
    """Valid badge codes and print-log rows in the database (inside an app context)."""
    import sqlalchemy as sa

    from lsi_assembly.badges.models import BadgeCode, BadgePrint
    from lsi_assembly.extensions import db
    return (db.session.scalar(sa.select(sa.func.count()).select_from(BadgeCode).where(BadgeCode.revoked_at.is_(None))),
            db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)))


def check_batch(problems: list[str], what: str, pdf: bytes, count: int, expected: int, per_page: int) -> int:
    pages = pdf_pages(pdf)
    codes, prints = counts()
    if count != expected:
        problems.append(f"{what}: {count} badges printed, {expected} expected")
    if pages != math.ceil(expected / per_page):
        problems.append(f"{what}: {pages} pages, {math.ceil(expected / per_page)} expected")
    if codes < expected or prints < expected:
        problems.append(f"{what}: {codes} valid codes and {prints} print-log rows for {expected} badges")
    return pages


# --- cases (each in a child process) -------------------------------------------------------------

def batch_case(preset_name: str, size: int, pool: bool, folder: str) -> dict:
    """One ``print_and_log`` of every badge, in one process or with the pool."""
    from lsi_assembly.badges import render
    from lsi_assembly.badges.layout import PRESETS
    from lsi_assembly.badges.printing import print_and_log
    from lsi_assembly.badges.services import BadgeFilter
    from lsi_assembly.events.services import current_event
    from lsi_assembly.extensions import db
    from support import fresh_app

    problems: list[str] = []
    preset = PRESETS[preset_name]
    with fresh_app("sqlite", folder=folder) as app:
        load(app, size)
        if not pool:
            render.PARALLEL_FROM = sys.maxsize
        with app.app_context():
            event = current_event()
            with PoolWatch() as watch:
                started = time.perf_counter()
                pdf, count = print_and_log(event, BadgeFilter(), preset, with_back=False, crop_marks=False,
                                           locale="en", actor="benchmark", user_id=None,
                                           codes_issued=db.session.commit)
                db.session.commit()
                seconds = time.perf_counter() - started
            parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            pages = check_batch(problems, f"{preset_name} N={size} {'pool' if pool else 'one process'}",
                                pdf, count, size, preset.per_page)
            db.session.remove()
    started_pool = pool_started()
    pool_rss = watch.peak_mb if watch.seen else None
    if pool and not started_pool:
        problems.append(f"{preset_name} N={size}: the pool run started no process pool (one-process fallback?)")
    if not pool and started_pool:
        problems.append(f"{preset_name} N={size}: the one-process run started a process pool")
    return {"seconds": seconds, "pages": pages, "bytes": len(pdf), "rss": parent_rss,
            "pool_rss": pool_rss, "problems": problems}


def breakdown_case(folder: str) -> dict:
    """``print_and_log`` at 1,000 with its parts timed: one process, pool (cold fork server), pool (warm)."""
    import sqlalchemy as sa

    from lsi_assembly.badges import printing, render
    from lsi_assembly.badges.layout import PRESETS
    from lsi_assembly.badges.models import BadgeCode, BadgePrint
    from lsi_assembly.badges.services import BadgeFilter
    from lsi_assembly.core import pdf as pdf_module
    from lsi_assembly.events.services import current_event
    from lsi_assembly.extensions import db
    from support import fresh_app

    problems: list[str] = []
    preset = PRESETS[MAIN_PRESET]
    runs = {}
    pool_rss = 0.0
    with fresh_app("sqlite", folder=folder) as app:
        load(app, BREAKDOWN_SIZE)
        timers = Timers()
        with app.app_context():
            started = time.perf_counter()
            pdf_module.stylesheet("css/badges.css")  # FontConfiguration + CSS parse, once per process
            setup = time.perf_counter() - started
            for label, parallel in (("one", False), ("pool_cold", True), ("pool_warm", True)):
                timers.restore()
                timers.reset()
                timers.wrap(printing, "badges_for", "badges_for")
                timers.wrap(render, "prepare", "prepare")
                timers.wrap(pdf_module, "qr_png", "qr")  # drawn when WeasyPrint fetches qr: URLs
                timers.wrap(render, "badge_html", "html")
                timers.wrap(printing, "record_prints", "log")
                timers.replace(render, "PdfWriter", timed_writer(timers))
                if parallel:
                    render.PARALLEL_FROM = 120
                else:
                    render.PARALLEL_FROM = sys.maxsize
                    # Only here: the pool's workers find render_pdf by name, so it stays the original there.
                    timers.wrap(render, "render_pdf", "weasyprint")
                event = current_event()
                with PoolWatch() as watch:
                    started = time.perf_counter()
                    pdf, count = printing.print_and_log(event, BadgeFilter(), preset, with_back=False,
                                                        crop_marks=False, locale="en", actor="benchmark",
                                                        user_id=None, codes_issued=db.session.commit)
                    commit_started = time.perf_counter()
                    db.session.commit()
                    ended = time.perf_counter()
                pool_rss = max(pool_rss, watch.peak_mb)
                parts = dict(timers.seconds)
                parts["commit"] = ended - commit_started
                parts["total"] = ended - started
                parts["pages"] = check_batch(problems, f"breakdown {label}", pdf, count, BREAKDOWN_SIZE,
                                             preset.per_page)
                parts["bytes"] = len(pdf)
                runs[label] = parts
                # Untimed: forget the codes and the log, so the next run issues the codes again.
                db.session.execute(sa.delete(BadgePrint))
                db.session.execute(sa.delete(BadgeCode))
                db.session.commit()
                db.session.remove()
        timers.restore()
    pool_started()  # reap the fork server: its workers' CPU then counts as this child's, not as others'
    return {"runs": runs, "setup": setup, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pool_rss": pool_rss, "problems": problems}


def cli_case(folder: str, repeat: int) -> dict:
    """``flask --app wsgi badges render`` as a subprocess, each run on a fresh copy of one loaded database."""
    import sqlite3

    from support import fresh_app

    problems: list[str] = []
    template = Path(folder) / "template.db"
    with fresh_app("sqlite", folder=folder) as app:
        load(app, CLI_SIZE)
        source = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        with sqlite3.connect(source) as src, sqlite3.connect(template) as dst:
            src.backup(dst)
    flask = Path(sys.executable).parent / "flask"
    base = [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]
    seconds, startup, message, peak = [], [], None, 0.0
    out = Path(folder) / "badges.pdf"
    for _ in range(repeat):
        run_db = Path(folder) / "run.db"
        shutil.copyfile(template, run_db)
        env = dict(os.environ, LSI_ENV="testing", DATABASE_URL=f"sqlite:///{run_db}")
        with PoolWatch() as watch:
            started = time.perf_counter()
            done = subprocess.run([*base, "--app", "wsgi", "badges", "render", "--out", str(out),
                                   "--preset", MAIN_PRESET],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
            seconds.append(time.perf_counter() - started)
        peak = max(peak, watch.peak_mb)
        if done.returncode != 0 or not out.exists():
            problems.append(f"flask badges render: status {done.returncode}: {done.stderr[-500:]}")
            continue
        pages = pdf_pages(out.read_bytes())
        if pages != math.ceil(CLI_SIZE / 10):
            problems.append(f"flask badges render: {pages} pages")
        message = done.stdout.strip()
        out.unlink()
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([*base, "--app", "wsgi", "badges", "render", "--help"], cwd=ROOT, env=env,
                       capture_output=True, timeout=120, check=False)
        startup.append(time.perf_counter() - started)
    return {"seconds": seconds, "startup": startup, "pages": math.ceil(CLI_SIZE / 10),
            "message": message if not problems else None,
            "rss": peak, "problems": problems}


def reprint_case(kind: str, reprints: int, schema: str | None, folder: str) -> dict:
    """One badge at the desk through the test client: first request, warm-ups, then ``reprints`` timed."""
    import sqlalchemy as sa

    from lsi_assembly.badges import render
    from lsi_assembly.badges.services import record_prints
    from lsi_assembly.events.services import current_event
    from lsi_assembly.extensions import db
    from lsi_assembly.registration.models import Participant
    from support import fresh_app, page_token, server_version, sign_in

    problems: list[str] = []
    with fresh_app(kind, schema=schema, folder=folder) as app:
        load(app, REPRINT_POPULATION)
        version = server_version(app)
        with app.app_context():  # the batch printed earlier: codes issued and every badge logged (untimed)
            event = current_event()
            started = time.perf_counter()
            contents = all_badges(event)
            db.session.commit()
            issuing = time.perf_counter() - started
            started = time.perf_counter()
            all_badges(current_event())
            reading = time.perf_counter() - started
            record_prints(contents, MAIN_PRESET, "benchmark", None)
            db.session.commit()
            people = list(db.session.scalars(sa.select(Participant.id).order_by(Participant.sort_name)))
            db.session.remove()
        needed = 1 + WARM_UPS + reprints
        people = [people[(i * 29) % len(people)] for i in range(needed)]  # spread over the alphabet
        client = app.test_client()
        sign_in(client)
        token = page_token(client, f"/desk/participants/{people[0]}")
        timers = Timers()
        timers.wrap(render, "render_pdf", "weasyprint")
        samples, inside = [], []
        for person in people:
            timers.reset()
            started = time.perf_counter()
            response = client.post(f"/desk/participants/{person}/badge", data={"csrf_token": token, "confirm": "y"})
            body = response.get_data()
            samples.append(time.perf_counter() - started)
            inside.append(timers.seconds.get("weasyprint", 0.0))
            response.close()
            if (response.status_code != 200 or response.headers.get("Content-Type") != "application/pdf"
                    or not body.startswith(b"%PDF") or pdf_pages(body) != 1):
                problems.append(f"reprint of {person}: {response.status_code} {response.headers.get('Content-Type')}")
                break
        timers.restore()
        with app.app_context():
            _codes, prints = counts()
            db.session.remove()
        if prints != REPRINT_POPULATION + needed:
            problems.append(f"reprints: {prints - REPRINT_POPULATION} logged, {needed} made")
    timed = samples[1 + WARM_UPS:]
    return {"kind": kind, "version": version, "first": samples[0], "samples": timed,
            "inside": inside[1 + WARM_UPS:], "first_inside": inside[0], "issuing": issuing, "reading": reading,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "problems": problems}


# --- the parent: children, tables ----------------------------------------------------------------

def in_child(case: dict, folder: str) -> dict | None:
    """Run one case in a child process of its own (``harness.run_case``); None when it failed."""
    schema = f"bench_{secrets.token_hex(4)}" if case.get("kind") == "postgresql" else None

    def drop() -> None:
        if schema:
            from support import drop_schema
            try:
                drop_schema(schema)
            except Exception as error:  # noqa: BLE001 - unreachable server: the child said so already
                print(f"could not drop schema {schema}: {error}", file=sys.stderr)

    return run_case(__file__, {**case, "schema": schema}, folder, 1800, cleanup=drop)


def run_child(case: dict, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="lsi-bench-") as folder:
        if case["case"] == "batch":
            result = batch_case(case["preset"], case["size"], case["pool"], folder)
        elif case["case"] == "breakdown":
            result = breakdown_case(folder)
        elif case["case"] == "cli":
            result = cli_case(folder, case["repeat"])
        else:
            result = reprint_case(case["kind"], case["reprints"], case["schema"], folder)
    out.write_text(json.dumps(result), encoding="utf-8")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def print_batches(batches: dict, repeat: int) -> None:
    from lsi_assembly.badges.layout import PRESETS
    print(f"## 1. Batches: `print_and_log` + commit, SQLite, a fresh child process per run, median of {repeat}\n")
    print("| preset | badges | mode | seconds (min–max) | badges/s | pages | PDF MB | peak RSS, parent MB "
          "| peak RSS, largest pool process MB (VmHWM) | one process ÷ pool | others' CPU s, each run |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (preset, size), modes in batches.items():
        medians = {}
        for pool in (False, True):
            results = modes.get(pool, [])
            if not results:
                print(f"| {preset} | {size:,} | {'pool' if pool else 'one process'} | failed | | | | | | | |")
                continue
            times = [r["seconds"] for r in results]
            medians[pool] = statistics.median(times)
            pool_rss = [r["pool_rss"] for r in results if pool and r["pool_rss"]]
            ratio = (f"×{medians[False] / medians[True]:.2f}" if pool and False in medians else "")
            others = " / ".join(f"{r['others_cpu']:.1f}" for r in results)
            print(f"| {preset} | {size:,} | {'pool (2 workers)' if pool else 'one process'} "
                  f"| {medians[pool]:.2f} ({min(times):.2f}–{max(times):.2f}) | {size / medians[pool]:,.0f} "
                  f"| {results[0]['pages']:,} | {statistics.median(r['bytes'] for r in results) / 1e6:.2f} "
                  f"| {statistics.median(r['rss'] for r in results):,.0f} "
                  f"| {f'{statistics.median(pool_rss):,.0f}' if pool_rss else '–'} | {ratio} "
                  f"| {others} |")
    print(f"\nPresets: {', '.join(f'{name} = {p.per_page} badges per page' for name, p in PRESETS.items() if name in {MAIN_PRESET, SECOND_PRESET})}. "
          "Every run starts on a database without codes, so `print_and_log` issues them all; the pool runs "
          "include starting the fork server (the first pool of a process). Others' CPU: CPU seconds the rest of the "
          "machine used during the run (0 on a quiet machine; seconds of it mean the run was disturbed).\n")


def print_breakdown(result: dict) -> None:
    runs = result["runs"]
    labels = [("one", "one process"), ("pool_cold", "pool, fork server cold"),
              ("pool_warm", "pool, fork server running")]
    print(f"## 2. Where the time goes: {BREAKDOWN_SIZE:,} badges, {MAIN_PRESET}, SQLite, one child process\n")
    print("Cells: seconds in the parent process (share of its total). In the pool's columns WeasyPrint runs in "
          "the workers: the parent waits for them.\n")
    print("| part | " + " | ".join(label for _key, label in labels) + " |")
    print("|---|" + "---:|" * len(labels))

    def row(label: str, value) -> None:
        cells = []
        for key, _ in labels:
            seconds = value(runs[key])
            cells.append("–" if seconds is None else f"{seconds:.3f} ({seconds / runs[key]['total']:.0%})")
        print(f"| {label} | " + " | ".join(cells) + " |")

    def outside(r: dict) -> float:
        return r["total"] - sum(r.get(k, 0.0) for k in ("badges_for", "prepare", "html", "weasyprint", "merge",
                                                        "log", "commit"))
    row("`badges_for` (queries + issuing 1,000 codes)", lambda r: r.get("badges_for"))
    row("`prepare`: text fitting", lambda r: r["prepare"])
    row("QR PNGs (segno, inside WeasyPrint's fetch; in the workers with the pool)", lambda r: r.get("qr", 0.0))
    row("Jinja HTML (`badge_html`)", lambda r: r["html"])
    row("WeasyPrint `render_pdf` (in this process)", lambda r: r.get("weasyprint"))
    row("waiting for the pool (WeasyPrint in the workers)",
        lambda r: outside(r) if "weasyprint" not in r else None)
    row("pypdf merge (`append` + `write`)", lambda r: r.get("merge"))
    row("print log (`record_prints`)", lambda r: r["log"])
    row("commit", lambda r: r["commit"])
    row("rest (unaccounted)", lambda r: outside(r) if "weasyprint" in r else None)
    print("| **total** | " + " | ".join(f"**{runs[k]['total']:.2f}**" for k, _ in labels) + " |")
    print("| PDF MB | " + " | ".join(f"{runs[k]['bytes'] / 1e6:.2f}" for k, _ in labels) + " |")
    print(f"\nWeasyPrint set-up (FontConfiguration + parsing badges.css), once per process, done before these runs: "
          f"{result['setup']:.3f} s. Between the runs the codes and the log were deleted (untimed), so each "
          f"run issues the codes again. Peak RSS: parent {result['rss']:,.0f} MB, largest pool process "
          f"{result['pool_rss'] or 0:,.0f} MB; others' CPU during the child: {result['others_cpu']:.1f} s.\n")


def print_cli(result: dict) -> None:
    times = result["seconds"]
    print(f"## 3. Command line, {CLI_SIZE:,} badges, {MAIN_PRESET}, SQLite, median of {len(times)}\n")
    print("| command | wall seconds (min–max) | badges/s |")
    print("|---|---:|---:|")
    print(f"| `flask --app wsgi badges render --out FILE --preset {MAIN_PRESET}` | {statistics.median(times):.2f} "
          f"({min(times):.2f}–{max(times):.2f}) | {CLI_SIZE / statistics.median(times):,.0f} |")
    if result["startup"]:
        print(f"| `flask --app wsgi badges render --help` (start-up only) | {statistics.median(result['startup']):.2f} | |")
    print(f"\nLargest peak RSS among the `flask` process and its pool processes (VmHWM sampled every 0.25 s): "
          f"{result['rss']:,.0f} MB. "
          f"It printed: {result['message']!r}. CPU used outside the `flask` process (its pool workers, and any "
          f"other load) during the child: {result['others_cpu']:.1f} s.\n")


def print_reprints(results: list[dict], reprints: int) -> None:
    print(f"## 4. One badge at the desk: `POST /desk/participants/<id>/badge` ({DESK_PRESET}), test client, "
          f"{REPRINT_POPULATION:,} participants\n")
    print(f"Cells: ms. The first request of the process is cold; then {WARM_UPS} warm-up requests, then "
          f"{reprints} timed, a different person each.\n")
    print("| database | first (cold) | median | p90 | max | `render_pdf` median (cold) | peak RSS MB "
          "| `badges_for` all 1,000: issuing codes / again | others' CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['kind']} {r['version']} | {ms(r['first'])} | {statistics.median(r['samples']) * 1000:.1f} "
              f"| {p90(r['samples']) * 1000:.1f} | {max(r['samples']) * 1000:.1f} "
              f"| {statistics.median(r['inside']) * 1000:.1f} ({ms(r['first_inside'])}) | {r['rss']:,.0f} "
              f"| {r['issuing']:.2f} s / {r['reading']:.2f} s | {r['others_cpu']:.1f} |")
    print()


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of whole numbers, e.g. 300,1000,3000") from None
    if not values or not all(10 <= v <= 20_000 for v in values):
        raise argparse.ArgumentTypeError("each size must be between 10 and 20,000")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes, default=sizes(DEFAULT_SIZES),
                        help=f"participants per batch, comma-separated (default {DEFAULT_SIZES})")
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs per batch and command line (default 3)")
    parser.add_argument("--reprints", type=int, default=30, help="timed reprints after the warm-ups (default 30)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both",
                        help="database(s) of the reprint (the batches run on SQLite)")
    parser.add_argument("--skip-batches", action="store_true", help="only the breakdown, command line and reprint")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # SIGTERM runs the clean-up (``finally``, context managers) instead of ending the process at once.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    if args.child:
        run_child(json.loads(args.case), Path(args.child))
        return
    if not 1 <= args.repeat <= 20 or not 5 <= args.reprints <= 1_000:
        parser.error("--repeat must be between 1 and 20, --reprints between 5 and 1,000")
    import weasyprint
    import weasyprint.text.ffi as weasyprint_ffi

    from support import machine

    problems: list[str] = []
    subsetter = getattr(weasyprint_ffi, "harfbuzz_subset", None)
    print(f"# Badge printing\n\n{machine(load_average=True)}\n")
    print(f"WeasyPrint {weasyprint.__version__}; HarfBuzz subsetter (`weasyprint.text.ffi.harfbuzz_subset`): "
          + ("found, fonts are subset by HarfBuzz." if subsetter is not None else
             "**MISSING**: fonts are subset in Python, every PDF is slower (install libharfbuzz-subset0).") + "\n")
    sys.stdout.flush()
    if subsetter is None:
        problems.append("weasyprint.text.ffi.harfbuzz_subset is None: libharfbuzz-subset0 is missing")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lsi-bench-results-") as folder:
        batches: dict = {}
        if not args.skip_batches:
            plan = [(MAIN_PRESET, size) for size in args.sizes]
            if BREAKDOWN_SIZE in args.sizes or not args.sizes:
                plan.append((SECOND_PRESET, BREAKDOWN_SIZE))
            for preset, size in plan:
                batches[(preset, size)] = {False: [], True: []}
            for _ in range(args.repeat):  # interleaved: drift of the machine spreads over every case
                for preset, size in plan:
                    for pool in (False, True):
                        result = in_child({"case": "batch", "preset": preset, "size": size, "pool": pool}, folder)
                        if result is None:
                            problems.append(f"batch {preset} N={size} {'pool' if pool else 'one process'}: child failed")
                            continue
                        problems.extend(result["problems"])
                        batches[(preset, size)][pool].append(result)
        breakdown = in_child({"case": "breakdown"}, folder)
        cli = in_child({"case": "cli", "repeat": args.repeat}, folder)
        kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        reprints = []
        for kind in kinds:
            result = in_child({"case": "reprint", "kind": kind, "reprints": args.reprints}, folder)
            if result is None:
                problems.append(f"reprint on {kind}: child failed")
                continue
            problems.extend(result["problems"])
            reprints.append(result)
    for result, name in ((breakdown, "breakdown"), (cli, "command line")):
        if result is None:
            problems.append(f"{name}: child failed")
        else:
            problems.extend(result["problems"])

    if batches:
        print_batches(batches, args.repeat)
    if breakdown:
        print_breakdown(breakdown)
    if cli:
        print_cli(cli)
    if reprints:
        print_reprints(reprints, args.reprints)
    print(f"Whole benchmark: {time.perf_counter() - started:.0f} s; load average at the end "
          + ", ".join(f"{value:.2f}" for value in os.getloadavg()) + ".\n")
    for problem in problems:
        print(f"WARNING {problem}")
    sys.stdout.flush()
    sys.exit(2 if problems else 0)


if __name__ == "__main__":
    main()
