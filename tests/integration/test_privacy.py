"""The life of personal data (issue 16): erasure without trace, the retention schedule, the export, the
consent log, protected participants, the notice and its settings."""
from __future__ import annotations

import json
from datetime import time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from lsi_assembly.auth.models import Role
from lsi_assembly.badges.models import BadgePrint
from lsi_assembly.badges.services import valid_code
from lsi_assembly.checkin.models import CheckIn
from lsi_assembly.checkin.services import look_up
from lsi_assembly.core.audit import AuditEntry
from lsi_assembly.core.mail import OutboxMessage
from lsi_assembly.extensions import db
from lsi_assembly.lists.tables import build
from lsi_assembly.privacy.models import ConsentRecord, PrivacySettings
from lsi_assembly.registration.links import make_token
from lsi_assembly.registration.models import Participant, Status
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopRun
from tests.factories import (
    csrf_token,
    make_event,
    make_organization,
    make_participant,
    post_form,
    register_confirmed,
    registration_form,
    sign_in,
)

#: Distinctive strings typed in every free-text field: none may survive an erasure anywhere.
TRACES = {
    "given_name": "Zyxwquiel", "family_name": "Qvortrupska", "email": "zyxw.qvortrup@example.org",
    "name_on_badge": "Zyxie Badgename", "job_title": "Jobtitle-Kwertyx", "dietary_notes": "Dietnote-Plomqx",
    "accessibility_needs": "Accessneed-Vrzxq", "languages": "Langoxq",
}
EDITED = {"dietary_notes": "Dietnote-Edited-Hjkq", "accessibility_needs": "Accessneed-Edited-Wqzx"}
DESK_NOTE = "Desknote-Fjqzxv"


def other_client(app, role: Role, email: str):
    """A second browser signed in with ``role`` (the tests' requests share one app context: its cached
    CSRF token belongs to the first client's session, so it is dropped on each switch)."""
    switch()
    staff = app.test_client()
    sign_in(staff, role, email=email)
    return staff


def switch():
    g.pop("csrf_token", None)
    g.pop("_login_user", None)


def all_text(app) -> str:
    """Every value of every table, read raw (encrypted columns as stored) and through the models
    (decrypted), plus every file in the jobs and upload folders."""
    parts = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(sa.text(f'SELECT * FROM "{table.name}"')):
                parts.append(json.dumps([str(value) for value in row], ensure_ascii=False))
            for row in connection.execute(sa.select(table)):
                parts.append(json.dumps([str(value) for value in row], ensure_ascii=False))
    for folder in (app.config["JOBS_FOLDER"], app.config["UPLOAD_FOLDER"]):
        for path in Path(folder).rglob("*"):
            if path.is_file():
                parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts).casefold()


def traces_left(app, traces) -> list[str]:
    text = all_text(app)
    return [value for value in traces if value.casefold() in text]


@pytest.fixture
def programme():
    event = make_event(preferences_open=True, max_preferences=2, requires_approval=False)
    rooms = [Room(event_id=event.id, name=name, capacity=30) for name in ("Main", "Side")]
    slot = TimeSlot(event_id=event.id, day_id=event.days[0].id, starts_at=time(10), ends_at=time(11))
    workshops = [Workshop(event_id=event.id, title=title) for title in ("Alpha", "Beta")]
    db.session.add_all([*rooms, slot, *workshops])
    db.session.flush()
    for workshop, room in zip(workshops, rooms, strict=True):
        db.session.add(WorkshopRun(workshop_id=workshop.id, slot_id=slot.id, room_id=room.id, capacity=30))
    db.session.commit()
    return event, workshops


def _live_person(app, client, mailbox, event, workshops, traces=TRACES) -> tuple[Participant, str]:
    """Register through the app, edit, rank workshops, get checked in and a badge printed."""
    organization = make_organization(event, name="Strada Testowa", quota=3)
    form = registration_form(event, organization, **{key: traces[key] for key in (
        "given_name", "family_name", "email", "name_on_badge", "job_title", "dietary_notes", "accessibility_needs",
        "languages")})
    path = register_confirmed(client, mailbox, form)
    person = db.session.scalar(sa.select(Participant).where(Participant.email == traces["email"]))
    assert person.status == Status.CONFIRMED
    edit = post_form(client, path + "/edit", {**form, **EDITED})
    assert edit.status_code == 302, edit.get_data(as_text=True)
    ranked = post_form(client, path + "/workshops", {"ranks-0": str(workshops[0].id), "ranks-1": str(workshops[1].id)})
    assert ranked.status_code == 302
    person.desk_note = DESK_NOTE
    db.session.commit()
    desk = other_client(app, Role.DESK, f"desk-{person.id}@example.org")
    token = csrf_token(desk, "/desk/")
    desk.post("/desk/settings", data={"csrf_token": token, "desk": "Desk 1", "day_id": event.days[0].id,
                                      "preset": "card-86x54"})
    desk.post("/desk/", data={"csrf_token": token, "q": traces["family_name"]})
    desk.post(f"/desk/participants/{person.id}/check-in", data={"csrf_token": token})
    printed = desk.post(f"/desk/participants/{person.id}/badge", data={"csrf_token": token})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) >= 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) >= 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Preference)) >= 2
    switch()
    return person, path


def test_an_erased_person_leaves_no_trace_anywhere(app, client, mailbox, programme):
    event, workshops = programme
    person, path = _live_person(app, client, mailbox, event, workshops)
    mailbox.wait_for(1)
    before = traces_left(app, [TRACES["given_name"], TRACES["email"], DESK_NOTE, EDITED["dietary_notes"]])
    assert TRACES["given_name"] in before and TRACES["email"] in before  # the check reads where they are

    page = client.get(path + "/erase").get_data(as_text=True)
    assert "cannot be undone" in page
    refused = post_form(client, path + "/erase", {})
    assert refused.status_code == 422 and db.session.get(Participant, person.id).anonymized_at is None
    done = post_form(client, path + "/erase", {"understood": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/registration/erased")
    assert "Your data has been deleted" in client.get("/registration/erased").get_data(as_text=True)
    assert client.get(path).status_code == 404  # the link is dead

    left = traces_left(app, [*TRACES.values(), *EDITED.values(), DESK_NOTE])
    assert left == [], f"still in the database or files: {left}"
    db.session.expire_all()
    erased = db.session.get(Participant, person.id)
    assert erased.status == Status.CANCELLED and erased.country == "PL" and erased.organization_id is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Preference)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1  # the day attended, no name
    fact = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "anonymized")).one()
    assert fact.entity_id == person.id and fact.changes == {"reason": "erased"}


def test_organizers_and_the_command_line_erase_too(app, client, mailbox, programme, runner):
    event, workshops = programme
    person, _path = _live_person(app, client, mailbox, event, workshops)
    other = make_participant(event, given_name="Outisx", family_name="Nemoqvist", email="outis.nemo@example.org",
                             job_title="Cli-Jobtitle-Xq", status=Status.CONFIRMED)
    staff = other_client(app, Role.ORGANIZER, "organizer@example.org")
    assert staff.get(f"/manage/registrations/{person.id}/erase").status_code == 200
    missing = post_form(staff, f"/manage/registrations/{person.id}/erase", {"understood": "y"})
    assert missing.status_code == 422 and "Please give the reason." in missing.get_data(as_text=True)
    done = post_form(staff, f"/manage/registrations/{person.id}/erase",
                     {"reason": f"asked by {TRACES['family_name']} on the phone", "understood": "y"})
    assert done.status_code == 302
    assert traces_left(app, [*TRACES.values(), *EDITED.values(), DESK_NOTE]) == []

    result = runner.invoke(args=["participants", "erase", "OUTIS.nemo@example.org", "--reason", "letter of 3 May"])
    assert result.exit_code == 0, result.output
    assert "Erased 1 registration" in result.output
    assert traces_left(app, ["Outisx", "Nemoqvist", "outis.nemo@example.org", "Cli-Jobtitle-Xq"]) == []
    reasons = db.session.scalars(sa.select(AuditEntry.changes).where(AuditEntry.action == "anonymized")).all()
    assert {"reason": "erased: (erased)"} in reasons and {"reason": "erased: letter of 3 May"} in reasons
    assert db.session.get(Participant, other.id).status == Status.CANCELLED
    unknown = runner.invoke(args=["participants", "erase", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no registration" in unknown.output


def test_the_desk_may_neither_erase_nor_export(client):
    event = make_event()
    person = make_participant(event, status=Status.CONFIRMED)
    sign_in(client, Role.DESK)
    assert client.get(f"/manage/registrations/{person.id}/erase").status_code == 403
    assert client.get(f"/manage/registrations/{person.id}/data.json").status_code == 403
    assert client.get("/manage/privacy").status_code == 403


def test_erasure_frees_the_place_for_the_waiting_list(client):
    event = make_event(requires_approval=False)
    organization = make_organization(event, quota=1)
    holder = make_participant(event, organization_id=organization.id, status=Status.CONFIRMED)
    waiting = make_participant(event, organization_id=organization.id, status=Status.WAITLISTED,
                               email="next@example.org")
    path = f"/registration/{make_token(holder.access_key)}"
    assert post_form(client, path + "/erase", {"understood": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, waiting.id).status in (Status.CONFIRMED, Status.PENDING)


def test_after_the_anonymization_date_the_schedule_leaves_no_trace_and_keeps_the_counts(
        app, client, mailbox, programme, runner):
    event, workshops = programme
    _live_person(app, client, mailbox, event, workshops)
    make_participant(event, given_name="Kept", family_name="Forcount", email="kept@example.org", country="MD",
                     status=Status.CONFIRMED)
    counts_before = _counts(event)
    day_before = (event.last_day + timedelta(days=365)).isoformat()  # kept 365 days: not yet
    result = runner.invoke(args=["privacy", "purge", "--today", day_before])
    assert result.exit_code == 0, result.output
    assert TRACES["given_name"] in traces_left(app, [TRACES["given_name"]])
    after = "2028-12-31"
    result = runner.invoke(args=["privacy", "purge", "--today", after])
    assert result.exit_code == 0, result.output
    assert traces_left(app, [*TRACES.values(), *EDITED.values(), DESK_NOTE, "Forcount", "kept@example.org"]) == []
    db.session.expire_all()
    assert _counts(event) == counts_before


def _counts(event) -> dict:
    rows = db.session.execute(sa.select(Participant.country, Participant.category, Participant.status,
                                        Participant.organization_id, sa.func.count())
                              .where(Participant.event_id == event.id)
                              .group_by(Participant.country, Participant.category, Participant.status,
                                        Participant.organization_id)).all()
    days = db.session.execute(sa.select(CheckIn.day_id, sa.func.count()).group_by(CheckIn.day_id)).all()
    return {"people": sorted(map(tuple, rows)), "days": sorted(map(tuple, days))}


def _dump() -> list:
    with db.engine.connect() as connection:
        return [sorted(json.dumps([str(v) for v in row]) for row in connection.execute(sa.text(f'SELECT * FROM "{t.name}"')))
                for t in db.metadata.sorted_tables]


def test_notes_go_at_their_date_not_before_and_a_dry_run_changes_nothing(runner):
    event = make_event()
    person = make_participant(event, status=Status.CONFIRMED, dietary_notes="no nuts", accessibility_needs="ramp",
                              desk_note="headset")
    last = event.last_day
    before = _dump()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run", "--today", "2027-12-31"])
    assert dry.exit_code == 0 and "Dry run: nothing changed" in dry.output
    assert "sensitive_notes" in dry.output and "1  would go" in dry.output.split("sensitive_notes")[1].split("\n")[0]
    assert _dump() == before
    on_day = last.replace(day=last.day)  # last day + 30 is still kept (deleted after it)
    runner.invoke(args=["privacy", "purge", "--today", (on_day.fromordinal(on_day.toordinal() + 30)).isoformat()])
    db.session.expire_all()
    assert db.session.get(Participant, person.id).accessibility_needs == "ramp"
    runner.invoke(args=["privacy", "purge", "--today", (on_day.fromordinal(on_day.toordinal() + 31)).isoformat()])
    db.session.expire_all()
    kept = db.session.get(Participant, person.id)
    assert (kept.dietary_notes, kept.accessibility_needs, kept.desk_note) == (None, None, None)
    assert kept.given_name == "Anna"  # the registration itself stays until its own date
    once = _dump()
    again = runner.invoke(args=["privacy", "purge", "--today", (on_day.fromordinal(on_day.toordinal() + 31)).isoformat()])
    assert again.exit_code == 0 and _dump() == once  # idempotent
    assert all(line.split()[1] == "0" for line in again.output.splitlines()[1:])


def test_a_bad_date_is_refused_by_the_purge(runner):
    make_event()
    result = runner.invoke(args=["privacy", "purge", "--today", "31/12/2027"])
    assert result.exit_code == 2 and "Invalid value for '--today'" in result.output


def test_sent_mail_bodies_are_cleared_after_their_period(runner, app):
    event = make_event()
    participant = make_participant(event)
    from lsi_assembly.core.database import utcnow
    from lsi_assembly.core.mail import queue_mail
    with app.test_request_context():
        message = queue_mail(participant.email, "registration_link", "en", participant=participant, link="x",
                             register_link="y")
        message.sent_at = utcnow()
        db.session.commit()
    today = utcnow().date()
    runner.invoke(args=["privacy", "purge", "--today", today.fromordinal(today.toordinal() + 7).isoformat()])
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).body_text != ""
    runner.invoke(args=["privacy", "purge", "--today", today.fromordinal(today.toordinal() + 8).isoformat()])
    db.session.expire_all()
    cleared = db.session.get(OutboxMessage, message.id)
    assert (cleared.body_text, cleared.recipient, cleared.attachments) == ("", "", None)
    assert cleared.sent_at is not None and cleared.kind == "registration_link"


def test_the_export_holds_what_is_kept_about_the_person_and_no_secret(app, client, mailbox, programme):
    event, workshops = programme
    person, path = _live_person(app, client, mailbox, event, workshops)
    response = client.get(path + "/data")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["format"] == "lsi-assembly/personal-data/1"
    registration = data["registration"]
    assert registration["given_name"] == TRACES["given_name"] and registration["email"] == TRACES["email"]
    assert registration["dietary_notes"] == EDITED["dietary_notes"] and registration["desk_note"] == DESK_NOTE
    assert "access_key" not in registration and person.access_key not in response.get_data(as_text=True)
    assert {c["consent"] for c in data["consents"] if c["given"]} == {"privacy_notice", "participant_list"}
    assert all(c["at"] and c["notice_version"] == 1 for c in data["consents"])
    assert [w["workshop"] for w in data["workshop_choices"]] == ["Alpha", "Beta"]
    assert len(data["check_ins"]) == 1 and data["check_ins"][0]["day"] == event.days[0].date.isoformat()
    assert any(mail["subject"] for mail in data["emails"])
    staff = other_client(app, Role.ORGANIZER, "organizer@example.org")
    same = json.loads(staff.get(f"/manage/registrations/{person.id}/data.json").get_data(as_text=True))
    assert same["registration"] == registration


def test_the_consent_log_records_each_change_and_withdrawing_list_consent_works_at_once(app, client, runner, tmp_path):
    event = make_event(participant_list_shared=True)
    person = make_participant(event, status=Status.CONFIRMED, given_name="Listed", family_name="Person",
                              list_consent=True)
    path = f"/registration/{make_token(person.access_key)}"
    form = {"given_name": "Listed", "family_name": "Person", "country": "PL", "days": [str(d.id) for d in event.days],
            "list_consent": "", "photo_consent": "y", "languages": ""}
    assert post_form(client, path + "/edit", form).status_code == 302
    records = db.session.execute(sa.select(ConsentRecord.kind, ConsentRecord.given, ConsentRecord.by)
                                 .where(ConsentRecord.participant_id == person.id).order_by(ConsentRecord.id)).all()
    assert ("participant_list", False, "person") in records and ("photos", True, "person") in records
    table = build("participants", event, locale="en")
    assert "Listed Person" not in json.dumps(table.flat_rows())


def test_a_new_notice_version_is_shown_at_the_next_visit_and_acknowledged(app, client):
    event = make_event()
    person = make_participant(event, status=Status.CONFIRMED)
    path = f"/registration/{make_token(person.access_key)}"
    assert "Our privacy notice has changed" not in client.get(path).get_data(as_text=True)
    staff = other_client(app, Role.ORGANIZER, "organizer@example.org")
    saved = post_form(staff, "/manage/privacy", {
        "controller_name": "La Strada International", "controller_address": "Postbus 15865, 1001 NJ Amsterdam",
        "controller_email": "privacy@example.org", "dpo_name": "", "dpo_email": "", "days_sensitive_notes": "20",
        "days_participants": "365", "days_cancelled": "30", "days_mail_bodies": "7",
        "days_passport_data": "30",
        "days_travel_receipts": "180", "days_travel_details": "365",
        "days_room_requests": "30"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert db.session.scalar(sa.select(PrivacySettings.notice_version)) == 2
    switch()
    page = client.get(path).get_data(as_text=True)
    assert "Our privacy notice has changed (version 2)" in page
    client.post(path + "/notice", data={"csrf_token": csrf_token(client, path)})
    assert "Our privacy notice has changed" not in client.get(path).get_data(as_text=True)
    notice = client.get("/privacy").get_data(as_text=True)
    assert "Postbus 15865" in notice and "privacy@example.org" in notice and "20 days after the Assembly ends" in notice
    assert "CNIL" in notice and "Version 2" in notice


def test_the_settings_refuse_bad_periods_and_change_nothing(app, client):
    make_event()
    sign_in(client, Role.ORGANIZER)
    page = client.get("/manage/privacy").get_data(as_text=True)
    assert "Apply the schedule now" in page and 'name="days_sensitive_notes"' in page
    bad = post_form(client, "/manage/privacy", {
        "controller_name": "LSI", "controller_address": "Amsterdam", "controller_email": "privacy@example.org",
        "days_sensitive_notes": "-4", "days_participants": "99999", "days_cancelled": "x", "days_mail_bodies": "7"})
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count("Please enter a number of days") >= 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PrivacySettings)) == 0


def test_the_notice_is_complete_in_french(client):
    make_event()
    page = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Qui est responsable" in page and "CNIL" in page and "Combien de temps nous les gardons" in page
    assert "30 jours après la fin de l’Assemblée" in page


def test_a_protected_person_is_on_no_shared_list_and_found_at_the_desk_only_by_badge_or_full_name(app):
    event = make_event()
    organization = make_organization(event, name="Open Doors Association")
    person = make_participant(event, given_name="Mirela", family_name="Ionescu-Dragomir", status=Status.CONFIRMED,
                              organization_id=organization.id, list_consent=True, protected=True,
                              email="mirela@example.org", name_on_badge="Mira")
    make_participant(event, given_name="Open", family_name="Visible", status=Status.CONFIRMED,
                     organization_id=organization.id, list_consent=True, email="open@example.org")
    shared = json.dumps(build("participants", event, locale="en").flat_rows(), ensure_ascii=False)
    assert "Visible" in shared and "Ionescu" not in shared and "Mira" not in shared
    for partial in ("Mirela", "Ionescu", "Open Doors", "mirela@example.org", "Ionescu-Dragomir Mir"):
        found = look_up(event, partial)
        assert found.participant is None or found.participant.id != person.id
        assert person not in (found.matches or [])
    for exact in ("Mirela Ionescu-Dragomir", "IONESCU-DRAGOMIR MIRELA", "mirela ionescu-dragomir"):
        assert look_up(event, exact).participant == person
    assert look_up(event, valid_code(person).code).participant == person
    db.session.commit()
    from lsi_assembly.badges.services import badge_content
    content = badge_content(person, valid_code(person), "en")
    assert (content.name, content.full_name, content.organization) == ("Mira", None, None)
