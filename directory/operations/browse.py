"""Read-only queries behind the public pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import Location, Organisation, Schedule, Service, ServiceArea, ServiceAtLocation
from directory.models.common import HIDDEN_STATUSES, WEEKDAYS


def live_services():
    """A query for services a link worker may be sent to (not archived, defunct or inactive)."""
    return (
        select(Service)
        .where(Service.archived_at.is_(None), Service.status.not_in(HIDDEN_STATUSES))
        .options(selectinload(Service.organisation))
    )


def coverage(session: Session, limit: int = 12) -> list[tuple[str, int]]:
    """Where the directory's live listings are, worked out from the data: each town with venues
    (and each area services cover by phone or online), with how many listings, most first."""
    live = (Service.archived_at.is_(None), Service.status.not_in(HIDDEN_STATUSES))
    listings = func.count(func.distinct(Service.id))
    towns = session.exec(
        select(Location.town, listings)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(*live, Location.archived_at.is_(None), Location.town.is_not(None), Location.town != "")
        .group_by(Location.town)
    ).all()
    areas = session.exec(
        select(ServiceArea.name, listings)
        .join(Service, Service.id == ServiceArea.service_id)
        .where(*live)
        .group_by(ServiceArea.name)
    ).all()
    counts: dict[str, int] = {}
    for name, count in [*towns, *areas]:
        counts[name] = max(counts.get(name, 0), count)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


@dataclass
class ServiceView:
    """A service with everything its page shows, loaded up front."""

    locations: list[Location]
    schedules: list[Schedule]
    areas: list[ServiceArea]
    other_services: list[Service] = field(default_factory=list)


def service_view(session: Session, service: Service) -> ServiceView:
    """Load what the service page needs in a few queries."""
    locations = session.exec(
        select(Location)
        .join(ServiceAtLocation)
        .where(ServiceAtLocation.service_id == service.id, Location.archived_at.is_(None))
        .order_by(Location.name)
    ).all()
    schedules = sorted(service.schedules, key=lambda s: (WEEKDAYS.index(s.weekday), s.opens_at or time.min))
    others = session.exec(
        live_services()
        .where(Service.organisation_id == service.organisation_id, Service.id != service.id)
        .order_by(Service.name)
    ).all()
    return ServiceView(
        locations=list(locations), schedules=schedules, areas=list(service.areas), other_services=list(others)
    )


def organisation_services(session: Session, organisation: Organisation) -> list[Service]:
    """An organisation's current services, A-Z."""
    return list(session.exec(live_services().where(Service.organisation_id == organisation.id).order_by(Service.name)))


def organisation_venues(session: Session, organisation: Organisation) -> list[Location]:
    """An organisation's current venues, A-Z."""
    query = select(Location).where(Location.organisation_id == organisation.id, Location.archived_at.is_(None))
    return list(session.exec(query.order_by(Location.name)))
