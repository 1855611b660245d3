"""The index follows the database: after each commit, never before, and never losing a change."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from directory.db import get_db
from directory.models import Service
from directory.operations import validate
from directory.operations.listings import archive_service, update_service
from directory.permissions import SYSTEM
from directory.schemas.listing import LocationInput, ServiceInput
from search import get_search
from search.maintenance import check_index, fix_index, rebuild_index
from search.sync import DEFER
from search.whoosh_backend import WhooshBackend

from .. import factories
from .helpers import HALIFAX, TODAY, ask, names, near, offset


@pytest.fixture
def listing(db):
    org = factories.organisation(db, name="Calder Valley Community Trust")
    venue = factories.venue_at(db, org, *HALIFAX)
    service = factories.service(db, org, locations=[venue], name="Knit and natter")
    db.commit()
    return service


def rename(db, service, name):
    update_service(db, SYSTEM, service, validate(ServiceInput(), {"name": name}))


def test_an_edit_is_searchable_as_soon_as_it_commits(db, listing):
    rename(db, listing, "Chess club")
    assert names(ask(db, keywords="chess")) == []  # flushed, not committed: not in the index yet
    db.commit()
    assert names(ask(db, keywords="chess")) == ["Chess club"]
    assert names(ask(db, keywords="knit")) == []


def test_a_rolled_back_edit_never_reaches_the_index(db, listing):
    rename(db, listing, "Chess club")
    db.rollback()
    db.commit()
    assert names(ask(db, keywords="chess")) == []
    assert names(ask(db, keywords="knit")) == ["Knit and natter"]


def test_archiving_removes_a_service_from_results(db, listing):
    archive_service(db, SYSTEM, listing, "Group has closed")
    db.commit()
    assert ask(db, keywords="knit").total == 0


def test_moving_a_venue_moves_its_services(db, listing):
    location = listing.location_links[0].location
    lat, lng = offset(km_north=20)
    location.latitude, location.longitude = lat, lng
    db.commit()
    assert ask(db, near=near(radius=5)).total == 0
    assert ask(db, near=near(*offset(km_north=20), radius=1)).total == 1


def test_renaming_the_organisation_reindexes_its_services(db, listing):
    listing.organisation.name = "Halifax Makers"
    db.commit()
    assert names(ask(db, keywords="halifax makers")) == ["Knit and natter"]


def test_a_failed_index_write_keeps_the_database_change_and_retries(db, listing, search_app, monkeypatch):
    sync = get_search(search_app)
    real_index = sync.backend.index

    def broken(documents):
        raise OSError("disk full")

    monkeypatch.setattr(sync.backend, "index", broken)
    rename(db, listing, "Chess club")
    db.commit()  # the commit itself succeeds
    assert db.get(type(listing), listing.id).name == "Chess club"
    assert listing.id in sync.pending()

    monkeypatch.setattr(sync.backend, "index", real_index)
    other = factories.service(db, listing.organisation, name="Tuesday quiz")
    db.commit()  # the next successful write drains the queue
    assert sync.pending() == set()
    assert names(ask(db, keywords="chess")) == ["Chess club"]
    assert names(ask(db, keywords="quiz")) == [other.name]


def test_check_finds_drift_and_fix_repairs_it(db, listing, search_app):
    sync = get_search(search_app)
    assert check_index(sync).ok
    second = factories.service(db, listing.organisation, name="Tuesday quiz")
    db.commit()
    sync.backend.delete([str(second.id)])  # lost from the index
    db.execute(text("UPDATE service SET name = 'Changed behind our back' WHERE id = :id"), {"id": listing.id.hex})
    db.commit()  # raw SQL bypasses the ORM, so no hook saw it
    report = check_index(sync)
    assert report.missing == [str(second.id)] and report.stale == [str(listing.id)] and report.extra == []
    assert fix_index(sync, report) == 2
    assert check_index(sync).ok


def test_an_index_built_with_an_older_schema_is_found_by_the_check_and_rebuilt(db, listing, search_app):
    sync = get_search(search_app)
    if not isinstance(sync.backend, WhooshBackend):
        pytest.skip("the Whoosh index's own schema")
    with sync.backend._open().writer() as writer:  # as an index from before a field was added
        writer.remove_field("name_pairs")
    assert check_index(sync).missing == [str(listing.id)]
    assert rebuild_index(sync) == 1
    assert check_index(sync).ok and names(ask(db, keywords='"knit and natter"')) == ["Knit and natter"]


def test_rebuild_swaps_in_a_fresh_index_with_the_same_results(db, listing, search_app):
    sync = get_search(search_app)
    before = names(ask(db, keywords="knit"))
    old_generation = sync.backend.generation()
    assert rebuild_index(sync) == 1
    assert sync.backend.generation() != old_generation
    assert names(ask(db, keywords="knit")) == before
    assert check_index(sync).ok


def test_a_rebuild_split_among_processes_matches_one_writer(db, listing, search_app):
    org = listing.organisation
    services = [
        factories.service(db, org, name=f"Group {i:02d}", description="knitting" if i % 2 else "chess club")
        for i in range(30)
    ]
    archive_service(db, SYSTEM, services[7], "Group has closed")
    db.commit()
    sync = get_search(search_app)
    queries = [
        {"keywords": "knitting"},
        {"keywords": "chess"},
        {"keywords": "group"},
        {"keywords": "knittin"},
        {"near": near(*HALIFAX)},
        {},
    ]

    def state():
        pages = [
            (names(page), page.total, page.facets, page.suggestion)
            for page in (ask(db, limit=50, **query) for query in queries)
        ]
        return pages, sync.backend.document_order()

    assert rebuild_index(sync, processes=1) == 30
    one_writer = state()
    loaded = []
    assert rebuild_index(sync, lambda: loaded.append(1), processes=3) == 30
    assert len(loaded) == 31  # every service read, the archived one included
    assert state() == one_writer
    assert check_index(sync).ok


def test_deferred_changes_wait_in_the_pending_file_before_the_commit_so_a_killed_import_loses_none(
    db, listing, search_app
):
    sync = get_search(search_app)
    db.info[DEFER] = True
    rename(db, listing, "Chess club")
    waiting_at_commit = []
    event.listen(db.connection(), "commit", lambda _connection: waiting_at_commit.append(sync.pending()))
    db.commit()
    assert waiting_at_commit == [{listing.id}]


def test_a_rebuild_covers_the_ids_waiting_to_be_indexed(db, listing, search_app, monkeypatch):
    sync = get_search(search_app)
    db.info[DEFER] = True  # as an import does: changes wait in the pending file
    rename(db, listing, "Chess club")
    db.commit()
    assert sync.pending() == {listing.id}
    monkeypatch.setattr(sync.backend, "rebuild", lambda *args, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        rebuild_index(sync)
    assert sync.pending() == {listing.id}  # a failed rebuild leaves them waiting
    monkeypatch.undo()
    written = []
    monkeypatch.setattr(sync, "write", lambda session, ids: written.append(set(ids)))
    assert rebuild_index(sync) == 1
    assert written == [] and sync.pending() == set()  # not indexed a second time after the swap
    assert names(ask(db, keywords="chess")) == ["Chess club"]


def test_searches_keep_working_during_a_rebuild(db, listing, search_app):
    org = listing.organisation
    for i in range(60):
        factories.service(db, org, name=f"Group {i}", description="knitting")
    db.commit()
    sync = get_search(search_app)
    failures, totals = [], []
    done = threading.Event()

    def search_loop():
        with search_app.app_context(), get_db(search_app).sessionmaker() as session:
            while not done.is_set():
                try:
                    totals.append(ask(session, keywords="knitting", limit=5).total)
                except Exception as exc:  # any error here is a failure of the swap
                    failures.append(exc)

    thread = threading.Thread(target=search_loop)
    thread.start()
    for _ in range(3):
        rebuild_index(sync)
    done.set()
    thread.join()
    assert failures == []
    assert totals and set(totals) == {61}


def _edit_many(settings: dict, ids: list[str], tag: str) -> None:
    from directory import create_app
    from directory.models import Service

    app = create_app({"ENV": "testing", "SECRET_KEY": "x", **settings})
    with app.app_context():
        for service_id in ids:
            with get_db(app).unit_of_work() as session:
                service = session.get(Service, __import__("uuid").UUID(service_id))
                update_service(session, SYSTEM, service, validate(ServiceInput(), {"name": f"{tag} {service.name}"}))


@pytest.mark.slow
def test_two_processes_editing_at_once_lose_nothing(db, listing, search_app):
    org = listing.organisation
    services = [factories.service(db, org, name=f"Group {i:02d}") for i in range(40)]
    db.commit()
    ids = [str(s.id) for s in services]
    config = search_app.config["SIGNPOST"]
    settings = {name: getattr(config, name) for name in ("INSTANCE_DIR", "DATABASE_URL", "SEARCH_BACKEND")}
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_edit_many, args=(settings, ids[:20], "Red")),
        context.Process(target=_edit_many, args=(settings, ids[20:], "Blue")),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    sync = get_search(search_app)
    sync.drain()
    assert check_index(sync).ok
    assert ask(db, keywords="red", limit=50).total == 20
    assert ask(db, keywords="blue", limit=50).total == 20


def test_the_cli_rebuilds_and_checks(search_app, db, listing):
    runner = search_app.test_cli_runner()
    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0 and "1 services searchable" in rebuilt.output
    checked = runner.invoke(args=["search", "check"])
    assert checked.exit_code == 0 and "matches the database" in checked.output
    get_search(search_app).backend.delete([str(listing.id)])
    drifted = runner.invoke(args=["search", "check"])
    assert drifted.exit_code == 1 and "1 missing" in drifted.output and "search rebuild" in drifted.output


def test_an_unknown_backend_is_refused_clearly(tmp_path):
    from ..conftest import make_app

    with pytest.raises(ValueError, match="SIGNPOST_SEARCH_BACKEND"):
        make_app(tmp_path, SEARCH_BACKEND="elastic")


def test_the_postgres_backend_refuses_a_sqlite_database_clearly(tmp_path):
    from directory.config import ConfigError

    from ..conftest import make_app

    with pytest.raises(ConfigError, match="needs the database on PostgreSQL.*SIGNPOST_DATABASE_URL"):
        make_app(tmp_path, SEARCH_BACKEND="postgres", DATABASE_URL=f"sqlite:///{tmp_path / 'signpost.db'}")


def test_location_input_is_used_for_points(db):
    assert validate(LocationInput(), {"latitude": 53.7, "longitude": -1.8})["latitude"] == 53.7


@pytest.mark.postgres
def test_postgres_search_tables_of_an_older_layout_are_refused_until_rebuilt(tmp_path, postgres_url):
    from directory.config import ConfigError
    from search.postgres_backend import SCHEMA, PostgresBackend

    from ..conftest import migrated_app
    from .conftest import empty_postgres

    empty_postgres(postgres_url)
    app = migrated_app(tmp_path, SEARCH_BACKEND="postgres", DATABASE_URL=postgres_url)
    engine = get_db(app).engine
    with app.app_context(), get_db(app).unit_of_work() as session:
        org = factories.organisation(session)
        factories.service(session, org, locations=[factories.venue_at(session, org, *HALIFAX)], name="Knit and natter")
    with engine.begin() as connection:  # the tables as an earlier version left them
        connection.execute(text(f"COMMENT ON TABLE {SCHEMA}.document IS NULL"))

    from search import SearchQuery

    with pytest.raises(ConfigError, match=r"earlier version.*signpost search rebuild"):
        PostgresBackend(engine).query(SearchQuery(today=TODAY, keywords="knit"))
    with app.app_context():
        get_search(app).backend = PostgresBackend(engine)
        result = app.test_cli_runner().invoke(args=["serve"])
        assert result.exit_code == 1 and "signpost search rebuild" in result.output
        assert rebuild_index(get_search(app)) == 1
    assert PostgresBackend(engine).query(SearchQuery(today=TODAY, keywords="knit")).total == 1
    engine.dispose()


@pytest.mark.parametrize("search_app", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_postgres_facet_counts_from_the_process_table_follow_edits_deletions_and_rebuilds(
    search_app, db, varied, backend, monkeypatch
):
    """The loaded table counts what it holds; later changes come from PostgreSQL; a rebuild reloads it."""
    from search import SearchQuery, postgres_backend
    from search.postgres_backend import PostgresBackend

    everything, free = SearchQuery(today=TODAY), SearchQuery(today=TODAY, free=True)

    def counted_in_sql(q):  # a new process: an empty table, every match's tokens sent by PostgreSQL
        return PostgresBackend(backend.engine).query(q).facets

    backend.load_facets()
    loaded = backend._facet_table
    assert loaded.hi >= loaded.base > 0 and loaded.rows.sum() > 0
    for q in (everything, free):
        assert backend.query(q).facets == counted_in_sql(q)
    assert backend.query(everything).facets["cat:food"] == 1

    walking = next(s for s in db.exec(select(Service)) if s.name == "Walking group")
    update_service(
        db,
        SYSTEM,
        walking,
        validate(
            ServiceInput(),
            {
                "name": "Walking group",
                "categories": ["food/food-pantry"],
                "location_ids": [str(link.location_id) for link in walking.location_links],
            },
        ),
    )
    db.commit()
    archive_service(db, SYSTEM, next(s for s in db.exec(select(Service)) if s.name == "Young carers"), reason="Closed")
    db.commit()
    assert backend._facet_table is loaded  # the changes are counted from the rows PostgreSQL sends
    for q in (everything, free):
        assert backend.query(q).facets == counted_in_sql(q)
    counts = backend.query(everything).facets
    assert counts["cat:food"] == 2 and "cat:carers" not in counts

    rebuild_index(get_search(search_app))
    monkeypatch.setattr(postgres_backend, "RELOAD_AFTER", 2)
    assert backend.query(everything).facets == counted_in_sql(everything)  # every docno is new
    assert backend._facet_table is not loaded and backend._facet_table.base > loaded.hi  # so the table was reloaded
    for q in (everything, free):
        assert backend.query(q).facets == counted_in_sql(q)
