"""The search conformance suite runs against every backend through the same interface."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from directory.db import get_db
from search import get_search

from .. import factories
from ..conftest import migrated_app
from .helpers import place_service

BACKENDS = ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]


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


@pytest.fixture
def org(db):
    return factories.organisation(db, name="Calder Valley Community Trust")


@pytest.fixture
def varied(db, org):
    place_service(
        db,
        org,
        "Food pantry",
        categories=["food/food-pantry"],
        is_free=False,
        cost_description="£3",
        cost_min=3,
        languages=["en", "ur"],
    )
    place_service(
        db,
        org,
        "Walking group",
        categories=["physical-activity"],
        min_age=50,
        groups_served=["older_people"],
        referral_routes=[{"route_type": "self_referral", "method": "phone"}],
        schedules=[{"weekday": "TH", "opens_at": "10:00"}],
    )
    place_service(
        db,
        org,
        "Young carers",
        categories=["carers"],
        min_age=8,
        max_age=17,
        groups_served=["carers", "young_people"],
        referral_routes=[{"route_type": "professional", "status": "waiting_list"}],
    )
    place_service(
        db,
        org,
        "Garden club",
        categories=["nature"],
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        schedules=[{"weekday": "SA"}],
        referral_routes=[{"route_type": "drop_in", "status": "accepting"}],
    )
    place_service(
        db,
        org,
        "Monthly cafe",
        schedules=[{"weekday": "TU", "frequency": "monthly", "week_of_month": 1}],
        referral_routes=[{"route_type": "gp", "status": "accepting"}],
    )
    place_service(db, org, "Closed for repairs", status="temporarily_closed", expected_reopening="2027-01-10")
    place_service(db, org, "Gone for good", status="defunct")
    place_service(db, org, "Paused", status="inactive")
    db.commit()
