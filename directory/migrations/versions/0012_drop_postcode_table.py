"""Unit postcodes ship in data/postcodes/units.bin.xz: the optional postcode table goes

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("postcode")


def downgrade() -> None:
    op.create_table(
        "postcode",
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("country_code", sa.String(length=9), nullable=True),
        sa.Column("district_code", sa.String(length=9), nullable=True),
        sa.Column("health_code", sa.String(length=9), nullable=True),
        sa.PrimaryKeyConstraint("postcode"),
    )
