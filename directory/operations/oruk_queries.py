"""What the Open Referral UK feed publishes, found with the search page's own search and paged.

The feed offers what Signpost offers: services that are not archived, defunct or inactive
(temporarily closed ones included, labelled), at venues that are not archived. Keyword,
category, organisation and modified_after filters go through search.search_services, so
`search=food bank` means here what it means on the search page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, inspect, or_
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory import geography
from directory.models import (
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
    Taxonomy,
    TaxonomyTerm,
)
from search import Near, SearchQuery, get_search, search_services
from search.backend import SearchBackend, SearchHits


@dataclass
class Found:
    """One page of records and how many there are in all."""

    items: list
    total: int


@dataclass(frozen=True)
class ServiceFilters:
    """The ORUK service filters, combined with AND."""

    search: str = ""
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None


def search_query(session: Session, filters: ServiceFilters, today: date) -> SearchQuery | None:
    """The search that finds these services, or None when the filters cannot match anything."""
    categories: tuple[str, ...] = ()
    if filters.taxonomy_term_id is not None:
        term = session.get(TaxonomyTerm, filters.taxonomy_term_id)
        if term is None or (filters.taxonomy_id is not None and term.taxonomy_id != filters.taxonomy_id):
            return None
        categories = (term.code,)  # a theme includes its sub-categories, as on the search page
    elif filters.taxonomy_id is not None:
        roots = session.exec(
            select(TaxonomyTerm.code).where(
                TaxonomyTerm.taxonomy_id == filters.taxonomy_id, TaxonomyTerm.parent_id.is_(None)
            )
        ).all()
        if not roots:
            return None
        categories = tuple(roots)
    return SearchQuery(
        today=today,
        keywords=filters.search,
        categories=categories,
        organisation_id=str(filters.organization_id) if filters.organization_id else None,
        modified_since=filters.modified_after,
        include_closed=True,
        order="best" if filters.search else "name",
    )


def ranked(backend: SearchBackend, query: SearchQuery) -> SearchHits:
    """Every match in ranked order (the backend pages; this asks for one page as long as the total)."""
    first = backend.query(replace(query, offset=0, limit=1))
    if first.total <= 1:
        return first
    return backend.query(replace(query, offset=0, limit=first.total))


def find_services(session: Session, filters: ServiceFilters, page: int, per_page: int, today: date) -> Found:
    """One page of services matching every filter, each loaded with its relations (a fixed number of queries)."""
    query = search_query(session, filters, today)
    if query is None:
        return Found([], 0)
    found = search_services(session, replace(query, offset=(page - 1) * per_page, limit=per_page))
    return Found([result.service for result in found.results], found.total)


def find_service_stamps(session: Session, filters: ServiceFilters, page: int, per_page: int, today: date) -> Found:
    """The same page as find_services, but only each service's id, name, status and updated_at (for a quick sync)."""
    query = search_query(session, filters, today)
    if query is None:
        return Found([], 0)
    hits = get_search().backend.query(replace(query, offset=(page - 1) * per_page, limit=per_page))
    ids = [uuid.UUID(i) for i in hits.ids]
    rows = session.exec(
        select(Service.id, Service.name, Service.status, Service.updated_at).where(Service.id.in_(ids))
    ).all()
    by_id = {row.id: row for row in rows}
    return Found([by_id[i] for i in ids if i in by_id], hits.total)


def find_services_at_locations(
    session: Session, filters: ServiceFilters, page: int, per_page: int, today: date, near: Near | None = None
) -> Found:
    """One page of (service, venue) pairs; near a place, nearest first and within its radius."""
    query = search_query(session, filters, today)
    if query is None:
        return Found([], 0)
    hits = ranked(get_search().backend, replace(query, near=near))
    rank = {uuid.UUID(i): n for n, i in enumerate(hits.ids)}
    if not rank:
        return Found([], 0)
    rows = session.exec(
        select(ServiceAtLocation.id, ServiceAtLocation.service_id, Location.name, Location.latitude, Location.longitude)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id.in_(list(rank)), Location.archived_at.is_(None))
    ).all()
    if near is None:
        keyed = [((rank[r.service_id], r.name or "", str(r.id)), r.id) for r in rows]
    else:
        keyed = []
        covering = {uuid.UUID(i) for i in hits.covers_area} | {
            uuid.UUID(i) for i in hits.ids if i not in hits.distances
        }
        for r in rows:
            distance = None
            if r.latitude is not None and r.longitude is not None:
                distance = geography.distance_km(near.latitude, near.longitude, r.latitude, r.longitude)
            if distance is not None and distance <= near.radius_km:
                keyed.append(((0, distance, str(r.id)), r.id))
            elif r.service_id in covering:  # the service covers the postcode's area from further away
                keyed.append(((1, rank[r.service_id], str(r.id)), r.id))
    keyed.sort(key=lambda pair: pair[0])
    ids = [i for _, i in keyed[(page - 1) * per_page : page * per_page]]
    return Found(load_services_at_locations(session, ids), len(keyed))


def load_services_at_locations(session: Session, ids: list[uuid.UUID]) -> list[ServiceAtLocation]:
    """These service-at-locations, in this order, with venue, service and its organisation."""
    if not ids:
        return []
    rows = session.exec(
        select(ServiceAtLocation)
        .where(ServiceAtLocation.id.in_(ids))
        .options(
            selectinload(ServiceAtLocation.location),
            selectinload(ServiceAtLocation.service).selectinload(Service.organisation),
        )
    ).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def load_full_services(session: Session, services: list[Service]) -> None:
    """Load everything a fully nested service shows for these services at once (no query per service).

    Relations a search already loaded with the services are not asked for again.
    """
    options = {
        "organisation": selectinload(Service.organisation),
        "location_links": selectinload(Service.location_links).selectinload(ServiceAtLocation.location),
        "areas": selectinload(Service.areas),
        "referral_routes": selectinload(Service.referral_routes),
        "schedules": selectinload(Service.schedules),
        "seasons": selectinload(Service.seasons),
        "funding": selectinload(Service.funding),
    }
    missing = [option for name, option in options.items() if any(name in inspect(s).unloaded for s in services)]
    if missing:
        session.exec(select(Service).where(Service.id.in_([s.id for s in services])).options(*missing)).all()


def service_terms(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TaxonomyTerm]]:
    """Each service's categories, for many services in one query."""
    terms: dict[uuid.UUID, list[TaxonomyTerm]] = {}
    if service_ids:
        rows = session.exec(
            select(ServiceTaxonomy.service_id, TaxonomyTerm)
            .join(TaxonomyTerm, TaxonomyTerm.id == ServiceTaxonomy.term_id)
            .where(ServiceTaxonomy.service_id.in_(service_ids))
            .order_by(TaxonomyTerm.code)
        ).all()
        for service_id, term in rows:
            terms.setdefault(service_id, []).append(term)
    return terms


def taxonomies(session: Session) -> dict[uuid.UUID, Taxonomy]:
    """Every taxonomy by id (there are a handful)."""
    return {t.id: t for t in session.exec(select(Taxonomy))}


def published_service(session: Session, service_id: uuid.UUID) -> Service | None:
    """A service that is not archived (its status says whether it is running)."""
    service = session.exec(
        select(Service)
        .join(Organisation)
        .where(Service.id == service_id, Service.archived_at.is_(None), Organisation.archived_at.is_(None))
    ).first()
    if service is not None:
        load_full_services(session, [service])
    return service


def published_service_at_location(session: Session, link_id: uuid.UUID) -> ServiceAtLocation | None:
    """A service-at-location whose venue and service are both published."""
    found = load_services_at_locations(session, [link_id])
    if not found:
        return None
    link = found[0]
    service = published_service(session, link.service_id)
    return link if service is not None and link.location.archived_at is None else None


def organisations(session: Session, search: str, page: int, per_page: int) -> Found:
    """Organisations that are not archived, A to Z, optionally whose name or description has the words."""
    where = [Organisation.archived_at.is_(None)]
    for word in search.split():
        pattern = f"%{word.lower()}%"
        where.append(
            or_(func.lower(Organisation.name).like(pattern), func.lower(Organisation.description).like(pattern))
        )
    total = session.exec(select(func.count()).select_from(Organisation).where(*where)).one()
    rows = session.exec(
        select(Organisation)
        .where(*where)
        .order_by(Organisation.name, Organisation.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Found(list(rows), total)


def organisation_services(session: Session, organisation: Organisation, today: date) -> list[Service]:
    """An organisation's published services, A to Z, through the same search as everything else."""
    query = search_query(session, ServiceFilters(organization_id=organisation.id), today)
    hits = ranked(get_search().backend, query)
    found = search_services(session, replace(query, offset=0, limit=max(1, hits.total)))
    return [result.service for result in found.results]


def taxonomy_list(session: Session, search: str, page: int, per_page: int) -> Found:
    where = [func.lower(Taxonomy.name).like(f"%{w.lower()}%") for w in search.split()]
    total = session.exec(select(func.count()).select_from(Taxonomy).where(*where)).one()
    rows = session.exec(
        select(Taxonomy).where(*where).order_by(Taxonomy.name).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Found(list(rows), total)


def taxonomy_terms(
    session: Session,
    search: str,
    page: int,
    per_page: int,
    taxonomy_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    top_only: bool = False,
) -> Found:
    """Categories, by code (so each theme is followed by its sub-categories)."""
    where = [
        or_(func.lower(TaxonomyTerm.name).like(f"%{w.lower()}%"), func.lower(TaxonomyTerm.code).like(f"%{w.lower()}%"))
        for w in search.split()
    ]
    if taxonomy_id is not None:
        where.append(TaxonomyTerm.taxonomy_id == taxonomy_id)
    if parent_id is not None:
        where.append(TaxonomyTerm.parent_id == parent_id)
    if top_only:
        where.append(TaxonomyTerm.parent_id.is_(None))
    total = session.exec(select(func.count()).select_from(TaxonomyTerm).where(*where)).one()
    rows = session.exec(
        select(TaxonomyTerm)
        .where(*where)
        .order_by(TaxonomyTerm.code, TaxonomyTerm.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Found(list(rows), total)


def terms_of(session: Session, taxonomy: Taxonomy) -> list[TaxonomyTerm]:
    return list(
        session.exec(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy.id).order_by(TaxonomyTerm.code))
    )
