"""Encryption at rest of the sensitive notes (DATA_KEYS), key rotation, and the migration that encrypted them."""
from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from lsi_assembly.extensions import db
from lsi_assembly.public.models import PublicAttendee
from lsi_assembly.registration.models import Participant, Status
from tests.factories import make_event, make_participant

K1, K2, K3 = (Fernet.generate_key().decode() for _ in range(3))


def raw_notes() -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(
            "SELECT dietary_notes, accessibility_needs, desk_note FROM participants ORDER BY id"))]


def test_notes_are_stored_as_tokens_and_read_back_in_clear(app):
    event = make_event()
    person = make_participant(event, dietary_notes="coeliac, no gluten", accessibility_needs="wheelchair user",
                              desk_note="collect the interpreter headset", status=Status.CONFIRMED)
    plain = make_participant(event, email="plain@example.org", dietary_notes="", accessibility_needs=None)
    [(diet, access, desk), (empty_diet, empty_access, empty_desk)] = raw_notes()
    for token, text in ((diet, "coeliac"), (access, "wheelchair"), (desk, "headset")):
        assert token.startswith("gAAAAA") and text not in token
    assert (empty_diet, empty_access, empty_desk) == (None, None, None)  # "" is stored as NULL
    db.session.expire_all()
    assert db.session.get(Participant, person.id).accessibility_needs == "wheelchair user"
    assert db.session.get(Participant, plain.id).dietary_notes is None
    # "Has accessibility needs" still counts in SQL.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(
        Participant.accessibility_needs.is_not(None))) == 1


def test_a_key_rotation_moves_every_value_to_the_new_key(make_app):
    old = make_app(DATA_KEYS=[K1])
    with old.app_context():
        event = make_event()
        make_participant(event, accessibility_needs="ramp", dietary_notes="halal", desk_note="badge at desk 3")
        db.session.add(PublicAttendee(public_event_id=_public_event(event), name="P", email="p@example.org",
                                      accessibility_needs="hearing loop", privacy_accepted_at=event.created_at,
                                      access_key="k" * 20, confirm_by=event.created_at))
        db.session.commit()
        before = raw_notes()
        db.session.remove()
    both = make_app(DATA_KEYS=[K2, K1])
    with both.app_context():
        result = both.test_cli_runner().invoke(args=["privacy", "rotate-keys"])
        assert result.exit_code == 0, result.output
        assert "participants.accessibility_needs" in result.output and "1 re-encrypted" in result.output
        assert raw_notes() != before
        db.session.remove()
    new = make_app(DATA_KEYS=[K2])
    with new.app_context():
        person = db.session.scalars(sa.select(Participant)).one()
        assert (person.accessibility_needs, person.dietary_notes, person.desk_note) == (
            "ramp", "halal", "badge at desk 3")
        assert db.session.scalars(sa.select(PublicAttendee.accessibility_needs)).one() == "hearing loop"
        again = new.test_cli_runner().invoke(args=["privacy", "rotate-keys"])
        assert again.exit_code == 0
        db.session.remove()


def test_a_value_no_key_reads_stops_the_rotation_and_changes_nothing(make_app):
    old = make_app(DATA_KEYS=[K1])
    with old.app_context():
        event = make_event()
        make_participant(event, accessibility_needs="ramp")
        before = raw_notes()
        db.session.remove()
    stranger = make_app(DATA_KEYS=[K3])
    with stranger.app_context():
        result = stranger.test_cli_runner().invoke(args=["privacy", "rotate-keys"])
        assert result.exit_code == 1
        assert "cannot be decrypted with any key of DATA_KEYS" in result.output and "Nothing was changed" in result.output
        assert "ramp" not in result.output
        assert raw_notes() == before
        db.session.remove()


def test_new_key_prints_a_fernet_key(runner):
    result = runner.invoke(args=["privacy", "new-key"])
    assert result.exit_code == 0
    Fernet(result.stdout.strip().encode())  # a valid key


def test_the_migration_encrypts_existing_notes_and_the_downgrade_decrypts_them(app):
    make_event()
    db.session.remove()
    downgrade(revision="b7a2d9e4c1f3")  # before the notes were encrypted
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO participants (event_id, category, status, given_name, family_name, email, country, dietary, "
            "languages, list_consent, photo_consent, badge_hide_organization, needs_at_desk, locale, search_text, "
            "sort_name, access_key, created_at, updated_at, status_changed_at, dietary_notes, accessibility_needs, "
            "desk_note) SELECT id, 'delegate', 'confirmed', 'A', 'B', 'a@example.org', 'PL', '[]', '[]', false, false, "
            "false, false, 'en', '', '', 'key', created_at, created_at, created_at, 'no pork', 'a ramp', '' "
            "FROM events"))
    upgrade()
    diet, access, desk = raw_notes()[0]
    assert diet.startswith("gAAAAA") and access.startswith("gAAAAA") and desk is None
    assert db.session.scalars(sa.select(Participant.accessibility_needs)).one() == "a ramp"
    db.session.remove()
    downgrade(revision="b7a2d9e4c1f3")
    assert raw_notes() == [("no pork", "a ramp", None)]
    upgrade()


def _public_event(event) -> int:
    from datetime import UTC, datetime

    from lsi_assembly.public.models import PublicEvent
    public = PublicEvent(event_id=event.id, title="Open day", starts_at=datetime(2027, 6, 25, 18, tzinfo=UTC),
                         ends_at=datetime(2027, 6, 25, 20, tzinfo=UTC), capacity=10)
    db.session.add(public)
    db.session.flush()
    return public.id
