"""The schema only changes through migrations: they build exactly what the models describe."""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lsi_assembly.core.database import render_migration_item, utcnow
from lsi_assembly.extensions import db
from lsi_assembly.public.models import PublicAttendee, PublicEvent
from tests.factories import make_event, make_organization, make_participant


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "render_item": render_migration_item})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models(app):
    assert _differences() == []


def test_migrations_downgrade_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    with db.engine.connect() as connection:
        remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert _differences() == []


def test_upgrading_fills_the_search_and_sort_keys_of_existing_rows(app):
    db.session.remove()
    downgrade(revision="base")
    upgrade(revision="da6a54766aa5")  # the first schema, before search and sort keys existed
    when = datetime(2026, 1, 1, tzinfo=UTC)
    events = sa.table("events", *(sa.column(c) for c in ("id", "slug", "name", "city", "timezone",
                                                          "requires_approval", "is_sample", "created_at")))
    organizations = sa.table("organizations", *(sa.column(c) for c in (
        "id", "event_id", "name", "country", "delegate_quota", "is_active", "is_sample", "quota_version",
        "created_at")))
    days = sa.table("event_days", sa.column("id"), sa.column("event_id"), sa.column("date"))
    attends = sa.table("participant_days", sa.column("participant_id"), sa.column("event_day_id"))
    participants = sa.table("participants", sa.column("dietary", sa.JSON), sa.column("languages", sa.JSON), *(
        sa.column(c) for c in ("id", "event_id", "organization_id", "category", "status", "given_name", "family_name", "email",
                               "country", "list_consent", "photo_consent", "privacy_accepted_at", "locale",
                               "access_key", "created_at", "updated_at", "status_changed_at")))
    with db.engine.begin() as connection:
        connection.execute(events.insert().values(id=1, slug="x", name="X", city="Paris", timezone="Europe/Paris",
                                                  requires_approval=True, is_sample=False, created_at=when))
        connection.execute(organizations.insert().values(id=1, event_id=1, name="Ølé Ćwiczenie", country="PL",
                                                         delegate_quota=2, is_active=True, is_sample=False,
                                                         quota_version=0, created_at=when))
        connection.execute(participants.insert().values(
            id=1, event_id=1, organization_id=1, category="delegate", status="pending", given_name="José",
            family_name="Ødegaard",
            email="jose@example.org", country="PL", dietary=[], languages=[],
            list_consent=False, photo_consent=False, privacy_accepted_at=when, locale="en", access_key="k",
            created_at=when, updated_at=when, status_changed_at=when))
        connection.execute(days.insert().values(id=1, event_id=1, date=date(2027, 6, 24)))
        connection.execute(attends.insert().values(participant_id=1, event_day_id=1))
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT search_text, sort_name FROM participants")).one() == (
            "jose odegaard jose@example.org", "odegaard jose")
        assert connection.execute(sa.text("SELECT search_name FROM organizations")).scalar() == "ole cwiczenie"
        # Rebuilding tables on SQLite must not cascade: every link survives every migration.
        assert connection.execute(sa.text("SELECT organization_id FROM participants")).scalar() == 1
        assert connection.execute(sa.text("SELECT count(*) FROM participant_days")).scalar() == 1
    assert _differences() == []


def test_upgrading_writes_the_stored_search_keys_in_latin_letters(app):
    """Keys folded before names of other scripts were written in Latin letters are recomputed, in batches."""
    event = make_event()
    organization = make_organization(event, name="Ла Страда Македонија", country="MK")
    people = [make_participant(event, given_name="Марија", family_name=f"Стојановска {n}", organization_id=organization.id,
                               email=f"m{n}@example.org").id for n in range(3)]
    public_event = PublicEvent(event=event, title="Public", capacity=10, is_open=True, starts_at=utcnow(),
                               ends_at=utcnow())
    db.session.add_all([public_event, PublicAttendee(
        public_event=public_event, name="Νίκος Παπαδόπουλος", email="nikos@example.org", privacy_accepted_at=utcnow(),
        access_key="migration", confirm_by=utcnow(), status="confirmed")])
    db.session.commit()
    db.session.remove()
    with db.engine.begin() as connection:  # what the folding stored before: the letters of their own script
        connection.execute(sa.text("UPDATE participants SET search_text = 'марија стојановска', sort_name = 'стојановска'"))
        connection.execute(sa.text("UPDATE organizations SET search_name = 'ла страда македонија'"))
        connection.execute(sa.text("UPDATE public_attendees SET search_text = 'νικος παπαδοπουλος'"))
    downgrade(revision="3c7e1f0a9b52-1")
    upgrade()
    with db.engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT id, search_text, sort_name FROM participants ORDER BY id")).all()
        assert keys == [(person_id, f"marija stojanovska {n} m{n}@example.org", f"stojanovska {n} marija")
                        for n, person_id in enumerate(people)]
        assert connection.execute(sa.text("SELECT search_name FROM organizations")).scalar() == "la strada makedonija"
        assert connection.execute(sa.text("SELECT search_text FROM public_attendees")).scalar() == (
            "nikos papadopoulos nikos@example.org")
    assert _differences() == []
