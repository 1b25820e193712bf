"""organizations: the focal point's delegation link (its key and when it was last sent)

Revision ID: c4d1e7a9b2f0
Revises: 7c2e5b1d9f40
Create Date: 2026-12-06 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d1e7a9b2f0'
down_revision = "7c2e5b1d9f40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delegation_link_sent_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('delegation_link_sent_at')
        batch_op.drop_column('delegation_key')
