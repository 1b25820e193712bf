"""Visa invitation letters and the organizers' letterhead

Revision ID: 09acddb30fae
Revises: b7e31c95d04a
Create Date: 2026-12-06 19:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "09acddb30fae"
down_revision = "b7e31c95d04a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visa_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("passport_name", sa.Text(), nullable=True),
        sa.Column("nationality", sa.Text(), nullable=True),
        sa.Column("passport_number", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Text(), nullable=True),
        sa.Column("passport_expiry", sa.Text(), nullable=True),
        sa.Column("consulate_city", sa.Text(), nullable=True),
        sa.Column("consulate_country", sa.Text(), nullable=True),
        sa.Column("passport_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("costs", sa.String(length=40), nullable=True),
        sa.Column("costs_note", sa.String(length=300), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=30), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=254), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_visa_letters_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_visa_letters_participant_id_participants"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visa_letters")),
        sa.UniqueConstraint("code", name=op.f("uq_visa_letters_code")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_visa_letters_event_id_number")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_visa_letters_participant_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_visa_letters_reference")),
    )
    with op.batch_alter_table("visa_letters") as batch_op:
        batch_op.create_index(batch_op.f("ix_visa_letters_event_id"), ["event_id"], unique=False)
    op.create_table(
        "visa_letterheads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("signatory_name", sa.String(length=200), nullable=False),
        sa.Column("signatory_title", sa.String(length=200), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("signature_type", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_visa_letterheads_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visa_letterheads")),
        sa.UniqueConstraint("event_id", name=op.f("uq_visa_letterheads_event_id")),
    )


def downgrade():
    op.drop_table("visa_letterheads")
    with op.batch_alter_table("visa_letters") as batch_op:
        batch_op.drop_index(batch_op.f("ix_visa_letters_event_id"))
    op.drop_table("visa_letters")
