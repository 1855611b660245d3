"""problem reports and saved shortlists

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_shortlist",
        sa.Column("slug", sa.String(length=16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "problem_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('closed', 'wrong_times', 'wrong_contact', 'other')", name="problem_kind_known"
        ),
        sa.CheckConstraint("status IS NULL OR status IN ('open', 'resolved', 'dismissed')", name="report_status_known"),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_report_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_report_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_report_status"))
        batch_op.drop_index(batch_op.f("ix_problem_report_service_id"))

    op.drop_table("problem_report")
    op.drop_table("saved_shortlist")
