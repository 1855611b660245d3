"""Sessions may run overnight: a session closing before it opens (6pm to 2am) is allowed

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_constraint("opens_before_closes", type_="check")
        batch_op.create_check_constraint(
            "opens_before_closes", "opens_at IS NULL OR closes_at IS NULL OR opens_at <> closes_at"
        )


def downgrade() -> None:
    op.execute("DELETE FROM schedule WHERE opens_at IS NOT NULL AND closes_at IS NOT NULL AND closes_at < opens_at")
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_constraint("opens_before_closes", type_="check")
        batch_op.create_check_constraint(
            "opens_before_closes", "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at"
        )
