"""Service -> search document: the ONLY place that decides what is indexed."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import Location, Service, ServiceAtLocation, TaxonomyTerm
from directory.presenters import GROUP_LABELS, all_attendance, session_attendance

SELF_ROUTES = ("self_referral", "drop_in")
NATIONWIDE = "GB"  # the area code every searched place lies in (geography.area_codes)


def load_services(session: Session, ids: Iterable[uuid.UUID] | None = None) -> list[Service]:
    """Services with everything a document needs, in a fixed number of queries."""
    query = select(Service).options(
        selectinload(Service.organisation),
        selectinload(Service.location_links).selectinload(ServiceAtLocation.location),
        selectinload(Service.areas),
        selectinload(Service.referral_routes),
        selectinload(Service.schedules),
        selectinload(Service.seasons),
        selectinload(Service.terms),
        selectinload(Service.flags),
    )
    if ids is not None:
        query = query.where(Service.id.in_(list(ids)))
    return list(session.exec(query))


def term_paths(session: Session) -> dict[uuid.UUID, list[str]]:
    """Each category's code followed by its ancestors' codes (so a parent filter finds children)."""
    terms = {t.id: t for t in session.exec(select(TaxonomyTerm))}
    paths = {}
    for term in terms.values():
        codes, node = [], term
        while node is not None:
            codes.append(node.code)
            node = terms.get(node.parent_id)
        paths[term.id] = codes
    return paths


def is_indexed(service: Service) -> bool:
    """Archived services leave the index; everything else is searchable (status filters at query time)."""
    return service.archived_at is None and service.organisation.archived_at is None


def service_document(service: Service, paths: dict[uuid.UUID, list[str]]) -> dict:
    """The backend-neutral document for one service; `stamp` changes whenever any field does."""
    locations: list[Location] = [
        link.location
        for link in service.location_links
        if link.location.archived_at is None and link.location.latitude is not None
    ]
    modes = all_attendance(service)  # the service's own ways and every session's: how=online finds an online session
    categories = sorted({code for term in service.terms for code in paths.get(term.id, [term.code])})
    routes = service.referral_routes
    # Sections let a backend weight where a word was found (the name counts most); `text` is
    # all of them, for backends that weight only the name.
    sections = {
        "summary": service.summary or "",
        "description": service.description or "",
        "organisation": service.organisation.name,
        "categories": " ".join(term.name for term in service.terms),
        "eligibility": "\n".join(
            part
            for part in (
                service.eligibility_criteria,
                " ".join(service.circumstances),
                " ".join(GROUP_LABELS.get(g, g) for g in service.groups_served),
            )
            if part
        ),
    }
    doc = {
        "id": str(service.id),
        "name": service.name,
        "text": "\n".join(part for part in sections.values() if part),
        "sections": sections,
        "organisation_id": str(service.organisation_id),
        "status": service.status,
        "categories": categories,
        "groups": sorted(service.groups_served),
        # Who may go: everyone, or only these groups (a women-only group is not offered to a man).
        "open_to": ["all"] if service.open_to_all or not service.groups_served else sorted(service.groups_served),
        "languages": sorted(set(service.languages) | ({"en"} if not service.languages else set())),
        "routes": sorted({r.route_type for r in routes}),
        "free": bool(service.is_free),
        "wheelchair": any(loc.wheelchair_accessible for loc in locations),
        "accepting": any(r.status == "accepting" for r in routes),
        "self_referral": any(r.route_type in SELF_ROUTES and r.status != "closed" for r in routes),
        "min_age": service.min_age,
        "max_age": service.max_age,
        "points": sorted({(round(loc.latitude, 6), round(loc.longitude, 6)) for loc in locations}),
        "areas": _areas(service, locations, modes),
        "modes": modes,
        "schedules": sorted(
            (
                [
                    s.frequency,
                    s.weekday,
                    s.week_of_month,
                    _iso(s.valid_from),
                    _iso(s.valid_to),
                    _hhmm(s.opens_at),
                    _hhmm(s.closes_at),
                    session_attendance(s, service),
                ]
                for s in service.schedules
            ),
            key=lambda row: [str(v) for v in row],  # None beside a value would not sort
        ),
        "seasons": sorted([s.start_month, s.start_day, s.end_month, s.end_day] for s in service.seasons),
        "verified_at": _iso(service.last_verified_at),
        "freshness": sorted(flag.code for flag in service.flags),  # stored flags: dead_link, stale, ...
        # The last change to the service or one of its venues, for "modified since": a venue made
        # confidential must reach a feed that syncs by change time.
        "updated_at": _utc(max([service.updated_at] + [k.location.updated_at for k in service.location_links])),
        "name_sort": service.name.casefold(),
    }
    doc["stamp"] = hashlib.sha1(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    return doc


def ranked_sections(doc: dict) -> tuple[str, str, str, str]:
    """A document's text by how much a match there counts (backend.SECTION_WEIGHTS): the name;
    the organisation and categories; the summary; the description and eligibility."""
    sections = doc["sections"]
    return (
        doc["name"],
        f"{sections['organisation']}\n{sections['categories']}",
        sections["summary"],
        f"{sections['description']}\n{sections['eligibility']}",
    )


def _areas(service: Service, points: list, modes: list[str]) -> list[str]:
    # A phone or online service with no venue and no area given is for anyone in the UK.
    codes = {area.code for area in service.areas}
    if not codes and not points and {"phone", "online"} & set(modes):
        codes = {NATIONWIDE}
    return sorted(codes)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _utc(moment: datetime) -> str:
    # SQLite hands back the stored UTC time without its zone: the same moment gives the same text (and stamp).
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()


def _hhmm(value) -> str | None:
    return value.strftime("%H:%M") if value is not None else None
