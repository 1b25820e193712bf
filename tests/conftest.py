"""Fixtures: the app on SQLite and on PostgreSQL, a client, a real SMTP server, small factories.

Every test that uses ``app`` runs once per database. Each database gets its schema once per run,
through the Alembic migrations; after each test every table is emptied. (Rolling back an outer
transaction would be faster, but the race tests need rows committed and seen by other connections.)
With CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""
from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import psycopg
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from config import TestConfig, normalize_database_url
from lsi_assembly.app import create_app
from lsi_assembly.extensions import db

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


#: Background jobs' files (badge PDFs) of this test run; removed when the run ends.
JOBS_FOLDER = tempfile.mkdtemp(prefix="lsi-test-jobs-")
atexit.register(shutil.rmtree, JOBS_FOLDER, ignore_errors=True)


def _make_app(database_url: str, **overrides):
    config = TestConfig({"DATABASE_URL": database_url, "JOBS_FOLDER": JOBS_FOLDER})
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 30, "max_overflow": 10} if "postgresql" in database_url else {}
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory) -> str:
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def postgresql_database():
    """A schema of its own in the test database, dropped at the end of the run."""
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        connection = psycopg.connect(plain, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at {url} is unreachable: {error}"
        if in_ci():
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    schema = f"lsi_test_{secrets.token_hex(4)}"
    connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    yield normalize_database_url(url) + f"{separator}options=-csearch_path%3D{schema}"
    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    connection.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """The URL of a migrated database; tests using it run once per backend."""
    url = request.getfixturevalue(f"{request.param}_database")
    app = _make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def make_app(database_url):
    """Build apps on the test database; empty its tables after the test."""
    apps = []

    def factory(**overrides):
        app = _make_app(database_url, **overrides)
        apps.append(app)
        return app

    yield factory
    if apps:
        with apps[0].app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class MailBox:
    """Messages received by the test SMTP server."""

    messages: list[EmailMessage] = field(default_factory=list)
    received: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= count, timeout)
        assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class _Handler:
    def __init__(self, box: MailBox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.box.received:
            self.box.messages.append(message)
            self.box.received.notify_all()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port."""
    box = MailBox()
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_server) -> MailBox:
    """Point the app at the test SMTP server and return its mailbox."""
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = smtp_server.port
    return smtp_server


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) a test marked ``only_on(dialect)`` in its run on the other database."""
    kept, deselected = [], []
    for item in items:
        marker = item.get_closest_marker("only_on")
        params = getattr(getattr(item, "callspec", None), "params", {})
        wrong = marker is not None and "database_url" in params and params["database_url"] != marker.args[0]
        (deselected if wrong else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


#: The machine's Redis, database 14: the tests' own, flushed before and after each test that uses it.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_db():
    """A client on the test Redis database (emptied around the test); skipped without Redis outside CI."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        if in_ci():
            pytest.fail(f"Redis at {TEST_REDIS_URL} is unreachable: {error} (CI=true: Redis tests must run)",
                        pytrace=False)
        pytest.skip(f"Redis at {TEST_REDIS_URL} is unreachable: {error}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
