"""Editors' changes to organisations and venues, new organisations, archiving and unarchiving.

Organisations and venues follow the services' rules: a change from a trusted editor or a
moderator publishes at once, anything else (and any change of name) waits for a moderator
while the live record stays as it was. Every published change is a Revision.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from directory.models import (
    ChangeRequest,
    Location,
    Organisation,
    Revision,
    Service,
    ServiceAtLocation,
    utcnow,
)
from directory.permissions import Actor, PermissionDenied, require

from . import InputError
from .changes import STALE, propose
from .changes import word as _word
from .history import record_revision, source_of
from .publish import check_postcode, validated_listing
from .snapshots import (  # noqa: F401 (also imported from here)
    FIELDS,
    LOCATION_FIELDS,
    MODELS,
    ORGANISATION_FIELDS,
    as_json,
    fields_snapshot,
    listing_snapshot,
    target_type_of,
)

# A new name is always checked by a moderator, even from a trusted editor.
ALWAYS_REVIEWED = frozenset({"name"})
REASON_LIMIT = 500


def submit_listing_change(
    db: Session,
    actor: Actor,
    target_type: str,
    organisation: Organisation,
    record,
    data: dict,
    base_version: int | None,
    now: datetime | None = None,
):
    """Publish or queue a change to an organisation's details or a venue (record None: a new venue).

    Returns ("published", Revision), ("queued", ChangeRequest), ("withdrawn", ChangeRequest) or ("unchanged", None).
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
            raise InputError(
                {"base_version": [f"This {_word(target_type)} has been archived and can no longer be edited."]}
            )
        if base_version != record.version:
            raise InputError({"base_version": [STALE]})
    validated = validated_listing(target_type, data, record)
    if target_type == "location":
        check_postcode(validated)
    proposed = fields_snapshot(target_type, validated)
    return propose(db, actor, target_type, organisation, record, proposed, ALWAYS_REVIEWED, now)


def require_proposer(actor: Actor) -> None:
    """Refuse, in words that say what to do, anyone who may not propose an organisation."""
    if actor.kind == "user" and not actor.verified:
        raise PermissionDenied(
            "Confirm your email address (follow the link we emailed you) before you propose an organisation."
        )
    require(actor, "organisation.create")
    if actor.user_id is None:
        raise PermissionDenied("Sign in with your own account to propose an organisation.")


def propose_organisation(db: Session, actor: Actor, data: dict, now: datetime | None = None) -> ChangeRequest:
    """A signed-in person with a confirmed address proposes a new organisation; it waits for a moderator."""
    require_proposer(actor)
    proposed = fields_snapshot("organisation", validated_listing("organisation", data, None))
    change = ChangeRequest(
        target_type="organisation",
        kind="create",
        proposed=proposed,
        submitted_by=actor.user_id,
        submitted_at=now or utcnow(),
    )
    db.add(change)
    db.flush()
    return change


def my_proposals(db: Session, actor: Actor) -> list[ChangeRequest]:
    """The new organisations this person proposed, newest first."""
    if actor.user_id is None:
        return []
    query = select(ChangeRequest).where(
        ChangeRequest.target_type == "organisation",
        ChangeRequest.kind == "create",
        ChangeRequest.submitted_by == actor.user_id,
    )
    return list(db.exec(query.order_by(ChangeRequest.submitted_at.desc()).limit(20)))


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
    query = (
        select(Service.name)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .where(ServiceAtLocation.location_id == location.id, Service.archived_at.is_(None))
    )
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
            raise InputError(
                {
                    "archive_reason": [
                        "Services are still held at this venue: "
                        + ", ".join(used)
                        + ". Take the venue off those services (or archive them) first."
                    ]
                }
            )
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
    return record_revision(
        db, actor, target_type, record.id, before, after, source_of(actor), now=now, snapshot=listing_snapshot(record)
    )
