"""The schema only changes through migrations: they build exactly what the models describe."""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lsi_assembly.core.database import render_migration_item
from lsi_assembly.extensions import db


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
