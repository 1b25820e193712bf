"""Travel support: the budget, the requests and their receipts

Revision ID: 4f4b7ce53c12
Revises: 09acddb30fae
Create Date: 2026-12-06 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "4f4b7ce53c12"
down_revision = "09acddb30fae"
branch_labels = None
depends_on = None


def _money(name, nullable=True):
    return sa.Column(name, sa.Numeric(precision=12, scale=2), nullable=nullable)


def upgrade():
    op.create_table(
        "travel_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        _money("amount_eur", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_travel_budgets_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_budgets")),
        sa.UniqueConstraint("event_id", name=op.f("uq_travel_budgets_event_id")),
    )
    op.create_table(
        "travel_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _money("estimated_travel", nullable=False),
        _money("estimated_accommodation", nullable=False),
        _money("estimated_visa", nullable=False),
        _money("estimated_other", nullable=False),
        sa.Column("route", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        _money("granted_eur"),
        sa.Column("conditions", sa.String(length=1000), nullable=True),
        sa.Column("decline_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _money("claimed_travel"),
        _money("claimed_accommodation"),
        _money("claimed_visa"),
        _money("claimed_other"),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        _money("paid_eur"),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_travel_requests_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_travel_requests_participant_id_participants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_requests")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_travel_requests_participant_id")),
    )
    with op.batch_alter_table("travel_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_travel_requests_event_id"), ["event_id"], unique=False)
    op.create_table(
        "travel_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["travel_requests.id"],
                                name=op.f("fk_travel_receipts_request_id_travel_requests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_receipts")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_travel_receipts_stored_name")),
    )
    with op.batch_alter_table("travel_receipts") as batch_op:
        batch_op.create_index(batch_op.f("ix_travel_receipts_request_id"), ["request_id"], unique=False)


def downgrade():
    with op.batch_alter_table("travel_receipts") as batch_op:
        batch_op.drop_index(batch_op.f("ix_travel_receipts_request_id"))
    op.drop_table("travel_receipts")
    with op.batch_alter_table("travel_requests") as batch_op:
        batch_op.drop_index(batch_op.f("ix_travel_requests_event_id"))
    op.drop_table("travel_requests")
    op.drop_table("travel_budgets")
