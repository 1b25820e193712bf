"""The task queue: Huey, with an SQLite file for ``make run`` and Redis in production.

Work that must not hold a person's request (sending e-mail, printing PDFs) and the periodic work
(mail retries, sweeps, the privacy purge) runs in ``flask --app wsgi worker``. ``QUEUE_URL`` says where
tasks wait (``sqlite:///instance/queue.db`` or ``redis://host:port/db``); with ``QUEUE_IMMEDIATE`` (the
test suite) each task runs at once in the process that queues it. The one Huey instance, ``huey``, is
built at import and pointed at the configured storage by ``init_app``; tasks are declared on it by the
modules that own the work, and each runs in an app context of its own (``task_context``).
"""
from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage


#: The queue. Until ``init_app`` configures it, tasks run at once (immediate mode, in memory).
huey = Huey("lsi-assembly", immediate=True, utc=True)

#: The app the worker runs tasks for (set by ``init_app``; the last app built in this process).
_app: Flask | None = None


def _storage(url: str) -> tuple[type, dict]:
    """Return Huey's storage class and its arguments for ``QUEUE_URL``."""
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage, {"filename": filename, "timeout": 10}
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # Bounded waits: a queue that does not answer makes /ready fail fast, not hang.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)
        return RedisStorage, {"connection_pool": pool}
    raise ValueError(f"QUEUE_URL must start with sqlite:/// or redis://, not {url.split(':', 1)[0]!r}")


def init_app(app: Flask) -> None:
    """Point the queue at ``QUEUE_URL`` (or immediate mode) and add ``flask worker``."""
    global _app
    storage_class, kwargs = _storage(app.config["QUEUE_URL"])
    huey.name = app.config["QUEUE_NAME"]
    huey.storage_class = storage_class
    huey.storage_kwargs = kwargs
    huey._immediate = bool(app.config["QUEUE_IMMEDIATE"])
    huey.storage = huey.create_storage()
    _app = app
    app.extensions["queue"] = huey
    app.cli.add_command(worker_command)


@contextmanager
def task_context() -> Iterator[Flask]:
    """An app context of the task's own (its own database session), removed when the task ends.

    In immediate mode the task runs inside the request that queued it: a new app context still gives
    it a session of its own, so the request's transaction is untouched.
    """
    app = current_app._get_current_object() if has_app_context() else _app
    if app is None:
        raise RuntimeError("the task queue has no app: create_app() was not called in this process")
    from lsi_assembly.extensions import db  # noqa: PLC0415 (core.queue is imported by extensions' users)

    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Threads running tasks at once (default: QUEUE_WORKERS).")
@with_appcontext
def worker_command(workers: int | None) -> None:
    """Run the task queue's worker: e-mail, PDF jobs and the periodic work (stop it with Ctrl-C or SIGTERM).

    On SIGINT or SIGTERM the worker takes no new task and finishes those running (a second signal stops
    it at once; an unfinished PDF job is then shown failed with "Start again", unsent mail is retried).
    """
    app = current_app._get_current_object()
    if huey.immediate:
        raise click.UsageError("QUEUE_IMMEDIATE is on: tasks run in the web process; there is nothing to consume.")
    consumer = huey.create_consumer(workers=workers or app.config["QUEUE_WORKERS"], worker_type="thread",
                                    periodic=True, graceful_signal="TERM", check_worker_health=True)
    # Both SIGTERM (systemd, make run) and SIGINT (Ctrl-C) stop gracefully: running tasks finish first.
    consumer._signal_actions[signal.SIGINT] = (False, True)
    consumer._set_signal_handlers()
    click.echo(f"Worker: {consumer.workers} threads on the queue {huey.name!r} "
               f"({app.config['QUEUE_URL'].split('://', 1)[0]}); Ctrl-C to stop.")
    consumer.run()
