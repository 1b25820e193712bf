"""voting cards: when each card was last printed (reprints after a change pick the cards not printed yet)

Revision ID: 7c2e5b1d9f40
Revises: 585dfba01f84
Create Date: 2026-12-16 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e5b1d9f40'
down_revision = "585dfba01f84"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assembly_voting_cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('assembly_voting_cards', schema=None) as batch_op:
        batch_op.drop_column('printed_at')
