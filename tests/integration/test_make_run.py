"""`make run` serves the app: home page, form, and a registration mailed to MAIL_SERVER:MAIL_PORT."""
from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.conftest import body, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(tmp_path, smtp_server):
    port = free_port()
    env = {
        **os.environ,
        "VENV": str(Path(sys.prefix)),
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",  # the worker make run starts: this run's queue
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "REGISTER_MIN_SECONDS": "0",  # the form is sent at once here; the time stamp must still be there
    }
    env.pop("LSI_ENV", None)
    process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output: list[str] = []
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if f"LSI Assembly: {base}/" in line or process.poll() is not None:
                break
        _wait_until_up(base, process, output)
        yield base, output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        process.stdout.close()


def _wait_until_up(base, process, output):
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health", timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail("make run stopped:\n" + "".join(output + [process.stdout.read()]))
            time.sleep(0.2)
    pytest.fail("make run did not serve:\n" + "".join(output))


def test_make_run_serves_the_form_and_mails_the_registrant(served, smtp_server):
    base, output = served
    text = "".join(output)
    assert "Demo organizer login: organizer@example.org / assembly-demo" in text
    assert f"LSI Assembly: {base}/" in text

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    home = opener.open(base + "/").read().decode()
    assert "La Strada International General Assembly" in home
    form = opener.open(base + "/register").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    organization = re.search(r'<option value="(\d+)">Sample: Payoke Network</option>', form).group(1)
    day = re.search(r'name="days" type="checkbox" value="(\d+)"', form).group(1)
    started = re.search(r'name="started" type="hidden" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({
        "csrf_token": html.unescape(token), "started": html.unescape(started), "given_name": "Αικατερίνη", "family_name": "Γεωργίου",
        "email": "katerina@example.org", "country": "GR", "category": "delegate",
        "organization_id": organization, "days": day, "privacy": "y",
    }).encode()

    done = opener.open(base + "/register", data=data)

    assert done.url == base + "/register/done"
    assert "please check your e-mail" in done.read().decode()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "katerina@example.org"
    assert message["Subject"].startswith("Please confirm your registration")
    assert "Αικατερίνη Γεωργίου" in body(message) and f"{base}/registration/" in body(message)
