"""The same Alembic migrations build the schema on SQLite and PostgreSQL, and reverse cleanly."""

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import directory.models  # noqa: F401
from directory import migrate


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_create_every_model_table_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    assert _tables(engine) == set(SQLModel.metadata.tables)
    assert not migrate.pending(engine)


def test_migrations_reverse_to_an_empty_database(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert _tables(engine) == set()
    assert migrate.pending(engine)


def test_models_and_migrations_agree(tmp_path):
    """A model change without a migration fails here (autogenerate finds no difference)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


@pytest.mark.postgres
def test_migrations_run_on_postgresql(postgres_url):
    engine = create_engine(postgres_url)
    migrate.upgrade(engine)
    assert _tables(engine) == set(SQLModel.metadata.tables)
    migrate.downgrade(engine, "base")
    assert _tables(engine) == set()
    migrate.upgrade(engine)
    engine.dispose()
