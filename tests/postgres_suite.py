"""The whole suite on PostgreSQL: SIGNPOST_TEST_DB=postgres with SIGNPOST_TEST_DATABASE_URL.

The schema is dropped and migrated once per session; after each test that made an app, its
connections are closed and every table is emptied, which is much faster than
migrating per test. Fixtures that build data once and copy it per test use snapshot().
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

APPLICATION_NAME = "signpost-test-suite"
ADMIN_NAME = "signpost-test-admin"
SNAPSHOT_PREFIX = "signpost_snapshot_"


def selected() -> str:
    """'sqlite' (the default) or 'postgres', from SIGNPOST_TEST_DB."""
    choice = os.environ.get("SIGNPOST_TEST_DB", "sqlite").strip().lower() or "sqlite"
    if choice not in ("sqlite", "postgres"):
        raise RuntimeError(f"SIGNPOST_TEST_DB={choice!r}: use sqlite or postgres.")
    if choice == "postgres" and not os.environ.get("SIGNPOST_TEST_DATABASE_URL"):
        raise RuntimeError(
            "SIGNPOST_TEST_DB=postgres needs SIGNPOST_TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/signpost_test (a database the tests may wipe)."
        )
    return choice


class PostgresSuite:
    """One PostgreSQL database shared by every test of the session, emptied between tests."""

    def __init__(self, url: str):
        # Connections are named so that clean() can close any a test left open in a transaction.
        self.url = _named(url, APPLICATION_NAME, fast=True)
        self._admin_url = _named(url, ADMIN_NAME, fast=True)
        self._admin: Engine | None = None
        self._tables: list[str] | None = None
        self._engines: list[Engine] = []

    def database_url(self) -> str:
        """The URL for a test's app (the schema is migrated on first use)."""
        if self._admin is None:
            self._prepare()
        return self.url

    def _prepare(self) -> None:
        from directory import migrate

        self._admin = create_engine(self._admin_url)
        with self._admin.begin() as connection:
            for (schema,) in connection.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"), {"prefix": SNAPSHOT_PREFIX + "%"}
            ):
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine = create_engine(self.url)
        migrate.upgrade(engine)
        engine.dispose()

    def track(self, engine: Engine) -> None:
        """Close this engine's connections when the test ends."""
        self._engines.append(engine)

    def tables(self) -> list[str]:
        """Every table in the schema except Alembic's, parents before children."""
        if self._tables is None:
            from sqlmodel import SQLModel

            import directory.models  # noqa: F401

            present = set(inspect(self._admin).get_table_names(schema="public")) - {"alembic_version"}
            ordered = [t.name for t in SQLModel.metadata.sorted_tables if t.name in present]
            self._tables = ordered + sorted(present - set(ordered))
        return self._tables

    def clean(self, force: bool = False) -> None:
        """After a test: close its connections and empty every table (if it made an app, or when forced)."""
        if not self._engines and not force:
            return
        for engine in self._engines:
            engine.dispose()
        self._engines.clear()
        with self._admin.begin() as connection:
            self._close_leftovers(connection)
            self._empty(connection)

    def _close_leftovers(self, connection) -> None:
        # A session a test never closed would hold its locks and block the clean-up.
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": APPLICATION_NAME},
        )

    def _empty(self, connection) -> None:
        # DELETE, children first: for a test's few rows it is many times faster than TRUNCATE,
        # which makes new files for every table.
        for table in reversed(self.tables()):
            connection.execute(text(f"DELETE FROM public.{table}"))

    def snapshot(self) -> Snapshot:
        """Copy every table's rows aside, to restore before each test that wants them."""
        schema = f"{SNAPSHOT_PREFIX}{uuid.uuid4().hex[:12]}"
        tables = self.tables()
        with self._admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            for table in tables:
                connection.execute(text(f'CREATE TABLE "{schema}".{table} AS TABLE public.{table}'))
        return Snapshot(self, schema, tables)


def _named(url: str, application_name: str, fast: bool = False) -> str:
    """The URL with connections named; fast: commits do not wait for the disk (test data only)."""
    query = {"application_name": application_name}
    if fast:
        query["options"] = "-c synchronous_commit=off"
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


class Snapshot:
    """Rows copied aside by PostgresSuite.snapshot()."""

    def __init__(self, suite: PostgresSuite, schema: str, tables: list[str]):
        self.suite, self.schema, self.tables = suite, schema, tables

    def restore(self) -> None:
        """Replace every table's rows with the snapshot's."""
        inspector = inspect(self.suite._admin)
        columns = {
            t: ", ".join(c["name"] for c in inspector.get_columns(t, schema="public") if not c.get("computed"))
            for t in self.tables
        }
        with self.suite._admin.begin() as connection:
            self.suite._close_leftovers(connection)
            self.suite._empty(connection)
            for table in self.tables:
                connection.execute(
                    text(
                        f'INSERT INTO public.{table} ({columns[table]}) SELECT {columns[table]} FROM "{self.schema}".{table}'
                    )
                )
