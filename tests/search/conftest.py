"""The search conformance suite runs against every backend through the same interface."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, inspect, text

from directory.db import get_db
from search import get_search

from ..conftest import migrated_app

BACKENDS = ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]
TODAY = date(2026, 11, 24)  # a Tuesday


def empty_postgres(url: str) -> None:
    """Every table emptied (the schema stays migrated) and the search tables dropped."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        for table in ("document", "point", "word"):
            connection.execute(text(f"DROP TABLE IF EXISTS signpost_search.{table}"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def search_app(request, tmp_path):
    overrides = {"SEARCH_BACKEND": request.param}
    if request.param == "postgres":
        overrides["DATABASE_URL"] = url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    app = migrated_app(tmp_path, **overrides)
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def db(search_app):
    """A session whose commits feed the index through the sync hooks."""
    with search_app.app_context():
        session = get_db(search_app).sessionmaker()
        yield session
        session.close()


@pytest.fixture
def backend(search_app):
    return get_search(search_app).backend
