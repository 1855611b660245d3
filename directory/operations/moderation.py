"""Editors' changes to services: publish at once or queue for a moderator, decide, suggest.

A change is stored and compared as a snapshot: a JSON-friendly dict in ServiceInput's shape,
so the live listing, a queued change and every revision can be diffed field by field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from directory.models import (
    ChangeRequest,
    Location,
    Membership,
    Organisation,
    ProblemReport,
    Service,
    User,
    utcnow,
)
from directory.permissions import Actor, PermissionDenied, require
from directory.schemas.listing import ServiceInput

from . import InputError, validate
from .changes import STALE, approve, propose
from .history import record_revision, source_of
from .imports import decide_merge
from .listings import archive_service, verify_service
from .publish import check_references, publish
from .snapshots import EDITABLE, as_json, diff, proposed_snapshot, service_snapshot  # noqa: F401 (also imported from here)

# These always go through review, even from a trusted editor.
SENSITIVE = frozenset(
    {
        "name",
        "organisation_id",
        "min_age",
        "max_age",
        "groups_served",
        "circumstances",
        "eligibility_criteria",
        "open_to_all",
        "referral_routes",
    }
)
NOTE_LIMIT = 2000


def submit_service_change(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    service: Service | None,
    data: dict,
    base_version: int | None,
    now: datetime | None = None,
):
    """Publish a new or changed service, or queue it: ("published", Revision), ("queued", ChangeRequest) or ("unchanged", None).

    An editor whose own change to the service still waits updates that change instead (or withdraws it:
    ("withdrawn", ChangeRequest)).
    """
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
    check_references(db, organisation, validated)
    proposed = proposed_snapshot(validated, organisation)
    return propose(db, actor, "service", organisation, service, proposed, SENSITIVE, now)


def decide_change(
    db: Session,
    actor: Actor,
    change: ChangeRequest,
    approve_it: bool,
    note: str,
    now: datetime | None = None,
    choices: dict[str, str] | None = None,
):
    """Approve (publishing the change's fields; `choices` settles fields changed since) or reject with a note.

    Returns the Revision, or None.
    """
    require(actor, "change.decide", change)
    if change.kind == "merge":  # a possible duplicate from an import
        return decide_merge(db, actor, change, "merge" if approve_it else "discard", note, now)
    now = now or utcnow()
    note = (note or "").strip()
    if change.status != "pending":
        raise InputError({"decision": ["This change has already been decided."]})
    if len(note) > NOTE_LIMIT:
        raise InputError({"note": [f"Keep the note to {NOTE_LIMIT:,} characters or fewer."]})
    if not approve_it and not note and change.kind in ("create", "update"):
        raise InputError({"note": ["Say why the change is rejected: the editor is sent this note."]})
    revision = None
    if approve_it and change.kind in ("create", "update"):
        revision = approve(db, actor, change, choices or {}, now)
    elif approve_it and change.kind == "draft" and change.field_names and change.target_id:
        revision = _apply_draft(db, actor, change, choices or {}, now)
    change.status = "approved" if approve_it else "rejected"
    change.decided_by, change.decided_at, change.note = actor.user_id, now, note
    db.add(change)
    db.flush()
    return revision


def _apply_draft(db: Session, actor: Actor, change: ChangeRequest, choices: dict[str, str], now: datetime):
    """A newsletter draft's proposed fields onto its listing; a new venue it names is added to the organisation first."""
    venue = change.proposed.get("new_venue")
    if venue and "new" in (change.proposed.get("location_ids") or []):
        organisation = db.get(Organisation, change.organisation_id)
        location, _ = publish(
            db, actor, "location", organisation, None, {k: v for k, v in venue.items() if v}, "moderator", now
        )
        swap = {"new": str(location.id)}
        change.proposed = change.proposed | {
            "location_ids": [swap.get(i, i) for i in change.proposed["location_ids"]],
            "schedules": [
                row | {"location_id": swap.get(row.get("location_id"), row.get("location_id"))}
                for row in change.proposed.get("schedules", [])
            ],
        }
    return approve(db, actor, change, choices, now)


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
    welcome = (
        "You now edit its listings: add its services and venues under “Manage listings”.\n"
        if new_organisation and change.status == "approved"
        else "You can see your listings and pending changes under “Manage listings” when you sign in.\n"
    )
    body = (
        f"Hello {submitter.name},\n\nYour {'proposed organisation' if new_organisation else 'change to'} “{name}” "
        f"on Signpost was {verdict}.\n\nNote from the moderator: {change.note or '(none)'}\n\n{welcome}"
    )
    what = f"Your proposed organisation {name}" if new_organisation else f"Your change to {name}"
    return [submitter.email], f"{what} was {'approved' if change.status == 'approved' else 'not approved'}", body


def one_line(text: str) -> str:
    """Text safe for an email subject: a listing's name may hold line breaks."""
    return " ".join(str(text).split())[:150]


def suggest_edit(
    db: Session, service: Service, text: str, actor: Actor | None = None, now: datetime | None = None
) -> ChangeRequest:
    """Anyone may suggest an edit in their own words; it waits in the moderators' queue."""
    text = (text or "").strip()
    if not text or len(text) > NOTE_LIMIT:
        raise InputError({"suggestion": [f"Say what should change, in up to {NOTE_LIMIT:,} characters."]})
    change = ChangeRequest(
        target_type="service",
        target_id=service.id,
        organisation_id=service.organisation_id,
        kind="suggestion",
        proposed={"text": text},
        submitted_by=actor.user_id if actor else None,
        submitted_at=now or utcnow(),
    )
    db.add(change)
    db.flush()
    return change


def editor_addresses(db: Session, organisation_id: uuid.UUID) -> list[str]:
    """The email addresses of an organisation's editors (confirmed, active accounts)."""
    query = (
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == organisation_id,
            User.email_verified_at.is_not(None),
            User.disabled_at.is_(None),
        )
    )
    return list(db.exec(query))


def confirm_service(db: Session, actor: Actor, service: Service, now: datetime | None = None):
    """'Still correct': update the verification, and record it in the history."""
    now = now or utcnow()
    own = service.organisation_id in actor.organisation_ids
    method = "moderator" if actor.has("moderator") and not own else "owner"
    before = _verification(service)
    verify_service(db, actor, service, method, now)
    return record_revision(
        db,
        actor,
        "service",
        service.id,
        before,
        _verification(service),
        source_of(actor),
        now=now,
        snapshot=service_snapshot(service),
    )


def _verification(service: Service) -> dict:
    return {
        name: as_json(getattr(service, name)) for name in ("last_verified_at", "verified_by", "verification_method")
    }


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
    return record_revision(
        db,
        actor,
        "service",
        service.id,
        {"archived_at": None, "archive_reason": None},
        after,
        source_of(actor),
        now=now,
        snapshot=service_snapshot(service),
    )


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
    organisations = {
        o.id: o.name
        for o in db.exec(
            select(Organisation).where(
                Organisation.id.in_(
                    {c.organisation_id for c in changes} | {s.organisation_id for s in services.values()}
                )
            )
        )
    }
    items = []
    for change in changes:
        service = services.get(change.target_id) if change.target_type == "service" else None
        title = service.name if service else change.proposed.get("name") or "Unnamed venue"
        items.append(
            QueueItem(
                change.kind,
                change.id,
                change.submitted_at,
                title,
                organisations.get(change.organisation_id, ""),
                change,
            )
        )
    for report in reports:
        service = services.get(report.service_id)
        items.append(
            QueueItem(
                "report",
                report.id,
                report.created_at,
                service.name if service else "",
                organisations.get(service.organisation_id, "") if service else "",
                report,
            )
        )
    return sorted(items, key=lambda item: _naive(item.received))


def _naive(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment.replace(tzinfo=None)


def close_report(
    db: Session, actor: Actor, report: ProblemReport, status: str, now: datetime | None = None
) -> ProblemReport:
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
        services = db.exec(
            select(Service).where(Service.organisation_id == organisation_id).order_by(Service.name)
        ).all()
        changes = db.exec(
            select(ChangeRequest)
            .where(ChangeRequest.organisation_id == organisation_id, ChangeRequest.kind != "suggestion")
            .order_by(ChangeRequest.submitted_at.desc())
            .limit(20)
        ).all()
        result.append((organisation, list(services), list(changes)))
    return sorted(result, key=lambda row: row[0].name.lower())


def pending_changes(db: Session, service_id: uuid.UUID) -> list[ChangeRequest]:
    """Edits to a service still waiting for a moderator, oldest first."""
    query = select(ChangeRequest).where(
        ChangeRequest.target_id == service_id,
        ChangeRequest.status == "pending",
        ChangeRequest.kind != "suggestion",
    )
    return list(db.exec(query.order_by(ChangeRequest.submitted_at)))
