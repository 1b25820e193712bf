"""the General Assembly: statutory sessions, mandates, proxies, who is in the hall, recorded quorums,
vote results, voting cards

Revision ID: a2a80171cb22
Revises: 3c9d0e6f1a27
Create Date: 2026-12-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2a80171cb22'
down_revision = '3c9d0e6f1a27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assembly_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.Column('quorum_fraction', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at', name=op.f('ck_assembly_sessions_ends_after_start')),
    sa.CheckConstraint('quorum_fraction >= 0 AND quorum_fraction < 1', name=op.f('ck_assembly_sessions_fraction_below_one')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_assembly_sessions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_sessions')),
    sa.UniqueConstraint('event_id', 'name', name=op.f('uq_assembly_sessions_event_id_name'))
    )
    with op.batch_alter_table('assembly_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_sessions_event_id'), ['event_id'], unique=False)

    op.create_table('assembly_proxies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('giver_id <> holder_id', name=op.f('ck_assembly_proxies_not_to_itself')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_assembly_proxies_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['giver_id'], ['organizations.id'], name=op.f('fk_assembly_proxies_giver_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_id'], ['organizations.id'], name=op.f('fk_assembly_proxies_holder_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_proxies'))
    )
    with op.batch_alter_table('assembly_proxies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_proxies_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_proxies_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_proxies_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index('uq_assembly_proxies_active', ['giver_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('assembly_quorum_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('represented', sa.Integer(), nullable=False),
    sa.Column('votes_total', sa.Integer(), nullable=False),
    sa.Column('votes_present', sa.Integer(), nullable=False),
    sa.Column('votes_needed', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Boolean(), nullable=False),
    sa.Column('quorum_fraction', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['assembly_sessions.id'], name=op.f('fk_assembly_quorum_records_session_id_assembly_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assembly_quorum_records_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_quorum_records'))
    )
    with op.batch_alter_table('assembly_quorum_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_quorum_records_session_id'), ['session_id'], unique=False)

    op.create_table('assembly_vote_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('motion', sa.Text(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('abstentions', sa.Integer(), nullable=False),
    sa.Column('votes_present', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.CheckConstraint('votes_for >= 0 AND votes_against >= 0 AND abstentions >= 0', name=op.f('ck_assembly_vote_results_not_negative')),
    sa.ForeignKeyConstraint(['session_id'], ['assembly_sessions.id'], name=op.f('fk_assembly_vote_results_session_id_assembly_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assembly_vote_results_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_vote_results'))
    )
    with op.batch_alter_table('assembly_vote_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_vote_results_session_id'), ['session_id'], unique=False)

    op.create_table('assembly_mandates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('alternate_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('alternate_id IS NULL OR alternate_id <> voter_id', name=op.f('ck_assembly_mandates_alternate_not_voter')),
    sa.ForeignKeyConstraint(['alternate_id'], ['participants.id'], name=op.f('fk_assembly_mandates_alternate_id_participants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_assembly_mandates_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_assembly_mandates_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['participants.id'], name=op.f('fk_assembly_mandates_voter_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_mandates')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_assembly_mandates_organization_id'))
    )
    with op.batch_alter_table('assembly_mandates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_mandates_alternate_id'), ['alternate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_mandates_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_mandates_voter_id'), ['voter_id'], unique=False)

    op.create_table('assembly_presences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('inside', sa.Boolean(), nullable=False),
    sa.Column('first_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_assembly_presences_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['assembly_sessions.id'], name=op.f('fk_assembly_presences_session_id_assembly_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_presences')),
    sa.UniqueConstraint('session_id', 'participant_id', name=op.f('uq_assembly_presences_session_id_participant_id'))
    )
    with op.batch_alter_table('assembly_presences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_presences_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_presences_session_id'), ['session_id'], unique=False)

    op.create_table('assembly_voting_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_assembly_voting_cards_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_assembly_voting_cards_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_assembly_voting_cards_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assembly_voting_cards')),
    sa.UniqueConstraint('code', name=op.f('uq_assembly_voting_cards_code'))
    )
    with op.batch_alter_table('assembly_voting_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assembly_voting_cards_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_voting_cards_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assembly_voting_cards_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('uq_assembly_voting_cards_valid', ['organization_id'], unique=True, sqlite_where=sa.text('voided_at IS NULL'), postgresql_where=sa.text('voided_at IS NULL'))


def downgrade():
    # Their indexes go with the tables.
    for table in ('assembly_voting_cards', 'assembly_presences', 'assembly_mandates', 'assembly_vote_results',
                  'assembly_quorum_records', 'assembly_proxies', 'assembly_sessions'):
        op.drop_table(table)
