"""Fixtures: an app on a fresh migrated SQLite database, its client, CLI runner and a session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from directory import create_app, migrate
from directory.config import DATA_DIR
from directory.db import get_db
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CODEPOINT_ZIP = SHARED / "data" / "codepo_gb.zip"


def make_app(tmp_path: Path, **overrides):
    """A testing app whose database and index live under tmp_path."""
    settings = {"ENV": "testing", "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": "test"}
    settings.update(overrides)
    return create_app(settings)


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


@pytest.fixture(scope="session")
def postgres_url():
    """A clean PostgreSQL database, or a skip saying how to get one."""
    url = os.environ.get("SIGNPOST_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests skipped: set SIGNPOST_TEST_DATABASE_URL (CI sets it).")
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
