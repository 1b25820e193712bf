"""Hand-run benchmark of the organizers' registrations list (never part of the test suite).

Builds the app on a throw-away database (a temporary SQLite file, or a PostgreSQL schema of its
own that is dropped at the end), loads one event with 33 organizations and N participants, signs
an organizer in through the test client, then times full requests (routing, queries, template
rendering, response body) with ``time.perf_counter``. Each page gets 3 warm-up requests; the timed
requests go round-robin over all pages, in a shuffled order each round, so that a noisy moment of
the machine hits every page alike and the ratios to ``/health`` are measured in the same run.
Nothing is asserted about time; the only failure is a search that finds nothing or everything
(it was not applied), reported with exit status 2.

    .venv/bin/python bench/backoffice.py [--db sqlite|postgresql|both] [--participants 5000] [--repeat 30]

PostgreSQL: ``TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test), as for the tests.
With ``--db both`` each database runs in a child process, so that peak RSS is per database.
Figures and how to read them: docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]

import click
import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.search import fold
from lsi_assembly.demo.seed import SAMPLE_LANGUAGES, SAMPLE_ORGANIZATIONS, sample_names
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.models import Category, Diet, Participant, Status, participant_days
from support import (
    OUTSIDE_ORGANIZATIONS,
    csrf_token,
    email_local,
    fetch,
    finish_load,
    fresh_app,
    machine,
    peak_rss_mb,
    server_version,
    sign_in,
)

MAX_PARTICIPANTS = 200_000
MAX_REPEAT = 1_000
WARMUP = 3
BATCH = 1_000
SEED = 2027
LIST = "/manage/registrations/"

#: (label, URL, search words) of the timed pages; /manage/ is added when it answers 200. A search
#: runs on a client of its own: ``LIST?q=...`` when the list's search form is a GET form, or the form
#: POSTed once (the search words then live in that client's session) and ``LIST`` timed after.
PAGES = [
    ("/health (floor)", "/health", None),
    ("list, page 1", LIST, None),
    ("list, page 50", LIST + "?page=50", None),
    ("search q=jose", LIST, "jose"),
    ("search q=kovacs", LIST, "kovacs"),
    ("search q=example.org (all)", LIST, "example.org"),
    ("status=pending&country=PL", LIST + "?status=pending&country=PL", None),
    ("dietary=1&sort=-registered", LIST + "?dietary=1&sort=-registered", None),
    ("export.csv (all)", LIST + "export.csv", None),
    ("export.xlsx (all)", LIST + "export.xlsx", None),
]
#: Searches that must find some participants but not all (anything else means the search was not applied).
NARROW_SEARCHES = {"jose", "kovacs"}
DASHBOARD = ("dashboard /manage/", "/manage/", None)

JOBS = [None, "Programme coordinator", "Lawyer", "Social worker", "Director", "Outreach worker", "Researcher",
        "Cultural mediator", "Journalist"]
DIETS = [[]] * 14 + [[Diet.VEGETARIAN], [Diet.VEGAN], [Diet.HALAL], [Diet.KOSHER],
         [Diet.GLUTEN_FREE, Diet.VEGETARIAN], [Diet.LACTOSE_FREE], [Diet.NUT_ALLERGY]]


# --- data ----------------------------------------------------------------------------------------

def load(app, count: int) -> float:
    """Create the event, 33 organizations and ``count`` participants; return the seconds it took."""
    rng = random.Random(SEED)
    started = time.perf_counter()
    with app.app_context():
        days = [date(2027, 6, 24), date(2027, 6, 25), date(2027, 6, 26)]
        event = Event(slug="ga-2027", name="LSI General Assembly 2027", city="Paris", host="CCEM",
                      contact_email="assembly@example.org", registration_opens_at=utcnow() - timedelta(days=120))
        event.days = [EventDay(date=d, label=None) for d in days]
        db.session.add(event)
        db.session.flush()
        organizations = [
            Organization(event_id=event.id, name=name.removeprefix("Sample: "), country=country,
                         delegate_quota=rng.choice([100, 150, 200]), contact_email=f"contact{i:02d}@example.org")
            for i, (name, country) in enumerate(SAMPLE_ORGANIZATIONS, start=1)
        ]
        db.session.add_all(organizations)  # through the ORM: search_name is filled by before_insert
        db.session.flush()
        orgs = [(o.id, o.country) for o in organizations]
        day_ids = [d.id for d in event.days]
        event_id = event.id

        names = sample_names(count)  # capped at the distinct combinations of names.csv (1,196)
        start = utcnow() - timedelta(days=120)
        step = 120 * 86400 / max(count, 1)
        with click.progressbar(length=count, label=f"Loading {count} participants", file=sys.stderr) as bar:
            for first in range(0, count, BATCH):
                rows, attending = [], []
                for i in range(first, min(first + BATCH, count)):
                    given, family, home = names[i % len(names)]
                    email = f"{email_local(given, family)}.{i + 1:05d}@example.org"
                    if i >= len(names):
                        family = f"{family} {i // len(names) + 1}"  # 5,000 distinct names
                    category = rng.choices(
                        [Category.DELEGATE, Category.OBSERVER, Category.SPEAKER, Category.PRESS,
                         Category.SECRETARIAT, Category.GUEST], weights=[75, 10, 5, 3, 4, 3])[0]
                    member = category in (Category.DELEGATE, Category.OBSERVER) or rng.random() < 0.5
                    organization_id, country = rng.choice(orgs)
                    created = start + timedelta(seconds=i * step + rng.uniform(0, step))
                    name_on_badge = rng.choice([None] * 9 + [given.split()[0] + " " + family])
                    organization_name = None if member else rng.choice(OUTSIDE_ORGANIZATIONS)
                    rows.append({
                        "event_id": event_id,
                        "category": category,
                        "status": rng.choices([Status.CONFIRMED, Status.PENDING, Status.WAITLISTED,
                                               Status.CANCELLED], weights=[60, 22, 10, 8])[0],
                        "given_name": given,
                        "family_name": family,
                        "name_on_badge": name_on_badge,
                        "email": email,
                        "organization_id": organization_id if member else None,
                        "organization_name": organization_name,
                        "country": country if member else home,
                        "job_title": rng.choice(JOBS),
                        "arrival_date": days[0] - timedelta(days=1) if rng.random() < 0.6 else None,
                        "departure_date": days[-1] if rng.random() < 0.6 else None,
                        "dietary": rng.choice(DIETS),
                        "dietary_notes": rng.choice([None] * 8 + ["No mushrooms", "Severe sesame allergy"]),
                        "accessibility_needs": rng.choice([None] * 12 + ["Step-free access", "Hearing loop"]),
                        "languages": sorted({"English", SAMPLE_LANGUAGES.get(home, "English")}),
                        "list_consent": rng.random() < 0.8,
                        "photo_consent": rng.random() < 0.75,
                        "privacy_accepted_at": created,
                        "locale": rng.choice(["en", "en", "fr"]),
                        # Bulk inserts skip the ORM's before_insert event: fold exactly as models.py does.
                        "search_text": fold(" ".join(filter(None, (given, family, name_on_badge, email,
                                                                   organization_name)))),
                        "sort_name": fold(f"{family} {given}")[:210],
                        "access_key": secrets.token_urlsafe(32),
                        "created_at": created,
                        "updated_at": created,
                        "status_changed_at": created,
                    })
                    attending.append([d for d in day_ids if rng.random() < 0.85] or [day_ids[0]])
                ids = db.session.scalars(
                    sa.insert(Participant).returning(Participant.id, sort_by_parameter_order=True), rows).all()
                db.session.execute(sa.insert(participant_days), [
                    {"participant_id": pid, "event_day_id": day} for pid, chosen in zip(ids, attending, strict=True)
                    for day in chosen])
                bar.update(len(rows))
        finish_load()
    return time.perf_counter() - started


def row_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Participant))
        db.session.remove()
        return count


# --- requests ------------------------------------------------------------------------------------

def search_form(html: str) -> str:
    """The method (``get`` or ``post``) of the form holding the list's search field."""
    field = html.find('name="q"')
    start = html.rfind("<form", 0, field) if field >= 0 else -1
    if start < 0:
        sys.exit("no search field on the registrations list")
    method = re.match(r'<form[^>]*method="(\w+)"', html[start:])
    return method.group(1).lower() if method else "get"


def start_search(app, words: str):
    """A signed-in client of its own for one search, the URL showing its results, and how it was set."""
    client = app.test_client()
    sign_in(client)
    html = client.get(LIST).get_data(as_text=True)
    if search_form(html) == "get":
        return client, f"{LIST}?{urlencode({'q': words})}", "searches by ?q= in the URL"
    response = client.post(LIST, data={"csrf_token": csrf_token(html) or "", "q": words})
    if response.status_code not in (302, 303):
        sys.exit(f"search {words!r}: POST {LIST} answered {response.status_code}")
    return (client, urlsplit(response.headers["Location"])._replace(scheme="", netloc="").geturl(),
            "search form POSTed once per search client, the words kept in its session; its list then timed")


def dashboard_status(client) -> str:
    """Probe the dashboard once (it is timed only if it answers 200); TESTING propagates its errors."""
    try:
        return str(client.get(DASHBOARD[1]).status_code)
    except Exception as error:  # noqa: BLE001 - a page under construction must not stop the benchmark
        return f"{type(error).__name__}: {error}"


def matched(url: str, body: bytes) -> str:
    """What the page returned: registrations found, exported lines, or nothing to count."""
    if "export.csv" in url:
        return str(body.count(b"\r\n") - 1)
    if "export.xlsx" in url:
        return "(xlsx)"
    found = re.search(rb"(\d+) registrations? found", body)
    return found.group(1).decode() if found else ""


class QueryCounter:
    """Counts statements and their database time, for one instrumented pass outside the timed runs."""

    def __init__(self, engine) -> None:
        self.engine, self.count, self.seconds = engine, 0, 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.seconds += time.perf_counter() - conn.info.pop("bench_started")

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10, method="inclusive")[8] if len(samples) > 1 else samples[0]


def run(kind: str, participants: int, repeat: int) -> None:
    with fresh_app(kind) as app:
        seconds = load(app, participants)
        rows = row_count(app)
        rss_loaded = peak_rss_mb()
        # No app context is held from here on: each request pushes and pops its own, as in production,
        # so the session (and its identity map) is fresh for every request.
        client = app.test_client()
        sign_in(client)
        dashboard = dashboard_status(client)
        if dashboard != "200":
            print(f"/manage/ left out: {dashboard}", file=sys.stderr)
        pages: list[tuple[str, object, str]] = []  # (label, client, URL)
        modes = set()
        for label, page_url, words in [*PAGES, *([DASHBOARD] if dashboard == "200" else [])]:
            if words:
                search_client, search_url, mode = start_search(app, words)
                pages.append((label, search_client, search_url))
                modes.add(mode)
            else:
                pages.append((label, client, page_url))
        for _label, page_client, page_url in pages:
            for _ in range(WARMUP):
                fetch(page_client, page_url)
        load_before = os.getloadavg()[0]
        samples: dict[str, list[float]] = {label: [] for label, _client, _url in pages}
        shuffle = random.Random(SEED)
        for _ in range(repeat):
            order = list(pages)
            shuffle.shuffle(order)
            for label, page_client, page_url in order:
                samples[label].append(fetch(page_client, page_url)[0])
        load_after = os.getloadavg()[0]
        with app.app_context():
            engine = db.engine
        details = {}
        for label, page_client, page_url in pages:
            with QueryCounter(engine) as counter:
                _elapsed, body = fetch(page_client, page_url)
            details[label] = (counter.count, counter.seconds, len(body), matched(page_url, body))
        version = server_version(app)

    floor = statistics.median(samples[PAGES[0][0]])
    how = "; ".join(sorted(modes))
    print(f"## {kind} {version}: {rows} participants, {repeat} timed runs per page "
          f"(after {WARMUP} warm-up), round-robin in shuffled order; {how}\n")
    print(f"Loaded in {seconds:.1f} s ({rows / seconds:,.0f} participants/s). "
          f"Peak RSS {rss_loaded:.0f} MB after loading, {peak_rss_mb():.0f} MB at the end. "
          f"Load average {load_before:.2f} before the timed runs, {load_after:.2f} after.\n")
    print("| page | median ms | p90 ms | × /health | found | SQL statements | SQL ms in execute (1 pass) | body KB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    suspicious = []
    for label, _client, _url in pages:
        times = samples[label]
        median = statistics.median(times)
        statements, db_seconds, size, found = details[label]
        words = next((w for lbl, _u, w in PAGES if lbl == label), None)
        if words in NARROW_SEARCHES and (not found.isdigit() or not 0 < int(found) < rows):
            suspicious.append(f"{label}: found {found or 'no count'} of {rows}: the search was not applied")
            found += " (!)"
        print(f"| {label} | {median * 1000:.1f} | {p90(times) * 1000:.1f} | {median / floor:,.0f} | {found} | "
              f"{statements} | {db_seconds * 1000:.1f} | {size / 1024:.0f} |")
    print()
    for warning in suspicious:
        print(f"WARNING {warning}")
    sys.stdout.flush()
    if suspicious:
        sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # run by --db both
    args = parser.parse_args()
    if not 1 <= args.participants <= MAX_PARTICIPANTS:
        parser.error(f"--participants must be between 1 and {MAX_PARTICIPANTS}")
    if not 2 <= args.repeat <= MAX_REPEAT:
        parser.error(f"--repeat must be between 2 and {MAX_REPEAT}")
    if not args.child:
        print(f"# Back-office benchmark\n\n{machine()}\n")
        sys.stdout.flush()
    if args.db == "both":
        status = 0
        for kind in ("sqlite", "postgresql"):  # a child process each: peak RSS is per database
            child = subprocess.run([sys.executable, __file__, "--db", kind, "--participants", str(args.participants),
                                    "--repeat", str(args.repeat), "--child"], timeout=3600, check=False)
            status = status or child.returncode
        sys.exit(status)
    run(args.db, args.participants, args.repeat)


if __name__ == "__main__":
    main()
