"""A listing's history: who changed what and when, with before and after; restoring an old version."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from directory.models import Organisation, Revision, Service, utcnow
from directory.permissions import Actor, require

from . import InputError


def record_revision(
    db: Session, actor: Actor, target_type: str, target_id: uuid.UUID, before: dict, after: dict, source: str,
    *, now: datetime | None = None, snapshot: dict | None = None,
    on_behalf_of: tuple[uuid.UUID | None, str] | None = None,
) -> Revision:
    """Store one change: the fields that differ (before and after) and the whole listing after it."""
    from .moderation import diff

    changed_by, name = on_behalf_of or (actor.user_id, actor.name)
    revision = Revision(
        target_type=target_type, target_id=target_id, changed_by=changed_by, changed_by_name=name[:100],
        changed_at=now or utcnow(), source=source,
        changes={field: [old, new] for field, old, new in diff(before, after)},
        snapshot=after if snapshot is None else snapshot,
    )
    db.add(revision)
    db.flush()
    return revision


def list_history(db: Session, actor: Actor, target_type: str, target_id: uuid.UUID) -> list[Revision]:
    """A listing's revisions, newest first."""
    require(actor, "history.view")
    query = select(Revision).where(Revision.target_type == target_type, Revision.target_id == target_id)
    return list(db.exec(query.order_by(Revision.changed_at.desc(), Revision.id)))


def restore_revision(db: Session, actor: Actor, revision: Revision, now: datetime | None = None) -> Revision:
    """Publish an old version of a service again, as a new change recorded with source "restore"."""
    from .moderation import diff, publish, service_snapshot

    require(actor, "history.restore", revision)
    if revision.target_type in ("organisation", "location") and revision.snapshot:
        from .organisations import restore_listing

        return restore_listing(db, actor, revision, now)
    if revision.target_type != "service" or not revision.snapshot:
        raise InputError({"revision": ["Only a service's saved versions can be restored."]})
    service = db.get(Service, revision.target_id)
    if service is None or service.archived_at is not None:
        raise InputError({"revision": ["The service has been archived; it cannot be restored from here."]})
    if not diff(service_snapshot(service), revision.snapshot):
        raise InputError({"revision": ["The live listing already matches this version."]})
    organisation = db.get(Organisation, service.organisation_id)
    _, restored = publish(db, actor, organisation, service, revision.snapshot, "restore", now or utcnow())
    return restored
