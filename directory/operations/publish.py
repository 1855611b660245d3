"""Publishing: make a snapshot the live service, organisation or venue, and record the revision.

Every path that changes a listing's facts ends here (forms, the API, imports, approvals,
restores), so every published version is a Revision with the whole listing after it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from directory import geography
from directory.models import Location, Organisation, Revision, TaxonomyTerm
from directory.permissions import Actor, require
from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput

from . import InputError, validate
from .history import record_revision
from .listings import create_location, create_organisation, create_service, place_location, update_service
from .snapshots import EDITABLE, FIELDS, listing_snapshot, target_type_of

SCHEMAS = {"organisation": OrganisationInput, "location": LocationInput}


def publish(
    db: Session,
    actor: Actor,
    target_type: str,
    organisation: Organisation | None,
    record,
    proposed: dict,
    source: str,
    now: datetime,
    on_behalf_of: tuple[uuid.UUID | None, str] | None = None,
):
    """Make a snapshot live (record None: a new listing), raise the version and record it; returns (record, Revision)."""
    before = listing_snapshot(record) if record is not None else {}
    if target_type == "service":
        record = _write_service(db, actor, organisation, record, proposed, now)
    else:
        record = _write_listing(db, actor, target_type, organisation, record, proposed, now)
    db.flush()
    db.expire(record)  # a service's children were replaced row by row; reload them before the snapshot
    revision = record_revision(
        db, actor, target_type, record.id, before, listing_snapshot(record), source, now=now, on_behalf_of=on_behalf_of
    )
    return record, revision


def record_created(db: Session, actor: Actor, record, source: str) -> Revision:
    """The first revision of a listing created outside publish() (the demo): restorable like any other."""
    db.flush()
    db.expire(record)
    return record_revision(
        db, actor, target_type_of(record), record.id, {}, listing_snapshot(record), source, now=record.created_at
    )


def _write_service(db: Session, actor: Actor, organisation: Organisation, service, proposed: dict, now: datetime):
    data = validate(ServiceInput(), proposed)
    data = {name: value for name, value in data.items() if name in EDITABLE}
    check_references(db, organisation, data)
    if service is None:
        return create_service(db, actor, organisation, data, now)
    update_service(db, actor, service, data, now)
    service.version += 1
    return service


def _write_listing(db: Session, actor: Actor, target_type: str, organisation, record, proposed: dict, now: datetime):
    data = validated_listing(target_type, proposed, record)
    if target_type == "location":
        check_postcode(data)
    if record is None and target_type == "organisation":
        return create_organisation(db, actor, {name: data.get(name) for name in FIELDS["organisation"]}, now)
    if record is None:
        return create_location(db, actor, organisation, data, now)
    require(actor, f"{target_type}.update", record)
    old_postcode = record.postcode if target_type == "location" else None
    for name in FIELDS[target_type]:
        setattr(record, name, data.get(name))
    if target_type == "location":
        _place_again(db, record, data, old_postcode)
    record.updated_at = now
    record.version += 1
    db.add(record)
    return record


def validated_listing(target_type: str, data: dict, record: Location | Organisation | None) -> dict:
    """Validate an organisation's or venue's input; a venue placed by hand (no postcode) keeps its point."""
    data = {name: value for name, value in data.items() if name in FIELDS[target_type]}
    if (
        target_type == "location"
        and record is not None
        and not data.get("postcode")
        and record.geocode_source in ("given", "geocoder")
        and record.latitude is not None
    ):
        data |= {"latitude": record.latitude, "longitude": record.longitude}
    return validate(SCHEMAS[target_type](), data)


def check_postcode(data: dict) -> None:
    """A venue's postcode must be one Signpost can place, so a queued change can be published."""
    if data.get("postcode"):
        try:
            geography.resolve_postcode(data["postcode"])
        except geography.PostcodeError as exc:
            raise InputError({"postcode": [str(exc)]}) from None


def check_references(db: Session, organisation: Organisation, data: dict) -> None:
    """Venues must be the organisation's own and categories known, so a queued change can be approved as it stands."""
    owned = set(
        db.exec(
            select(Location.id).where(
                Location.organisation_id == organisation.id,
                Location.archived_at.is_(None),
            )
        )
    )
    if set(data.get("location_ids", [])) - owned:
        raise InputError({"location_ids": ["A venue belongs to another organisation or does not exist."]})
    for number, row in enumerate(data.get("schedules", [])):
        if row.get("location_id") and row["location_id"] not in owned:
            raise InputError({"schedules": {number: {"location_id": ["Choose one of the organisation's own venues."]}}})
    codes = set(data.get("categories", []))
    unknown = codes - set(db.exec(select(TaxonomyTerm.code).where(TaxonomyTerm.code.in_(codes)))) if codes else set()
    if unknown:
        raise InputError({"categories": [f"Unknown category: {', '.join(sorted(unknown))}."]})


def _place_again(db: Session, location: Location, data: dict, old_postcode: str | None) -> None:
    """Place a venue again when its postcode changed; a venue without one keeps only a hand-given point."""
    if data.get("postcode"):
        if data["postcode"] != old_postcode or location.latitude is None:
            location.latitude = location.longitude = location.geocode_source = None
            place_location(db, location)
    elif data.get("latitude") is None:
        location.latitude = location.longitude = location.geocode_source = None
