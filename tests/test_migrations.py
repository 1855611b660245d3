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


def _session_rows(engine) -> None:
    """One session of the service _listing wrote, with plain SQL at revision 0013."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO schedule (id, service_id, frequency, weekday, description) "
                "SELECT '00000000000000000000000000000003', id, 'weekly', 'TH', 'Evening group' FROM service"
            )
        )


def _listing(engine) -> None:
    """An organisation and one service, with plain SQL."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (id, name, description, created_at, updated_at, version) "
                "VALUES ('00000000000000000000000000000001', 'Trust', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO service (id, organisation_id, name, summary, description, status, is_free, languages, "
                "groups_served, attendance, circumstances, eligibility_criteria, open_to_all, version, attributes, created_at, updated_at) "
                "VALUES ('00000000000000000000000000000002', '00000000000000000000000000000001', 'Group', '', '', 'active', "
                "true, '[]', '[]', '[]', '[]', '', true, 1, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )


def _check_session_attendance(engine) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    migrate.upgrade(engine, "0013")
    _listing(engine)
    _session_rows(engine)
    migrate.upgrade(engine, "0014")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT attendance FROM schedule")).scalar_one() is None
    with engine.begin() as connection:
        connection.execute(text("UPDATE schedule SET attendance = 'online'"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE schedule SET attendance = 'by pigeon'"))
    migrate.downgrade(engine, "0013")
    assert "attendance" not in {c["name"] for c in inspect(engine).get_columns("schedule")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT description FROM schedule")).scalar_one() == "Evening group"


def test_a_session_says_how_people_take_part_after_0014_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _check_session_attendance(engine)


@pytest.mark.postgres
def test_a_session_says_how_people_take_part_after_0014_on_postgresql(postgres_url):
    engine = create_engine(postgres_url)
    _check_session_attendance(engine)
    engine.dispose()
