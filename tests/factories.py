"""Small factories with sensible defaults for tests."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from urllib.parse import urlsplit

from lsi_assembly.auth.models import Role
from lsi_assembly.auth.services import create_user
from lsi_assembly.core.database import utcnow
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Organization
from lsi_assembly.registration.links import make_token, new_access_key
from lsi_assembly.registration.models import Participant
from tests.conftest import body

ASSEMBLY_DAYS = (date(2027, 6, 24), date(2027, 6, 25), date(2027, 6, 26))


def make_event(**values) -> Event:
    values.setdefault("slug", "ga-2027")
    values.setdefault("name", "LSI General Assembly 2027")
    values.setdefault("city", "Paris")
    values.setdefault("host", "CCEM")
    values.setdefault("contact_email", "assembly@example.org")
    values.setdefault("registration_opens_at", utcnow() - timedelta(days=1))
    event = Event(**values)
    event.days = [EventDay(date=d, label=None) for d in ASSEMBLY_DAYS]
    db.session.add(event)
    db.session.commit()
    return event


def make_organization(event: Event, name: str = "La Strada Test", quota: int = 2, **values) -> Organization:
    values.setdefault("country", "PL")
    organization = Organization(event_id=event.id, name=name, delegate_quota=quota, **values)
    db.session.add(organization)
    db.session.commit()
    return organization


def make_participant(event: Event, **values) -> Participant:
    values.setdefault("given_name", "Anna")
    values.setdefault("family_name", "Nowak")
    values.setdefault("email", f"anna.{new_access_key()[:8].lower()}@example.org")
    values.setdefault("country", "PL")
    values.setdefault("privacy_accepted_at", utcnow())
    values.setdefault("access_key", new_access_key())
    participant = Participant(event_id=event.id, **values)
    participant.days = list(event.days)
    db.session.add(participant)
    db.session.commit()
    return participant


def make_user(email: str = "organizer@example.org", password: str = "correct horse battery",
              role: Role = Role.ORGANIZER):
    user = create_user(email, password, role)
    db.session.commit()
    return user


def csrf_token(client, url: str) -> str:
    """GET ``url`` and return the CSRF token of its form."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def form_tokens(client, url: str) -> dict[str, str]:
    """GET ``url`` and return its form's hidden tokens: the CSRF token and, on a form with bot traps,
    the time stamp of when it was shown."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    tokens = {"csrf_token": match.group(1)}
    started = re.search(r'name="started"[^>]*value="([^"]+)"', html)
    if started:
        tokens["started"] = started.group(1)
    return tokens


def post_form(client, url: str, data: dict, **kwargs):
    """Submit a form the way a browser does: fetch its CSRF token (and time stamp) first."""
    data = {**form_tokens(client, url), **data}
    return client.post(url, data=data, **kwargs)


def registration_form(event: Event, organization: Organization | None = None, **overrides) -> dict:
    """Form fields of a valid delegate registration."""
    data = {
        "given_name": "Łucja",
        "family_name": "Wiśniewska-Żółkiewska",
        "email": "Lucja.Wisniewska@Example.ORG",
        "country": "PL",
        "category": "delegate",
        "organization_id": str(organization.id) if organization else "0",
        "organization_name": "",
        "job_title": "Programme coordinator",
        "days": [str(d.id) for d in event.days[:2]],
        "arrival_date": "2027-06-23",
        "departure_date": "2027-06-25",
        "dietary": ["vegetarian"],
        "dietary_notes": "",
        "accessibility_needs": "",
        "languages": "Polish, English",
        "list_consent": "y",
        "photo_consent": "",
        "privacy": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def personal_path(mailbox, address: str) -> str:
    """The path of the personal link in the last e-mail sent to ``address``."""
    with mailbox.received:
        mailbox.received.wait_for(lambda: mailbox.to(address), timeout=10)
    assert mailbox.to(address), f"no e-mail to {address}"
    [link] = [url for url in links_in(body(mailbox.to(address)[-1])) if "/registration/" in url]
    return urlsplit(link).path


def confirm_address(client, mailbox, address: str) -> str:
    """Do what the person does: open the link of the confirmation e-mail last sent to ``address`` and
    press "Confirm my address". Returns the path of the personal page."""
    path = personal_path(mailbox, address)
    response = client.post(path + "/confirm", data=form_tokens(client, path))
    assert response.status_code == 302 and response.headers["Location"] == path, response.get_data(as_text=True)
    return path


def register_confirmed(client, mailbox, form: dict) -> str:
    """Register with ``form`` through the app and confirm the address from the e-mail; return the personal path."""
    response = post_form(client, "/register", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return confirm_address(client, mailbox, form["email"].strip().lower())


def sign_in(client, role: Role = Role.ORGANIZER, email: str | None = None) -> None:
    """Create a staff account with ``role`` and sign ``client`` in with it."""
    email = email or f"{role}@example.org"
    make_user(email, "correct horse battery", role)
    response = post_form(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302, response.get_data(as_text=True)


def register_at_once(app, forms: list[dict]) -> list[int]:
    """Submit each registration form from a thread of its own, released at the same instant.

    Returns the status codes; an exception in a thread is re-raised here. All come from one client
    address: the rate limit is raised for them.
    """
    app.config["REGISTER_RATE_LIMIT"] = "1000 per minute"
    def submit(form: dict):
        def action(ready):
            client = app.test_client()
            data = {**form_tokens(client, "/register"), **form}
            ready()
            return client.post("/register", data=data).status_code
        return action

    return run_at_once([submit(form) for form in forms])


def confirm_at_once(app, participants: list[Participant]) -> list[int]:
    """Press "Confirm my address" for each registration from a thread of its own, released at the same
    instant (each first opens its personal page for the form's token). Returns the status codes."""
    paths = [f"/registration/{make_token(p.access_key)}" for p in participants]

    def confirm(path: str):
        def action(ready):
            client = app.test_client()
            tokens = form_tokens(client, path)
            ready()
            return client.post(path + "/confirm", data=tokens).status_code
        return action

    return run_at_once([confirm(path) for path in paths])


def run_at_once(actions: list) -> list:
    """Call each of ``actions`` in a thread of its own, all released at the same instant by a barrier.

    An action takes the barrier's ``wait`` (to call once its preparation is done) and returns a
    result; the results come back in the order they finished. An exception in a thread is re-raised here.
    """
    barrier = threading.Barrier(len(actions))
    results: list = []
    errors: list[BaseException] = []

    def run(action) -> None:
        try:
            results.append(action(lambda: barrier.wait(timeout=60)))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    return results
