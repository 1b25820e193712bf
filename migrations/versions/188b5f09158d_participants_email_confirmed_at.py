"""participants: when the e-mail address was confirmed (registrations hold a place only once it is)

Revision ID: 188b5f09158d
Revises: a71ff25e6ef7
Create Date: 2026-12-14 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '188b5f09158d'
down_revision = "a71ff25e6ef7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # Registrations made before addresses were confirmed count as confirmed: they hold their places as before.
    participants = sa.table('participants', sa.column('email_confirmed_at'), sa.column('created_at'))
    op.execute(participants.update().values(email_confirmed_at=participants.c.created_at))


def downgrade():
    # Unconfirmed registrations hold nothing and were never more than a request: they go with the column.
    op.execute(sa.text("DELETE FROM participants WHERE status = 'unconfirmed'"))
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
