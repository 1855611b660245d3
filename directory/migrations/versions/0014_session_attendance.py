"""How people take part in one session: in person, by phone, online or a home visit

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attendance", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            "schedule_attendance_known",
            "attendance IS NULL OR attendance IN ('in_person', 'phone', 'online', 'home_visit')",
        )


def downgrade() -> None:
    with op.batch_alter_table("schedule", schema=None) as batch_op:
        batch_op.drop_constraint("schedule_attendance_known", type_="check")
        batch_op.drop_column("attendance")
