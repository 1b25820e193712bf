"""Readiness: does the database answer, does the task queue's store answer (``/ready``, for a load balancer).

Each check answers True or False within about a second or two and never raises: a load balancer asks
often, and a part that is down must give a 503, not a 500 or a hung request.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import redis
import sqlalchemy as sa

log = logging.getLogger(__name__)

#: Seconds a Redis server has to accept the connection and answer PING.
REDIS_TIMEOUT = 1.0


def database_ready(engine: sa.Engine, timeout: float = 2.0) -> bool:
    """Run ``SELECT 1`` on ``engine``, bounded by ``timeout`` seconds on PostgreSQL."""
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.set_config(
                    "statement_timeout", str(int(timeout * 1000)), True)))
            connection.execute(sa.text("SELECT 1")).scalar_one()
            connection.rollback()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        log.warning("Readiness: the database does not answer (%s)", type(error).__name__)
        return False
    return True


def queue_ready(url: str) -> bool:
    """Say whether the task queue's store at ``url`` (``redis://...`` or ``sqlite:///path``) answers."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_ready(url)
    if url.startswith("sqlite:///"):
        return _sqlite_ready(url[len("sqlite:///"):])
    log.warning("Readiness: QUEUE_URL has an unknown scheme (%s)", url.split(":", 1)[0])
    return False


def _redis_ready(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError) as error:
        log.warning("Readiness: the queue's Redis does not answer (%s)", type(error).__name__)
        return False
    finally:
        client.close()


def _sqlite_ready(path: str) -> bool:
    """The queue file opens and reads as a database; or, before its first job, its folder is writable."""
    file = Path(path)
    if not file.exists():
        ready = file.parent.is_dir() and os.access(file.parent, os.W_OK)
        if not ready:
            log.warning("Readiness: the queue's folder is missing or not writable")
        return ready
    try:
        connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=rw", uri=True, timeout=REDIS_TIMEOUT)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        log.warning("Readiness: the queue's SQLite file does not open (%s)", type(error).__name__)
        return False
    return os.access(file, os.W_OK)
