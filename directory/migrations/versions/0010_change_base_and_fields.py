"""change base and fields

Revision ID: 0010
Revises: 0009

A queued change keeps the listing as the editor found it and the fields it sets, so approving
applies only those fields (a three-way merge). Changes queued before keep None in both.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("field_names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.drop_column("field_names")
        batch_op.drop_column("base")
