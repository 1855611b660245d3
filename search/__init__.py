"""Search: a backend behind a small interface, and search_services() that every front door uses."""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import Session, select

from directory.freshness import Policy
from directory.models import Service, ServiceAtLocation
from directory.operations.freshness import policy_for

from .backend import Near, SearchBackend, SearchHits, SearchQuery
from .explain import Explanation, explain
from .sync import IndexSync

__all__ = ["Near", "SearchQuery", "SearchPage", "Result", "search_services", "init_app", "get_search", "warm_up"]


@dataclass
class Result:
    """One service in a result list, with why it is there."""

    service: Service
    distance_km: float | None
    covers_area: bool
    explanation: Explanation


@dataclass
class SearchPage:
    """One page of results, the total, facet counts and any spelling suggestion."""

    query: SearchQuery
    results: list[Result]
    total: int
    facets: dict[str, int]
    suggestion: str | None

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.query.limit))

    @property
    def page_number(self) -> int:
        return self.query.offset // self.query.limit + 1


def make_backend(name: str, index_dir: str, engine=None) -> SearchBackend:
    """The configured backend: Whoosh files under index_dir, or tables in the database behind engine."""
    if name == "whoosh":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if name == "postgres":
        from .postgres_backend import PostgresBackend

        return PostgresBackend(engine)
    raise ValueError(f"SIGNPOST_SEARCH_BACKEND={name!r} is not a search backend Signpost has (use whoosh or postgres).")


def init_app(app: Flask, database, config) -> IndexSync:
    """Create the app's backend and hook it to the app's sessions."""
    backend = make_backend(config.SEARCH_BACKEND, config.INDEX_DIR, database.engine)
    sync = IndexSync(database.sessionmaker, backend, Path(config.INDEX_DIR).with_name("index-pending.txt"))
    sync.install()
    app.extensions["signpost.search"] = sync
    return sync


def get_search(app: Flask | None = None) -> IndexSync:
    """The app's index sync (its .backend is the search backend)."""
    return (app or current_app).extensions["signpost.search"]


def warm_up(app: Flask) -> None:
    """Get a serving process ready: open the index, then keep start-up objects out of the GC's way.

    Everything alive after start-up (the index readers, the app, the caches) lives as long as the
    process. Moving it to the permanent generation stops full collections from rescanning it
    during requests: measured, that was the p95 tail of keyword searches (bench/RESULTS.md).
    """
    backend = get_search(app).backend
    if hasattr(backend, "view"):
        backend.view()
    if hasattr(backend, "load_facets"):
        backend.load_facets(wait_s=5.0)  # other workers load theirs at the same moment
    gc.collect()
    gc.freeze()


def search_services(session: Session, query: SearchQuery, backend: SearchBackend | None = None,
                    venues: bool = False) -> SearchPage:
    """Search, then load the page's rows in one query, in ranked order, each explained (`venues`:
    with their venues too, for a map)."""
    backend = backend or get_search().backend
    hits: SearchHits = backend.query(query)
    rows = {}
    if hits.ids:
        # What the result list shows and explains, and no more: each relationship is one query.
        options = [
            joinedload(Service.organisation),
            selectinload(Service.referral_routes),
            selectinload(Service.schedules),
            selectinload(Service.seasons),
            selectinload(Service.funding),
            selectinload(Service.flags),
        ]
        if hits.covers_area:  # "covers your area" names the areas
            options.append(selectinload(Service.areas))
        if venues:
            options.append(selectinload(Service.location_links).selectinload(ServiceAtLocation.location))
        statement = select(Service).where(Service.id.in_([uuid.UUID(i) for i in hits.ids])).options(*options)
        rows = {str(s.id): s for s in session.exec(statement)}
    policy = _policy()
    results = []
    for doc_id in hits.ids:
        service = rows.get(doc_id)
        if service is None:  # deleted since it was indexed; the sync hooks will catch up
            continue
        distance = hits.distances.get(doc_id)
        covers = doc_id in hits.covers_area
        results.append(Result(service, distance, covers, explain(service, query.today, distance, covers, policy=policy)))
    return SearchPage(query, results, hits.total, hits.facets, hits.suggestion)


def _policy() -> Policy:
    return policy_for(current_app.config["SIGNPOST"]) if has_app_context() else Policy()
