"""Fixtures: an app on a fresh migrated database, its client, CLI runner and a session.

The database is a SQLite file per test, or with SIGNPOST_TEST_DB=postgres one PostgreSQL
database (SIGNPOST_TEST_DATABASE_URL) migrated once and emptied after each test.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from directory import create_app, migrate
from directory.clock import LONDON
from directory.config import DATA_DIR
from directory.db import get_db
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM

from .postgres_suite import SNAPSHOT_PREFIX, PostgresSuite, selected

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CODEPOINT_ZIP = SHARED / "data" / "codepo_gb.zip"
BASE_URL = "http://signpost.test"  # the test apps' SIGNPOST_BASE_URL, where links in mail point
POSTGRES = PostgresSuite(os.environ["SIGNPOST_TEST_DATABASE_URL"]) if selected() == "postgres" else None


def pytest_configure(config):
    """SIGNPOST_TEST_NOW=2027-10-31T00:59:30+00:00 runs the tests as if the clock started then (and ticks on).

    scripts/test_at_dates.py runs the date-sensitive tests so at month and year ends, a leap day and
    both clock changes: a test that reads the real date instead of its own clock fails there.
    """
    if POSTGRES is not None and os.environ.get("PYTEST_XDIST_WORKER"):
        raise pytest.UsageError("With SIGNPOST_TEST_DB=postgres every test shares one database: run without -n.")
    start = os.environ.get("SIGNPOST_TEST_NOW")
    if start:
        import time_machine

        config._signpost_travel = time_machine.travel(datetime.fromisoformat(start), tick=True)
        config._signpost_travel.start()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """Groups for `pytest -n 2 --dist loadgroup` (make test): a test file's tests run in one process, so
    its module-scoped data is built once. Every test on SIGNPOST_TEST_DATABASE_URL is marked postgres,
    so that `make test` can run them apart, in one process (each wipes that one database)."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.postgres)
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def pytest_unconfigure(config):
    travel = getattr(config, "_signpost_travel", None)
    if travel is not None:
        travel.stop()


class ClosingClient(FlaskClient):
    """Closes each response once read, as a server does once it is sent, so work after the response has run.

    Pass buffered=False to time the answer alone, then close the response yourself.
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def make_app(tmp_path: Path, **overrides):
    """A testing app whose database and index live under tmp_path."""
    # Mail links start with BASE_URL, which is not the test client's http://localhost: a link built
    # from the request instead would show.
    settings = {
        "ENV": "testing",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "test",
        "BASE_URL": BASE_URL,
    }
    on_suite_database = POSTGRES is not None and "DATABASE_URL" not in overrides
    if on_suite_database:
        settings["DATABASE_URL"] = POSTGRES.database_url()
    settings.update(overrides)
    app = create_app(settings)
    app.test_client_class = ClosingClient
    if on_suite_database:
        POSTGRES.track(get_db(app).engine)
    return app


def migrated_app(tmp_path: Path, **overrides):
    """make_app with the schema migrated and the categories seeded."""
    app = make_app(tmp_path, **overrides)
    migrate.upgrade(get_db(app).engine)
    with get_db(app).unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
    return app


@pytest.fixture
def app(tmp_path):
    app = migrated_app(tmp_path)
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def stop_clock(app, moment: str) -> datetime:
    """Stop the app's clock at `moment` (ISO, UK wall-clock time unless it gives an offset)."""
    stopped = datetime.fromisoformat(moment)
    stopped = stopped if stopped.tzinfo else stopped.replace(tzinfo=LONDON)
    app.extensions["clock"] = lambda: stopped
    return stopped


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session on the app's database; tests commit when they mean to."""
    with app.app_context():
        s = get_db(app).sessionmaker()
        yield s
        s.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The two-organisation world of tests/worlds.py in a migrated database, built once per module to copy."""
    from .worlds import make_template  # tests/worlds.py builds on make_app and migrated_app above

    return make_template(tmp_path_factory)


@pytest.fixture
def world(template):
    """The ids of the template's organisations, services, venues and accounts (a worlds.World)."""
    return template[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A clean PostgreSQL database, or a skip saying how to get one."""
    url = os.environ.get("SIGNPOST_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests skipped: set SIGNPOST_TEST_DATABASE_URL (CI sets it).")
    if POSTGRES is not None:
        pytest.skip("PostgreSQL-only tests run in the SQLite pass: here the whole suite is on that database.")
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        # Snapshots a whole-suite PostgreSQL pass left behind too: a backup would carry them along.
        for (schema,) in connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"), {"prefix": SNAPSHOT_PREFIX + "%"}
        ):
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


_KEPT: dict[str, object] = {}  # test module -> the PostgreSQL snapshot of its module-scoped data


def keep_for_module(module: str, app):
    """Data a module-scoped fixture built: on PostgreSQL, put back before each of the module's tests
    (tables are emptied after every test). On SQLite each such app has its own file: nothing to do."""
    if POSTGRES is not None:
        _KEPT[module] = POSTGRES.snapshot()
    return app


@pytest.fixture(autouse=True)
def _empty_postgres_tables(request):
    """On PostgreSQL, every test starts from empty tables (the schema is migrated once)."""
    kept = _KEPT.get(request.module.__name__)
    if kept is not None:
        kept.restore()
    yield
    if POSTGRES is not None:
        POSTGRES.clean(force=kept is not None)


def snapshot_database():
    """Rows to restore() before each test that copies a template; None on SQLite (copy the file)."""
    return POSTGRES.snapshot() if POSTGRES is not None else None


def pytest_report_header(config):
    start = os.environ.get("SIGNPOST_TEST_NOW")
    database = f"test database: {'PostgreSQL (SIGNPOST_TEST_DB=postgres)' if POSTGRES else 'SQLite, a file per test'}"
    return [database] + ([f"clock travelled to {start} (SIGNPOST_TEST_NOW)"] if start else [])


def pytest_runtest_setup(item):
    if POSTGRES is not None and item.get_closest_marker("browser"):
        pytest.skip("Browser tests run on SQLite only (the PostgreSQL pass covers the same pages without a browser).")
