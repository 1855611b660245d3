"""Apply Alembic migrations: the only way Signpost creates or changes its tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

NOT_SET_UP = "The database is not set up: run `signpost setup`."
BEHIND = "The database needs migrating: run `signpost setup`."

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> AlembicConfig:
    """An Alembic config pointing at Signpost's migrations (no alembic.ini needed)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database schema back to `revision`."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def pending(engine: Engine) -> bool:
    """True when the database is not at the newest migration."""
    return current(engine) != head()


def head() -> str:
    """The newest migration's revision."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The database's migration revision (None when it was never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def unready(engine: Engine) -> str | None:
    """Why the database cannot be used yet (never set up, or migrations pending), or None.

    A SQLite file that does not exist (or is empty) is not opened: opening it would create it.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database)
        if not path.is_file() or path.stat().st_size == 0:
            return NOT_SET_UP
    revision = current(engine)
    if revision is None:
        return NOT_SET_UP
    return BEHIND if revision != head() else None


def revisions() -> set[str]:
    """Every migration revision this version of Signpost has."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
