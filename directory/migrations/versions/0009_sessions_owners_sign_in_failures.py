"""sessions, organisation owners, sign-in failures

Revision ID: 0009
Revises: 0008

Signed-in browsers become rows (user_session) that signing out ends, replacing the per-account
session_version. Members of an organisation get a role: the approved claimants become owners,
and where no claim was approved, the earliest confirmed member does. Accounts count wrong
passwords so their owner can be told; a change request records that its sender stopped editing.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APPROVED_CLAIMANTS = """
UPDATE membership SET role = 'owner'
WHERE EXISTS (SELECT 1 FROM claim WHERE claim.status = 'approved'
              AND claim.user_id = membership.user_id AND claim.organisation_id = membership.organisation_id)
"""
EARLIEST_CONFIRMED = """
UPDATE membership SET role = 'owner'
WHERE NOT EXISTS (SELECT 1 FROM membership AS m_owner
                  WHERE m_owner.organisation_id = membership.organisation_id AND m_owner.role = 'owner')
AND membership.user_id = (
    SELECT m.user_id FROM membership AS m JOIN user_account AS u ON u.id = m.user_id
    WHERE m.organisation_id = membership.organisation_id AND u.email_verified_at IS NOT NULL
      AND u.disabled_at IS NULL
    ORDER BY m.created_at, u.created_at LIMIT 1)
"""


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("failed_sign_ins_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_sign_ins_told_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column("session_version")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=10), nullable=False, server_default="editor"))
        batch_op.create_check_constraint("membership_role_known", "role IS NULL OR role IN ('owner', 'editor')")
    op.execute(APPROVED_CLAIMANTS)
    op.execute(EARLIEST_CONFIRMED)
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitter_removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.drop_column("submitter_removed_at")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint("membership_role_known", type_="check")
        batch_op.drop_column("role")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_column("failed_sign_ins_told_at")
        batch_op.drop_column("failed_sign_ins_since")
        batch_op.drop_column("failed_sign_ins")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
    op.drop_table("user_session")
