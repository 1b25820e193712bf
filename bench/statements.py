"""Hand-run count of the SQL statements of one registration (issue 18): delegate and public event.

Through the app's test client on a throw-away database (PostgreSQL by default, a schema of its own
in the test database; or SQLite), with the Assembly, its 33 organizations and an open public event,
each registration is done as a browser does it: ``GET`` the form (its CSRF token and time stamp),
then ``POST`` it (answered 302). SQLAlchemy's ``before_cursor_execute`` event counts every statement
sent to the database, split at the request's first COMMIT: what the registration itself runs (the
transaction), and what runs after it (the e-mail sent after the request: the outbox claimed, sent,
marked). Each figure is the median over ``--repeat`` registrations (new addresses each), after
``--warm`` that are not counted (the first requests load caches). Then the CPU of this process per
registration (``time.process_time``: the app, the test client, SQLAlchemy; not the database server),
against bench/minimal_app.py's form (``GET /`` + ``POST /``) measured the same way: a ratio that the
machine's load moves far less than a rate does.

    .venv/bin/python bench/statements.py [--database postgresql|sqlite] [--repeat 20] [--show]

``--show`` prints the statements of the last registration of each kind. Asserts nothing; a
registration answered with anything but 302 stops the script (exit 2).
"""
from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # this checkout's code

from support import assembly_with_organizations, csrf_token, fresh_app, machine

STARTED = re.compile(r'name="started"[^>]*value="([^"]+)"')


class Counting:
    """Counts the statements sent on the app's engine, split at the first COMMIT of the request."""

    def __init__(self, engine) -> None:
        self.statements: list[tuple[str, str]] = []  # (phase, SQL)
        self.committed = False
        sa.event.listen(engine, "before_cursor_execute", self._execute)
        sa.event.listen(engine, "commit", self._commit)

    def _execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(("after" if self.committed else "in", " ".join(statement.split())))

    def _commit(self, conn) -> None:
        self.statements.append(("commit", "COMMIT"))
        self.committed = True

    def reset(self) -> None:
        self.statements.clear()
        self.committed = False

    def counts(self) -> dict[str, int]:
        c = Counter(phase for phase, _sql in self.statements)
        return {"in": c["in"], "after": c["after"], "commits": c["commit"]}


def delegate_form(day_ids: list[int], organization_id: int, email: str) -> dict:
    days = [str(i) for i in day_ids[:2]]
    return {"given_name": "Anna", "family_name": "Nowak", "email": email, "country": "PL", "category": "delegate",
            "organization_id": str(organization_id), "organization_name": "", "job_title": "Coordinator",
            "days": days, "arrival_date": "2027-06-23", "departure_date": "2027-06-25", "dietary": ["vegetarian"],
            "dietary_notes": "", "accessibility_needs": "", "languages": "Polish, English", "list_consent": "y",
            "photo_consent": "", "privacy": "y", "website": ""}


def public_form(email: str) -> dict:
    return {"name": "Load Test", "email": email, "affiliation": "", "language": "en", "accessibility_needs": "",
            "privacy": "y", "website": ""}


CPU: dict[str, list[float]] = {}


def registration(client, counting: Counting, url: str, data: dict) -> tuple[dict, dict, list]:
    """GET + POST ``url`` as a browser; return the counts of each request and the statements of both."""
    cpu = time.process_time()
    counting.reset()
    page = client.get(url).get_data(as_text=True)
    get_counts, get_sql = counting.counts(), list(counting.statements)
    token, started = csrf_token(page), STARTED.search(page)
    form = {**data, "csrf_token": token}
    if started:
        form["started"] = started.group(1)
    counting.reset()
    response = client.post(url, data=form)
    if response.status_code != 302:
        sys.exit(f"POST {url} answered {response.status_code}")
    CPU.setdefault(url, []).append(time.process_time() - cpu)
    return get_counts, counting.counts(), get_sql + [("---", "--- POST ---")] + list(counting.statements)


def minimal_form_cpu(url: str, repeat: int) -> float:
    """Median process CPU of ``GET /`` + ``POST /`` of bench/minimal_app.py (its table made in the same database)."""
    import os

    import minimal_app
    engine_url = str(url).replace("postgresql+psycopg://", "postgresql://")
    os.environ.update(SECRET_KEY="minimal", MINIMAL_DATABASE_URL=engine_url)
    minimal_app.create_table(engine_url)
    minimal = minimal_app.create_app()
    client = minimal.test_client()
    times = []
    for i in range(repeat):
        cpu = time.process_time()
        page = client.get("/").get_data(as_text=True)
        response = client.post("/", data={"csrf_token": csrf_token(page), "name": "Minimal", "email": f"m{i}@example.org"})
        if response.status_code != 302:
            sys.exit(f"minimal form answered {response.status_code}")
        times.append(time.process_time() - cpu)
    return statistics.median(times[3:] if len(times) > 6 else times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print the statements of the last registration of each kind")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 1000:
        parser.error("--repeat: 1 to 1000")

    from lsi_assembly.extensions import db
    from lsi_assembly.public.models import PublicEvent

    logging.getLogger("lsi_assembly.core.mail").setLevel(logging.WARNING)  # no mail text in the report
    with fresh_app(args.database) as app:
        app.config.update(RATELIMIT_ENABLED=False, REGISTER_MIN_SECONDS=0, PUBLIC_MIN_SECONDS=0,
                          MAIL_SERVER=None)
        from lsi_assembly.extensions import limiter
        limiter.enabled = False
        with app.app_context():
            event, organizations = assembly_with_organizations()
            db.session.add(PublicEvent(event=event, title="Statements", capacity=10_000, no_show_percent=0,
                                       is_open=True, starts_at=datetime(2027, 6, 25, 16, tzinfo=UTC),
                                       ends_at=datetime(2027, 6, 25, 18, 30, tzinfo=UTC)))
            db.session.commit()
            day_ids = [day.id for day in event.days]
            organization_id = organizations[0].id
            db.session.remove()
        with app.app_context():
            counting = Counting(db.engine)
        results: dict[str, list[tuple[dict, dict]]] = {"delegate": [], "public": []}
        last: dict[str, list] = {}
        for i in range(args.warm + args.repeat):
            for kind in ("delegate", "public"):
                client = app.test_client()  # a new browser: a new session
                email = f"stmt.{kind}.{i:05d}@example.org"
                if kind == "delegate":
                    got = registration(client, counting, "/register", delegate_form(day_ids, organization_id, email))
                else:
                    got = registration(client, counting, "/public", public_form(email))
                if i >= args.warm:
                    results[kind].append(got[:2])
                last[kind] = got[2]
        print("# Statements per registration\n")
        print(machine() + f"; {args.database}\n")
        print("Medians over", args.repeat, "registrations each (new address, new browser); "
              "\"after\" is what runs after the request's commit (the e-mail leaving in the request).\n")
        print("| registration | GET statements | POST statements in the transaction | POST after the commit "
              "| commits (GET + POST) | total |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind, rows in results.items():
            get_in = statistics.median(g["in"] + g["after"] for g, _p in rows)
            post_in = statistics.median(p["in"] for _g, p in rows)
            post_after = statistics.median(p["after"] for _g, p in rows)
            commits = statistics.median(g["commits"] + p["commits"] for g, p in rows)
            print(f"| {kind} | {get_in:g} | {post_in:g} | {post_after:g} | {commits:g} "
                  f"| {get_in + post_in + post_after:g} |")
        print(f"\nCPU of this process (the app, the test client and SQLAlchemy; not the database server) per "
              f"registration, median of {args.repeat}, against the minimal form of bench/minimal_app.py "
              "(`GET /` + `POST /`, the same database) measured the same way:\n")
        minimal_cpu = minimal_form_cpu(app.config["SQLALCHEMY_DATABASE_URI"], args.warm + args.repeat)
        print("| what | CPU ms | ratio to the minimal form |")
        print("|---|---:|---:|")
        print(f"| minimal form | {minimal_cpu * 1000:.1f} | 1.00 |")
        for kind, url in (("delegate", "/register"), ("public", "/public")):
            median = statistics.median(CPU[url][args.warm:])
            print(f"| {kind} | {median * 1000:.1f} | {minimal_cpu / median:.2f} |")
        if args.show:
            for kind, statements in last.items():
                print(f"\n## {kind}\n")
                for phase, sql in statements:
                    print(f"- [{phase}] {sql[:220]}")


if __name__ == "__main__":
    main()
