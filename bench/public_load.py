"""Hand-run load benchmark of the public event's registration (issue 7), against gunicorn on loopback.

The parent process prepares a throw-away database (PostgreSQL by default, a schema of its own in
the test database; or SQLite), with the Assembly and an open public event of ``--seats`` seats (no
overbooking), starts a local SMTP sink (aiosmtpd, so that every e-mail really goes over SMTP, as in
production) and serves the app with gunicorn (``--workers`` gthread workers, 4 threads each) on
127.0.0.1. A second process is the client: ``--clients`` threads, each with its own keep-alive HTTP
connection and cookie, run three phases one after the other, each bounded by a count and by
``--seconds``:

1. **ceiling**: ``GET /health`` (the app's bare health check: the most this stack serves here);
2. **register**: for each registration ``GET /public`` (the form: CSRF token and time stamp), then
   ``POST /public`` with a new address (answered 302 to ``/public/done``);
3. **confirm**: for each registration, ``GET /public/confirm/<token>`` (the page with the button),
   then its ``POST`` (302 to the ticket page): seats go to the first confirmations, the others wait.

Reported per phase: completed operations per second, latency percentiles of the operation (both
requests for a registration or a confirmation), errors (anything but the expected status, or a
connection error). Then the database is checked: one registration per address, exactly ``--seats``
confirmed with distinct ticket codes, everyone else waiting with positions 1..N, nobody lost.

Rate limits are switched off (``RATELIMIT_ENABLED=false``: every client here has the same address)
and so is the minimum time to fill in the form (``PUBLIC_MIN_SECONDS=0``); the rest is the app as in
production (``LSI_ENV=production``, mail over SMTP after each request). The client shares the two
cores with the server, so absolute rates are this machine's; the goal is a ratio measured in one run:
registrations per second at least a third of the ceiling's requests per second.

    .venv/bin/python bench/public_load.py [--database postgresql|sqlite] [--clients 50]
        [--registrations 2000] [--health 5000] [--seats 500] [--workers 4] [--seconds 120]

About a minute with the defaults. Nothing is asserted about time; exit status 2 when a check fails.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode


GOAL_RATIO = 1 / 3
FORM_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STARTED = re.compile(r'name="started"[^>]*value="([^"]+)"')


# --- the client process --------------------------------------------------------------------------

class Connection:
    """One keep-alive connection with its own cookie jar (one cookie: the session)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = None
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.http.request(method, path, body=data, headers=headers)
                response = self.http.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.http.close()
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text


def operation(kind: str, connection: Connection, item: str) -> bool:
    """One operation of a phase; True when every answer was the expected one."""
    if kind == "health":
        status, _ = connection.request("GET", "/health")
        return status == 200
    if kind == "register":
        status, page = connection.request("GET", "/public")
        token, started = FORM_TOKEN.search(page), STARTED.search(page)
        if status != 200 or not token or not started:
            return False
        status, _ = connection.request("POST", "/public", {
            "csrf_token": token.group(1), "started": started.group(1), "name": f"Load Test {item}",
            "email": item, "affiliation": "", "language": "en", "accessibility_needs": "", "privacy": "y",
            "website": ""})
        return status == 302
    status, page = connection.request("GET", f"/public/confirm/{item}")
    token = FORM_TOKEN.search(page)
    if status != 200 or not token:
        return False
    status, _ = connection.request("POST", f"/public/confirm/{item}", {"csrf_token": token.group(1)})
    return status == 302


def run_phase(kind: str, port: int, clients: int, items: list[str], seconds: float) -> dict:
    """``items`` shared by ``clients`` threads (each takes the next); stops at the end or after ``seconds``."""
    lock = threading.Lock()
    position = [0]
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    start_line = threading.Barrier(clients)

    def worker() -> None:
        connection = Connection(port)
        start_line.wait()
        while time.perf_counter() < deadline:
            with lock:
                if position[0] >= len(items):
                    return
                item = items[position[0]]
                position[0] += 1
            began = time.perf_counter()
            try:
                ok = operation(kind, connection, item)
            except (OSError, http.client.HTTPException) as error:
                ok = False
                errors.append(repr(error))
                connection = Connection(port)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                if not ok and len(errors) < 1000:
                    errors.append(f"{kind} {item[:20]}: unexpected answer")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0

    return {"kind": kind, "done": len(latencies), "wall": wall, "rate": len(latencies) / wall if wall else 0,
            "p50": percentile(50), "p90": percentile(90), "p99": percentile(99), "max": percentile(100),
            "mean": statistics.fmean(ordered) * 1000 if ordered else 0.0, "errors": len(errors),
            "first_errors": errors[:5]}


def client_main(case: dict, out: Path) -> None:
    results = []
    for kind, items in (("health", [str(i) for i in range(case["health"])]),
                        ("register", case["emails"]), ("confirm", case["tokens"])):
        if kind == "confirm":
            # The tokens are made by the parent only once every registration is in the database.
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            items = json.loads(sys.stdin.readline())
        results.append(run_phase(kind, case["port"], case["clients"], items, case["seconds"]))
        if kind == "register":
            sys.stdout.write(json.dumps({"registered": True}) + "\n")
            sys.stdout.flush()
    out.write_text(json.dumps(results), encoding="utf-8")


# --- the parent ----------------------------------------------------------------------------------

def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


def prepare(url: str, seats: int) -> None:
    """Migrate the database, add the Assembly and its open public event (``seats`` seats, no overbooking)."""
    from datetime import UTC, datetime

    from flask_migrate import upgrade

    from config import TestConfig
    from lsi_assembly.app import create_app
    from lsi_assembly.extensions import db
    from lsi_assembly.public.models import PublicEvent
    from support import assembly_with_organizations

    app = create_app(TestConfig({"DATABASE_URL": url}))
    with app.app_context():
        upgrade()
        event, _organizations = assembly_with_organizations()
        db.session.add(PublicEvent(event=event, title="Load test", capacity=seats, no_show_percent=0, is_open=True,
                                   starts_at=datetime(2027, 6, 25, 16, tzinfo=UTC),
                                   ends_at=datetime(2027, 6, 25, 18, 30, tzinfo=UTC)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def tokens_and_check(url: str, secret: str, emails: list[str], seats: int, final: bool) -> tuple[list[str], list]:
    """The confirm tokens of the registered addresses; with ``final``, the checks of the end state."""
    import sqlalchemy as sa

    from config import TestConfig
    from lsi_assembly.app import create_app
    from lsi_assembly.extensions import db
    from lsi_assembly.public import services
    from lsi_assembly.public.models import AttendeeStatus, PublicAttendee

    app = create_app(TestConfig({"DATABASE_URL": url, "SECRET_KEY": secret}))
    problems: list[str] = []
    with app.app_context():
        people = list(db.session.scalars(sa.select(PublicAttendee)))
        tokens = [services.make_token(p) for p in people]
        by_email = {p.email for p in people}
        if len(by_email) != len(people):
            problems.append("an address registered twice")
        missing = len(set(emails) - by_email)
        if missing:
            problems.append(f"{missing} registrations answered but not stored")
        if final:
            confirmed = [p for p in people if p.status == AttendeeStatus.CONFIRMED]
            waiting = [p for p in people if p.status == AttendeeStatus.WAITING]
            others = len(people) - len(confirmed) - len(waiting)
            if len(confirmed) != min(seats, len(people)):
                problems.append(f"{len(confirmed)} confirmed for {seats} seats (sold twice or lost)")
            if len({p.ticket_code for p in confirmed}) != len(confirmed):
                problems.append("two people with one ticket code")
            if others:
                problems.append(f"{others} registrations neither confirmed nor waiting")
            positions = sorted(services.position(p) for p in waiting)
            if positions != list(range(1, len(waiting) + 1)):
                problems.append("the waiting list's positions are not 1..N")
            if confirmed and waiting and max(p.confirmed_at for p in confirmed) > min(p.queued_at for p in waiting):
                problems.append("a seat went to a confirmation that came after someone who is waiting")
            tokens = [f"{len(confirmed)} confirmed, {len(waiting)} waiting"]
        db.session.remove()
        db.engine.dispose()
    return tokens, problems


class SmtpSink:
    """A local SMTP server that accepts and counts every message (aiosmtpd)."""

    def __enter__(self):
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                sink.count += 1
                return "250 OK"

        self.count = 0
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def print_report(args, results: list[dict], problems: list[str], mails: int, summary: str, info: str) -> None:
    ceiling = next(r for r in results if r["kind"] == "health")
    print(f"{info}\n")
    print(f"{args.clients} concurrent clients (one process, a keep-alive connection each), gunicorn "
          f"{args.workers} gthread workers x 4 threads, {args.database}, {args.seats} seats; every phase bounded "
          f"by its count and {args.seconds:.0f} s.\n")
    print("| phase | operations | what one operation is | per second | ratio to the ceiling | p50 ms | p90 ms "
          "| p99 ms | max ms | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    what = {"health": "`GET /health`", "register": "`GET /public` + `POST /public`",
            "confirm": "`GET` + `POST /public/confirm/<token>`"}
    for r in results:
        print(f"| {r['kind']} | {r['done']:,} | {what[r['kind']]} | {r['rate']:,.0f} | "
              f"{r['rate'] / ceiling['rate']:.2f} | {r['p50']:.0f} | {r['p90']:.0f} | {r['p99']:.0f} | "
              f"{r['max']:.0f} | {r['errors']} |")
    register = next(r for r in results if r["kind"] == "register")
    ratio = register["rate"] / ceiling["rate"] if ceiling["rate"] else 0
    print(f"\nGoal: registrations at least {GOAL_RATIO:.2f} of the ceiling's rate: "
          f"{'**met**' if ratio >= GOAL_RATIO else '**missed**'} ({ratio:.2f}). After the run: {summary}; "
          f"{mails:,} e-mails received by the SMTP sink.")
    for r in results:
        for error in r["first_errors"]:
            print(f"- {r['kind']} error: {error}")
    for problem in problems:
        print(f"- **CHECK FAILED**: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--health", type=int, default=5000, help="health requests of the ceiling phase")
    parser.add_argument("--seats", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120, help="at most this long per phase")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(json.loads(args.case), Path(args.client))
        return
    if not (1 <= args.clients <= 500 and 1 <= args.registrations <= 100_000 and 1 <= args.seats
            and 1 <= args.workers <= 32 and 1 <= args.health <= 1_000_000):
        parser.error("out of range")
    from support import PostgresDatabase, SqliteDatabase, machine, postgres_url

    root = Path(__file__).resolve().parents[1]
    secret = secrets.token_urlsafe(32)
    run = secrets.token_hex(3)
    emails = [f"load.{run}.{i:06d}@example.org" for i in range(args.registrations)]
    database = SqliteDatabase() if args.database == "sqlite" else PostgresDatabase(postgres_url())
    problems: list[str] = []
    with database as url, SmtpSink() as sink, tempfile.TemporaryDirectory(prefix="lsi-load-") as folder:
        prepare(url, args.seats)
        port = free_port()
        environment = {**os.environ, "LSI_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": url,
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.controller.port),
                       "BASE_URL": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": "false",
                       "PUBLIC_MIN_SECONDS": "0", "JOBS_FOLDER": folder}
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", str(args.workers), "-k", "gthread",
             "--threads", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30",
             "wsgi:app"], cwd=root, env=environment)
        try:
            wait_for(port)
            out = Path(folder) / "client.json"
            case = {"port": port, "clients": args.clients, "health": args.health, "emails": emails,
                    "tokens": [], "seconds": args.seconds}
            client = subprocess.Popen([sys.executable, __file__, "--client", str(out), "--case", json.dumps(case)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            client.stdout.readline()  # registrations done
            client.stdout.readline()  # ready for the tokens
            tokens, found = tokens_and_check(url, secret, emails, args.seats, final=False)
            problems += found
            client.stdin.write(json.dumps(tokens) + "\n")
            client.stdin.flush()
            client.wait(timeout=args.seconds * 4 + 60)
            results = json.loads(out.read_text(encoding="utf-8"))
            summary, found = tokens_and_check(url, secret, emails, args.seats, final=True)
            problems += found
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        print("# Public registration under load\n")
        print_report(args, results, problems, sink.count, summary[0] if summary else "", machine(load_average=True))
    if problems or any(r["errors"] for r in results):
        sys.exit(2)


if __name__ == "__main__":
    main()
