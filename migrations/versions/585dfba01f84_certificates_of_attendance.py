"""certificates: certificates of attendance, their verification codes and what each one says as issued

Revision ID: 585dfba01f84
Revises: a2a80171cb22
Create Date: 2026-12-15 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '585dfba01f84'
down_revision = "a2a80171cb22"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('organization', sa.String(length=300), nullable=True),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('event_name', sa.String(length=200), nullable=False),
    sa.Column('event_place', sa.String(length=500), nullable=False),
    sa.Column('event_start', sa.Date(), nullable=True),
    sa.Column('event_end', sa.Date(), nullable=True),
    sa.Column('signatory', sa.String(length=200), nullable=False),
    sa.Column('signatory_title', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_certificates_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_participant_id'), ['participant_id'], unique=False)
        # At most one current (not superseded) certificate per participant.
        batch_op.create_index('uq_certificates_current', ['participant_id'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_certificates_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificates_participant_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_event_id'))

    op.drop_table('certificates')
