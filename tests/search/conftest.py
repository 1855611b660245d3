"""The search conformance suite runs against every backend through the same interface."""

from __future__ import annotations

import json
from datetime import date

import pytest

from directory import migrate
from directory.config import DATA_DIR
from directory.db import get_db
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM
from search import get_search

from ..conftest import make_app

BACKENDS = ["whoosh"]
TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.fixture(params=BACKENDS)
def search_app(request, tmp_path):
    app = make_app(tmp_path, SEARCH_BACKEND=request.param)
    migrate.upgrade(get_db(app).engine)
    with get_db(app).unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
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
