"""postgres search extensions

Revision ID: 0008
Revises: 0003

The PostgreSQL search backend needs cube and earthdistance (distances with a GiST index) and
pg_trgm (did-you-mean), and keeps its derived tables in their own schema, which the backend
fills and rebuilds itself. Nothing to do on SQLite.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SEARCH_SCHEMA = "signpost_search"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    op.execute("CREATE EXTENSION IF NOT EXISTS earthdistance")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SEARCH_SCHEMA}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP SCHEMA IF EXISTS {SEARCH_SCHEMA} CASCADE")
    op.execute("DROP EXTENSION IF EXISTS earthdistance")
    op.execute("DROP EXTENSION IF EXISTS cube")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
