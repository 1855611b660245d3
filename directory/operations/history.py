"""A listing's history: who changed what and when, with before and after."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from directory.models import Revision, utcnow
from directory.permissions import Actor, require

from .snapshots import diff


def record_revision(
    db: Session,
    actor: Actor,
    target_type: str,
    target_id: uuid.UUID,
    before: dict,
    after: dict,
    source: str,
    *,
    now: datetime | None = None,
    snapshot: dict | None = None,
    on_behalf_of: tuple[uuid.UUID | None, str] | None = None,
) -> Revision:
    """Store one change: the fields that differ (before and after) and the whole listing after it."""
    changed_by, name = on_behalf_of or (actor.user_id, actor.name)
    revision = Revision(
        target_type=target_type,
        target_id=target_id,
        changed_by=changed_by,
        changed_by_name=name[:100],
        changed_at=now or utcnow(),
        source=source,
        changes={field: [old, new] for field, old, new in diff(before, after)},
        snapshot=after if snapshot is None else snapshot,
    )
    db.add(revision)
    db.flush()
    return revision


def source_of(actor: Actor) -> str:
    """How a revision by this actor is labelled: system, moderator or editor."""
    if actor.kind == "system":
        return "system"
    return "moderator" if actor.has("moderator") else "editor"


def list_history(db: Session, actor: Actor, target_type: str, target_id: uuid.UUID) -> list[Revision]:
    """A listing's revisions, newest first."""
    require(actor, "history.view")
    query = select(Revision).where(Revision.target_type == target_type, Revision.target_id == target_id)
    return list(db.exec(query.order_by(Revision.changed_at.desc(), Revision.id)))
