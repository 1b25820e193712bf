"""Hand-run benchmark of the workshop assignment pages and of seats following registration changes (never part of the test suite).

For each database and each number N of confirmed participants, a child process builds the app on a
throw-away database (a temporary SQLite file, or a PostgreSQL schema of its own that is dropped at
the end, even on error), loads one event of 2 days with 2 workshop slots a day (6 to 8 runs a slot,
topics of Zipf-skewed popularity, a few popular topics held twice, as in bench/scheduler.py), the
33 sample organizations with a cap of 3 people per organization in a run
(``event.workshop_organization_cap``), and N confirmed participants attending both days, each
ranking 5 workshops. It signs an organizer in through the test client and times full requests
(routing, queries, the engine, template rendering or redirect, commit, and the delivery of the mail
the request queued) with ``time.perf_counter``:

1. ``POST /manage/programme/assign``: the first run, then the median of the next ones (each run
   replaces the previous unpinned seats); beside it the engine's own ``solve_seconds`` (the figure
   of the flash message), ``build_instance`` (reading the event from the database) and what the
   request spends outside the engine's ``solve()`` call;
2. ``GET /manage/programme/assignment`` (the quality report);
3. ``GET /manage/programme/rosters`` (every roster) and ``GET /manage/programme/runs/<id>/roster``
   (the run with the most people); 2 and 3 round-robin in a shuffled order each round;
4. the cost a registration change pays through the seats following a status change (``workshops/seats.py``, subscribed to ``participants_changed``): an organizer
   cancelling one seated participant (``POST /manage/registrations/<id>/cancel``) and a new delegate
   registering on ``POST /register`` (untimed: an unconfirmed registration holds nothing) then
   confirming the address on ``POST /registration/<token>/confirm`` (timed: the place is decided
   then; ``event.requires_approval`` is False, so they are confirmed at once), each timed before publication (the hook only drops invalid seats) and after
   ``POST /manage/programme/publish`` (timed too, once: it queues one e-mail per seated person),
   when the hook refills free seats with the engine and e-mails the people it placed.

Cells are "median ms (first ms)": the first request of its kind in the process (cold) is reported
apart, and the median is taken over the ``--repeat`` requests that follow it (at most 3 at 5,000
participants and more, see ``repeats_for``; twice as many for the GET pages of 2 and 3). Peak RSS
(``resource.getrusage``) is per child process, i.e. per database and N. Nothing is asserted about
time. The only failures are sanity checks that something was not actually done (no seats after an
assignment, a report or roster that does not show them, a cancelled person keeping a seat, no freed
seat refilled after publication, the new registrant not confirmed or not seated after publication,
an SMTP connection attempted), reported with exit status 2 after the tables. With ``--db both`` the
databases run one after the other, and each (database, N) in a child process of its own.

    .venv/bin/python bench/workshops_web.py [--db sqlite|postgresql|both] [--participants 300,1000,5000]
                                            [--repeat 4]

PostgreSQL: ``TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test), as for the tests.

Choices to know when reading the figures:

* Capacities: three slots seat 90-98 % of the participants (drawn per slot), the last slot has a
  margin of 3 % (at least 20 seats), so that a late registrant can get a seat there while freed
  seats in the other slots always have someone waiting for them. Run capacities vary by +-25 %
  around the slot's average.
* Organizations: 33, with a cap of 3 per run. A run holds at most 99 of their members, a slot
  6-8 runs, so if all N people belonged to them the cap, not the capacities, would decide who sits
  at 1,000 and 5,000. Members are therefore drawn with the probability that gives about 18 people
  per organization (all participants at 300, 594 on average at larger N); the others come from
  outside organizations (observers, speakers, press, guests), to whom no cap applies.
* No mail leaves the process: ``TestConfig`` has no ``MAIL_SERVER`` (checked, and ``smtplib.SMTP``
  is replaced by a stub that records any attempt), so the delivery after each request that queued
  mail marks up to 20 messages sent and logs them (the mail logger is raised to WARNING here, so
  they are not printed). After the publication the benchmark marks the whole outbox sent, as the
  mail cron would, so that the later requests do not drain the publication's backlog.
* Before publishing, the free seats (of the cancellations and registrations timed before
  publication) are filled once, untimed, with ``POST /manage/programme/assignment/fill``.
* ``solve`` and ``build_instance`` are wrapped in the engine's modules (``workshops.assignment``
  and ``workshops.seats``) to record their durations; they run unchanged.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import secrets
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import sqlalchemy as sa

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.core.search import fold
from lsi_assembly.demo.seed import SAMPLE_LANGUAGES, SAMPLE_ORGANIZATIONS, SAMPLE_WORKSHOPS, sample_names
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Category, Participant, Status, participant_days
from lsi_assembly.workshops import assignment as assignment_module
from lsi_assembly.workshops import seats as seats_module
from lsi_assembly.workshops.models import (
    Preference,
    Room,
    TimeSlot,
    Workshop,
    WorkshopAssignment,
    WorkshopRun,
)
from support import (
    OUTSIDE_ORGANIZATIONS,
    drop_schema,
    email_local,
    fetch,
    finish_load,
    fresh_app,
    machine,
    page_token,
    peak_rss_mb,
    server_version,
    sign_in,
)

DEFAULT_SIZES = "300,1000,5000"
MAX_PARTICIPANTS = 50_000
MAX_REPEAT = 100
BATCH = 1_000
SEED = 2027
DAYS = [date(2027, 6, 24), date(2027, 6, 25)]
SLOT_TIMES = [(clock_time(10, 0), clock_time(11, 30)), (clock_time(14, 0), clock_time(15, 30))]
ORGANIZATION_CAP = 3
PEOPLE_PER_ORGANIZATION = 18  # members per organization at large N (see the module's docstring)
RANKED = 5
OUTSIDE_CATEGORIES = [Category.OBSERVER, Category.SPEAKER, Category.PRESS, Category.GUEST]
JOBS = [None, "Programme coordinator", "Lawyer", "Social worker", "Director", "Outreach worker", "Researcher"]

ASSIGN = "/manage/programme/assign"
REPORT = "/manage/programme/assignment"
ROSTERS = "/manage/programme/rosters"
PUBLISH = "/manage/programme/publish"
FILL = "/manage/programme/assignment/fill"

#: (key, label) of the table's rows, in order.
ROWS = [
    ("assign", "POST /manage/programme/assign (whole request)"),
    ("assign_solve", "↳ engine `solve_seconds` (as flashed)"),
    ("assign_build", "↳ `build_instance` (reading the event)"),
    ("assign_outside", "↳ request outside `solve()`"),
    ("assign_outside_share", "↳ share of the request outside `solve()`"),
    ("report", "GET /manage/programme/assignment (report)"),
    ("rosters", "GET /manage/programme/rosters (all)"),
    ("roster", "GET /manage/programme/runs/<id>/roster (largest run)"),
    ("cancel_before", "POST …/registrations/<id>/cancel, before publication"),
    ("register_before", "POST /registration/<token>/confirm (confirmed at once), before publication"),
    ("publish", "POST /manage/programme/publish (once)"),
    ("cancel_after", "POST …/registrations/<id>/cancel, after publication"),
    ("cancel_after_hook", "↳ hook's `build_instance` + `solve()`"),
    ("cancel_ratio", "cancel: after ÷ before publication"),
    ("register_after", "POST /registration/<token>/confirm (confirmed at once), after publication"),
    ("register_after_hook", "↳ hook's `build_instance` + `solve()`"),
    ("register_ratio", "register: after ÷ before publication"),
    ("rss", "peak RSS of the process (MB)"),
]


# --- data ----------------------------------------------------------------------------------------

def programme_plan(rng: random.Random, participants: int) -> tuple[list[list[tuple[int, int]]], int, list[float]]:
    """Runs per slot as (topic, capacity), the number of topics, and each slot's seats per participant.

    Shaped as ``bench/scheduler.py``'s instances: 6-8 runs a slot, a few popular topics held twice
    (in different slots); capacities as described in the module's docstring.
    """
    runs_per_slot = [rng.randint(6, 8) for _ in range(4)]
    total_runs = sum(runs_per_slot)
    repeated = max(2, total_runs // 8)
    topics = list(range(total_runs - repeated))  # topic 0 is the most wanted
    schedule = topics + rng.sample(topics[: len(topics) // 2], repeated)
    rng.shuffle(schedule)
    margin = max(0.03, 20 / participants)
    factors = [rng.uniform(0.90, 0.98) for _ in range(3)] + [1 + margin]
    plan, index = [], 0
    for count, factor in zip(runs_per_slot, factors, strict=True):
        used: set[int] = set()
        slot_topics = []
        for _ in range(count):
            topic = schedule[index]
            index += 1
            while topic in used:  # a topic's two runs go to different slots
                topic = rng.choice(topics)
            used.add(topic)
            slot_topics.append(topic)
        seats = round(participants * factor)
        weights = [rng.uniform(0.75, 1.25) for _ in slot_topics]
        capacities = [max(1, int(seats * w / sum(weights))) for w in weights]
        for i in range(seats - sum(capacities)):  # rounding: the rest goes to the first runs
            capacities[i % count] += 1
        plan.append(list(zip(slot_topics, capacities, strict=True)))
    return plan, len(topics), factors


def load(app, count: int) -> dict:
    """Create the event, its programme, 33 organizations and ``count`` confirmed participants."""
    rng = random.Random(SEED + count)
    started = time.perf_counter()
    with app.app_context():
        event = Event(slug="ga-2027", name="LSI General Assembly 2027", city="Paris", host="CCEM",
                      contact_email="assembly@example.org", registration_opens_at=utcnow() - timedelta(days=120),
                      requires_approval=False, preferences_open=True, max_preferences=RANKED,
                      workshop_organization_cap=ORGANIZATION_CAP)
        event.days = [EventDay(date=d, label=None) for d in DAYS]
        db.session.add(event)
        db.session.flush()
        organizations = [
            Organization(event_id=event.id, name=name.removeprefix("Sample: "), country=country,
                         delegate_quota=1_000, contact_email=f"contact{i:02d}@example.org")
            for i, (name, country) in enumerate(SAMPLE_ORGANIZATIONS, start=1)
        ]  # quotas far above the delegations: nobody is waitlisted, the cancellations promote nobody
        db.session.add_all(organizations)

        plan, _topic_count, factors = programme_plan(rng, count)
        slots = [TimeSlot(event_id=event.id, day_id=day.id, starts_at=start, ends_at=end)
                 for day in event.days for start, end in SLOT_TIMES]
        room_count = max(len(runs) for runs in plan)
        rooms = [Room(event_id=event.id, name=f"Room {i + 1}",
                      capacity=max(runs[i][1] for runs in plan if i < len(runs))) for i in range(room_count)]
        held_topics = sorted({topic for runs in plan for topic, _capacity in runs})
        titles = [title for title, _who, _language in SAMPLE_WORKSHOPS]
        workshops = {topic: Workshop(event_id=event.id,
                                     title=titles[topic] if topic < len(titles) else f"Thematic workshop {topic + 1}",
                                     facilitators="Benchmark facilitator", language="English")
                     for topic in held_topics}
        db.session.add_all([*slots, *rooms, *workshops.values()])
        db.session.flush()
        runs = [WorkshopRun(workshop_id=workshops[topic].id, slot_id=slot.id, room_id=rooms[i].id, capacity=capacity)
                for slot, slot_runs in zip(slots, plan, strict=True) for i, (topic, capacity) in enumerate(slot_runs)]
        db.session.add_all(runs)
        db.session.flush()
        orgs = [(o.id, o.country) for o in organizations]
        day_ids = [d.id for d in event.days]
        event_id = event.id
        workshop_ids = [workshops[t].id for t in held_topics]
        popularity = [1 / (t + 1) ** 0.9 for t in held_topics]  # Zipf-like, as bench/scheduler.py

        member_share = min(1.0, len(orgs) * PEOPLE_PER_ORGANIZATION / count)
        names = sample_names(count)
        start = utcnow() - timedelta(days=120)
        step = 120 * 86400 / max(count, 1)
        members = 0
        for first in range(0, count, BATCH):
            rows, rankings = [], []
            for i in range(first, min(first + BATCH, count)):
                given, family, home = names[i % len(names)]
                email = f"{email_local(given, family)}.{i + 1:05d}@example.org"
                if i >= len(names):
                    family = f"{family} {i // len(names) + 1}"
                member = rng.random() < member_share
                members += member
                organization_id, country = rng.choice(orgs)
                category = (rng.choices([Category.DELEGATE, Category.OBSERVER], weights=[85, 15])[0] if member
                            else rng.choice(OUTSIDE_CATEGORIES))
                organization_name = None if member else rng.choice(OUTSIDE_ORGANIZATIONS)
                created = start + timedelta(seconds=i * step + rng.uniform(0, step))
                rows.append({
                    "event_id": event_id, "category": category, "status": Status.CONFIRMED,
                    "given_name": given, "family_name": family, "email": email,
                    "organization_id": organization_id if member else None, "organization_name": organization_name,
                    "country": country if member else home, "job_title": rng.choice(JOBS),
                    "dietary": [], "languages": sorted({"English", SAMPLE_LANGUAGES.get(home, "English")}),
                    "list_consent": True, "photo_consent": rng.random() < 0.75, "privacy_accepted_at": created,
                    "locale": rng.choice(["en", "en", "fr"]),
                    # Bulk inserts skip the ORM's before_insert event: fold exactly as models.py does.
                    "search_text": fold(" ".join(filter(None, (given, family, email, organization_name)))),
                    "sort_name": fold(f"{family} {given}")[:210],
                    "access_key": secrets.token_urlsafe(32),
                    "created_at": created, "updated_at": created, "status_changed_at": created,
                })
                ranking: list[int] = []
                while len(ranking) < min(RANKED, len(workshop_ids)):
                    workshop_id = rng.choices(workshop_ids, popularity)[0]
                    if workshop_id not in ranking:
                        ranking.append(workshop_id)
                rankings.append(ranking)
            ids = db.session.scalars(
                sa.insert(Participant).returning(Participant.id, sort_by_parameter_order=True), rows).all()
            db.session.execute(sa.insert(participant_days), [
                {"participant_id": pid, "event_day_id": day} for pid in ids for day in day_ids])
            db.session.execute(sa.insert(Preference), [
                {"participant_id": pid, "workshop_id": workshop_id, "rank": rank, "created_at": utcnow()}
                for pid, ranking in zip(ids, rankings, strict=True)
                for rank, workshop_id in enumerate(ranking, start=1)])
        finish_load()
    return {"seconds": time.perf_counter() - started, "runs": len(runs), "runs_per_slot": [len(r) for r in plan],
            "topics": len(held_topics), "twice": len(runs) - len(held_topics),
            "seats_per_person": [round(f, 3) for f in factors], "members": members}


# --- requests ------------------------------------------------------------------------------------

def send(client, url: str, data: dict) -> float:
    """Time one full POST (the redirect it answers is not followed); refuse anything but a redirect."""
    started = time.perf_counter()
    response = client.post(url, data=data)
    response.get_data()
    elapsed = time.perf_counter() - started
    response.close()
    if response.status_code not in (302, 303):
        sys.exit(f"POST {url} answered {response.status_code}: {response.get_data(as_text=True)[:500]}")
    return elapsed


def pop_flashes(client) -> list[str]:
    """Take the flashed messages out of the client's session (untimed), so the cookie stays small."""
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]


class Clock:
    """Records the duration of the wrapped functions of the engine's modules (they run unchanged)."""

    def __init__(self) -> None:
        self.solves: list[tuple[float, float, object]] = []  # (solve_seconds, whole solve() call, solution)
        self.builds: list[float] = []

    def install(self) -> None:
        for module in (assignment_module, seats_module):
            module.solve = self._solve(module.solve)
            module.build_instance = self._build(module.build_instance)

    def _solve(self, solve):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            solution = solve(*args, **kwargs)
            self.solves.append((solution.solve_seconds, time.perf_counter() - started, solution))
            return solution
        return timed

    def _build(self, build):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            result = build(*args, **kwargs)
            self.builds.append(time.perf_counter() - started)
            return result
        return timed

    def reset(self) -> None:
        self.solves, self.builds = [], []


class NoSmtp:
    """Stands in for ``smtplib.SMTP``: records the attempt and fails as an unreachable server would."""

    attempts = 0

    def __init__(self, *args, **kwargs) -> None:
        NoSmtp.attempts += 1
        raise OSError("the benchmark sends no mail")


def in_app(app, work):
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def total_seats() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(WorkshopAssignment))


def seats_of(participant_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(WorkshopAssignment.participant_id == participant_id))


def organization_with_room(turn: int) -> int:
    """A member organization whose new delegate could take a free seat (untimed, before a registration).

    Late delegates come from different organizations in turn, smallest delegations first; one is
    skipped when it already has the cap's number of people in every run that has a free seat, since
    its delegate could then get no seat at all, by the rules, and the check "the new registrant is
    seated" would measure the programme rather than the hook.
    """
    free_runs = [run_id for run_id, capacity, taken in db.session.execute(
        sa.select(WorkshopRun.id, WorkshopRun.capacity, sa.func.count(WorkshopAssignment.id))
        .join(WorkshopAssignment, WorkshopAssignment.run_id == WorkshopRun.id, isouter=True)
        .group_by(WorkshopRun.id, WorkshopRun.capacity)) if taken < capacity]
    crowded = {(org, run_id): count for org, run_id, count in db.session.execute(
        sa.select(Participant.organization_id, WorkshopAssignment.run_id, sa.func.count())
        .join(WorkshopAssignment, WorkshopAssignment.participant_id == Participant.id)
        .where(WorkshopAssignment.run_id.in_(free_runs), Participant.organization_id.is_not(None))
        .group_by(Participant.organization_id, WorkshopAssignment.run_id))}
    organizations = list(db.session.scalars(
        sa.select(Organization.id)
        .join(Participant, Participant.organization_id == Organization.id, isouter=True)
        .group_by(Organization.id).order_by(sa.func.count(Participant.id), Organization.id)))
    turn %= len(organizations)
    for organization_id in organizations[turn:] + organizations[:turn]:
        if any(crowded.get((organization_id, run_id), 0) < ORGANIZATION_CAP for run_id in free_runs):
            return organization_id
    return organizations[turn]


def repeats_for(participants: int, repeat: int) -> int:
    """Timed requests after the first: fewer at 5,000 and more, to stay within minutes on 2 cores."""
    return min(repeat, 3) if participants >= 5_000 else repeat


def run(kind: str, participants: int, repeat: int, schema: str | None, folder: str | None) -> dict:
    repeat = repeats_for(participants, repeat)
    problems: list[str] = []
    samples: dict[str, list[float]] = {}
    info: dict = {"repeat": repeat}
    with fresh_app(kind, schema=schema, folder=folder) as app:
        if app.config.get("MAIL_SERVER"):
            sys.exit("MAIL_SERVER is set: the benchmark would send mail")
        smtplib.SMTP = NoSmtp
        logging.getLogger("lsi_assembly.core.mail").setLevel(logging.WARNING)
        info.update(load(app, participants))
        info["version"] = server_version(app)
        clock = Clock()
        clock.install()
        client = app.test_client()
        sign_in(client)
        token = page_token(client, REPORT)
        shuffle = random.Random(SEED)

        # 1. The assignment, run 1 + repeat times (each replaces the previous unpinned seats).
        for key in ("assign", "assign_solve", "assign_build", "assign_outside", "assign_outside_share"):
            samples[key] = []
        load_before = os.getloadavg()[0]
        for _ in range(1 + repeat):
            clock.reset()
            elapsed = send(client, ASSIGN, {"csrf_token": token, "confirm": "y"})
            flashes = pop_flashes(client)
            (solve_seconds, solve_call, solution), = clock.solves
            flashed = re.search(r"Seats assigned in ([\d.]+) s: (\d+) seats", " ".join(flashes))
            if not flashed:
                problems.append(f"assign: no 'Seats assigned' message ({flashes})")
            seats = in_app(app, total_seats)
            if seats == 0 or seats != solution.stats["seated"]:
                problems.append(f"assign: {seats} seats stored, the engine gave {solution.stats['seated']}")
            samples["assign"].append(elapsed)
            samples["assign_solve"].append(solve_seconds)
            samples["assign_build"].append(sum(clock.builds))
            samples["assign_outside"].append(elapsed - solve_call)
            samples["assign_outside_share"].append((elapsed - solve_call) / elapsed)
        stats = solution.stats
        info.update(seated=stats["seated"], unseated=stats["unseated"], optimal=solution.optimal,
                    first_choice=stats["first_choice_share"], unranked=stats["ranks"].get("unranked", 0),
                    flashed=flashed.group(0) if flashed else None)

        # 2-3. The report and the rosters, round-robin.
        def biggest_run():
            return db.session.execute(
                sa.select(WorkshopAssignment.run_id, sa.func.count()).group_by(WorkshopAssignment.run_id)
                .order_by(sa.func.count().desc(), WorkshopAssignment.run_id).limit(1)).one()
        run_id, run_seats = in_app(app, biggest_run)
        seats = in_app(app, total_seats)
        pages = [("report", REPORT), ("rosters", ROSTERS), ("roster", f"/manage/programme/runs/{run_id}/roster")]
        expected = {"report": seats, "rosters": seats, "roster": run_seats}
        for key, url in pages:
            elapsed, body = fetch(client, url, text=True)  # the first, cold request of each page
            samples[key] = [elapsed]
            if key == "report":
                shown = re.search(r'counter-value">(\d+)</span> seats given', body)
                shown = int(shown.group(1)) if shown else None
            else:
                shown = body.count('<tr><td class="num">')
            if shown != expected[key]:
                problems.append(f"GET {url} shows {shown} seats, {expected[key]} stored")
        clock.reset()
        for _ in range(2 * repeat):
            order = list(pages)
            shuffle.shuffle(order)
            for key, url in order:
                samples[key].append(fetch(client, url, text=True)[0])
        info["report_build"] = statistics.median(clock.builds) if clock.builds else None

        # 4. Registration changes with seats following, before and after publication.
        register_client = app.test_client()
        app.config["REGISTER_RATE_LIMIT"] = "1000 per minute"  # every registration comes from this process
        register_page = register_client.get("/register").get_data(as_text=True)
        register_token = page_token(register_client, "/register")
        register_started = re.search(r'name="started"[^>]*value="([^"]+)"', register_page).group(1)
        day_ids = in_app(app, lambda: [d.id for d in db.session.scalar(sa.select(Event)).days])
        victims = in_app(app, lambda: list(db.session.scalars(
            sa.select(WorkshopAssignment.participant_id).group_by(WorkshopAssignment.participant_id)
            .having(sa.func.count() == 4).order_by(WorkshopAssignment.participant_id))))
        victims = random.Random(SEED).sample(victims, 2 * (1 + repeat))
        cancel_token = page_token(client, f"/manage/registrations/{victims[0]}/cancel")
        registered = 0
        refilled_counts = []

        def cancel(phase: str) -> None:
            victim = victims.pop()
            before = in_app(app, total_seats)
            held = in_app(app, lambda: seats_of(victim))
            clock.reset()
            samples[f"cancel_{phase}"].append(send(client, f"/manage/registrations/{victim}/cancel",
                                                   {"csrf_token": cancel_token}))
            if phase == "after":
                samples["cancel_after_hook"].append(sum(clock.builds) + sum(c[1] for c in clock.solves))
            pop_flashes(client)
            status, left, after = in_app(app, lambda: (db.session.get(Participant, victim).status,
                                                       seats_of(victim), total_seats()))
            refilled = after - (before - held)
            if status != Status.CANCELLED or left:
                problems.append(f"cancel {victim} ({phase}): status {status}, {left} seats left")
            if phase == "before" and refilled:
                problems.append(f"cancel {victim} before publication: {refilled} seats given, expected none")
            if phase == "after":
                refilled_counts.append(refilled)
                if refilled < 1:
                    problems.append(f"cancel {victim} after publication: none of its {held} seats refilled")

        def register(phase: str) -> None:
            nonlocal registered
            registered += 1
            email = f"late.registrant.{registered:03d}@example.org"
            organization_id = in_app(app, lambda: organization_with_room(registered))
            send(register_client, "/register", {  # untimed: the registration waits for its address to be confirmed
                "csrf_token": register_token, "started": register_started,
                "given_name": "Łucja", "family_name": f"Wiśniewska {registered}",
                "email": email, "country": "PL", "category": "delegate", "organization_id": str(organization_id),
                "organization_name": "", "job_title": "Programme coordinator",
                "days": [str(d) for d in day_ids], "arrival_date": "2027-06-23", "departure_date": "2027-06-25",
                "dietary": ["vegetarian"], "dietary_notes": "", "accessibility_needs": "",
                "languages": "Polish, English", "list_consent": "y", "photo_consent": "", "privacy": "y"})
            path = in_app(app, lambda: "/registration/" + make_token(db.session.scalar(
                sa.select(Participant.access_key).where(Participant.email == email))))
            clock.reset()
            samples[f"register_{phase}"].append(send(register_client, path + "/confirm",
                                                     {"csrf_token": register_token}))
            if phase == "after":
                samples["register_after_hook"].append(sum(clock.builds) + sum(c[1] for c in clock.solves))
            pop_flashes(register_client)
            found = in_app(app, lambda: db.session.execute(
                sa.select(Participant.id, Participant.status).where(Participant.email == email)).first())
            if found is None or found.status != Status.CONFIRMED:
                problems.append(f"register {email} ({phase}): {found.status if found else 'not registered'}")
                return
            held = in_app(app, lambda: seats_of(found.id))
            if phase == "before" and held:
                problems.append(f"register {email} before publication: {held} seats, expected none")
            if phase == "after" and not held:
                problems.append(f"register {email} after publication: not seated")

        for phase in ("before", "after"):
            if phase == "after":
                send(client, FILL, {"csrf_token": token})  # untimed: seats freed and registrants so far
                pop_flashes(client)
                queued = in_app(app, lambda: db.session.scalar(
                    sa.select(sa.func.count()).select_from(OutboxMessage)))
                samples["publish"] = [send(client, PUBLISH, {"csrf_token": token, "confirm": "y"})]
                told = " ".join(pop_flashes(client))
                published, mails, seated_people = in_app(app, lambda: (
                    db.session.scalar(sa.select(Event)).assignment_published_at,
                    db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
                    db.session.scalar(sa.select(sa.func.count(sa.distinct(WorkshopAssignment.participant_id))))))
                info["published_mails"] = mails - queued
                info["publish_flash"] = told
                if published is None or mails - queued < seated_people:
                    problems.append(f"publish: published at {published}, {mails - queued} mails queued for "
                                    f"{seated_people} seated people")

                def cron():  # what `flask mail send` would do: the backlog leaves, untimed
                    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                                       .values(sent_at=utcnow()))
                    db.session.commit()
                in_app(app, cron)
                samples["cancel_after_hook"], samples["register_after_hook"] = [], []
            samples[f"cancel_{phase}"], samples[f"register_{phase}"] = [], []
            for _ in range(1 + repeat):
                order = [cancel, register]
                shuffle.shuffle(order)
                for action in order:
                    action(phase)
        info["refilled"] = refilled_counts
        load_after = os.getloadavg()[0]
    if NoSmtp.attempts:
        problems.append(f"{NoSmtp.attempts} SMTP connections attempted")
    info.update(load_before=load_before, load_after=load_after, rss=peak_rss_mb())
    return {"kind": kind, "participants": participants, "samples": samples, "info": info, "problems": problems}


# --- report --------------------------------------------------------------------------------------

def cell(key: str, samples: dict[str, list[float]], info: dict) -> str:
    """ "median ms (first ms)" of a measurement; ratios and shares as such."""
    if key == "rss":
        return f"{info['rss']:.0f}"
    if key in ("cancel_ratio", "register_ratio"):
        name = key.removesuffix("_ratio")
        before, after = samples[f"{name}_before"], samples[f"{name}_after"]
        return (f"×{statistics.median(after[1:]) / statistics.median(before[1:]):.1f} "
                f"(×{after[0] / before[0]:.1f})")
    times = samples.get(key)
    if not times:
        return "–"
    if key.endswith("_share"):
        return f"{statistics.median(times[1:]):.0%} ({times[0]:.0%})" if len(times) > 1 else f"{times[0]:.0%}"
    if key == "publish":
        return f"{times[0] * 1000:,.0f} (once)"
    rest = times[1:] or times
    return f"{statistics.median(rest) * 1000:,.1f} ({times[0] * 1000:,.1f})"


def print_tables(results: list[dict]) -> None:
    for kind in ("sqlite", "postgresql"):
        mine = sorted((r for r in results if r["kind"] == kind), key=lambda r: r["participants"])
        if not mine:
            continue
        print(f"## {kind} {mine[0]['info']['version']}\n")
        print("Cells: median ms of the requests after the first (the first, cold one in brackets); ratios: median "
              "after ÷ median before publication (first ÷ first); the publication is one request.\n")
        print("| measurement | " + " | ".join(f"N = {r['participants']:,}" for r in mine) + " |")
        print("|---|" + "---:|" * len(mine))
        for key, label in ROWS:
            print(f"| {label} | " + " | ".join(cell(key, r["samples"], r["info"]) for r in mine) + " |")
        print()
        for r in mine:
            i = r["info"]
            print(f"- N = {r['participants']:,}: loaded in {i['seconds']:.1f} s; {i['runs']} runs "
                  f"({'/'.join(map(str, i['runs_per_slot']))} a slot, {i['topics']} workshops, {i['twice']} held "
                  f"twice), seats per participant by slot {', '.join(f'{f:.0%}' for f in i['seats_per_person'])}; "
                  f"{i['members']:,} members of the 33 organizations; median of {i['repeat']} requests after "
                  f"the first ({2 * i['repeat']} for the GET pages). "
                  f"Assignment: {i['seated']:,} seats, {i['unseated']:,} attended slots without a seat, "
                  f"{i['unranked']:,} unranked seats, first choice {i['first_choice']:.1%}, "
                  f"{'proven optimal' if i['optimal'] else 'NOT proven optimal'}. The report's `build_instance`: "
                  f"{i['report_build'] * 1000:,.1f} ms. Publication queued "
                  f"{i['published_mails']:,} mails. Freed seats refilled per cancellation after publication: "
                  f"{', '.join(map(str, i['refilled']))}. Load average {i['load_before']:.2f} at the start of the "
                  f"timed requests, {i['load_after']:.2f} at the end.")
        print()
    problems = [f"{r['kind']} N={r['participants']}: {p}" for r in results for p in r["problems"]]
    for problem in problems:
        print(f"WARNING {problem}")
    sys.stdout.flush()


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of whole numbers, e.g. 300,1000,5000") from None
    if not values or not all(50 <= v <= MAX_PARTICIPANTS for v in values):
        raise argparse.ArgumentTypeError(f"each size must be between 50 and {MAX_PARTICIPANTS}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--participants", type=sizes, default=sizes(DEFAULT_SIZES),
                        help=f"comma-separated sizes (default {DEFAULT_SIZES})")
    parser.add_argument("--repeat", type=int, default=4,
                        help="timed requests after the first (at most 3 at 5,000+; twice as many for the GET pages)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # file for one (database, size) result
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # SIGTERM runs the clean-up (``finally``, context managers) instead of ending the process at once:
    # the child drops its schema and removes its SQLite file, the parent kills the child and drops it.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    if not 2 <= args.repeat <= MAX_REPEAT:
        parser.error(f"--repeat must be between 2 and {MAX_REPEAT}")
    if args.child:
        result = run(args.db, args.participants[0], args.repeat, args.schema, str(Path(args.child).parent))
        Path(args.child).write_text(json.dumps(result, default=str), encoding="utf-8")
        return
    print(f"# Workshop assignment pages and seats following registration changes\n\n{machine(load_average=True)}\n")
    sys.stdout.flush()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results, status = [], 0
    with tempfile.TemporaryDirectory(prefix="lsi-bench-results-") as folder:
        for kind in kinds:
            for size in args.participants:  # a child process each: peak RSS is per database and size
                out = Path(folder) / f"{kind}-{size}.json"
                schema = f"bench_{secrets.token_hex(4)}"
                command = [sys.executable, __file__, "--db", kind, "--participants", str(size),
                           "--repeat", str(args.repeat), "--child", str(out), "--schema", schema]
                started = time.perf_counter()
                try:
                    child = subprocess.run(command, timeout=3600, check=False)
                finally:
                    if kind == "postgresql":
                        drop_schema(schema)
                print(f"<!-- {kind} N={size}: child finished in {time.perf_counter() - started:.0f} s, "
                      f"status {child.returncode} -->", file=sys.stderr)
                if child.returncode != 0 or not out.exists():
                    status = status or (child.returncode if child.returncode > 0 else 1)
                    continue
                results.append(json.loads(out.read_text(encoding="utf-8")))
    print_tables(results)
    if any(r["problems"] for r in results):
        status = 2
    sys.exit(status)


if __name__ == "__main__":
    main()
