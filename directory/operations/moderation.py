"""Editors' changes to services: publish at once or queue for a moderator, decide, suggest.

A change is stored and compared as a snapshot: a JSON-friendly dict in ServiceInput's shape,
so the live listing, a queued change and every revision can be diffed field by field.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from directory.models import (
    ChangeRequest,
    Location,
    Membership,
    Organisation,
    ProblemReport,
    Service,
    TaxonomyTerm,
    User,
    utcnow,
)
from directory.permissions import Actor, PermissionDenied, require
from directory.schemas.listing import ServiceInput

from . import InputError, validate
from .history import record_revision
from .listings import (
    SERVICE_CHILDREN,
    archive_service,
    create_service,
    update_service,
    verify_service,
)

# Fields a form may change. Verification and importers' extra attributes are kept as they are.
NOT_EDITABLE = {"last_verified_at", "verified_by", "verification_method", "attributes"}
EDITABLE = [name for name in ServiceInput().fields if name not in NOT_EDITABLE]
CHILD_FIELDS = {key: list(ServiceInput().fields[key].inner.schema.fields) for key in SERVICE_CHILDREN}
# These always go through review, even from a trusted editor.
SENSITIVE = frozenset({
    "name", "organisation_id", "min_age", "max_age", "groups_served", "circumstances",
    "eligibility_criteria", "open_to_all", "referral_routes",
})
STALE = "This listing changed while you were editing: someone else saved it first. Nothing of yours was saved; check your changes below and save again."
NOTE_LIMIT = 2000


def as_json(value):
    """Dates, times, amounts and ids as the strings a form would send; lists and dicts recursively."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    if isinstance(value, time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def service_snapshot(service: Service) -> dict:
    """Every editable field of a service, its children, categories and venues, as JSON."""
    snapshot = {name: as_json(getattr(service, name)) for name in EDITABLE if name not in CHILD_FIELDS
                and name not in ("categories", "location_ids")}
    snapshot["organisation_id"] = str(service.organisation_id)
    snapshot["categories"] = sorted(term.code for term in service.terms)
    snapshot["location_ids"] = sorted(str(link.location_id) for link in service.location_links)
    for key, names in CHILD_FIELDS.items():
        snapshot[key] = [{name: as_json(getattr(row, name)) for name in names} for row in getattr(service, key)]
    return snapshot


def proposed_snapshot(data: dict, organisation: Organisation) -> dict:
    """Validated ServiceInput data as a snapshot (what a change would make the listing)."""
    snapshot = {name: as_json(data[name]) for name in EDITABLE if name in data}
    snapshot["organisation_id"] = str(organisation.id)
    snapshot["categories"] = sorted(dict.fromkeys(snapshot.get("categories", [])))
    snapshot["location_ids"] = sorted(dict.fromkeys(snapshot.get("location_ids", [])))
    return snapshot


def _canonical(value):
    # Rows and lists compare as sets: reordering schedules or languages is not a change.
    if isinstance(value, list):
        return sorted(json.dumps(item, sort_keys=True) for item in value)
    return value


def diff(before: dict, after: dict) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field whose value differs, in the form's order."""
    order = ["organisation_id", *EDITABLE]
    names = order + sorted((set(before) | set(after)) - set(order))
    changes = []
    for name in names:
        if name not in before and name not in after:
            continue
        old, new = before.get(name), after.get(name)
        if _canonical(old) != _canonical(new) and not (old in (None, "", []) and new in (None, "", [])):
            changes.append((name, old, new))
    return changes


def _check_references(db: Session, organisation: Organisation, data: dict) -> None:
    """Venues must be the organisation's own, so a queued change can be approved as it stands."""
    owned = set(db.exec(select(Location.id).where(
        Location.organisation_id == organisation.id, Location.archived_at.is_(None),
    )))
    if set(data.get("location_ids", [])) - owned:
        raise InputError({"location_ids": ["A venue belongs to another organisation or does not exist."]})
    for number, row in enumerate(data.get("schedules", [])):
        if row.get("location_id") and row["location_id"] not in owned:
            raise InputError({"schedules": {number: {"location_id": ["Choose one of the organisation's own venues."]}}})
    codes = set(data.get("categories", []))
    unknown = codes - set(db.exec(select(TaxonomyTerm.code).where(TaxonomyTerm.code.in_(codes)))) if codes else set()
    if unknown:
        raise InputError({"categories": [f"Unknown category: {', '.join(sorted(unknown))}."]})


def submit_service_change(
    db: Session, actor: Actor, organisation: Organisation, service: Service | None, data: dict,
    base_version: int | None, now: datetime | None = None,
):
    """Publish a new or changed service, or queue it: ("published", Revision), ("queued", ChangeRequest) or ("unchanged", None)."""
    now = now or utcnow()
    if service is None:
        require(actor, "service.create", organisation)
    else:
        require(actor, "service.update", service)
        if service.organisation_id != organisation.id:
            raise PermissionDenied(f"{actor.name} may not move a service to another organisation.")
        if service.archived_at is not None:
            raise InputError({"base_version": ["This service has been archived and can no longer be edited."]})
        if base_version != service.version:
            raise InputError({"base_version": [STALE]})
    validated = validate(ServiceInput(), data)
    _check_references(db, organisation, validated)
    proposed = proposed_snapshot(validated, organisation)
    before = service_snapshot(service) if service is not None else {}
    changed = {name for name, _, _ in diff(before, proposed)}
    if service is not None and not changed:
        return "unchanged", None
    if publishes_at_once(actor, changed):
        try:
            _, revision = publish(db, actor, organisation, service, proposed, _source(actor), now)
        except StaleDataError:  # another process saved it between our check and our write
            raise InputError({"base_version": [STALE]}) from None
        return "published", revision
    change = ChangeRequest(
        target_type="service", target_id=service.id if service else None, organisation_id=organisation.id,
        kind="update" if service else "create", proposed=proposed,
        base_version=service.version if service else None, submitted_by=actor.user_id, submitted_at=now,
    )
    db.add(change)
    db.flush()
    return "queued", change


def _source(actor: Actor) -> str:
    if actor.kind == "system":
        return "system"
    return "moderator" if actor.has("moderator") else "editor"


def publishes_at_once(actor: Actor, changed: set[str]) -> bool:
    """Moderators publish; trusted editors too, unless a change touches a sensitive field."""
    if actor.kind == "system" or actor.has("moderator"):
        return True
    return actor.trusted and not (changed & SENSITIVE)


def publish(
    db: Session, actor: Actor, organisation: Organisation, service: Service | None, proposed: dict, source: str,
    now: datetime, on_behalf_of: tuple[uuid.UUID | None, str] | None = None,
):
    """Make a snapshot the live listing through the listings operations; record it; raise the version."""
    data = validate(ServiceInput(), proposed)
    data = {name: value for name, value in data.items() if name in EDITABLE}
    _check_references(db, organisation, data)
    if service is None:
        before = {}
        service = create_service(db, actor, organisation, data, now)
    else:
        before = service_snapshot(service)
        update_service(db, actor, service, data, now)
        service.version += 1
    db.flush()
    db.expire(service)  # children were replaced row by row; reload them before taking the snapshot
    revision = record_revision(db, actor, "service", service.id, before, service_snapshot(service), source,
                               now=now, on_behalf_of=on_behalf_of)
    return service, revision


def decide_change(db: Session, actor: Actor, change: ChangeRequest, approve: bool, note: str, now: datetime | None = None):
    """Approve (publishing the proposed listing) or reject with a note; returns the Revision or None."""
    require(actor, "change.decide", change)
    if change.kind == "merge":  # a possible duplicate from an import: decided in operations/imports.py
        from .imports import decide_merge

        return decide_merge(db, actor, change, "merge" if approve else "discard", note, now)
    now = now or utcnow()
    note = (note or "").strip()
    if change.status != "pending":
        raise InputError({"decision": ["This change has already been decided."]})
    if len(note) > NOTE_LIMIT:
        raise InputError({"note": [f"Keep the note to {NOTE_LIMIT:,} characters or fewer."]})
    if not approve and not note and change.kind in ("create", "update"):
        raise InputError({"note": ["Say why the change is rejected: the editor is sent this note."]})
    revision = None
    if approve and change.kind in ("create", "update") and change.target_type in ("organisation", "location"):
        from .organisations import approve_listing_change

        revision = approve_listing_change(db, actor, change, now)
    elif approve and change.kind in ("create", "update"):
        organisation = db.get(Organisation, change.organisation_id)
        service = db.get(Service, change.target_id) if change.target_id else None
        if change.target_id and (service is None or service.archived_at is not None):
            raise InputError({"decision": ["The service has been archived since; this change cannot be applied."]})
        submitter = db.get(User, change.submitted_by) if change.submitted_by else None
        by = (submitter.id, f"{submitter.name}, approved by {actor.name}"[:100]) if submitter else None
        service, revision = publish(db, actor, organisation, service, change.proposed, "moderator", now, on_behalf_of=by)
        change.target_id = service.id
    change.status = "approved" if approve else "rejected"
    change.decided_by, change.decided_at, change.note = actor.user_id, now, note
    db.add(change)
    db.flush()
    return revision


def decision_notice(db: Session, change: ChangeRequest) -> tuple[list[str], str, str] | None:
    """(to, subject, body) telling the editor who submitted a change what was decided."""
    submitter = db.get(User, change.submitted_by) if change.submitted_by else None
    if submitter is None or change.status == "pending":
        return None
    model = {"organisation": Organisation, "location": Location}.get(change.target_type, Service)
    record = db.get(model, change.target_id) if change.target_id else None
    name = one_line((record.name if record else None) or change.proposed.get("name") or "a new listing")
    verdict = "approved and is now live" if change.status == "approved" else "not approved"
    new_organisation = change.target_type == "organisation" and change.kind == "create"
    welcome = ("You now edit its listings: add its services and venues under “Manage listings”.\n"
               if new_organisation and change.status == "approved" else
               "You can see your listings and pending changes under “Manage listings” when you sign in.\n")
    body = (
        f"Hello {submitter.name},\n\nYour {'proposed organisation' if new_organisation else 'change to'} “{name}” "
        f"on Signpost was {verdict}.\n\nNote from the moderator: {change.note or '(none)'}\n\n{welcome}"
    )
    what = f"Your proposed organisation {name}" if new_organisation else f"Your change to {name}"
    return [submitter.email], f"{what} was {'approved' if change.status == 'approved' else 'not approved'}", body


def one_line(text: str) -> str:
    """Text safe for an email subject: a listing's name may hold line breaks."""
    return " ".join(str(text).split())[:150]


def suggest_edit(db: Session, service: Service, text: str, actor: Actor | None = None, now: datetime | None = None) -> ChangeRequest:
    """Anyone may suggest an edit in their own words; it waits in the moderators' queue."""
    text = (text or "").strip()
    if not text or len(text) > NOTE_LIMIT:
        raise InputError({"suggestion": [f"Say what should change, in up to {NOTE_LIMIT:,} characters."]})
    change = ChangeRequest(
        target_type="service", target_id=service.id, organisation_id=service.organisation_id, kind="suggestion",
        proposed={"text": text}, submitted_by=actor.user_id if actor else None, submitted_at=now or utcnow(),
    )
    db.add(change)
    db.flush()
    return change


def editor_addresses(db: Session, organisation_id: uuid.UUID) -> list[str]:
    """The email addresses of an organisation's editors (confirmed, active accounts)."""
    query = select(User.email).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == organisation_id, User.email_verified_at.is_not(None), User.disabled_at.is_(None),
    )
    return list(db.exec(query))


def confirm_service(db: Session, actor: Actor, service: Service, now: datetime | None = None):
    """'Still correct': update the verification, and record it in the history."""
    now = now or utcnow()
    own = service.organisation_id in actor.organisation_ids
    method = "moderator" if actor.has("moderator") and not own else "owner"
    before = _verification(service)
    verify_service(db, actor, service, method, now)
    return record_revision(db, actor, "service", service.id, before, _verification(service), _source(actor),
                           now=now, snapshot=service_snapshot(service))


def _verification(service: Service) -> dict:
    return {name: as_json(getattr(service, name)) for name in ("last_verified_at", "verified_by", "verification_method")}


def archive_listing(db: Session, actor: Actor, service: Service, reason: str, now: datetime | None = None):
    """Archive a service with a reason, raising its version and recording it in the history."""
    now = now or utcnow()
    if service.archived_at is not None:
        raise InputError({"archive_reason": ["This service is already archived."]})
    if len(reason or "") > 500:
        raise InputError({"archive_reason": ["Keep the reason to 500 characters or fewer."]})
    archive_service(db, actor, service, reason or "", now)
    service.version += 1
    db.flush()
    after = {"archived_at": as_json(service.archived_at), "archive_reason": service.archive_reason}
    return record_revision(db, actor, "service", service.id, {"archived_at": None, "archive_reason": None}, after,
                           _source(actor), now=now, snapshot=service_snapshot(service))


@dataclass
class QueueItem:
    """One thing waiting for a moderator: a change, a suggestion or a problem report."""

    kind: str  # create, update, suggestion, report
    id: uuid.UUID
    received: datetime
    title: str
    organisation: str
    record: ChangeRequest | ProblemReport


def moderation_queue(db: Session, actor: Actor) -> list[QueueItem]:
    """Pending changes and suggestions, and open problem reports, oldest first."""
    require(actor, "change.decide")
    changes = db.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")).all()
    reports = db.exec(select(ProblemReport).where(ProblemReport.status == "open")).all()
    wanted = {c.target_id for c in changes if c.target_id} | {r.service_id for r in reports}
    services = {s.id: s for s in db.exec(select(Service).where(Service.id.in_(wanted)))} if wanted else {}
    organisations = {o.id: o.name for o in db.exec(select(Organisation).where(
        Organisation.id.in_({c.organisation_id for c in changes} | {s.organisation_id for s in services.values()})))}
    items = []
    for change in changes:
        service = services.get(change.target_id) if change.target_type == "service" else None
        title = service.name if service else change.proposed.get("name") or "Unnamed venue"
        items.append(QueueItem(change.kind, change.id, change.submitted_at, title,
                               organisations.get(change.organisation_id, ""), change))
    for report in reports:
        service = services.get(report.service_id)
        items.append(QueueItem("report", report.id, report.created_at, service.name if service else "",
                               organisations.get(service.organisation_id, "") if service else "", report))
    return sorted(items, key=lambda item: _naive(item.received))


def _naive(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment.replace(tzinfo=None)


def close_report(db: Session, actor: Actor, report: ProblemReport, status: str, now: datetime | None = None) -> ProblemReport:
    """Mark a problem report resolved or dismissed."""
    require(actor, "change.decide", report)
    if status not in ("resolved", "dismissed"):
        raise InputError({"status": ["Choose resolved or dismissed."]})
    if report.status != "open":
        raise InputError({"status": ["This report has already been dealt with."]})
    report.status, report.resolved_at = status, now or utcnow()
    db.add(report)
    db.flush()
    return report


def my_listings(db: Session, actor: Actor):
    """For an editor: [(organisation, services, recent changes)] for each organisation they edit."""
    result = []
    for organisation_id in sorted(actor.organisation_ids, key=str):
        organisation = db.get(Organisation, organisation_id)
        if organisation is None:
            continue
        services = db.exec(select(Service).where(Service.organisation_id == organisation_id).order_by(Service.name)).all()
        changes = db.exec(
            select(ChangeRequest).where(ChangeRequest.organisation_id == organisation_id, ChangeRequest.kind != "suggestion")
            .order_by(ChangeRequest.submitted_at.desc()).limit(20)
        ).all()
        result.append((organisation, list(services), list(changes)))
    return sorted(result, key=lambda row: row[0].name.lower())


def pending_changes(db: Session, service_id: uuid.UUID) -> list[ChangeRequest]:
    """Edits to a service still waiting for a moderator, oldest first."""
    query = select(ChangeRequest).where(
        ChangeRequest.target_id == service_id, ChangeRequest.status == "pending", ChangeRequest.kind != "suggestion",
    )
    return list(db.exec(query.order_by(ChangeRequest.submitted_at)))
