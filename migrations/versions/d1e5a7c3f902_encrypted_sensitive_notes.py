"""Sensitive notes encrypted at rest (dietary notes, accessibility needs, desk notes)

The columns become TEXT (a Fernet token is longer than the note) and every value in them is encrypted
with the first key of DATA_KEYS (core/crypto.py); downgrading decrypts them back.

Revision ID: d1e5a7c3f902
Revises: b7a2d9e4c1f3
Create Date: 2026-12-06 08:30:00
"""
import sqlalchemy as sa
from alembic import op

from lsi_assembly.core.crypto import decrypt, encrypt

revision = "d1e5a7c3f902"
down_revision = "b7a2d9e4c1f3"
branch_labels = None
depends_on = None

COLUMNS = {
    "participants": ("dietary_notes", "accessibility_needs", "desk_note"),
    "public_attendees": ("accessibility_needs",),
}
LENGTHS = {"dietary_notes": 300, "desk_note": 300}


def _convert(table_name: str, columns: tuple[str, ...], change) -> None:
    connection = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer), *(sa.column(name, sa.Text) for name in columns))
    for row in connection.execute(sa.select(table)).all():
        values = {name: change(getattr(row, name)) for name in columns}
        if any(values[name] != getattr(row, name) for name in columns):
            connection.execute(sa.update(table).where(table.c.id == row.id).values(values))


def upgrade():
    for table_name, columns in COLUMNS.items():
        with op.batch_alter_table(table_name) as batch_op:
            for name in columns:
                if name in LENGTHS:
                    batch_op.alter_column(name, existing_type=sa.String(LENGTHS[name]), type_=sa.Text(),
                                          existing_nullable=True)
        _convert(table_name, columns, lambda value: encrypt(value) if value else None)


def downgrade():
    for table_name, columns in COLUMNS.items():
        _convert(table_name, columns, decrypt)
        with op.batch_alter_table(table_name) as batch_op:
            for name in columns:
                if name in LENGTHS:
                    batch_op.alter_column(name, existing_type=sa.Text(), type_=sa.String(LENGTHS[name]),
                                          existing_nullable=True)
