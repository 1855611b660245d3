"""Editors' changes to organisations and venues, new organisations, archiving and unarchiving.

Organisations and venues follow the services' rules: a change from a trusted editor or a
moderator publishes at once, anything else (and any change of name) waits for a moderator
while the live record stays as it was. Every published change is a Revision.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from directory import geography
from directory.models import (
    ChangeRequest,
    Location,
    Membership,
    Organisation,
    Revision,
    Service,
    ServiceAtLocation,
    User,
    utcnow,
)
from directory.permissions import Actor, PermissionDenied, require
from directory.schemas.listing import LocationInput, OrganisationInput

from . import InputError, validate
from .history import record_revision
from .listings import create_location, create_organisation, place_location
from .moderation import STALE, as_json, diff, service_snapshot

ORGANISATION_FIELDS = ["name", "description", "website", "email", "phone", "charity_number", "company_number", "logo_url"]
# A venue's point is derived from its postcode, so it is not part of what an editor changes.
LOCATION_FIELDS = [name for name in LocationInput().fields if name not in ("latitude", "longitude")]
FIELDS = {"organisation": ORGANISATION_FIELDS, "location": LOCATION_FIELDS}
SCHEMAS = {"organisation": OrganisationInput, "location": LocationInput}
MODELS = {"organisation": Organisation, "location": Location, "service": Service}
# A new name is always checked by a moderator, even from a trusted editor.
ALWAYS_REVIEWED = frozenset({"name"})
REASON_LIMIT = 500


def target_type_of(record) -> str:
    """'service', 'organisation' or 'location' for a listing record."""
    for name, model in MODELS.items():
        if isinstance(record, model):
            return name
    raise TypeError(f"Not a listing: {record!r}")


def listing_snapshot(record) -> dict:
    """A listing's editable fields as JSON, the shape a change proposes and a revision stores."""
    target_type = target_type_of(record)
    if target_type == "service":
        return service_snapshot(record)
    return {name: as_json(getattr(record, name)) for name in FIELDS[target_type]}


def _validated(target_type: str, data: dict, record: Location | None) -> dict:
    """Validate input; a venue placed by hand (no postcode) keeps its point."""
    data = {name: value for name, value in data.items() if name in FIELDS[target_type]}
    if target_type == "location" and record is not None and not data.get("postcode") \
            and record.geocode_source in ("given", "geocoder") and record.latitude is not None:
        data |= {"latitude": record.latitude, "longitude": record.longitude}
    return validate(SCHEMAS[target_type](), data)


def _check_postcode(db: Session, data: dict) -> None:
    """A venue's postcode must be one Signpost can place, so a queued change can be published."""
    if data.get("postcode"):
        try:
            geography.resolve_postcode(data["postcode"], db)
        except geography.PostcodeError as exc:
            raise InputError({"postcode": [str(exc)]}) from None


def _source(actor: Actor) -> str:
    if actor.kind == "system":
        return "system"
    return "moderator" if actor.has("moderator") else "editor"


def _publishes_at_once(actor: Actor, changed: set[str]) -> bool:
    if actor.kind == "system" or actor.has("moderator"):
        return True
    return actor.trusted and not (changed & ALWAYS_REVIEWED)


def submit_listing_change(
    db: Session, actor: Actor, target_type: str, organisation: Organisation, record, data: dict,
    base_version: int | None, now: datetime | None = None,
):
    """Publish or queue a change to an organisation's details or a venue (record None: a new venue).

    Returns ("published", Revision), ("queued", ChangeRequest) or ("unchanged", None).
    """
    now = now or utcnow()
    if target_type not in FIELDS:
        raise ValueError(target_type)
    if record is None:
        if target_type != "location":
            raise ValueError("New organisations are proposed with propose_organisation().")
        require(actor, "location.create", organisation)
    else:
        require(actor, f"{target_type}.update", record)
        owner = record.id if target_type == "organisation" else record.organisation_id
        if owner != organisation.id:
            raise PermissionDenied(f"{actor.name} may not move a {target_type} to another organisation.")
        if record.archived_at is not None:
            raise InputError({"base_version": [f"This {_word(target_type)} has been archived and can no longer be edited."]})
        if base_version != record.version:
            raise InputError({"base_version": [STALE]})
    validated = _validated(target_type, data, record)
    if target_type == "location":
        _check_postcode(db, validated)
    proposed = {name: as_json(validated.get(name)) for name in FIELDS[target_type]}
    before = listing_snapshot(record) if record is not None else {}
    changed = {name for name, _, _ in diff(before, proposed)}
    if record is not None and not changed:
        return "unchanged", None
    if _publishes_at_once(actor, changed):
        _, revision = publish_listing(db, actor, target_type, organisation, record, proposed, _source(actor), now)
        return "published", revision
    change = ChangeRequest(
        target_type=target_type, target_id=record.id if record is not None else None, organisation_id=organisation.id,
        kind="update" if record is not None else "create", proposed=proposed,
        base_version=record.version if record is not None else None, submitted_by=actor.user_id, submitted_at=now,
    )
    db.add(change)
    db.flush()
    return "queued", change


def _word(target_type: str) -> str:
    return "venue" if target_type == "location" else target_type


def require_proposer(actor: Actor) -> None:
    """Refuse, in words that say what to do, anyone who may not propose an organisation."""
    if actor.kind == "user" and not actor.verified:
        raise PermissionDenied("Confirm your email address (follow the link we emailed you) before you propose an organisation.")
    require(actor, "organisation.create")
    if actor.user_id is None:
        raise PermissionDenied("Sign in with your own account to propose an organisation.")


def propose_organisation(db: Session, actor: Actor, data: dict, now: datetime | None = None) -> ChangeRequest:
    """A signed-in person with a confirmed address proposes a new organisation; it waits for a moderator."""
    require_proposer(actor)
    validated = _validated("organisation", data, None)
    proposed = {name: as_json(validated.get(name)) for name in ORGANISATION_FIELDS}
    change = ChangeRequest(target_type="organisation", kind="create", proposed=proposed,
                           submitted_by=actor.user_id, submitted_at=now or utcnow())
    db.add(change)
    db.flush()
    return change


def my_proposals(db: Session, actor: Actor) -> list[ChangeRequest]:
    """The new organisations this person proposed, newest first."""
    if actor.user_id is None:
        return []
    query = select(ChangeRequest).where(ChangeRequest.target_type == "organisation", ChangeRequest.kind == "create",
                                        ChangeRequest.submitted_by == actor.user_id)
    return list(db.exec(query.order_by(ChangeRequest.submitted_at.desc()).limit(20)))


def publish_listing(
    db: Session, actor: Actor, target_type: str, organisation: Organisation | None, record, proposed: dict,
    source: str, now: datetime, on_behalf_of: tuple | None = None,
):
    """Make a proposed organisation or venue live, raise its version and record the revision."""
    data = _validated(target_type, proposed, record)
    if target_type == "location":
        _check_postcode(db, data)
    before = listing_snapshot(record) if record is not None else {}
    if record is None and target_type == "organisation":
        record = create_organisation(db, actor, {name: data.get(name) for name in ORGANISATION_FIELDS}, now)
    elif record is None:
        record = create_location(db, actor, organisation, data, now)
    else:
        require(actor, f"{target_type}.update", record)
        old_postcode = record.postcode if target_type == "location" else None
        for name in FIELDS[target_type]:
            setattr(record, name, data.get(name))
        if target_type == "location":
            _replace(db, record, data, old_postcode)
        record.updated_at = now
        record.version += 1
        db.add(record)
    db.flush()
    revision = record_revision(db, actor, target_type, record.id, before, listing_snapshot(record), source,
                               now=now, on_behalf_of=on_behalf_of)
    return record, revision


def _replace(db: Session, location: Location, data: dict, old_postcode: str | None) -> None:
    """Place a venue again when its postcode changed; a venue without one keeps only a hand-given point."""
    if data.get("postcode"):
        if data["postcode"] != old_postcode or location.latitude is None:
            location.latitude = location.longitude = location.geocode_source = None
            place_location(db, location)
    elif data.get("latitude") is None:
        location.latitude = location.longitude = location.geocode_source = None


def approve_listing_change(db: Session, actor: Actor, change: ChangeRequest, now: datetime):
    """Publish an approved change to an organisation or venue; a new organisation's proposer becomes its editor."""
    model = MODELS[change.target_type]
    record = db.get(model, change.target_id) if change.target_id else None
    if change.target_id and (record is None or record.archived_at is not None):
        raise InputError({"decision": [f"The {_word(change.target_type)} has been archived since; this change cannot be applied."]})
    organisation = db.get(Organisation, change.organisation_id) if change.organisation_id else None
    if change.target_type == "location" and (organisation is None or organisation.archived_at is not None):
        raise InputError({"decision": ["The organisation has been archived since; this change cannot be applied."]})
    submitter = db.get(User, change.submitted_by) if change.submitted_by else None
    by = (submitter.id, f"{submitter.name}, approved by {actor.name}"[:100]) if submitter else None
    record, revision = publish_listing(db, actor, change.target_type, organisation, record, change.proposed,
                                       "moderator", now, on_behalf_of=by)
    change.target_id = record.id
    if change.target_type == "organisation" and change.kind == "create":
        change.organisation_id = record.id
        if submitter is not None and submitter.disabled_at is None:
            db.add(Membership(user_id=submitter.id, organisation_id=record.id, added_by=actor.user_id, created_at=now))
    return revision


def restore_listing(db: Session, actor: Actor, revision: Revision, now: datetime | None = None) -> Revision:
    """Publish an old version of an organisation or venue again, recorded with source "restore"."""
    require(actor, "history.restore", revision)
    record = db.get(MODELS[revision.target_type], revision.target_id)
    word = _word(revision.target_type)
    if record is None or record.archived_at is not None:
        raise InputError({"revision": [f"The {word} has been archived; bring it back before restoring a version."]})
    wanted = {name: revision.snapshot.get(name) for name in FIELDS[revision.target_type]}
    if not diff(listing_snapshot(record), wanted):
        raise InputError({"revision": [f"The live {word} already matches this version."]})
    organisation = record if revision.target_type == "organisation" else db.get(Organisation, record.organisation_id)
    _, restored = publish_listing(db, actor, revision.target_type, organisation, record, wanted, "restore", now or utcnow())
    return restored


# Archiving -------------------------------------------------------------------------------------

def _reason(reason: str | None, target_type: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InputError({"archive_reason": [f"Say why the {_word(target_type)} is being archived."]})
    if len(reason) > REASON_LIMIT:
        raise InputError({"archive_reason": [f"Keep the reason to {REASON_LIMIT} characters or fewer."]})
    return reason


def venue_in_use(db: Session, location: Location) -> list[str]:
    """Names of live services held at a venue."""
    query = select(Service.name).join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id).where(
        ServiceAtLocation.location_id == location.id, Service.archived_at.is_(None))
    return sorted(db.exec(query))


def archive_record(db: Session, actor: Actor, record, reason: str, now: datetime | None = None) -> Revision:
    """Archive an organisation or venue with a reason (its services leave search with an organisation)."""
    target_type = target_type_of(record)
    require(actor, f"{target_type}.archive", record)
    if record.archived_at is not None:
        raise InputError({"archive_reason": [f"This {_word(target_type)} is already archived."]})
    reason = _reason(reason, target_type)
    if target_type == "location":
        used = venue_in_use(db, record)
        if used:
            raise InputError({"archive_reason": [
                "Services are still held at this venue: " + ", ".join(used)
                + ". Take the venue off those services (or archive them) first."]})
    return _set_archived(db, actor, record, target_type, now or utcnow(), reason)


def unarchive_record(db: Session, actor: Actor, record, now: datetime | None = None) -> Revision:
    """Bring back an archived service, venue or organisation (moderators only)."""
    target_type = target_type_of(record)
    require(actor, "listing.unarchive", record)
    if record.archived_at is None:
        raise InputError({"archive_reason": [f"This {_word(target_type)} is not archived."]})
    return _set_archived(db, actor, record, target_type, now or utcnow(), None)


def _set_archived(db: Session, actor: Actor, record, target_type: str, now: datetime, reason: str | None) -> Revision:
    before = {"archived_at": as_json(record.archived_at), "archive_reason": record.archive_reason}
    record.archived_at, record.archive_reason = (now, reason) if reason else (None, None)
    record.version += 1
    record.updated_at = now
    db.add(record)
    db.flush()
    after = {"archived_at": as_json(record.archived_at), "archive_reason": record.archive_reason}
    return record_revision(db, actor, target_type, record.id, before, after, _source(actor), now=now,
                           snapshot=listing_snapshot(record))
