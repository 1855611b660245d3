"""Search: a backend behind a small interface, and search_services() that every front door uses."""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import Session, select

from directory.freshness import Policy
from directory.geography import unit_postcodes
from directory.models import Service, ServiceAtLocation
from directory.operations.freshness import policy_for

from .backend import Near, SearchBackend, SearchHits, SearchQuery
from .explain import Explanation, explain
from .reading import read_and_search
from .sync import IndexSync
from .timing import fits_pattern
from .understanding import WordFilter

__all__ = [
    "Near",
    "SearchQuery",
    "SearchPage",
    "Result",
    "search_services",
    "nearest_beyond",
    "init_app",
    "get_search",
    "warm_up",
]


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
    corrected: dict[str, str] = field(default_factory=dict)  # typed word -> the word searched for
    not_found: list[str] = field(default_factory=list)  # words typed that found nothing with the others
    ignored: list[str] = field(default_factory=list)  # filler words ("my client", "looking for") not required
    from_words: list[WordFilter] = field(default_factory=list)  # words typed that were read as filters

    @property
    def searched_for(self) -> str | None:
        """The words searched for when they are a correction of the words typed."""
        if not self.corrected:
            return None
        return " ".join(self.corrected.get(w, w) for w in self.query.keywords.split())

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
    """Get a serving process ready: open the index, read the unit postcodes, then keep start-up
    objects out of the GC's way.

    Everything alive after start-up (the index readers, the app, the caches) lives as long as the
    process. Moving it to the permanent generation stops full collections from rescanning it
    during requests: measured, that was the p95 tail of keyword searches (bench/RESULTS.md).
    """
    get_search(app).backend.warm_up()
    unit_postcodes()  # read now (under a second) rather than during the first search near a postcode
    gc.collect()
    gc.freeze()


def search_services(session: Session, query: SearchQuery, backend: SearchBackend | None = None) -> SearchPage:
    """Search, then load the page's rows with their venues, in ranked order, each explained."""
    backend = backend or get_search().backend
    reading = read_and_search(query, backend)
    query = reading.query or query  # with the filters the words named
    hits: SearchHits = reading.hits
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
        # Each card names the venue of the session it shows, or the areas a service without one covers.
        options.append(selectinload(Service.areas))
        options.append(selectinload(Service.location_links).selectinload(ServiceAtLocation.location))
        statement = select(Service).where(Service.id.in_([uuid.UUID(i) for i in hits.ids])).options(*options)
        rows = {str(s.id): s for s in session.exec(statement)}
    policy = _policy()
    fits = partial(fits_pattern, q=query) if query.weekdays or query.parts_of_day else None
    results = []
    for doc_id in hits.ids:
        service = rows.get(doc_id)
        if service is None:  # deleted since it was indexed; the sync hooks will catch up
            continue
        covers = doc_id in hits.covers_area
        explanation = explain(
            service, query.now or query.today, query.near, covers, policy, query.runs_on, fits, query.modes
        )
        distance = explanation.distance_km if explanation.distance_km is not None else hits.distances.get(doc_id)
        results.append(Result(service, distance, covers, explanation))
    return SearchPage(
        query,
        results,
        hits.total,
        hits.facets,
        reading.suggestion,
        reading.corrected,
        reading.not_found,
        reading.ignored,
        reading.from_words,
    )


def nearest_beyond(
    session: Session, query: SearchQuery, radius_km: float, backend: SearchBackend | None = None
) -> Result | None:
    """The nearest listing with a venue that matches the same search within radius_km of its place
    (for a page that found nothing nearer); None when there is none."""
    if query.near is None:
        return None
    wider = replace(
        query, near=replace(query.near, radius_km=radius_km, area_codes=frozenset()), order="nearest", offset=0, limit=1
    )
    found = search_services(session, wider, backend).results
    return found[0] if found and found[0].distance_km is not None else None


def _policy() -> Policy:
    return policy_for(current_app.config["SIGNPOST"]) if has_app_context() else Policy()
