"""Create, change, verify and archive organisations, locations and services."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from sqlmodel import Session, select

from directory import geography
from directory.models import (
    Funding,
    Location,
    Organisation,
    ReferralRoute,
    Schedule,
    Season,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
    utcnow,
)
from directory.permissions import Actor, require

from . import InputError

SERVICE_CHILDREN = {
    "areas": ServiceArea,
    "referral_routes": ReferralRoute,
    "schedules": Schedule,
    "seasons": Season,
    "funding": Funding,
}
_NOT_COLUMNS = {"categories", "location_ids", *SERVICE_CHILDREN}


def create_organisation(session: Session, actor: Actor, data: dict, now: datetime | None = None) -> Organisation:
    """Add an organisation from validated OrganisationInput data."""
    require(actor, "organisation.create")
    now = now or utcnow()
    organisation = Organisation(**data, created_at=now, updated_at=now)
    session.add(organisation)
    session.flush()
    return organisation


def create_location(
    session: Session, actor: Actor, organisation: Organisation, data: dict, now: datetime | None = None
) -> Location:
    """Add a venue for an organisation, placing it from its postcode when no point is given."""
    require(actor, "location.create", organisation)
    now = now or utcnow()
    location = Location(**data, organisation_id=organisation.id, created_at=now, updated_at=now)
    place_location(session, location)
    session.add(location)
    session.flush()
    return location


def place_location(session: Session, location: Location, config=None) -> None:
    """Set a location's point from its postcode (or, if enabled, its street address) unless given."""
    if location.not_on_map:  # no UK postcode: a geocoder limited to the UK would put it somewhere wrong
        location.latitude = location.longitude = location.geocode_source = None
        return
    if location.latitude is not None:
        location.geocode_source = location.geocode_source or "given"
        return
    if not location.postcode:
        config = config or (current_app.config["SIGNPOST"] if has_app_context() else None)
        address = ", ".join(p for p in (location.address_1, location.address_2, location.town) if p)
        point = geography.geocode_address(address, config) if config and address else None
        if point:
            (location.latitude, location.longitude), location.geocode_source = point, "geocoder"
        return
    try:
        place = geography.resolve_postcode(location.postcode)
    except geography.PostcodeError as exc:
        raise InputError({"postcode": [str(exc)]}) from None
    location.latitude, location.longitude = place.latitude, place.longitude
    location.geocode_source = place.precision


def create_service(
    session: Session, actor: Actor, organisation: Organisation, data: dict, now: datetime | None = None
) -> Service:
    """Add a service to an organisation from validated ServiceInput data."""
    require(actor, "service.create", organisation)
    now = now or utcnow()
    service = Service(organisation_id=organisation.id, created_at=now, name=data["name"])
    session.add(service)
    _apply_service(session, service, data, now)
    return service


def update_service(
    session: Session, actor: Actor, service: Service, data: dict, now: datetime | None = None
) -> Service:
    """Replace a service's facts with validated ServiceInput data."""
    require(actor, "service.update", service)
    _apply_service(session, service, data, now or utcnow())
    return service


def _apply_service(session: Session, service: Service, data: dict, now: datetime) -> None:
    for name, value in data.items():
        if name not in _NOT_COLUMNS:
            setattr(service, name, value)
    service.updated_at = now
    service.terms = _terms(session, data.get("categories", []))
    session.flush()
    _replace_children(session, service, data)
    _link_locations(session, service, data.get("location_ids", []))
    session.flush()


def _terms(session: Session, codes: list[str]) -> list[TaxonomyTerm]:
    if not codes:
        return []
    found = {t.code: t for t in session.exec(select(TaxonomyTerm).where(TaxonomyTerm.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise InputError({"categories": [f"Unknown category: {', '.join(unknown)}."]})
    return [found[code] for code in dict.fromkeys(codes)]


def _replace_children(session: Session, service: Service, data: dict) -> None:
    for key, model in SERVICE_CHILDREN.items():
        if key not in data:
            continue
        for old in session.exec(select(model).where(model.service_id == service.id)):
            session.delete(old)
        for item in data[key]:
            session.add(model(**item, service_id=service.id))


def _link_locations(session: Session, service: Service, location_ids: list) -> None:
    wanted = set(location_ids)
    if wanted:
        owned = set(
            session.exec(
                select(Location.id).where(Location.id.in_(wanted), Location.organisation_id == service.organisation_id)
            )
        )
        if wanted - owned:
            raise InputError({"location_ids": ["A location belongs to another organisation or does not exist."]})
    links = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id)).all()
    for link in links:
        if link.location_id not in wanted:
            session.delete(link)
    for location_id in wanted - {link.location_id for link in links}:
        session.add(ServiceAtLocation(service_id=service.id, location_id=location_id))


def verify_service(
    session: Session, actor: Actor, service: Service, method: str, now: datetime | None = None
) -> Service:
    """Record that someone confirmed the listing is still correct."""
    require(actor, "service.verify", service)
    service.last_verified_at = now or utcnow()
    service.verified_by = actor.name
    service.verification_method = method
    session.add(service)
    session.flush()
    return service


def archive_service(
    session: Session, actor: Actor, service: Service, reason: str, now: datetime | None = None
) -> Service:
    """Take a service out of the directory, keeping it and the reason (never a hard delete)."""
    require(actor, "service.archive", service)
    if not reason.strip():
        raise InputError({"archive_reason": ["Say why the service is being archived."]})
    service.archived_at = now or utcnow()
    service.archive_reason = reason.strip()
    session.add(service)
    session.flush()
    return service
