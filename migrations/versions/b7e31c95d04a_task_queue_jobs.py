"""Task queue: jobs' params, worker, heartbeat and attempts; job results in the database

Revision ID: b7e31c95d04a
Revises: f2c9d4e8b1a6
Create Date: 2026-12-06 19:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b7e31c95d04a"
down_revision = "f2c9d4e8b1a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("worker", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "job_results",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_results_job_id_jobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_results")),
    )
    with op.batch_alter_table("job_results") as batch_op:
        batch_op.create_index(batch_op.f("ix_job_results_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("job_results") as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_results_created_at"))
    op.drop_table("job_results")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
        batch_op.drop_column("params")
