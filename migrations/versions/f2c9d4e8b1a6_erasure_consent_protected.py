"""Participants: protected, anonymized_at; the consent log

Revision ID: f2c9d4e8b1a6
Revises: e4b8c2d6a1f7
Create Date: 2026-12-06 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "f2c9d4e8b1a6"
down_revision = "e4b8c2d6a1f7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("anonymized_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.alter_column("protected", server_default=None)
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_consent_records_participant_id_participants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    with op.batch_alter_table("consent_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_records_participant_id"), ["participant_id"], unique=False)
    # Consents already given: recorded as given when the notice was accepted (version 1).
    op.execute(sa.text(
        "INSERT INTO consent_records (participant_id, kind, given, at, notice_version, by) "
        "SELECT id, 'privacy_notice', true, privacy_accepted_at, 1, 'person' FROM participants "
        "WHERE privacy_accepted_at IS NOT NULL"))
    for column, kind in (("list_consent", "participant_list"), ("photo_consent", "photos")):
        op.execute(sa.text(
            f"INSERT INTO consent_records (participant_id, kind, given, at, notice_version, by) "
            f"SELECT id, '{kind}', true, COALESCE(privacy_accepted_at, created_at), 1, 'person' FROM participants "
            f"WHERE {column} = true"))


def downgrade():
    with op.batch_alter_table("consent_records") as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_participant_id"))
    op.drop_table("consent_records")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("anonymized_at")
        batch_op.drop_column("protected")
