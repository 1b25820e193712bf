"""Browser fixtures: the test app served over real HTTP, and a headless Chromium driven by Playwright.

``live_server`` serves the ``app`` fixture's app (so it runs once per database, like every ``app``
test) from a background thread; each request there gets its own app context and database session,
so a test must expire what it has loaded (``db.session.remove()``) before reading what the browser
changed. The browser is Debian's Chromium (``/usr/bin/chromium``), never one downloaded by
``playwright install``. Without it the browser tests are skipped, or fail when CI=true.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import in_ci
from tests.factories import make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: How long Playwright waits for an element or a navigation before failing (milliseconds).
TIMEOUT_MS = 15_000


def _unavailable(message: str) -> None:
    if in_ci():
        pytest.fail(message + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


class _QuietRequestHandler(WSGIRequestHandler):
    """Keep werkzeug's per-request access log out of the test output."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 on a free port; yield its base URL.

    ``BASE_URL`` points at the server, so links in e-mails sent during the test lead back to it.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page in its own context (no cookies from other tests), in English, on the live server."""
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/Paris")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def sign_in_page(page, role, email: str | None = None) -> None:
    """Create a staff account with ``role`` and sign in with it through the sign-in form."""
    email = email or f"{role}@example.org"
    make_user(email, "correct horse battery", role)
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
