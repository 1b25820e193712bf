"""organizations: membership (full, associate, partner) and votes at the General Assembly

Revision ID: 3c9d0e6f1a27
Revises: 188b5f09158d
Create Date: 2026-12-20 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9d0e6f1a27'
down_revision = '188b5f09158d'
branch_labels = None
depends_on = None


def upgrade():
    # Organizations listed before memberships existed are full members with one vote, as most are.
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('membership', sa.String(length=20), nullable=False, server_default='full'))
        batch_op.add_column(sa.Column('votes', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint(op.f('ck_organizations_votes_not_negative'), 'votes >= 0')


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organizations_votes_not_negative'), type_='check')
        batch_op.drop_column('votes')
        batch_op.drop_column('membership')
