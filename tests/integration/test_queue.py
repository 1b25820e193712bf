"""The task queue with its real backends (an SQLite file, Redis db 15) and real `flask worker` processes.

Each test runs on both queue backends and both databases: mail reaches an SMTP server with no cron and
no further request, a PDF job made by the worker is served by another app instance, a job whose worker
is killed is shown failed at once and starts again, and a relay that is down gets the mail once when back.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from lsi_assembly.auth.models import Role
from lsi_assembly.core import queue
from lsi_assembly.core.database import utcnow
from lsi_assembly.core.jobs import Job
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.registration.models import Status
from tests.conftest import TEST_REDIS_URL, MailBox, _Handler, body, free_port
from tests.factories import (csrf_token, make_event, make_organization, make_participant, post_form,
                             registration_form, sign_in)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue_url(request, tmp_path):
    """Where the tasks wait: an SQLite file of this test, or the tests' Redis database (``redis_db``:
    emptied around the test; fails, not skips, under CI)."""
    if request.param == "sqlite-queue":
        return f"sqlite:///{tmp_path / 'queue.db'}"
    request.getfixturevalue("redis_db")
    return TEST_REDIS_URL


class Workers:
    """Starts `flask --app wsgi worker` processes on the test's queue and database; stops them after."""

    def __init__(self, database_url: str, queue_url: str, name: str, folder: Path) -> None:
        self.env = {**os.environ, "LSI_ENV": "development", "SECRET_KEY": "testing-only-not-secret",
                    "DATABASE_URL": database_url, "QUEUE_URL": queue_url, "QUEUE_NAME": name,
                    "QUEUE_IMMEDIATE": "0", "JOBS_FOLDER": str(folder / "worker-jobs"), "MAIL_RETRY_SECONDS": "1",
                    "MAIL_TIMEOUT": "2", "JOB_STALE_SECONDS": "30"}
        self.env.pop("MAIL_SERVER", None)
        self.folder = folder
        self.processes: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        with (self.folder / f"worker-{len(self.processes)}.log").open("w") as log:  # the child keeps its own copy
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"],
                                       cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def output(self) -> str:
        return "".join(path.read_text() for path in sorted(self.folder.glob("worker-*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def queued(make_app, database_url, queue_url, tmp_path):
    """The web app on the real queue (tasks wait for a worker), and the workers to start."""
    name = f"lsi-test-{secrets.token_hex(4)}"
    app = make_app(QUEUE_URL=queue_url, QUEUE_NAME=name, QUEUE_IMMEDIATE=False)
    workers = Workers(database_url, queue_url, name, tmp_path)
    try:
        with app.app_context():
            yield app, workers
    finally:
        workers.stop()


def _wait(condition, what: str, workers: Workers, timeout: float = 180.0):
    """Poll ``condition`` (in a fresh transaction each time) until it returns something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker output:\n{workers.output()}")


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_registrations_mail_is_sent_by_the_worker_with_no_cron_and_no_further_request(queued, smtp_server):
    app, workers = queued
    event = make_event()
    organization = make_organization(event)
    client = app.test_client()

    response = post_form(client, "/register", registration_form(event, organization))

    assert response.status_code == 302
    [waiting] = _outbox()
    assert waiting.sent_at is None and waiting.attempts == 0  # not sent in the request: no worker yet
    assert smtp_server.messages == []

    workers.start(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server.port))

    [received] = smtp_server.wait_for(1, timeout=240)
    assert received["To"] == "lucja.wisniewska@example.org"
    assert "/registration/" in body(received)
    [sent] = _wait(lambda: [m for m in _outbox() if m.sent_at is not None], "the outbox to record the send", workers)
    assert sent.attempts == 1 and sent.last_error is None


def _badge_job(client, event, count: int) -> str:
    organization = make_organization(event, quota=count + 5)
    for i in range(count):
        make_participant(event, email=f"badge{i}@example.org", status=Status.CONFIRMED,
                         organization_id=organization.id)
    sign_in(client, Role.ORGANIZER)
    token = csrf_token(client, "/manage/badges/")
    response = client.post("/manage/badges/print", data={"csrf_token": token, "preset": "insert-90x54"})
    assert response.status_code == 302 and "/manage/jobs/" in response.headers["Location"]
    return response.headers["Location"]


def _job_id(location: str) -> int:
    return int(re.search(r"/manage/jobs/(\d+)", location).group(1))


def test_a_pdf_job_runs_in_the_worker_and_another_app_instance_serves_it(queued, make_app, tmp_path):
    app, workers = queued
    event = make_event()
    client = app.test_client()
    status = _badge_job(client, event, 12)
    job_id = _job_id(status)
    page = client.get(status).get_data(as_text=True)
    assert "Download the PDF" not in page and "<progress" in page  # queued: nothing runs in the web process

    workers.start()
    _wait(lambda: db.session.get(Job, job_id).status == "done", "the badge job to be done", workers)

    # A second app instance (another host: its own jobs folder) serves the result from the database.
    other = make_app(QUEUE_URL=app.config["QUEUE_URL"], QUEUE_NAME=app.config["QUEUE_NAME"], QUEUE_IMMEDIATE=False,
                     JOBS_FOLDER=str(tmp_path / "another-host"))
    with other.app_context():
        other_client = other.test_client()
        response = post_form(other_client, "/login",
                             {"email": "organizer@example.org", "password": "correct horse battery"})
        assert response.status_code == 302
        assert "Done: 12 badges." in other_client.get(status).get_data(as_text=True)
        download = other_client.get(status + "/download")
        assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
        assert len(PdfReader(io.BytesIO(download.data)).pages) == 2  # ten badges a sheet
    assert not any((tmp_path / "another-host").glob("*.pdf"))


def test_a_job_whose_worker_is_killed_shows_failed_at_once_and_starts_again(queued):
    app, workers = queued
    event = make_event()
    client = app.test_client()
    status = _badge_job(client, event, 150)
    job_id = _job_id(status)

    worker = workers.start()
    _wait(lambda: db.session.get(Job, job_id).status == "running", "the worker to take the job", workers)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    db.session.rollback()
    assert db.session.get(Job, job_id).status == "running"  # what the dead worker left

    page = client.get(status).get_data(as_text=True)
    assert "The print run failed: the server stopped while it ran." in page
    assert 'http-equiv="refresh"' not in page
    assert f'action="/manage/jobs/{job_id}/restart"' in page and "Start again" in page

    refused = client.post(f"/manage/jobs/{job_id}/restart")  # no CSRF token: refused, nothing restarted
    assert refused.status_code == 400
    workers.start()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/manage/jobs/{job_id}/restart", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/jobs/{job_id}")

    job = _wait(lambda: (j := db.session.get(Job, job_id)).status == "done" and j, "the job to be done", workers,
                timeout=240)
    assert job.attempts == 2 and job.message == "150 badges"
    download = client.get(status + "/download")
    assert len(PdfReader(io.BytesIO(download.data)).pages) == 15


def test_mail_waits_while_the_relay_is_down_and_goes_once_when_it_is_back(queued):
    app, workers = queued
    event = make_event()
    organization = make_organization(event)
    port = free_port()  # nothing listens there yet: the relay is down
    workers.start(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))

    response = post_form(app.test_client(), "/register", registration_form(event, organization))
    assert response.status_code == 302

    [message] = _wait(lambda: [m for m in _outbox() if m.attempts >= 2], "a retry", workers)
    assert message.sent_at is None and "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > message.created_at + timedelta(seconds=1)  # the delay grows

    box = MailBox()
    relay = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    relay.start()
    try:
        [received] = box.wait_for(1, timeout=240)
        assert received["To"] == "lucja.wisniewska@example.org"
        _wait(lambda: _outbox()[0].sent_at is not None, "the outbox to record the send", workers)
        # A later retry round (the scheduled one, the periodic one) finds nothing due: no second copy.
        workers.start(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
        time.sleep(3)
        assert len(box.messages) == 1
        assert _outbox()[0].last_error is None
    finally:
        relay.stop()


def test_a_running_job_without_a_heartbeat_on_another_host_is_failed_and_can_start_again(app, client):
    """A worker on another host cannot be looked up: a heartbeat older than JOB_STALE_SECONDS says it is gone."""
    event = make_event()
    status = _badge_job(client, event, 3)  # immediate mode (the suite's): done in the request
    job_id = _job_id(status)
    job = db.session.get(Job, job_id)
    assert job.status == "done"
    job.status, job.worker, job.heartbeat_at = "running", "another-host:4242", utcnow()
    db.session.commit()
    page = client.get(status).get_data(as_text=True)
    assert "Start again" not in page and 'http-equiv="refresh"' in page  # its heartbeat is fresh

    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 5)
    db.session.commit()
    page = client.get(status).get_data(as_text=True)
    assert "The print run failed" in page and "Start again" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/manage/jobs/{job_id}/restart", data={"csrf_token": token})
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "done" and job.attempts == 2
    again = client.post(f"/manage/jobs/{job_id}/restart", data={"csrf_token": token}, follow_redirects=True)
    assert "This print run is not stopped: it cannot be started again." in again.get_data(as_text=True)


def test_the_worker_runs_the_periodic_work_that_needed_cron(app):
    """Mail retries every minute, the public sweep, the unconfirmed registrations' expiry, the privacy purge."""
    from lsi_assembly import periodic
    from lsi_assembly.core.mail import retry_mail
    from lsi_assembly.registration.models import Participant

    names = {task.name for task in queue.huey._registry.periodic_tasks}
    assert {"retry_mail", "public_sweep", "registration_sweep", "privacy_purge"} <= names
    event = make_event()
    stale = make_participant(event, status=Status.UNCONFIRMED, email="late@example.org",
                             status_changed_at=utcnow() - timedelta(hours=app.config["REGISTRATION_CONFIRM_HOURS"] + 1))
    fresh = make_participant(event, status=Status.UNCONFIRMED, email="fresh@example.org")
    stale_id, fresh_id = stale.id, fresh.id
    db.session.commit()

    periodic.registration_sweep.call_local()
    periodic.public_sweep.call_local()  # no public event: nothing to do, no error
    periodic.privacy_purge.call_local()
    retry_mail.call_local()

    db.session.expire_all()
    assert db.session.get(Participant, stale_id) is None
    assert db.session.get(Participant, fresh_id) is not None
