"""search keys in Latin letters: recompute the stored search and sort keys with the new folding

The folding of ``core.search`` now writes every script in Latin letters (anyascii), so that
"Stojanovska" finds "Стојановска". The keys stored beside names are recomputed here, in batches,
on SQLite and PostgreSQL alike; no column changes.

Revision ID: 3c7e1f0a9b52
Revises: c4d1e7a9b2f0
Create Date: 2026-12-06 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# A pure function (no app, no Flask): the same folding the models apply on every save.
from lsi_assembly.core.search import fold


# revision identifiers, used by Alembic.
revision = '3c7e1f0a9b52'
down_revision = 'c4d1e7a9b2f0'
branch_labels = None
depends_on = None

#: Rows read and rewritten at a time: a large table is never held in memory at once.
BATCH = 500

_PARTICIPANT_FIELDS = ("given_name", "family_name", "name_on_badge", "email", "organization_name")


def _participant_keys(row) -> dict:
    return {"search_text": fold(" ".join(filter(None, (getattr(row, name) for name in _PARTICIPANT_FIELDS))))[:700],
            "sort_name": fold(f"{row.family_name} {row.given_name}")[:210]}


def _organization_keys(row) -> dict:
    return {"search_name": fold(row.name)[:200]}


def _attendee_keys(row) -> dict:
    return {"search_text": fold(f"{row.name} {row.email} {row.affiliation or ''}")[:500]}


def _recompute(connection, table, read: tuple[str, ...], keys) -> None:
    """Rewrite the keys of every row of ``table`` from its ``read`` columns, ``BATCH`` rows at a time, by id."""
    last_id = 0
    while True:
        rows = connection.execute(sa.select(table.c.id, *(table.c[name] for name in read)).where(table.c.id > last_id)
                                  .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            connection.execute(table.update().where(table.c.id == row.id).values(**keys(row)))
        last_id = rows[-1].id


def upgrade():
    connection = op.get_bind()
    participants = sa.table("participants", sa.column("id"), sa.column("search_text"), sa.column("sort_name"),
                            *(sa.column(name) for name in _PARTICIPANT_FIELDS))
    organizations = sa.table("organizations", sa.column("id"), sa.column("name"), sa.column("search_name"))
    attendee_fields = ("name", "email", "affiliation")
    attendees = sa.table("public_attendees", sa.column("id"), sa.column("search_text"),
                         *(sa.column(name) for name in attendee_fields))
    _recompute(connection, participants, _PARTICIPANT_FIELDS, _participant_keys)
    _recompute(connection, organizations, ("name",), _organization_keys)
    _recompute(connection, attendees, attendee_fields, _attendee_keys)


def downgrade():
    # The keys in Latin letters still find every accent-free spelling the old ones found: nothing to undo.
    pass
