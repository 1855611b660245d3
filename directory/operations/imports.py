"""Imports: record each run, add or update imported listings, and decide proposed merges.

The importers (importers/core.py) call these for every write, so an import obeys the same rules
as the web pages: permissions are checked here, nothing commits here, the importer commits each
batch. New listings are collected in NewRows and inserted with one statement per table per batch.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

from directory.models import (
    ChangeRequest,
    ImportRun,
    Location,
    Organisation,
    Revision,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
    TaxonomyTerm,
    utcnow,
)
from directory.permissions import SYSTEM, Actor, require
from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput
from search.sync import mark_changed

from . import InputError, validate
from .listings import SERVICE_CHILDREN
from .publish import publish
from .snapshots import EDITABLE, as_json, diff, fields_snapshot, listing_snapshot, proposed_snapshot, service_snapshot

NOT_COLUMNS = {"categories", "location_ids", *SERVICE_CHILDREN}
MERGE_DECISIONS = {
    "merge": "Same service: update the existing listing with the imported details",
    "separate": "Different services: add the imported one as a new listing",
    "discard": "Discard the imported row",
}
RUNS_SHOWN = 50


# Runs ----------------------------------------------------------------------------------------------


def start_run(
    db: Session,
    actor: Actor,
    *,
    source: str,
    file_name: str = "",
    kind: str = "csv",
    dry_run: bool = False,
    now: datetime | None = None,
    **details,
) -> ImportRun:
    """Record that an import (or a dry run) has started; only administrators may import."""
    require(actor, "import.run")
    run = ImportRun(
        source=source[:100],
        file_name=file_name[:255],
        kind=kind,
        dry_run=dry_run,
        started_by=actor.user_id,
        started_by_name=actor.name[:100],
        started_at=now or utcnow(),
        **details,
    )
    db.add(run)
    db.flush()
    return run


def list_runs(db: Session, actor: Actor) -> list[ImportRun]:
    """The latest imports, newest first."""
    require(actor, "import.run")
    return list(db.exec(select(ImportRun).order_by(ImportRun.started_at.desc()).limit(RUNS_SHOWN)))


def get_run(db: Session, actor: Actor, run_id: uuid.UUID) -> ImportRun | None:
    """One import run, for an administrator."""
    require(actor, "import.run")
    return db.get(ImportRun, run_id)


# Listings ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    """A record an import added in bulk: its id and name (the row itself is in NewRows until flushed)."""

    id: uuid.UUID
    name: str = ""
    organisation_id: uuid.UUID | None = None


class NewRows:
    """Rows an import adds, inserted per table in one statement each when the batch is flushed.

    Building ORM objects costs about a millisecond each (SQLModel and pydantic), more than the
    database; an import adds six or more rows per listing. The rows are complete (every column,
    with the model's defaults), so one executemany per table writes them all.
    """

    ORDER = (Organisation, Location, Service, ServiceTaxonomy, ServiceAtLocation, *SERVICE_CHILDREN.values(), Revision)

    def __init__(self):
        self.rows: dict[type, list[dict]] = defaultdict(list)

    def add(self, model, **values) -> dict:
        row = {
            name: values[name] if name in values else (default() if callable(default) else default)
            for name, default in _defaults(model)
        }
        self.rows[model].append(row)
        return row

    def flush(self, db: Session) -> None:
        """Insert everything added so far, parents first, and tell the search index which services changed."""
        for model in self.ORDER:
            if self.rows.get(model):
                db.execute(insert(model.__table__), self.rows[model])
        mark_changed(db, [row["id"] for row in self.rows.get(Service, [])])
        self.rows.clear()


@functools.cache
def _defaults(model) -> tuple[tuple[str, object], ...]:
    """Each column's name and default: a value, or a function making one (a new id, the time, a list)."""
    result = []
    for column in model.__table__.columns:
        default = column.default
        if default is not None and default.is_callable:
            result.append((column.name, functools.partial(default.arg, None)))
        else:
            result.append((column.name, None if default is None else default.arg))
    return tuple(result)


def add_organisation(
    db: Session, actor: Actor, new: NewRows, data: dict, source: str, source_id: str | None, now: datetime
) -> Added:
    """Add an imported organisation from validated OrganisationInput data (written when `new` is flushed)."""
    require(actor, "organisation.create")
    row = new.add(Organisation, **data, source=source, source_id=source_id, created_at=now, updated_at=now)
    _first_revision(new, actor, "organisation", row["id"], fields_snapshot("organisation", data), now)
    return Added(row["id"], row["name"], row["id"])


def _first_revision(
    new: NewRows, actor: Actor, target_type: str, target_id: uuid.UUID, snapshot: dict, now: datetime
) -> None:
    """An imported listing's first revision, so its imported version can be restored."""
    new.add(
        Revision,
        target_type=target_type,
        target_id=target_id,
        changed_by=actor.user_id,
        changed_by_name=actor.name[:100],
        changed_at=now,
        source="import",
        changes={name: [old, value] for name, old, value in diff({}, snapshot)},
        snapshot=snapshot,
    )


def update_organisation(db: Session, actor: Actor, organisation: Organisation, data: dict, now: datetime) -> bool:
    """Set the fields an import gives where they differ, as a revision; True when anything changed."""
    require(actor, "organisation.update", organisation)
    live = listing_snapshot(organisation)
    given = fields_snapshot("organisation", {name: value for name, value in data.items() if value not in (None, "")})
    merged = live | {name: value for name, value in given.items() if value is not None}
    changed = bool(diff(live, merged))
    if changed:
        publish(db, actor, "organisation", organisation, organisation, merged, "import", now)
    for name, value in data.items():  # verification: not an editable field, so not in a revision
        if name not in given and value not in (None, "") and getattr(organisation, name) != value:
            setattr(organisation, name, value)
            organisation.updated_at, changed = now, True
    db.add(organisation)
    return changed


def add_location(
    db: Session, actor: Actor, new: NewRows, organisation, data: dict, source: str, source_id: str | None, now: datetime
) -> Added:
    """Add an imported venue from validated LocationInput data with its point already found."""
    require(actor, "location.create", organisation)
    row = new.add(
        Location,
        **data,
        organisation_id=organisation.id,
        source=source,
        source_id=source_id,
        created_at=now,
        updated_at=now,
    )
    _first_revision(new, actor, "location", row["id"], fields_snapshot("location", data), now)
    return Added(row["id"], row["name"], organisation.id)


def add_service(
    db: Session,
    actor: Actor,
    new: NewRows,
    organisation,
    data: dict,
    terms: list[TaxonomyTerm],
    source: str,
    source_id: str | None,
    now: datetime,
    attributes: dict | None = None,
) -> Added:
    """Add an imported service from validated ServiceInput data, recorded in its history as an import."""
    require(actor, "service.create", organisation)
    columns = {name: value for name, value in data.items() if name not in NOT_COLUMNS}
    columns["attributes"] = {**columns.get("attributes", {}), **(attributes or {})}
    service = new.add(
        Service,
        **columns,
        organisation_id=organisation.id,
        source=source,
        source_id=source_id,
        created_at=now,
        updated_at=now,
    )
    service_id = service["id"]
    for key, model in SERVICE_CHILDREN.items():
        for item in data.get(key, []):
            new.add(model, **item, service_id=service_id)
    for term_id in dict.fromkeys(term.id for term in terms):
        new.add(ServiceTaxonomy, service_id=service_id, term_id=term_id)
    for location_id in dict.fromkeys(data.get("location_ids", [])):
        new.add(ServiceAtLocation, service_id=service_id, location_id=location_id, created_at=now, updated_at=now)
    _first_revision(new, actor, "service", service_id, proposed_snapshot(data, organisation), now)
    return Added(service_id, service["name"], organisation.id)


def update_service(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    service: Service,
    given: dict,
    attributes: dict,
    now: datetime,
    source: str = "import",
) -> bool:
    """Replace the fields an import gives (validated ServiceInput data); False when nothing differs.

    Attributes given as None are removed (an import that now reads every cell clears its details to check).
    """
    live = service_snapshot(service)
    merged = {**live, **as_json({name: value for name, value in given.items() if name in EDITABLE})}
    kept = {name: value for name, value in {**service.attributes, **attributes}.items() if value is not None}
    changed = bool(diff(live, merged))
    if changed:
        publish(db, actor, "service", organisation, service, merged, source, now)
    if kept != service.attributes:
        require(actor, "service.update", service)
        service.attributes, service.updated_at = kept, now
        db.add(service)
        changed = True
    return changed


# Proposed merges -----------------------------------------------------------------------------------


def propose_merge(db: Session, actor: Actor, existing: Service, proposal: dict, now: datetime) -> ChangeRequest:
    """Queue an imported listing that looks like an existing one, for a moderator to decide."""
    require(actor, "import.run")
    change = ChangeRequest(
        target_type="service",
        target_id=existing.id,
        organisation_id=existing.organisation_id,
        kind="merge",
        proposed=proposal,
        submitted_by=actor.user_id,
        submitted_at=now,
    )
    db.add(change)
    return change


def decide_merge(
    db: Session, actor: Actor, change: ChangeRequest, decision: str, note: str = "", now: datetime | None = None
) -> Service | None:
    """Merge the imported row into the existing listing, add it as a separate one, or discard it."""
    require(actor, "change.decide", change)
    now = now or utcnow()
    if change.kind != "merge":
        raise InputError({"decision": ["This is not a proposed merge."]})
    if change.status != "pending":
        raise InputError({"decision": ["This proposed merge has already been decided."]})
    if decision not in MERGE_DECISIONS:
        raise InputError(
            {"decision": ["Choose whether these are the same service, different services, or discard the row."]}
        )
    proposal = change.proposed
    service = None
    if decision == "merge":
        service = db.get(Service, change.target_id)
        if service is None or service.archived_at is not None:
            raise InputError({"decision": ["The existing listing has been archived since: choose another decision."]})
        given = validate(ServiceInput(), proposal["service"])
        given = {name: given[name] for name in proposal["given"] if name in given and name != "location_ids"}
        update_service(
            db,
            actor,
            db.get(Organisation, service.organisation_id),
            service,
            given,
            proposal.get("attributes", {}),
            now,
            source="moderator",
        )
    elif decision == "separate":
        service = _add_proposed_listing(db, proposal, now)
    change.status = "rejected" if decision == "discard" else "approved"
    change.proposed = {**proposal, "decision": decision, "service_id": str(service.id) if service else None}
    change.decided_by, change.decided_at, change.note = actor.user_id, now, (note or "").strip()[:2000]
    db.add(change)
    db.flush()
    return service


def _add_proposed_listing(db: Session, proposal: dict, now: datetime) -> Service:
    source, org_data = proposal["source"], validate(OrganisationInput(), proposal["organisation"])
    new = NewRows()
    organisation = db.exec(
        select(Organisation).where(Organisation.name == org_data["name"], Organisation.archived_at.is_(None))
    ).first()
    if organisation is None:
        organisation = add_organisation(db, SYSTEM, new, org_data, source, proposal.get("organisation_source_id"), now)
    location_ids = []
    for raw in proposal.get("locations", []):
        data = validate(LocationInput(), raw) | {"geocode_source": raw.get("geocode_source", "given")}
        location_ids.append(add_location(db, SYSTEM, new, organisation, data, source, None, now).id)
    data = validate(ServiceInput(), proposal["service"])
    for schedule, index in zip(data["schedules"], proposal.get("schedule_locations", []), strict=False):
        schedule["location_id"] = location_ids[index] if index is not None else None
    data["location_ids"] = location_ids
    codes = data.get("categories", [])
    terms = list(db.exec(select(TaxonomyTerm).where(TaxonomyTerm.code.in_(codes)))) if codes else []
    added = add_service(
        db,
        SYSTEM,
        new,
        organisation,
        data,
        terms,
        source,
        proposal.get("source_id"),
        now,
        proposal.get("attributes", {}),
    )
    new.flush(db)
    return db.get(Service, added.id)


# Uploads (the admin screens) -----------------------------------------------------------------------

UPLOAD_SUFFIXES = (".csv", ".xlsx")
UPLOAD_LIMIT = 10 * 1024 * 1024


def save_upload(actor: Actor, folder: Path, file_name: str, data: bytes) -> str:
    """Keep an uploaded spreadsheet under a random name until its dry run is confirmed; returns the name."""
    require(actor, "import.run")
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(
            {
                "file": [
                    f"“{file_name or 'That file'}” is not a spreadsheet Signpost can read: choose a .csv or .xlsx file."
                ]
            }
        )
    if not data:
        raise InputError({"file": ["Choose a file to upload: the one chosen is empty."]})
    if len(data) > UPLOAD_LIMIT:
        raise InputError(
            {
                "file": [
                    f"The file is larger than {UPLOAD_LIMIT // 1024 // 1024} MB: split it, or "
                    "import it with the signpost import csv command."
                ]
            }
        )
    if (suffix == ".xlsx") != data.startswith(b"PK") or (suffix == ".csv" and b"\0" in data[:8192]):
        raise InputError(
            {
                "file": [
                    f"“{file_name}” does not hold what its name says: save it again as "
                    ".csv or .xlsx from your spreadsheet program."
                ]
            }
        )
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}{suffix}"
    (folder / name).write_bytes(data)
    return name


def upload_to_confirm(db: Session, actor: Actor, run: ImportRun, folder: Path) -> Path:
    """The stored upload behind a dry run, if it may still be imported for real."""
    require(actor, "import.run")
    if not run.dry_run or run.status != "finished":
        raise InputError({"run": ["Only a finished dry run can be confirmed."]})
    path = folder / (run.stored_file or "")
    if not run.stored_file or not path.is_file():
        raise InputError(
            {"run": ["This dry run has already been imported or its file is gone: upload the file again."]}
        )
    return path


def release_upload(db: Session, actor: Actor, run: ImportRun, folder: Path) -> None:
    """Forget a dry run's stored file once it has been imported (so it cannot be imported twice by mistake)."""
    require(actor, "import.run")
    if run.stored_file:
        (folder / run.stored_file).unlink(missing_ok=True)
        run.stored_file = None
        db.add(run)
        db.flush()
