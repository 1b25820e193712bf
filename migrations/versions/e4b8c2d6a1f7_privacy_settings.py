"""Privacy settings of an event: controller, retention periods, notice version

Revision ID: e4b8c2d6a1f7
Revises: d1e5a7c3f902
Create Date: 2026-12-06 08:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e4b8c2d6a1f7"
down_revision = "d1e5a7c3f902"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("controller_name", sa.String(length=200), nullable=True),
        sa.Column("controller_address", sa.String(length=500), nullable=True),
        sa.Column("controller_email", sa.String(length=254), nullable=True),
        sa.Column("dpo_name", sa.String(length=200), nullable=True),
        sa.Column("dpo_email", sa.String(length=254), nullable=True),
        sa.Column("retention_days", sa.JSON(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("notice_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_privacy_settings_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_settings")),
        sa.UniqueConstraint("event_id", name=op.f("uq_privacy_settings_event_id")),
    )


def downgrade():
    op.drop_table("privacy_settings")
