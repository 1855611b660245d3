"""`signpost db migrate-sqlite-to-postgres` moves everything, verifies it, and refuses to overwrite."""

from __future__ import annotations

import random
import shutil
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from directory import migrate, transfer
from directory.db import get_db
from directory.demo import load_demo
from directory.models import Service, TaxonomyTerm
from directory.operations.moderation import service_snapshot, submit_service_change
from directory.operations.reports import report_problem
from directory.permissions import SYSTEM
from search import SearchQuery, get_search, search_services

from . import factories
from .conftest import make_app, migrated_app

pytestmark = pytest.mark.postgres
COMMAND = ["db", "migrate-sqlite-to-postgres"]


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """A SQLite installation holding the demo directory plus accounts, an edit, its history and a report."""
    folder = tmp_path_factory.mktemp("embedded")
    app = migrated_app(folder, DATABASE_URL=f"sqlite:///{folder / 'signpost.db'}")
    with get_db(app).unit_of_work() as session:
        load_demo(session, date(2026, 11, 24))
    with get_db(app).unit_of_work() as session:
        service = session.scalars(select(Service).order_by(Service.name)).first()
        factories.user(session, "moderator@signpost.example.org", roles=["moderator"], name="Mo Derator")
        snapshot = service_snapshot(service) | {
            "summary": "Open every weekday, £2.50 a visit",
            "is_free": False,
            "cost_min": "2.50",
        }
        submit_service_change(session, SYSTEM, service.organisation, service, snapshot, service.version)
        report_problem(session, service, {"kind": "wrong_times", "note": "Closed on Mondays now"})
    get_db(app).engine.dispose()
    return folder / "signpost.db"


@pytest.fixture
def source(demo_database, tmp_path):
    """A fresh copy of the demo installation: its app (on SQLite) and database URL."""
    shutil.copy(demo_database, tmp_path / "signpost.db")
    url = f"sqlite:///{tmp_path / 'signpost.db'}"
    app = make_app(tmp_path, DATABASE_URL=url)
    yield app, url
    get_db(app).engine.dispose()


@pytest.fixture
def target(postgres_url):
    """The PostgreSQL scratch schema, empty before and after."""
    engine = create_engine(postgres_url)
    _drop_tables(engine)  # whatever an earlier test left
    yield postgres_url
    _drop_tables(engine)
    engine.dispose()


def _drop_tables(engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")


def move(app, source_url: str, target_url: str, *extra: str):
    return app.test_cli_runner().invoke(args=[*COMMAND, "--from", source_url, "--to", target_url, *extra])


def test_every_table_arrives_equal_and_the_index_is_rebuilt(source, target, tmp_path):
    app, source_url = source
    result = move(app, source_url, target)
    assert result.exit_code == 0, result.output
    assert "Copied and verified" in result.output and "DIFFERS" not in result.output
    assert "services searchable" in result.output

    source_engine, target_engine = create_engine(source_url), create_engine(target)
    before, after = transfer.export(source_engine), transfer.export(target_engine)
    assert sum(len(rows) for rows in before.values()) > 2000
    assert before == after
    with target_engine.connect() as connection:  # the planner has statistics for the copied rows
        never = (
            connection.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 0 AND last_analyze IS NULL "
                    "AND last_autoanalyze IS NULL AND schemaname = 'public'"
                )
            )
            .scalars()
            .all()
        )
    assert never == []

    moved = make_app(tmp_path, DATABASE_URL=target)  # the same instance folder, so the rebuilt index
    try:
        with get_db(moved).unit_of_work() as pg, get_db(app).unit_of_work() as lite:
            first = lite.scalars(select(Service).order_by(Service.name)).first()
            assert service_snapshot(pg.get(Service, first.id)) == service_snapshot(first)
            query = SearchQuery(today=date(2026, 11, 24), keywords="food bank")
            found = search_services(pg, query, get_search(moved).backend)
            assert found.total > 0 and found.total == search_services(lite, query, get_search(app).backend).total
    finally:
        get_db(moved).engine.dispose()
        source_engine.dispose()
        target_engine.dispose()


def test_a_database_that_holds_data_is_refused_unless_replace_is_given(source, target):
    app, source_url = source
    assert move(app, source_url, target).exit_code == 0
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(Service.__table__.update().values(summary="Changed in PostgreSQL since"))

    refused = move(app, source_url, target)
    assert refused.exit_code != 0
    assert "already holds data" in refused.output and "--replace" in refused.output
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).where(Service.summary == "Changed in PostgreSQL since")).scalar()
            > 300
        )

    replaced = move(app, source_url, target, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert transfer.export(engine) == transfer.export(create_engine(source_url))
    engine.dispose()


def test_a_copy_that_does_not_verify_is_rolled_back(source, target, monkeypatch):
    app, source_url = source
    real = transfer.checksum

    def tampered(connection, table):
        rows, digest = real(connection, table)
        return (
            (rows, "0" * 64) if table.name == "service" and connection.dialect.name == "postgresql" else (rows, digest)
        )

    monkeypatch.setattr(transfer, "checksum", tampered)
    result = move(app, source_url, target)
    assert result.exit_code != 0
    assert "did not match the original in: service" in result.output and "Nothing was kept" in result.output
    assert set(transfer.row_counts(create_engine(target)).values()) == {0}


@pytest.mark.parametrize(
    "source_url, target_url, message",
    [
        (
            "postgresql+psycopg://x@localhost/a",
            "postgresql+psycopg://x@localhost/b",
            "--from must be a SQLite database URL",
        ),
        ("sqlite:///{tmp}/signpost.db", "sqlite:///{tmp}/other.db", "--to must be a PostgreSQL URL"),
        ("sqlite:///{tmp}/missing.db", "postgresql+psycopg://x@localhost/b", "There is no SQLite database"),
    ],
)
def test_wrong_urls_are_refused_with_what_to_give(source, source_url, target_url, message, tmp_path):
    app, _ = source
    result = move(app, source_url.format(tmp=tmp_path), target_url.format(tmp=tmp_path))
    assert result.exit_code != 0 and message in result.output


def test_the_password_in_a_refused_url_is_not_shown(source):
    app, _ = source
    result = move(app, "mysql://user:hunter2-secret@db/x", "postgresql+psycopg://u:p@localhost/b")
    assert result.exit_code != 0 and "hunter2-secret" not in result.output


def test_categories_are_copied_parents_first_whatever_order_they_are_read_in(source):
    app, _ = source
    with get_db(app).unit_of_work() as session:
        rows = [dict(row) for row in session.execute(select(TaxonomyTerm.__table__)).mappings()]
    random.Random(4).shuffle(rows)
    ordered = transfer._parents_first(rows, TaxonomyTerm.__table__)
    seen = set()
    for row in ordered:
        assert row["parent_id"] is None or row["parent_id"] in seen
        seen.add(row["id"])
    assert len(ordered) == len(rows) and any(r["parent_id"] for r in rows)


def test_export_is_equal_only_for_equal_data(source, tmp_path):
    app, url = source
    before = transfer.export(create_engine(url))
    with get_db(app).unit_of_work() as session:
        session.scalars(select(Service)).first().summary = "One changed field " + uuid.uuid4().hex
    assert transfer.export(create_engine(url)) != before
    assert make_url(url).get_backend_name() == "sqlite"
