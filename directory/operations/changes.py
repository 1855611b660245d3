"""The change engine: propose a change to a listing, decide it, restore an old version.

A queued change records the version it started from (`base`, a snapshot) and the fields it
changes (`field_names`). Approving applies only those fields to the live listing: a three-way merge,
so two editors' changes to different fields are both kept. A field that someone else changed
since the base is a conflict: the moderator sees base, live and proposed values and chooses.
An editor who edits while their own change waits edits that change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from directory.models import ChangeRequest, Membership, Organisation, Revision, User
from directory.permissions import Actor, require

from . import InputError
from .history import source_of
from .publish import publish
from .snapshots import FIELDS, MODELS, diff, listing_snapshot, same, target_type_of

STALE = "This listing changed while you were editing: someone else saved it first. Nothing of yours was saved; check your changes below and save again."
CHOICES = ("live", "proposed")
WITHDRAWN = "Withdrawn: the editor's later edit put the listing back as it is."


@dataclass(frozen=True)
class FieldReview:
    """One field a change would set: its value when the editor started, now, and as proposed."""

    name: str
    base: object
    live: object
    proposed: object
    conflict: bool  # someone else changed it since the editor started


def word(target_type: str) -> str:
    """A listing's kind as the pages say it."""
    return "venue" if target_type == "location" else target_type


def propose(
    db: Session,
    actor: Actor,
    target_type: str,
    organisation: Organisation | None,
    record,
    proposed: dict,
    reviewed: frozenset[str],
    now: datetime,
):
    """Publish at once, queue for a moderator, or update the editor's own waiting change.

    Permissions and the version the editor started from are checked by the caller. Returns
    ("published", Revision), ("queued", ChangeRequest), ("withdrawn", ChangeRequest) or ("unchanged", None).
    """
    live = listing_snapshot(record) if record is not None else {}
    mine = own_pending(db, actor, target_type, record)
    if mine is not None:
        return _revise(db, actor, mine, record, live, proposed, now)
    changed = [name for name, _, _ in diff(live, proposed)]
    if record is not None and not changed:
        return "unchanged", None
    if actor.kind == "system" or actor.has("moderator") or (actor.trusted and not set(changed) & reviewed):
        try:
            _, revision = publish(db, actor, target_type, organisation, record, proposed, source_of(actor), now)
        except StaleDataError:  # another process saved it between our check and our write
            raise InputError({"base_version": [STALE]}) from None
        return "published", revision
    change = ChangeRequest(
        target_type=target_type,
        target_id=record.id if record is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
        kind="update" if record is not None else "create",
        proposed=proposed,
        base=live,
        field_names=changed,
        base_version=record.version if record is not None else None,
        submitted_by=actor.user_id,
        submitted_at=now,
    )
    db.add(change)
    db.flush()
    return "queued", change


def own_pending(db: Session, actor: Actor, target_type: str, record) -> ChangeRequest | None:
    """This editor's change to this listing still waiting for a moderator, if any."""
    if record is None or actor.user_id is None:
        return None
    query = select(ChangeRequest).where(
        ChangeRequest.target_type == target_type,
        ChangeRequest.target_id == record.id,
        ChangeRequest.kind == "update",
        ChangeRequest.status == "pending",
        ChangeRequest.submitted_by == actor.user_id,
    )
    return db.exec(query.order_by(ChangeRequest.submitted_at.desc())).first()


def changed_fields(change: ChangeRequest, live: dict) -> list[str]:
    """The fields a change sets (a change queued before fields were recorded: all that differ from live)."""
    if change.field_names is not None:
        return list(change.field_names)
    return [name for name, _, _ in diff(live, change.proposed)]


def working_snapshot(db: Session, actor: Actor, record) -> dict:
    """What an editor's form starts from: the live listing with their own waiting change on top."""
    live = listing_snapshot(record)
    mine = own_pending(db, actor, target_type_of(record), record)
    if mine is None:
        return live
    return live | {name: mine.proposed.get(name) for name in changed_fields(mine, live)}


def _revise(db: Session, actor: Actor, change: ChangeRequest, record, live: dict, proposed: dict, now: datetime):
    earlier = changed_fields(change, live)
    base = live | {name: (change.base if change.base is not None else live).get(name) for name in earlier}
    fields = [name for name, _, _ in diff(base, proposed)]
    if fields == earlier and all(same(change.proposed.get(name), proposed.get(name)) for name in fields):
        return "unchanged", None
    if not fields:
        change.status, change.note, change.decided_by, change.decided_at = "rejected", WITHDRAWN, actor.user_id, now
        db.add(change)
        db.flush()
        return "withdrawn", change
    change.proposed, change.base, change.field_names, change.base_version = proposed, base, fields, record.version
    db.add(change)
    db.flush()
    return "queued", change


def review(change: ChangeRequest, live: dict) -> list[FieldReview]:
    """The fields a waiting change would still set, each with base, live and proposed values."""
    base = change.base if change.base is not None else live
    rows = []
    for name in changed_fields(change, live):
        old, now_live, new = base.get(name), live.get(name), change.proposed.get(name)
        if not same(now_live, new):
            rows.append(FieldReview(name, old, now_live, new, conflict=not same(old, now_live)))
    return rows


def approve(db: Session, actor: Actor, change: ChangeRequest, choices: dict[str, str], now: datetime):
    """Publish a waiting change's fields onto the live listing; `choices` settles each conflicting field.

    Returns the Revision, or None when nothing is left to change (the moderator kept every live value).
    """
    require(actor, "change.decide", change)
    model = MODELS[change.target_type]
    record = db.get(model, change.target_id) if change.target_id else None
    if change.target_id and (record is None or record.archived_at is not None):
        raise InputError(
            {"decision": [f"The {word(change.target_type)} has been archived since; this change cannot be applied."]}
        )
    organisation = db.get(Organisation, change.organisation_id) if change.organisation_id else None
    if change.target_type == "location" and (organisation is None or organisation.archived_at is not None):
        raise InputError({"decision": ["The organisation has been archived since; this change cannot be applied."]})
    wanted = change.proposed
    if record is not None:
        live = listing_snapshot(record)
        rows = review(change, live)
        unsettled = [row.name for row in rows if row.conflict and choices.get(row.name) not in CHOICES]
        if unsettled:
            raise InputError(
                {
                    f"choice-{name}": [
                        "This changed since the editor started: choose the live value or the proposed one."
                    ]
                    for name in unsettled
                }
            )
        wanted = live | {row.name: row.proposed for row in rows if not row.conflict or choices[row.name] == "proposed"}
        if not diff(live, wanted):
            return None
    submitter = db.get(User, change.submitted_by) if change.submitted_by else None
    by = (submitter.id, f"{submitter.name}, approved by {actor.name}"[:100]) if submitter else None
    record, revision = publish(
        db, actor, change.target_type, organisation, record, wanted, "moderator", now, on_behalf_of=by
    )
    change.target_id = record.id
    if change.target_type == "organisation" and change.kind == "create":
        change.organisation_id = record.id
        if submitter is not None and submitter.disabled_at is None:
            db.add(
                Membership(
                    user_id=submitter.id,
                    organisation_id=record.id,
                    added_by=actor.user_id,
                    created_at=now,
                    role="owner",
                )
            )
    return revision


def restore_revision(db: Session, actor: Actor, revision: Revision, now: datetime) -> Revision:
    """Publish an old version of a service, organisation or venue again, recorded with source "restore"."""
    require(actor, "history.restore", revision)
    if revision.target_type not in MODELS or not revision.snapshot:
        raise InputError({"revision": ["Only saved versions of services, organisations and venues can be restored."]})
    what = word(revision.target_type)
    record = db.get(MODELS[revision.target_type], revision.target_id)
    if record is None or record.archived_at is not None:
        raise InputError({"revision": [f"The {what} has been archived; bring it back before restoring a version."]})
    wanted = revision.snapshot
    if revision.target_type in FIELDS:
        wanted = {name: wanted.get(name) for name in FIELDS[revision.target_type]}
    if not diff(listing_snapshot(record), wanted):
        raise InputError({"revision": [f"The live {what} already matches this version."]})
    organisation = record if revision.target_type == "organisation" else db.get(Organisation, record.organisation_id)
    _, restored = publish(db, actor, revision.target_type, organisation, record, wanted, "restore", now)
    return restored
