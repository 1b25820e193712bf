"""What the hand-run web benchmarks share (bench/backoffice.py, bench/workshops_web.py).

A throw-away database for the app (a temporary SQLite file, or a PostgreSQL schema of its own that
is dropped at the end, even on error), the benchmark's organizer and its sign-in through the test
client, the timing of one GET, the peak RSS of the process, and the line that names the machine and
the code measured. Nothing here measures on its own: the scripts decide what is timed.

The scripts import it as ``support`` (Python puts a script's own folder on the path); the project comes
from its editable install (``pip install -e .``, done by ``make``).
"""
from __future__ import annotations

import os
import platform
import re
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestConfig
from lsi_assembly.app import create_app
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.services import create_user
from lsi_assembly.core.search import fold
from lsi_assembly.extensions import db

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
ORGANIZER_EMAIL = "bench.organizer@example.org"
ORGANIZER_PASSWORD = "benchmark-password-1"
#: Organizations of the participants who belong to none of the 33 sample organizations.
OUTSIDE_ORGANIZATIONS = ["Independent consultant", "European Commission, DG HOME", "OSCE/ODIHR",
                         "Council of Europe", "University of Vienna", "Le Monde", "Open Society Foundations",
                         "ILO Geneva"]


# --- databases -----------------------------------------------------------------------------------

def postgres_url() -> str:
    """Return the PostgreSQL test database's URL: ``TEST_POSTGRES_URL``, as for the tests, or the default."""
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _plain(url: str) -> str:
    """Drop SQLAlchemy's driver name from a URL, as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


class SqliteDatabase:
    """A temporary SQLite file, removed at the end (inside ``folder``, if given)."""

    name = "sqlite"

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder

    def __enter__(self) -> str:
        self._dir = tempfile.TemporaryDirectory(prefix="lsi-bench-", dir=self.folder)
        return "sqlite:///" + str(Path(self._dir.name) / "bench.db")

    def __exit__(self, *exc) -> None:
        self._dir.cleanup()


class PostgresDatabase:
    """A schema of its own in the test database (``schema``, or bench_<random>), dropped at the end."""

    name = "postgresql"

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema or f"bench_{secrets.token_hex(4)}"

    def __enter__(self) -> str:
        self._connection = psycopg.connect(_plain(self.url), connect_timeout=5, autocommit=True)
        try:
            self._connection.execute(f'CREATE SCHEMA "{self.schema}"')
        except BaseException:
            self._connection.close()
            raise
        separator = "&" if "?" in self.url else "?"
        return self.url + f"{separator}options=-csearch_path%3D{self.schema}"

    def __exit__(self, *exc) -> None:
        try:
            self._connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        finally:
            self._connection.close()


def drop_schema(schema: str) -> None:
    """Drop a benchmark schema from the test database if it is still there (a child killed or crashed)."""
    with psycopg.connect(_plain(postgres_url()), connect_timeout=5, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def fresh_app(kind: str, *, schema: str | None = None, folder: str | None = None) -> Iterator:
    """Yield the app on a migrated throw-away database of ``kind``; dispose of it all at the end."""
    database = SqliteDatabase(folder) if kind == "sqlite" else PostgresDatabase(postgres_url(), schema)
    with database as url:
        app = create_app(TestConfig({"DATABASE_URL": url}))
        try:
            with app.app_context():
                upgrade()
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def server_version(app) -> str:
    """Return the version of the database server (of SQLite's library for SQLite)."""
    with app.app_context():
        try:
            if db.engine.dialect.name == "postgresql":
                return db.session.scalar(sa.text("SHOW server_version"))
            return db.session.scalar(sa.text("SELECT sqlite_version()"))
        finally:
            db.session.remove()


# --- data ----------------------------------------------------------------------------------------

def email_local(given: str, family: str) -> str:
    """Return the local part of an e-mail address made of a name (folded, dots between the words)."""
    return re.sub(r"[^a-z0-9]+", ".", fold(f"{given} {family}")).strip(".") or "delegate"


def assembly_with_organizations():
    """The Assembly (3 days from 24 June 2027, registration open, no approval) and the 33 sample
    organizations (quotas large enough never to bind); flushed, in the current app context."""
    from datetime import date, timedelta

    from lsi_assembly.core.database import utcnow
    from lsi_assembly.demo.seed import SAMPLE_ORGANIZATIONS
    from lsi_assembly.events.models import Event, EventDay
    from lsi_assembly.organizations.models import Organization

    event = Event(slug="ga-2027", name="LSI General Assembly 2027", city="Paris", host="CCEM",
                  contact_email="assembly@example.org", registration_opens_at=utcnow() - timedelta(days=120),
                  requires_approval=False)
    event.days = [EventDay(date=date(2027, 6, 24) + timedelta(days=d), label=None) for d in range(3)]
    db.session.add(event)
    db.session.flush()
    organizations = [Organization(event_id=event.id, name=name.removeprefix("Sample: "), country=country,
                                  delegate_quota=1_000, contact_email=f"contact{i:02d}@example.org")
                     for i, (name, country) in enumerate(SAMPLE_ORGANIZATIONS, start=1)]
    db.session.add_all(organizations)
    db.session.flush()
    return event, organizations


def finish_load() -> None:
    """Add the organizer, commit the load and, on PostgreSQL, ANALYZE (inside an app context)."""
    create_user(ORGANIZER_EMAIL, ORGANIZER_PASSWORD, Role.ORGANIZER, name="Benchmark organizer")
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))  # what autovacuum would do shortly after a bulk load
        db.session.commit()
    db.session.remove()


# --- requests ------------------------------------------------------------------------------------

def csrf_token(html: str) -> str | None:
    """Return the value of the first ``csrf_token`` input of a page, whatever the order of its attributes."""
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    value = re.search(r'value="([^"]+)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def page_token(client, url: str) -> str:
    """Return the CSRF token of the page at ``url``; exit if it has none."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    if not token:
        sys.exit(f"no CSRF token on {url}")
    return token


def sign_in(client) -> None:
    """Sign the organizer in the way a browser does (CSRF token from the form)."""
    response = client.post("/login", data={"csrf_token": page_token(client, "/login"),
                                           "email": ORGANIZER_EMAIL, "password": ORGANIZER_PASSWORD})
    if response.status_code != 302:
        sys.exit(f"sign-in failed: {response.status_code}")


def fetch(client, url: str, *, text: bool = False) -> tuple[float, bytes | str]:
    """Time one full GET, body included (decoded too if ``text``); exit on anything but 200."""
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data(as_text=text)
    elapsed = time.perf_counter() - started
    response.close()
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}")
    return elapsed, body


# --- the process and the machine -----------------------------------------------------------------

def peak_rss_mb() -> float:
    """Return the peak resident set size of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def machine(*, load_average: bool = False) -> str:
    """Describe the machine and the code measured (the working tree may hold uncommitted changes)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10,
                                  check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    head = git("rev-parse", "--short", "HEAD")
    changed = len(git("status", "--porcelain").splitlines()) if head else 0
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{platform.platform()}; nproc {os.cpu_count()}; "
            + (f"load average {load}; " if load_average else "")
            + f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version} (Python's sqlite3); "
            + (f"code at {head}" + (f" with {changed} uncommitted paths" if changed else "") if head
               else f"code in {ROOT} (not a git checkout)"))
