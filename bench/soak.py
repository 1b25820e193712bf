"""Hand-run soak under faults (issue 18): registrations for minutes while the parts around the app fail.

What runs, all on loopback and all started (and stopped) by this script:

- **PostgreSQL**: by default a private cluster of the machine's PostgreSQL (``initdb`` in a temporary
  folder, on a free port, run as the ``postgres`` user, removed at the end), so that restarting it
  disturbs nobody else's database; with ``--machine-postgres``, a schema of its own in the machine's
  test database (``TEST_POSTGRES_URL``), and the machine's cluster is restarted (``pg_ctlcluster``).
- **Redis** (the machine's, ``--redis``): the rate limits' storage (``RATELIMIT_STORAGE_URI``), with
  limits raised so high (``BENCH_LIMIT``) that the 50 clients, who all come from 127.0.0.1, never reach
  them: the limiter's Redis round trips are on every POST, as in production, but nothing is refused.
  ``QUEUE_URL`` for the task worker, when the code has one.
- **aiosmtpd**, in this process: it counts every message per recipient, and gives the clients the
  links of the confirmation e-mails (a person reads the mail and presses "Confirm").
- **gunicorn** with ``--workers`` gthread workers (4 threads each), ``LSI_ENV=production``.
- **the task worker** (``flask --app wsgi worker``) when the app has that command (auto-detected;
  ``--worker``/``--no-worker`` to force): without it, e-mail leaves after each request and a badge
  job runs in a thread of a web worker, as in the code before the queue; the mail left in the
  outbox at the end is sent by ``flask --app wsgi mail send``, what the cron line does there.
- **bench/minimal_app.py** under the same gunicorn settings: the ceiling of a write on this stack.

The run: first the ceiling, ``--phase-seconds`` each with ``--clients`` clients: the minimal form
(``GET /`` + ``POST /``), then the delegate registration (``GET`` + ``POST /register``), then the
public event's (``GET`` + ``POST /public``), nothing else running. Then the soak, ``--seconds`` long:
the clients register delegates and public attendees and confirm the addresses whose e-mail arrived,
while the script, at fixed fractions of the run,

1. stops the SMTP server for ``--smtp-down`` seconds, then starts it again;
2. kills one gunicorn worker with SIGKILL (gunicorn starts a new one);
3. starts a badge job of every confirmed participant as an organizer, and kills the task worker
   (SIGKILL) while the job runs, then starts it again (skipped without a task worker: the job runs);
4. restarts PostgreSQL (``pg_ctl restart -m fast``: every connection is cut).

Reported: registrations a second and latency percentiles of each window (before, during, after each
fault); client errors, each said to be in flight at a fault or not; then, once the outbox is empty
(at most ``--drain-seconds``): every registration answered 302 stored once, every e-mail of the
outbox received exactly once by the SMTP server (counted per recipient), no quota place or seat
over its limit, the badge job done. Exit status 2 when a check fails. Bounded in time and count;
only 127.0.0.1 is contacted.

    .venv/bin/python bench/soak.py [--seconds 240] [--clients 50] [--workers 4] [--machine-postgres]
"""
from __future__ import annotations

import argparse
import email
import email.policy
import http.client
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # this checkout's code, whatever the editable install points to

FORM_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STARTED = re.compile(r'name="started"[^>]*value="([^"]+)"')
LINK = re.compile(r"http://127\.0\.0\.1:\d+(/registration/[A-Za-z0-9._\-]+|/public/confirm/[A-Za-z0-9._\-]+)")
GOAL_RATIO = 0.75
#: Rate limits the clients never reach (all 50 come from one address); the limiter still runs.
BENCH_LIMIT = "1000000 per minute"
ORGANIZER = ("soak.organizer@example.org", "soak-organizer-password-1")
PG_BIN = Path("/usr/lib/postgresql") / (sorted(os.listdir("/usr/lib/postgresql"))[-1] if Path(
    "/usr/lib/postgresql").is_dir() else "15") / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    sys.stderr.write(f"[soak {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# --- PostgreSQL ----------------------------------------------------------------------------------

class PrivatePostgres:
    """A cluster of its own (the machine's binaries), in a temporary folder, on a free port."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lsi-soak-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()

    def _as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        # Output to files, not pipes: a server started by pg_ctl would keep a pipe open.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        with open(self.folder / "commands.log", "a", encoding="utf-8") as out:
            return subprocess.run([*prefix, *command], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                  check=check, timeout=120)

    def __enter__(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        (self.folder / "commands.log").touch()
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--no-instructions")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c shared_buffers=128MB")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                          "-o", options, "start")
        import psycopg
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE soak")
        return f"postgresql://postgres@127.0.0.1:{self.port}/soak"

    def restart(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-m", "fast",
                          "restart")

    def describe(self) -> str:
        return f"a private PostgreSQL cluster ({PG_BIN.parent.name}) on 127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop",
                          check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class MachinePostgres:
    """A schema of its own in the machine's test database; the machine's cluster is restarted."""

    def __init__(self) -> None:
        from support import PostgresDatabase, postgres_url
        self.database = PostgresDatabase(postgres_url(), schema=f"soak_{secrets.token_hex(4)}")

    def __enter__(self) -> str:
        return self.database.__enter__()

    def restart(self) -> None:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                       capture_output=True, timeout=120)
        # The benchmark's own connection (kept to drop the schema) was cut too.
        import psycopg
        self.database._connection = psycopg.connect(self.database.url.replace("postgresql+psycopg://", "postgresql://"),
                                                    autocommit=True)

    def describe(self) -> str:
        return f"the machine's PostgreSQL, schema {self.database.schema} of its test database"

    def __exit__(self, *exc) -> None:
        self.database.__exit__(*exc)


# --- the SMTP server -----------------------------------------------------------------------------

class SmtpServer:
    """aiosmtpd in this process on a fixed port: counts messages per recipient, hands out confirmation links."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: dict[str, int] = {}
        self.times: dict[str, list[float]] = {}  # when each recipient's messages arrived
        self.links: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with server.lock:
                    for recipient in envelope.rcpt_tos:
                        server.received[recipient.lower()] = server.received.get(recipient.lower(), 0) + 1
                        server.times.setdefault(recipient.lower(), []).append(time.time())
                part = message.get_body(("plain",))
                text = part.get_content() if part is not None else ""
                subject = str(message["Subject"] or "")
                for path in LINK.findall(text):
                    # The confirmation mails: the delegate's "Please confirm ...", the public event's confirm link.
                    if path.startswith("/public/confirm/") or subject.startswith("Please confirm"):
                        server.links.put(path)
                        break
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- processes -----------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def wait_for_http(port: int, path: str = "/health", timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"nothing answered on port {port} in time")


def gunicorn(app: str, port: int, workers: int, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-k", "gthread", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30", app],
        cwd=cwd, env=env, start_new_session=True)


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def flask_command(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def has_worker_command(env: dict) -> bool:
    return flask_command(env, "worker", "--help", timeout=120).returncode == 0


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "worker"], cwd=ROOT,
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- the clients ---------------------------------------------------------------------------------

class Connection:
    """One browser: a keep-alive connection and its session cookie. A GET is sent again once on a
    connection the server had closed; a POST never (it could register twice)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, str]:
        headers = {"Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.http.request(method, path, body=data, headers=headers)
                response = self.http.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.http.close()
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt or method != "GET":
                    raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text, response.getheader("Location") or ""


@dataclass
class Op:
    kind: str
    start: float
    end: float
    ok: bool
    item: str = ""
    error: str = ""


@dataclass
class Case:
    """What the clients need to fill in the forms."""

    run: str
    organization_ids: list[int]
    day_ids: list[int]


def delegate_form(case: Case, address: str) -> dict:
    days = random.sample(case.day_ids, k=random.randint(1, len(case.day_ids)))
    return {"given_name": "Anna", "family_name": "Soak", "email": address, "country": "PL", "category": "delegate",
            "organization_id": str(random.choice(case.organization_ids)), "organization_name": "",
            "job_title": "Coordinator", "days": [str(d) for d in days], "arrival_date": "2027-06-23",
            "departure_date": "2027-06-26", "dietary": ["vegetarian"], "dietary_notes": "", "accessibility_needs": "",
            "languages": "Polish, English", "list_consent": "y", "photo_consent": "", "privacy": "y", "website": ""}


def public_form(address: str) -> dict:
    return {"name": "Soak Test", "email": address, "affiliation": "", "language": "en", "accessibility_needs": "",
            "privacy": "y", "website": ""}


def fill(connection: Connection, path: str, data: dict, post_path: str | None = None) -> tuple[bool, str]:
    """GET a form page, POST it with its tokens; True when answered 302 (as a browser sees success)."""
    status, page, _ = connection.request("GET", path)
    token = FORM_TOKEN.search(page)
    if status != 200 or not token:
        return False, f"GET {path.split('/')[1]}: {status}"
    form = {**data, "csrf_token": token.group(1)}
    started = STARTED.search(page)
    if started:
        form["started"] = started.group(1)
    status, _page, _location = connection.request("POST", post_path or path, form)
    return status == 302, "" if status == 302 else f"POST {path.split('/')[1]}: {status}"


def operation(kind: str, connection: Connection, case: Case, item: str) -> tuple[bool, str]:
    if kind == "delegate":
        return fill(connection, "/register", delegate_form(case, item))
    if kind == "public":
        return fill(connection, "/public", public_form(item))
    if kind == "minimal":
        return fill(connection, "/", {"name": "Soak Test", "email": item})
    if item.startswith("/public/"):
        return fill(connection, item, {})
    return fill(connection, item, {}, post_path=item + "/confirm")


class Load:
    """``clients`` threads doing ``kinds`` until ``stop`` is set, at most ``limit`` operations."""

    def __init__(self, port: int, clients: int, case: Case, kinds: tuple[str, ...], limit: int,
                 links: queue.SimpleQueue | None = None, confirm_share: float = 0.0) -> None:
        self.port, self.clients, self.case, self.kinds, self.limit = port, clients, case, kinds, limit
        self.links, self.confirm_share = links, confirm_share
        self.ops: list[Op] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.counter = 0
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]

    def _next(self) -> tuple[str, str] | None:
        if self.links is not None and random.random() < self.confirm_share:
            try:
                return "confirm", self.links.get_nowait()
            except queue.Empty:
                pass
        with self.lock:
            if self.counter >= self.limit:
                return None
            self.counter += 1
            number = self.counter
        kind = random.choice(self.kinds)
        return kind, f"soak.{self.case.run}.{kind}.{number:06d}@example.org"

    def _client(self, index: int) -> None:
        connection = Connection(self.port)
        while not self.stop.is_set():
            chosen = self._next()
            if chosen is None:
                return
            kind, item = chosen
            began = time.time()
            try:
                ok, error = operation(kind, connection, self.case, item)
            except (OSError, http.client.HTTPException) as problem:
                ok, error = False, type(problem).__name__
                connection = Connection(self.port)
            with self.lock:
                self.ops.append(Op(kind, began, time.time(), ok, item, error))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0


def summary(ops: list[Op], begin: float, end: float, kinds: tuple[str, ...]) -> dict:
    """Ops of ``kinds`` that ended in [begin, end): rate of the successful ones, latency percentiles."""
    chosen = [op for op in ops if op.kind in kinds and begin <= op.end < end]
    good = sorted(op.end - op.start for op in chosen if op.ok)
    seconds = max(end - begin, 1e-9)
    return {"done": len(good), "rate": len(good) / seconds, "p50": percentile(good, 50),
            "p95": percentile(good, 95), "p99": percentile(good, 99), "errors": sum(not op.ok for op in chosen),
            "seconds": seconds}


# --- the database: seeding and checking ----------------------------------------------------------

def app_for(url: str, secret: str):
    from config import TestConfig
    from lsi_assembly.app import create_app
    return create_app(TestConfig({"DATABASE_URL": url, "SECRET_KEY": secret}))


def prepare(url: str, secret: str, args) -> Case:
    """Migrate; the Assembly with its 33 organizations (quota ``--quota`` each), the open public event
    (``--seats``), ``--badges`` confirmed guests to print badges for, and the organizer."""
    from datetime import UTC, datetime

    from flask_migrate import upgrade

    from lsi_assembly.auth.models import Role
    from lsi_assembly.auth.services import create_user
    from lsi_assembly.core.database import utcnow
    from lsi_assembly.extensions import db
    from lsi_assembly.public.models import PublicEvent
    from lsi_assembly.registration.links import new_access_key
    from lsi_assembly.registration.models import Category, Participant, Status
    from support import assembly_with_organizations

    import minimal_app

    app = app_for(url, secret)
    with app.app_context():
        upgrade()
        event, organizations = assembly_with_organizations()
        for organization in organizations:
            organization.delegate_quota = args.quota
        db.session.add(PublicEvent(event=event, title="Soak", capacity=args.seats, no_show_percent=0, is_open=True,
                                   starts_at=datetime(2027, 6, 25, 16, tzinfo=UTC),
                                   ends_at=datetime(2027, 6, 25, 18, 30, tzinfo=UTC)))
        now = utcnow()
        for i in range(args.badges):
            participant = Participant(event_id=event.id, category=Category.GUEST, status=Status.CONFIRMED,
                                      status_changed_at=now, given_name=f"Guest{i:04d}", family_name="Badge",
                                      email=f"guest.{i:04d}@example.org", country="FR", privacy_accepted_at=now,
                                      access_key=new_access_key(), email_confirmed_at=now, locale="en")
            participant.days = list(event.days)
            db.session.add(participant)
        create_user(*ORGANIZER, Role.ORGANIZER, name="Soak organizer")
        db.session.commit()
        case = Case(run=secrets.token_hex(3), organization_ids=[o.id for o in organizations],
                    day_ids=[d.id for d in event.days])
        db.session.remove()
        db.engine.dispose()
    minimal_app.create_table(url)
    return case


def outbox_waiting(url: str, secret: str) -> tuple[int, int]:
    """(unsent and not failed, failed for good) in the outbox."""
    import sqlalchemy as sa

    from lsi_assembly.core.mail import OutboxMessage
    from lsi_assembly.extensions import db
    app = app_for(url, secret)
    with app.app_context():
        try:
            waiting = db.session.scalar(sa.select(sa.func.count()).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)))
            failed = db.session.scalar(sa.select(sa.func.count()).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_not(None)))
        finally:
            db.session.remove()
            db.engine.dispose()
    return waiting, failed


def badge_job(url: str, secret: str, job_id: int | None) -> str:
    from lsi_assembly.core.jobs import Job
    from lsi_assembly.extensions import db
    if job_id is None:
        return "not started"
    app = app_for(url, secret)
    with app.app_context():
        try:
            job = db.session.get(Job, job_id)
            return f"{job.status} ({job.done}/{job.total})" if job else "missing"
        finally:
            db.session.remove()
            db.engine.dispose()


def check(url: str, secret: str, ops: list[Op], smtp: SmtpServer, args, job: str,
          begin: float) -> tuple[list[str], list[str]]:
    """The end state: (findings, problems)."""
    import sqlalchemy as sa

    from lsi_assembly.core.mail import OutboxMessage
    from lsi_assembly.extensions import db
    from lsi_assembly.organizations.models import Organization
    from lsi_assembly.public.models import SEAT_TAKING, AttendeeStatus, PublicAttendee, PublicEvent
    from lsi_assembly.registration.models import PLACE_HOLDING, Category, Participant, Status

    findings: list[str] = []
    problems: list[str] = []
    app = app_for(url, secret)
    with app.app_context():
        stored: dict[str, int] = {}
        for table, column in ((Participant, Participant.email), (PublicAttendee, PublicAttendee.email)):
            for address, number in db.session.execute(sa.select(column, sa.func.count()).group_by(column)):
                stored[address] = stored.get(address, 0) + number
        answered = {op.item for op in ops if op.kind in ("delegate", "public") and op.ok}
        failed = {op.item for op in ops if op.kind in ("delegate", "public") and not op.ok}
        missing = [a for a in answered if stored.get(a, 0) == 0]
        twice = [a for a, n in stored.items() if n > 1]
        findings.append(f"{len(answered):,} registrations answered 302, {len(missing)} of them not stored, "
                        f"{len(twice)} stored twice; of the {len(failed)} that failed at the client, "
                        f"{sum(1 for a in failed if stored.get(a))} were stored (committed before the answer was lost)")
        if missing:
            problems.append(f"{len(missing)} registrations answered but not stored, e.g. {sorted(missing)[:2]}")
        if twice:
            problems.append(f"{len(twice)} addresses stored twice")

        sent = dict(db.session.execute(sa.select(OutboxMessage.recipient, sa.func.count())
                                       .where(OutboxMessage.sent_at.is_not(None)).group_by(OutboxMessage.recipient)).all())
        unsent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None)))
        sent = {k.lower(): v for k, v in sent.items()}
        with smtp.lock:
            received = dict(smtp.received)
        more = {a: (received.get(a, 0), n) for a, n in sent.items() if received.get(a, 0) > n}
        less = {a: (received.get(a, 0), n) for a, n in sent.items() if received.get(a, 0) < n}
        unknown = {a for a in received if a not in sent}
        findings.append(f"{sum(sent.values()):,} e-mails marked sent in the outbox to {len(sent):,} recipients, "
                        f"{sum(received.values()):,} received by the SMTP server; {unsent} still unsent; "
                        f"{len(more)} recipients got more than sent, {len(less)} fewer, {len(unknown)} unexpected")
        if unsent:
            problems.append(f"{unsent} e-mails still unsent at the end")
        if more:
            when = {a: [round(moment - begin, 1) for moment in smtp.times.get(a, [])] for a in list(more)[:3]}
            problems.append(f"e-mail delivered more than once to {len(more)} recipients (received, marked sent): "
                            f"{list(more.items())[:3]}; received at (s into the soak) {when}")
        if less:
            problems.append(f"e-mail marked sent but not received by {len(less)} recipients")
        if unknown:
            problems.append(f"{len(unknown)} recipients received mail the outbox does not show as sent")
        # Every registration answered 302 has its e-mail (the confirmation) received.
        no_mail = [a for a in answered if received.get(a.lower(), 0) == 0]
        if no_mail:
            problems.append(f"{len(no_mail)} registrations answered 302 got no e-mail")

        over = []
        held_total = 0
        for organization in db.session.scalars(sa.select(Organization)):
            held = db.session.scalar(sa.select(sa.func.count()).where(
                Participant.organization_id == organization.id, Participant.category == Category.DELEGATE,
                Participant.status.in_(PLACE_HOLDING)))
            held_total += held
            if held > organization.delegate_quota:
                over.append(f"{organization.name}: {held} > {organization.delegate_quota}")
        waitlisted = db.session.scalar(sa.select(sa.func.count()).where(Participant.status == Status.WAITLISTED))
        findings.append(f"delegates holding a quota place: {held_total} (quota {args.quota} x 33), "
                        f"waitlisted {waitlisted}; organizations over their quota: {len(over)}")
        if over:
            problems.append("quota exceeded: " + "; ".join(over[:3]))
        public_event = db.session.scalar(sa.select(PublicEvent))
        seats = db.session.scalar(sa.select(sa.func.count()).where(PublicAttendee.status.in_(SEAT_TAKING)))
        codes = db.session.scalar(sa.select(sa.func.count(sa.distinct(PublicAttendee.ticket_code))).where(
            PublicAttendee.status.in_(SEAT_TAKING)))
        waiting = db.session.scalar(sa.select(sa.func.count()).where(PublicAttendee.status == AttendeeStatus.WAITING))
        findings.append(f"public event: {seats} seats taken of {public_event.limit}, {waiting} waiting, "
                        f"{codes} distinct ticket codes")
        if seats > public_event.limit:
            problems.append(f"public event over its seats: {seats} > {public_event.limit}")
        if codes != seats:
            problems.append("two seats with one ticket code")
        db.session.remove()
        db.engine.dispose()
    findings.append(f"badge job: {job}")
    if not job.startswith("done"):
        problems.append(f"the badge job is not done: {job}")
    return findings, problems


# --- the organizer's badge job ---------------------------------------------------------------------

def start_badge_job(port: int) -> int:
    connection = Connection(port)
    ok, error = fill(connection, "/login", {"email": ORGANIZER[0], "password": ORGANIZER[1]})
    if not ok:
        raise RuntimeError(f"organizer sign-in failed: {error}")
    status, page, _ = connection.request("GET", "/manage/badges/")
    token = FORM_TOKEN.search(page)
    if status != 200 or not token:
        raise RuntimeError(f"badge page: {status}")
    status, _page, location = connection.request("POST", "/manage/badges/print", {
        "csrf_token": token.group(1), "preset": "a6", "organization_id": "", "category": "", "day_id": ""})
    match = re.search(r"/(\d+)$", urlsplit(location).path)
    if status != 302 or not match:
        raise RuntimeError(f"badge job not started: {status} {location}")
    return int(match.group(1))


# --- the run -------------------------------------------------------------------------------------

@dataclass
class Timeline:
    begin: float = 0.0
    events: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, label: str) -> float:
        now = time.time()
        self.events.append((now, label))
        log(label)
        return now


def sleep_until(moment: float) -> None:
    while True:
        left = moment - time.time()
        if left <= 0:
            return
        time.sleep(min(left, 0.5))


def main() -> None:  # noqa: C901 - one script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=240, help="length of the soak (faults at fixed fractions)")
    parser.add_argument("--phase-seconds", type=float, default=20, help="length of each ceiling phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--quota", type=int, default=5, help="delegate places per organization (33 organizations)")
    parser.add_argument("--seats", type=int, default=150, help="seats of the public event")
    parser.add_argument("--badges", type=int, default=100, help="confirmed guests in the badge job")
    parser.add_argument("--smtp-down", type=float, default=60)
    parser.add_argument("--confirm-share", type=float, default=0.3,
                        help="share of operations that confirm an address from a received e-mail")
    parser.add_argument("--max-operations", type=int, default=200_000)
    parser.add_argument("--drain-seconds", type=float, default=420, help="at most this long to empty the outbox")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="the machine's Redis (loopback only)")
    parser.add_argument("--machine-postgres", action="store_true",
                        help="use (and restart) the machine's PostgreSQL instead of a private cluster")
    worker_group = parser.add_mutually_exclusive_group()
    worker_group.add_argument("--worker", dest="worker", action="store_true", default=None)
    worker_group.add_argument("--no-worker", dest="worker", action="store_false")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args()
    if not (30 <= args.seconds <= 1800 and 1 <= args.clients <= 200 and 1 <= args.workers <= 16
            and 1 <= args.phase_seconds <= 300 and 0 <= args.smtp_down <= args.seconds / 2):
        parser.error("out of range")
    if urlsplit(args.redis).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--redis must be on loopback")

    import redis as redis_client

    from support import machine

    try:
        redis_client.Redis.from_url(args.redis + "/13", socket_timeout=3).ping()
    except redis_client.RedisError as error:
        raise SystemExit(f"Redis does not answer at {args.redis}: {error}") from None

    secret = secrets.token_urlsafe(32)
    from cryptography.fernet import Fernet
    data_key = Fernet.generate_key().decode()
    database = MachinePostgres() if args.machine_postgres else PrivatePostgres()
    smtp = SmtpServer()
    timeline = Timeline()
    processes: list[subprocess.Popen] = []
    worker: subprocess.Popen | None = None
    results: dict = {}
    with database as url, tempfile.TemporaryDirectory(prefix="lsi-soak-") as folder:
        log(f"database ready: {database.describe()}")
        case = prepare(url, secret, args)
        port, minimal_port = free_port(), free_port()
        env = {**os.environ, "LSI_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": url,
               "DATA_KEYS": data_key, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
               "BASE_URL": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": "true",
               "RATELIMIT_STORAGE_URI": args.redis + "/13", "REGISTER_RATE_LIMIT": BENCH_LIMIT,
               "PUBLIC_RATE_LIMIT": BENCH_LIMIT, "LOGIN_RATE_LIMIT": BENCH_LIMIT, "VERIFY_RATE_LIMIT": BENCH_LIMIT,
               "PUBLIC_MIN_SECONDS": "0", "REGISTER_MIN_SECONDS": "0", "MAIL_PER_RECIPIENT_PER_HOUR": "100",
               "QUEUE_URL": args.redis + "/14", "JOBS_FOLDER": folder, "PYTHONPATH": str(ROOT)}
        use_worker = has_worker_command(env) if args.worker is None else args.worker
        log(f"task worker: {'yes' if use_worker else 'no (this code has no `flask worker`)'}")
        smtp.start()
        try:
            web = gunicorn("wsgi:app", port, args.workers, env, ROOT)
            processes.append(web)
            minimal = gunicorn("minimal_app:app", minimal_port, args.workers,
                               {**env, "MINIMAL_DATABASE_URL": url}, BENCH)
            processes.append(minimal)
            if use_worker:
                worker = start_worker(env)
            wait_for_http(port)
            wait_for_http(minimal_port)

            # The ceiling, and the registrations alone, in the same conditions.
            ceiling = {}
            every_op: list[Op] = []
            for kind, target in (("minimal", minimal_port), ("delegate", port), ("public", port)):
                load = Load(target, args.clients, case, (kind,), args.max_operations)
                began = time.time()
                load.start()
                time.sleep(args.phase_seconds)
                ended = time.time()
                load.finish()
                every_op += load.ops
                ceiling[kind] = summary(load.ops, began + 2, ended, (kind,))  # the first 2 s: connections opening
                log(f"ceiling {kind}: {ceiling[kind]['rate']:.1f}/s")
            stop(minimal)
            # The confirmations of the ceiling phases' registrations are left out: only the soak's.
            while True:
                try:
                    smtp.links.get_nowait()
                except queue.Empty:
                    break

            # The soak.
            load = Load(port, args.clients, case, ("delegate", "public"), args.max_operations, smtp.links,
                        args.confirm_share)
            timeline.begin = time.time()
            s = args.seconds
            load.start()
            t = timeline.begin
            sleep_until(t + 0.125 * s)
            timeline.mark("SMTP server stopped")
            smtp.stop()
            sleep_until(time.time() + args.smtp_down)
            smtp.start()
            timeline.mark("SMTP server started again")
            sleep_until(t + 0.45 * s)
            victims = children(web.pid)
            victim = random.choice(victims)
            os.kill(victim, signal.SIGKILL)
            timeline.mark(f"gunicorn worker {victim} killed (SIGKILL)")
            sleep_until(t + 0.55 * s)
            job_id = None
            try:
                job_id = start_badge_job(port)
                timeline.mark(f"badge job {job_id} started")
            except (RuntimeError, OSError, http.client.HTTPException) as error:
                timeline.mark(f"badge job could not start: {error}")
            if use_worker and worker is not None and job_id is not None:
                time.sleep(1.0)
                stop(worker, signal.SIGKILL)
                timeline.mark("task worker killed (SIGKILL) during the badge job")
                time.sleep(2.0)
                worker = start_worker(env)
                timeline.mark("task worker started again")
            # The restart waits for the badge job to end (at most 90 s more): one fault at a time.
            sleep_until(t + 0.7 * s)
            while job_id is not None and time.time() < t + 0.7 * s + 90:
                state = badge_job(url, secret, job_id)
                if state.startswith(("done", "failed", "missing")):
                    timeline.mark(f"badge job {job_id}: {state}")
                    break
                time.sleep(2)
            timeline.mark("PostgreSQL restart begins")
            database.restart()
            timeline.mark("PostgreSQL restarted")
            sleep_until(max(t + s, time.time() + 30))
            load.finish()
            timeline.mark("load stopped")

            # Drain the outbox: the worker does it; without one, `flask mail send` (the cron line's command).
            deadline = time.time() + args.drain_seconds
            while True:
                waiting, failed = outbox_waiting(url, secret)
                if not waiting or time.time() > deadline:
                    break
                if not use_worker:
                    flask_command(env, "mail", "send", timeout=120)
                time.sleep(10)
            timeline.mark(f"outbox drained: {waiting} waiting, {failed} failed")
            job_deadline = time.time() + 180
            job = badge_job(url, secret, job_id)
            while not job.startswith(("done", "failed", "not started", "missing")) and time.time() < job_deadline:
                time.sleep(3)
                job = badge_job(url, secret, job_id)
            findings, problems = check(url, secret, every_op + load.ops, smtp, args, job, timeline.begin)
        finally:
            for process in processes:
                stop(process)
            stop(worker, signal.SIGTERM)
            smtp.stop()
        results = report(args, ceiling, load.ops, timeline, findings, problems, use_worker,
                         machine(load_average=True), database.describe())
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if problems:
        sys.exit(2)


def report(args, ceiling: dict, ops: list[Op], timeline: Timeline, findings: list[str], problems: list[str],
           use_worker: bool, machine_line: str, database: str) -> dict:
    t = timeline.begin
    smtp_stop = next(m for m, label in timeline.events if label == "SMTP server stopped")
    smtp_start = next(m for m, label in timeline.events if label == "SMTP server started again")
    web_kill = next(m for m, label in timeline.events if label.startswith("gunicorn worker"))
    badge = next((m for m, label in timeline.events if label.startswith("badge job")), t + 0.55 * args.seconds)
    badge_end = next((m for m, label in timeline.events if label.startswith("badge job") and ":" in label), None)
    pg_begin = next(m for m, label in timeline.events if label == "PostgreSQL restart begins")
    pg_done = next(m for m, label in timeline.events if label == "PostgreSQL restarted")
    end = next(m for m, label in timeline.events if label == "load stopped")
    windows = [
        ("before any fault", t + 2, smtp_stop),
        (f"SMTP server down ({args.smtp_down:.0f} s)", smtp_stop, smtp_start),
        ("after the SMTP server is back", smtp_start, web_kill),
        ("10 s from a web worker's SIGKILL", web_kill, web_kill + 10),
        ("calm", web_kill + 10, badge),
        ("badge job" + (" and task worker killed" if use_worker else " (in a web worker's thread)"), badge,
         badge_end or pg_begin),
        ("calm again", badge_end or pg_begin, pg_begin),
        ("15 s from the PostgreSQL restart", pg_begin, pg_done + 15),
        ("after it all", pg_done + 15, end),
    ]
    kinds = ("delegate", "public")
    instants = [web_kill] + [m for m, label in timeline.events if label.startswith("task worker killed")]
    errors = [op for op in ops if not op.ok]

    def at_fault(op: Op) -> bool:
        in_flight = any(op.start - 0.5 <= moment <= op.end + 0.5 for moment in instants)
        return in_flight or (op.start <= pg_done + 2 and op.end >= pg_begin - 0.5)

    unexpected = [op for op in errors if not at_fault(op)]
    print("# Soak under faults\n")
    print(f"{machine_line}\n")
    print(f"{args.clients} clients (threads of this process, a keep-alive connection each), gunicorn {args.workers} "
          f"gthread workers x 4 threads, {database}, Redis for the rate limits, aiosmtpd in this process; "
          f"task worker: {'yes' if use_worker else 'none in this code (mail after each request, jobs in threads)'}.\n")
    print("## The ceiling: the minimal form against the registrations, each alone\n")
    print("| what | one operation | per second | ratio to the minimal form | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    what = {"minimal": "`GET /` + `POST /` (bench/minimal_app.py)", "delegate": "`GET` + `POST /register`",
            "public": "`GET` + `POST /public`"}
    base = ceiling["minimal"]["rate"] or 1e-9
    for kind, r in ceiling.items():
        print(f"| {kind} | {what[kind]} | {r['rate']:.1f} | {r['rate'] / base:.2f} | {r['p50']:.0f} | "
              f"{r['p95']:.0f} | {r['p99']:.0f} | {r['errors']} |")
    for kind in ("delegate", "public"):
        ratio = ceiling[kind]["rate"] / base
        print(f"\n{kind}: {ratio:.2f} of the minimal write's rate, goal {GOAL_RATIO}: "
              f"{'**met**' if ratio >= GOAL_RATIO else '**missed**'}.", end="")
    print("\n\n## The soak, window by window\n")
    print(f"{args.seconds:.0f} s; registrations (delegates and the public event, `GET` + `POST`) a second; "
          "confirmations (`GET` + `POST` of the link in the e-mail) beside.\n")
    print("| window | from s | to s | registrations | per second | p50 ms | p95 ms | p99 ms | errors "
          "| confirmations | per second |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for name, begin, finish in windows:
        r = summary(ops, begin, finish, kinds)
        c = summary(ops, begin, finish, ("confirm",))
        rows.append({"window": name, "from": begin - t, "to": finish - t, "registrations": r, "confirmations": c})
        print(f"| {name} | {begin - t:.0f} | {finish - t:.0f} | {r['done']:,} | {r['rate']:.1f} | {r['p50']:.0f} "
              f"| {r['p95']:.0f} | {r['p99']:.0f} | {r['errors'] + c['errors']} | {c['done']:,} | {c['rate']:.1f} |")
    print("\nEvents: " + "; ".join(f"{moment - t:.1f} s {label}" for moment, label in timeline.events) + ".\n")
    print(f"Client errors: {len(errors)} in all, {len(errors) - len(unexpected)} in flight at a kill or during "
          f"the PostgreSQL restart, **{len(unexpected)} otherwise**.")
    kinds_of = {}
    for op in errors:
        kinds_of[(op.kind, op.error)] = kinds_of.get((op.kind, op.error), 0) + 1
    for (kind, error), number in sorted(kinds_of.items(), key=lambda item: -item[1])[:8]:
        print(f"- {kind}: {error} x {number}")
    for op in unexpected[:5]:
        print(f"- not at a fault: {op.kind} at {op.start - t:.1f}-{op.end - t:.1f} s: {op.error}")
    print("\n## After it all\n")
    for finding in findings:
        print(f"- {finding}")
    for problem in problems:
        print(f"- **CHECK FAILED**: {problem}")
    if not problems:
        print("- every check passed")
    return {"ceiling": ceiling, "windows": rows, "events": [(m - t, label) for m, label in timeline.events],
            "errors": len(errors), "unexpected_errors": len(unexpected), "findings": findings, "problems": problems}


if __name__ == "__main__":
    main()
