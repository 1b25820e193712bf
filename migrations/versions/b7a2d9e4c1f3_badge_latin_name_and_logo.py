"""badges: a participant's name in Latin letters, the organizers' logo on the event

Revision ID: b7a2d9e4c1f3
Revises: b7e2a4c9d310
Create Date: 2026-12-06 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7a2d9e4c1f3'
down_revision = "b7e2a4c9d310"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latin_name', sa.String(length=100), nullable=True))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('badge_logo_type', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('badge_logo_type')
        batch_op.drop_column('badge_logo')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('latin_name')
