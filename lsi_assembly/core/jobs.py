"""Long work started from the browser (hundreds of badges, big exports): run by the task queue, with progress.

A ``Job`` row holds the state (queued, running, done, failed), how far it got, what to do (its kind and
``params``) and, once done, its result in ``job_results`` (the database: every web host can serve it).
The work runs in ``flask worker`` (the ``run_job`` task; core/queue.py), in an app context of its own;
progress and a heartbeat are written through a connection of their own (one short transaction per
update), so the work's own session and transaction are untouched. A running job whose worker died
(its process is gone from this host, or no heartbeat for ``JOB_STALE_SECONDS``) is shown failed at
once, with "Start again" (``restart_job``). What a kind of job does is registered by its domain with
``job_work``. Results are deleted after ``KEEP_FILES_FOR``: they hold personal data.
"""
from __future__ import annotations

import io
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, current_app, send_file
from sqlalchemy.orm import Mapped, mapped_column

from lsi_assembly.core.database import utcnow
from lsi_assembly.core.mail import send_queued_mail
from lsi_assembly.core.queue import huey, task_context
from lsi_assembly.extensions import db

log = logging.getLogger(__name__)

#: A queued job no worker took in this long is shown failed (no worker is running).
STALE_AFTER = timedelta(minutes=10)
KEEP_FILES_FOR = timedelta(hours=12)
#: Seconds between two heartbeats of a running job.
HEARTBEAT_SECONDS = 5.0


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the job makes, e.g. ``badges``; names the work registered with ``job_work``.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: ``queued``, ``running``, ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: What went wrong (failed), or a word on the result (done).
    message: Mapped[str | None] = mapped_column(sa.String(500))
    #: Before the task queue: the result's file name in the jobs folder. Unused by new jobs (job_results).
    result_file: Mapped[str | None] = mapped_column(sa.String(100))
    #: The name the browser saves the result under.
    download_name: Mapped[str | None] = mapped_column(sa.String(150))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: What the work needs (ids, choices, the language), JSON: enough to start it again.
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The worker running it, ``host:pid`` (a dead pid on this host: failed at once).
    worker: Mapped[str | None] = mapped_column(sa.String(120))
    #: Last sign of life of the running work (every HEARTBEAT_SECONDS).
    heartbeat_at: Mapped[datetime | None]
    #: How many times a worker took it.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.done}/{self.total}>"

    @property
    def stale(self) -> bool:
        """Queued or running, but its worker is gone: shown failed, and may be started again."""
        if self.status == "queued":
            return utcnow() - self.updated_at > STALE_AFTER
        if self.status != "running":
            return False
        if self.worker and _dead_here(self.worker):
            return True
        beat = self.heartbeat_at or self.updated_at
        return utcnow() - beat > timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])

    @property
    def restartable(self) -> bool:
        return self.kind in _WORK and self.params is not None and (self.status == "failed" or self.stale)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class JobResult(db.Model):
    """A finished job's file, in the database so that every web host can serve it."""

    __tablename__ = "job_results"

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<JobResult job={self.job_id} {len(self.data or b'')} bytes>"


def _this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_here(worker: str) -> bool:
    """Tell whether ``worker`` (host:pid) ran on this host and its process is gone."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def jobs_folder(app: Flask) -> Path:
    """Where cached files are kept (``JOBS_FOLDER``, created on first use): the shared list's PDF."""
    folder = Path(app.config["JOBS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def send_result(job: Job):
    """The finished job's file as a download (404 once it has been cleaned up)."""
    result = db.session.get(JobResult, job.id) if job.status == "done" else None
    if result is None or result.created_at < utcnow() - KEEP_FILES_FOR:  # kept a few hours (personal data)
        abort(404)
    pdf = (job.download_name or "").endswith(".pdf")
    return send_file(io.BytesIO(result.data), as_attachment=True, download_name=job.download_name,
                     mimetype="application/pdf" if pdf else "application/octet-stream", max_age=0)


def _update(job_id: int, **values) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))


def remove_old_files(app: Flask) -> None:
    """Delete results and cached files older than ``KEEP_FILES_FOR`` (they hold personal data)."""
    limit = utcnow() - KEEP_FILES_FOR
    with db.engine.begin() as connection:
        connection.execute(sa.delete(JobResult).where(JobResult.created_at < limit))
    for path in jobs_folder(app).iterdir():
        if path.is_file() and path.stat().st_mtime < limit.timestamp():
            path.unlink(missing_ok=True)


#: ``work(progress, **params)`` returns (result bytes, download name, message); it reports with
#: ``progress(done, total)``.
Work = Callable[..., tuple[bytes, str, str | None]]
_WORK: dict[str, Work] = {}


def job_work(kind: str) -> Callable[[Work], Work]:
    """Register what a job of ``kind`` does (a decorator, in the domain that owns the work)."""
    def register(work: Work) -> Work:
        _WORK[kind] = work
        return work
    return register


def recent_jobs(kind: str, limit: int = 5) -> list[Job]:
    """Return the latest jobs of a kind, newest first (a page's "recent print runs")."""
    return list(db.session.scalars(sa.select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(limit)))


def new_job(kind: str, total: int, user_id: int | None, /, **params) -> Job:
    """Record a job about to start (queued) with what its work needs (JSON); the caller commits it,
    then calls ``start_job``."""
    if kind not in _WORK:
        raise ValueError(f"no work is registered for jobs of kind {kind!r}")
    job = Job(kind=kind, total=total, user_id=user_id, params=params)
    db.session.add(job)
    db.session.flush()
    return job


def start_job(job: Job) -> None:
    """Queue a job committed by the caller (``new_job``): the worker runs it (at once in immediate mode)."""
    run_job(job.id)


def restart_job(job: Job) -> bool:
    """Queue again a job that failed or whose worker died; the caller commits first. False: not restartable.

    The conditional UPDATE makes two clicks (or two organizers) start it once.
    """
    if not job.restartable:
        return False
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == job.id, Job.status == job.status, Job.updated_at == job.updated_at)
        .values(status="queued", done=0, message=None, worker=None, heartbeat_at=None, finished_at=None,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    return claimed == 1


class _Heartbeat(threading.Thread):
    """Writes the running job's heartbeat every HEARTBEAT_SECONDS until stopped."""

    def __init__(self, app: Flask, job_id: int) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.app, self.job_id, self.stopped = app, job_id, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self.app.app_context():
                    with db.engine.begin() as connection:
                        connection.execute(sa.update(Job).where(Job.id == self.job_id, Job.status == "running")
                                           .values(heartbeat_at=utcnow()))
            except Exception:  # a missed beat is not an error of the job
                log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)


@huey.task()
def run_job(job_id: int) -> None:
    """The worker's task: claim the queued job, run its work, keep its result in the database.

    The claim is a conditional UPDATE (queued -> running): a job queued twice runs once.
    """
    with task_context() as app:
        with db.engine.begin() as connection:
            claimed = connection.execute(
                sa.update(Job).where(Job.id == job_id, Job.status == "queued")
                .values(status="running", worker=_this_worker(), heartbeat_at=utcnow(), updated_at=utcnow(),
                        attempts=Job.attempts + 1)).rowcount
        if claimed != 1:
            return
        heartbeat = _Heartbeat(app, job_id)
        heartbeat.start()
        try:
            remove_old_files(app)
            job = db.session.get(Job, job_id)
            work, params = _WORK[job.kind], dict(job.params or {})
            db.session.commit()
            data, download_name, message = work(
                lambda done, total: _update(job_id, done=done, total=total, heartbeat_at=utcnow()), **params)
            db.session.commit()
            db.session.execute(sa.delete(JobResult).where(JobResult.job_id == job_id))  # a run started again
            if data is not None:  # None: work without a file (the workshop assignment)
                db.session.add(JobResult(job_id=job_id, data=data))
            db.session.commit()
            _update(job_id, status="done", download_name=download_name or None, message=message,
                    finished_at=utcnow())
            send_queued_mail()
        except Exception:  # the details (which may quote personal data) go to the log, not to the page
            log.exception("job %s failed", job_id)
            db.session.rollback()
            _update(job_id, status="failed", message=None, finished_at=utcnow())
        finally:
            heartbeat.stopped.set()
