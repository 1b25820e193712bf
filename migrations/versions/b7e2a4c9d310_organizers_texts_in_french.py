"""the organizers' texts in French: a _fr column beside each text they write

The event's name and venue, its days' labels, the public event's title, description and venue,
the workshops' titles and descriptions, and the event's name and place as a certificate was issued
may be written in French too; pages in French show them, else the English ones (core.localized).

Revision ID: b7e2a4c9d310
Revises: 3c7e1f0a9b52
Create Date: 2026-12-06 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2a4c9d310'
down_revision = '3c7e1f0a9b52'
branch_labels = None
depends_on = None

COLUMNS = {
    "events": [("name_fr", sa.String(200)), ("venue_fr", sa.String(300))],
    "event_days": [("label_fr", sa.String(200))],
    "public_events": [("title_fr", sa.String(200)), ("description_fr", sa.Text()), ("venue_fr", sa.String(300))],
    "workshops": [("title_fr", sa.String(200)), ("description_fr", sa.Text())],
    "certificates": [("event_name_fr", sa.String(200)), ("event_place_fr", sa.String(500))],
}


def upgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    for table, columns in reversed(list(COLUMNS.items())):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type in reversed(columns):
                batch_op.drop_column(name)
