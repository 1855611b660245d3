"""The search conformance suite runs against every backend through the same interface."""

from __future__ import annotations

from datetime import date

import pytest

from directory.db import get_db
from search import get_search

from ..conftest import migrated_app

BACKENDS = ["whoosh"]
TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.fixture(params=BACKENDS)
def search_app(request, tmp_path):
    app = migrated_app(tmp_path, SEARCH_BACKEND=request.param)
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
