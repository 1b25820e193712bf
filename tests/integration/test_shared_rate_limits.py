"""Rate limits shared across processes and hosts through Redis (RATELIMIT_STORAGE_URI=redis://...)."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lsi_assembly.extensions import limiter
from tests.conftest import TEST_REDIS_URL, free_port

ROOT = Path(__file__).resolve().parents[2]


def _serve(database_url: str, port: int, log_path: Path) -> subprocess.Popen:
    """One app instance under gunicorn with deploy/gunicorn.conf.py, as on a web host."""
    env = {**os.environ, "LSI_ENV": "testing", "DATABASE_URL": database_url,
           "RATELIMIT_STORAGE_URI": TEST_REDIS_URL, "VERIFY_RATE_LIMIT": "4 per minute",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "PYTHONPATH": str(ROOT)}
    with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([str(Path(sys.prefix) / "bin" / "gunicorn"), "--config",
                                 "deploy/gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("gunicorn stopped:\n" + log_path.read_text())
        try:
            urllib.request.urlopen(base + "/health", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not serve:\n" + log_path.read_text())


@pytest.mark.only_on("postgresql")
def test_two_app_instances_share_one_counter(database_url, redis_db, tmp_path):
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    servers = [_serve(database_url, port, log) for port, log in zip(ports, logs)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, server, log in zip(bases, servers, logs):
            _wait_until_up(base, server, log)
        # /verify allows 4 a minute per client address: alternate between the two instances.
        statuses = [_status(bases[i % 2] + "/verify") for i in range(6)]
        # The access log (deploy/gunicorn.conf.py) keeps the path, never the query string.
        _status(bases[0] + "/verify?code=zoe%40example.org")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    assert all(status != 429 for status in statuses[:4]), statuses
    # Each instance saw only 2 or 3 requests: alone, neither would have reached 4.
    assert statuses[4:] == [429, 429], statuses
    assert any(b"verify" in key for key in redis_db.keys("*")), "the counter is not in Redis"
    access_log = logs[0].read_text()
    assert '"GET /verify" 429' in access_log and "zoe" not in access_log


@pytest.fixture
def fresh_limiter():
    """The limiter is one module-level object bound to every test app: start and end with a live store."""
    limiter._storage_dead = False
    yield limiter
    limiter._storage_dead = False


def test_redis_down_the_app_keeps_serving_and_limiting_in_memory(make_app, fresh_limiter, caplog):
    closed = f"redis://127.0.0.1:{free_port()}/14"
    app = make_app(RATELIMIT_STORAGE_URI=closed, VERIFY_RATE_LIMIT="3 per minute",
                   RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1})
    client = app.test_client()
    with caplog.at_level(logging.WARNING), app.app_context():
        statuses = [client.get("/verify").status_code for _ in range(4)]
        assert client.get("/health").status_code == 200
    assert statuses[:3] == [200, 200, 200], statuses
    assert statuses[3] == 429  # each process counts on in memory meanwhile
    assert any("falling back to in-memory" in record.getMessage() for record in caplog.records)
