"""freshness flags, link checks, bounces and review reminders

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_bounce",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("diagnostic", sa.String(length=500), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_key"),
    )
    with op.batch_alter_table("email_bounce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_bounce_address"), ["address"], unique=False)

    op.create_table(
        "link_check",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", sa.Date(), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_table(
        "service_flag",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "code", name="service_flag_once"),
    )
    with op.batch_alter_table("service_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_flag_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_flag_service_id"), ["service_id"], unique=False)

    op.create_table(
        "review_reminder",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=254), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["problem_report.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_reminder_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_reminder_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_reminder_service_id"))
        batch_op.drop_index(batch_op.f("ix_review_reminder_sent_at"))

    op.drop_table("review_reminder")
    with op.batch_alter_table("service_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_flag_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_flag_code"))

    op.drop_table("service_flag")
    op.drop_table("link_check")
    with op.batch_alter_table("email_bounce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_bounce_address"))

    op.drop_table("email_bounce")
