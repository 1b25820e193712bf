"""Long work started from the browser (hundreds of badges, big exports): run in the background, with progress.

A ``Job`` row holds the state (queued, running, done, failed), how far it got and where its result
file is, so any worker process can show the status page and serve the result. The work runs in a
thread of the process that started it, in an app context of its own; progress is written through a
connection of its own (one short transaction per update), so the work's own session and transaction
are untouched. A job whose progress has not moved for ``STALE_AFTER`` (its process was restarted) is
shown as failed. Result files live in ``JOBS_FOLDER`` (``instance/jobs/``) and are deleted after ``KEEP_FILES_FOR``:
they hold personal data.
"""
from __future__ import annotations

import io
import logging
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, current_app, send_file
from sqlalchemy.orm import Mapped, mapped_column

from lsi_assembly.core.database import utcnow
from lsi_assembly.extensions import db

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
KEEP_FILES_FOR = timedelta(hours=12)


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the job makes, e.g. ``badges``.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: ``queued``, ``running``, ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: What went wrong (failed), or a word on the result (done).
    message: Mapped[str | None] = mapped_column(sa.String(500))
    #: The result's file name in the jobs folder (random, not guessable).
    result_file: Mapped[str | None] = mapped_column(sa.String(100))
    #: The name the browser saves the result under.
    download_name: Mapped[str | None] = mapped_column(sa.String(150))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.done}/{self.total}>"

    @property
    def stale(self) -> bool:
        """Running or queued, but not heard of for a long time: its process is gone."""
        return self.status in ("queued", "running") and utcnow() - self.updated_at > STALE_AFTER

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def jobs_folder(app: Flask) -> Path:
    """Where result files are kept (``JOBS_FOLDER``, created on first use)."""
    folder = Path(app.config["JOBS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def result_path(job: Job) -> Path | None:
    """The result file of a finished job, if it is still there."""
    if job.status != "done" or not job.result_file:
        return None
    path = jobs_folder(current_app) / job.result_file
    return path if path.is_file() else None


def send_result(job: Job):
    """The finished job's file as a download (404 once it has been cleaned up)."""
    path = result_path(job)
    if path is None:
        abort(404)
    # Read into memory (a few MB at most): no file handle outlives the request.
    return send_file(io.BytesIO(path.read_bytes()), as_attachment=True, download_name=job.download_name,
                     mimetype="application/pdf" if path.suffix == ".pdf" else "application/octet-stream", max_age=0)


def _update(job_id: int, **values) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))


def remove_old_files(app: Flask) -> None:
    """Delete result files older than ``KEEP_FILES_FOR`` (they hold personal data)."""
    limit = (utcnow() - KEEP_FILES_FOR).timestamp()
    for path in jobs_folder(app).iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


Work = Callable[[Callable[[int, int], None]], tuple[bytes, str, str | None]]


def recent_jobs(kind: str, limit: int = 5) -> list[Job]:
    """Return the latest jobs of a kind, newest first (a page's "recent print runs")."""
    return list(db.session.scalars(sa.select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(limit)))


def new_job(kind: str, total: int, user_id: int | None) -> Job:
    """Record a job about to start (queued); the caller commits it, then calls ``start_job``."""
    job = Job(kind=kind, total=total, user_id=user_id)
    db.session.add(job)
    db.session.flush()
    return job


def start_job(job: Job, work: Work) -> None:
    """Run ``work(progress)`` in the background for a job committed by the caller (``new_job``).

    ``work`` is called in an app context of its own, is a unit of work of its own (the job commits
    when it is done) and returns (result bytes, download name, message); it reports with
    ``progress(done, total)``.
    """
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run, args=(app, job.id, work), name=f"job-{job.id}", daemon=True)
    thread.start()


def _run(app: Flask, job_id: int, work: Work) -> None:
    with app.app_context():
        try:
            remove_old_files(app)
            _update(job_id, status="running")
            data, download_name, message = work(lambda done, total: _update(job_id, done=done, total=total))
            name = f"{job_id}-{secrets.token_urlsafe(16)}{Path(download_name).suffix}"
            (jobs_folder(app) / name).write_bytes(data)
            db.session.commit()
            _update(job_id, status="done", result_file=name, download_name=download_name, message=message,
                    finished_at=utcnow())
        except Exception:  # the details (which may quote personal data) go to the log, not to the page
            log.exception("job %s failed", job_id)
            db.session.rollback()
            _update(job_id, status="failed", message=None, finished_at=utcnow())
        finally:
            db.session.remove()
