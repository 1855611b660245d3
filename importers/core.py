"""The import core that every importer (spreadsheets, Open Referral, mail) feeds.

How to use it:

    from importers.core import run_import
    from importers.records import ImportRecord

    records = (ImportRecord(source="calderdale", row=f"row {n}", organisation={...}, service={...}) ...)
    report = run_import(get_db(), records, source="calderdale", file_name="list.csv",
                        actor=actor, dry_run=False, batch_size=500, progress=callback,
                        index=get_search())

- records: any iterable of ImportRecord (importers/records.py documents every field). Read the
  file lazily; the core consumes it batch by batch.
- Each record is validated with the same marshmallow schemas as the forms (plus categories and
  postcodes); a bad record is rejected with its row, column and problem, never half-written.
- It is matched against the directory (importers/matching.py): by (source, source id) when the
  record has one, else by organisation + service name within the same source. A match is
  updated (only the fields the record gives) or left unchanged; a likely duplicate of another
  listing becomes a proposed merge (a ChangeRequest of kind "merge") for a moderator; anything
  else is created. Writes go through directory/operations/imports.py as the system, recorded in
  each listing's history with source "import".
- Every batch commits on its own: an error or Ctrl-C rolls back only the batch in progress, and
  the run is recorded as failed or interrupted. With dry_run=True the whole run happens in one
  transaction that is rolled back, so the report is the one a real import would give.
- progress(n) is called after each batch with the number of records it held.
- The search index is written once, after the last batch (index: the app's IndexSync);
  index_progress(done, total) follows that (services read so far, of how many).
- Every run is stored as an ImportRun (counts, rejects, outcomes); report.run_id names it.

Actions in the report: created, updated, unchanged, rejected, proposed_merge.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.freshness import DETAILS_TO_CHECK
from directory.models import Location, Organisation, Service, TaxonomyTerm, utcnow
from directory.operations import InputError
from directory.operations import imports as ops
from directory.operations.moderation import as_json
from directory.permissions import SYSTEM, Actor
from search.sync import DEFER

from .matching import DirectoryView, Listing, place_postcodes
from .prepare import Prepared, normalise_name, prepare
from .records import ImportRecord, Problem
from .values import CategoryReader

ACTIONS = ("created", "updated", "unchanged", "proposed_merge", "rejected")
COUNTED = (*ACTIONS, "warned")  # warned: rows imported with details to check
OUTCOMES_KEPT = 2000  # rows listed in a run's stored report (unchanged rows are only counted)
REBUILD_AT = 5000  # changed services (and half the directory) above which a fresh index is faster


class ImportFailed(Exception):
    """An import stopped part-way; the message says which batch and what was kept."""


@dataclass
class Outcome:
    """What happened to one row."""

    row: str
    action: str
    name: str
    service_id: uuid.UUID | None = None
    detail: str = ""


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    source: str
    dry_run: bool
    run_id: uuid.UUID | None = None
    counts: Counter = field(default_factory=Counter)
    outcomes: list[Outcome] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # {"row", "column", "problem", "values", "level"}
    unmapped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the whole file: columns, categories read as
    readings: dict = field(default_factory=dict)  # (column, wording) -> [read as, rows]
    column_warnings: Counter = field(default_factory=Counter)  # column -> rows with a warning there
    seconds: Counter = field(default_factory=Counter)  # time spent in each phase, for benchmarks

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.action] += 1
        self.outcomes.append(outcome)

    def reject(self, record: ImportRecord, problems: list[Problem]) -> None:
        self.counts["rejected"] += 1
        for problem in problems:
            self.rejects.append(
                {
                    "row": problem.row,
                    "column": problem.column,
                    "problem": problem.problem,
                    "values": record.values,
                    "level": "rejected",
                }
            )
        self.outcomes.append(Outcome(record.row, "rejected", _name(record), detail=problems[0].problem))

    def warn(self, record: ImportRecord) -> None:
        """Note a row imported with values left out or kept as details to check."""
        if record.warnings:
            self.counts["warned"] += 1
        for problem in record.warnings:
            self.rejects.append(
                {
                    "row": problem.row,
                    "column": problem.column,
                    "problem": problem.problem,
                    "values": record.values,
                    "level": "warning",
                }
            )
        for column in dict.fromkeys(problem.column for problem in record.warnings):
            self.column_warnings[column] += 1
        for column, wording, read_as in record.readings:
            self.readings.setdefault((column, wording), [read_as, 0])[1] += 1

    @property
    def warnings(self) -> list[dict]:
        """The warnings, in row order."""
        return [r for r in self.rejects if r.get("level") == "warning"]

    def read_as(self) -> list[str]:
        """One line per wording read as another category name: "'Legal and advocacy' read as …"."""
        return [
            f"{column}: ‘{wording}’ read as {read_as} ({rows} row{'s' if rows != 1 else ''})"
            for (column, wording), (read_as, rows) in self.readings.items()
        ]


def run_import(
    database,
    records: Iterable[ImportRecord],
    *,
    source: str,
    actor: Actor = SYSTEM,
    file_name: str = "",
    kind: str = "csv",
    dry_run: bool = False,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    index=None,
    columns: Iterable[str] = (),
    unmapped: Iterable[str] = (),
    settings: dict | None = None,
    stored_file: str | None = None,
    index_progress: Callable[[int, int], None] | None = None,
    advice: Callable[[ImportReport], list[str]] | None = None,
) -> ImportReport:
    """Import records in batches; returns the report (see the module docstring)."""
    now = now or utcnow()
    report = ImportReport(source, dry_run, unmapped=list(unmapped))
    with database.unit_of_work() as db:
        run = ops.start_run(
            db,
            actor,
            source=source,
            file_name=file_name,
            kind=kind,
            dry_run=dry_run,
            now=now,
            columns=list(columns),
            unmapped=report.unmapped,
            settings=settings or {},
            stored_file=stored_file,
        )
        report.run_id = run.id
    session = database.sessionmaker()
    session.info[DEFER] = True
    importer = _Importer(session, source, now, report, actor)
    status, message, first_row = "finished", "", None
    try:
        for batch in _batches(records, batch_size, report.seconds):
            first_row = batch[0].row
            importer.import_batch(batch)
            if not dry_run:
                started = time.perf_counter()
                session.commit()
                _save_run(database, report, "running")
                report.seconds["commit"] += time.perf_counter() - started
            if progress:
                progress(len(batch))
        session.rollback() if dry_run else session.commit()
        report.notes = report.read_as() + (advice(report) if advice else [])
    except KeyboardInterrupt:
        status, message = "interrupted", f"Stopped at the batch starting at {first_row}; earlier batches were imported."
        raise
    except Exception as exc:
        status = "failed"
        message = (
            f"The import stopped in the batch starting at {first_row} ({type(exc).__name__}: {exc}). "
            "That batch was not imported"
            + (
                "."
                if dry_run
                else "; earlier batches were. Fix the problem "
                "and import the file again: rows already imported are unchanged."
            )
        )
        raise ImportFailed(message) from exc
    finally:
        session.rollback()
        session.close()
        _save_run(database, report, status, message[:1000])
    if index is not None and not dry_run:
        reindex(index, index_progress)
    return report


def reindex(index, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the services an import changed to the search index; returns how many.

    progress(done, total), if given, follows the work: services read of all of them for a
    rebuild, or the changed services (all at once) when only those are written.
    """
    from search.maintenance import count_services, rebuild_index

    waiting = len(index.pending())
    with index.sessionmaker() as session:
        everything = count_services(session)
    if waiting > max(REBUILD_AT, everything / 2):
        done = itertools.count(1)
        rebuild_index(index, progress and (lambda: progress(next(done), everything)))
    else:
        if progress:
            progress(0, waiting)
        index.drain()
        if progress:
            progress(waiting, waiting)
    return waiting


def _save_run(database, report: ImportReport, status: str, message: str = "") -> None:
    from directory.models import ImportRun

    with database.unit_of_work() as db:
        run = db.get(ImportRun, report.run_id)
        run.status, run.message, run.counts = status, message, {a: report.counts.get(a, 0) for a in COUNTED}
        run.rejects = [
            {"row": "", "column": "", "problem": note, "values": {}, "level": "note"} for note in report.notes
        ] + list(report.rejects)
        listed = (o for o in report.outcomes if o.action != "unchanged")
        run.outcomes = [
            {"row": o.row, "action": o.action, "name": o.name, "detail": o.detail}
            for o in itertools.islice(listed, OUTCOMES_KEPT)
        ]
        if status != "running":
            run.finished_at = utcnow()
        db.add(run)


def _batches(records: Iterable[ImportRecord], size: int, seconds: Counter):
    iterator = iter(records)
    while True:
        started = time.perf_counter()
        batch = list(itertools.islice(iterator, max(1, size)))
        seconds["read"] += time.perf_counter() - started
        if not batch:
            return
        yield batch


def _name(record: ImportRecord) -> str:
    return str(record.service.get("name") or record.organisation.get("name") or "")


class _Importer:
    """The state one run keeps between batches: what the directory holds, and what the file held."""

    def __init__(self, session: Session, source: str, now: datetime, report: ImportReport, actor: Actor):
        self.db, self.source, self.now, self.report = session, source, now, report
        self.submitter = actor  # named on proposed merges; the writes themselves are the system's
        self.view = DirectoryView(session, source)
        terms = list(session.exec(select(TaxonomyTerm)))
        self.categories = CategoryReader.from_files([(t.code, t.name) for t in terms])
        self.terms = {t.code: t for t in terms}
        self.seen: dict[str, str] = {}  # listing key -> the row that gave it
        self.locations: dict[uuid.UUID, dict[tuple, uuid.UUID]] = {}
        self.new = ops.NewRows()  # rows added in this batch, inserted together at its end
        self.added: dict[uuid.UUID, ops.Added] = {}  # organisations this run added

    def import_batch(self, records: list[ImportRecord]) -> None:
        clock = _Clock(self.report.seconds)
        ready = [item for item in map(self._prepare, records) if item is not None]
        clock("validate")
        places = place_postcodes({p for item in ready for p in item.postcodes})
        ready = [item for item in ready if self._place(item, places)]
        clock("geocode")
        existing = self._load_services([self.view.same_listing(item) for item in ready])
        self._load_locations(ready)
        for item in ready:
            service = existing.get(self.view.same_listing(item))
            try:  # the operations validate before they write, so a refusal leaves nothing behind
                outcome = self._update(item, service) if service is not None else self._add(item)
            except InputError as exc:
                self.report.reject(item.record, [Problem(item.record.row, item.record.column(_field(exc)), str(exc))])
                continue
            self.report.add(outcome)
        clock("match and write")
        self.new.flush(self.db)
        self.db.flush()
        clock("flush")

    def _prepare(self, record: ImportRecord) -> Prepared | None:
        item = prepare(record, self.categories)  # also when the reader found problems: report them all
        if item is not None:
            earlier = self.seen.get(item.key)
            if earlier is not None:
                record.reject(
                    "service.name",
                    f"The same listing as {earlier} (same id, or same organisation and "
                    "service name): combine the two rows or give each its own id.",
                )
                item = None
            else:
                self.seen[item.key] = record.row
        if item is None:
            self.report.reject(record, record.problems)
        return item

    def _keep_details(self, item: Prepared) -> None:
        """Values left out of a row go with the listing as details to check, and flag it for review."""
        record = item.record
        self.report.warn(record)
        if record.details:
            item.attributes[DETAILS_TO_CHECK] = {"since": self.now.date().isoformat(), "cells": dict(record.details)}

    def _place(self, item: Prepared, places: dict) -> bool:
        for location in item.locations:
            if location.get("latitude") is not None:
                location["geocode_source"] = "given"
            elif location.get("postcode"):
                place = places[location["postcode"]]
                if isinstance(place, str) and item.record.lenient:
                    self._leave_out_venue(item, location, place)
                    continue
                if isinstance(place, str):
                    item.record.reject("location.postcode", place)
                    self.report.reject(item.record, item.record.problems)
                    return False
                location["latitude"], location["longitude"] = place.latitude, place.longitude
                location["geocode_source"] = place.precision
        self._keep_details(item)
        return True

    def _leave_out_venue(self, item: Prepared, location: dict, problem: str) -> None:
        index = item.locations.index(location)
        item.locations.pop(index)
        item.postcodes.remove(location["postcode"])
        item.schedule_locations = [
            None if i == index else (i - 1 if i is not None and i > index else i) for i in item.schedule_locations
        ]
        column = item.record.column("location.postcode")
        item.record.warn(
            column,
            f"The venue was left out: {problem.rstrip('.')}. Imported with "
            f"“{location['postcode']}” kept as a detail to check.",
            location["postcode"],
        )

    def _load_services(self, ids: list) -> dict[uuid.UUID, Service]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        query = (
            select(Service)
            .where(Service.id.in_(wanted))
            .options(
                selectinload(Service.terms),
                selectinload(Service.location_links),
                *(selectinload(getattr(Service, key)) for key in ops.SERVICE_CHILDREN),
            )
        )
        return {s.id: s for s in self.db.exec(query) if s.archived_at is None}

    def _load_locations(self, items: list[Prepared]) -> None:
        wanted = {self._organisation_id(item) for item in items} - set(self.locations) - {None}
        for org_id in wanted:
            self.locations[org_id] = {}
        if wanted:
            for location in self.db.exec(
                select(Location).where(Location.organisation_id.in_(wanted), Location.archived_at.is_(None))
            ):
                self.locations[location.organisation_id].setdefault(_venue_key(location.model_dump()), location.id)

    def _organisation_id(self, item: Prepared) -> uuid.UUID | None:
        sid = item.record.organisation_source_id
        return (self.view.organisation_ids.get(sid) if sid else None) or self.view.organisations.get(
            normalise_name(item.organisation["name"])
        )

    def _organisation(self, item: Prepared) -> Organisation:
        org_id = self._organisation_id(item)
        if org_id in self.added:  # the file's first row for an organisation gives its details
            return self.added[org_id]
        if org_id is not None:
            organisation = self.db.get(Organisation, org_id)
            if organisation.source == self.source:  # another source's (or an editor's) details are left alone
                ops.update_organisation(self.db, SYSTEM, organisation, item.organisation, self.now)
            return organisation
        organisation = ops.add_organisation(
            self.db, SYSTEM, self.new, item.organisation, self.source, item.record.organisation_source_id, self.now
        )
        self.view.organisations[normalise_name(organisation.name)] = organisation.id
        self.added[organisation.id] = organisation
        if item.record.organisation_source_id:
            self.view.organisation_ids[item.record.organisation_source_id] = organisation.id
        self.locations[organisation.id] = {}
        return organisation

    def _venues(self, item: Prepared, organisation: Organisation) -> list[uuid.UUID]:
        known = self.locations.setdefault(organisation.id, {})
        ids = []
        for data in item.locations:
            key = _venue_key(data)
            if key not in known:
                location = ops.add_location(self.db, SYSTEM, self.new, organisation, data, self.source, None, self.now)
                known[key] = location.id
            ids.append(known[key])
        return ids

    def _service_data(self, item: Prepared, location_ids: list[uuid.UUID]) -> dict:
        data = dict(item.service, location_ids=location_ids)
        data["schedules"] = [
            dict(s, location_id=location_ids[i] if i is not None else None)
            for s, i in zip(item.service["schedules"], item.schedule_locations, strict=False)
        ]
        return data

    def _update(self, item: Prepared, service: Service) -> Outcome:
        organisation = self.db.get(Organisation, service.organisation_id)
        merged = self.view.merges.get(item.key)
        if merged is not None and merged.target_id == service.id:
            # Merged by a moderator into a listing of another source: it keeps its own venues.
            data, given = self._service_data(item, [None] * len(item.locations)), item.given - {"location_ids"}
        else:
            data, given = self._service_data(item, self._venues(item, organisation)), item.given
        given = {name: data[name] for name in given if name in data}
        checked = service.attributes.get(DETAILS_TO_CHECK)
        details = item.attributes.get(DETAILS_TO_CHECK)
        if details and checked and checked.get("cells") == details["cells"]:
            item.attributes[DETAILS_TO_CHECK] = checked  # the same details as before: still from the first import
        elif item.record.lenient and not details and checked:
            item.attributes[DETAILS_TO_CHECK] = None  # the file now reads cleanly: nothing left to check
        self.new.flush(self.db)  # a venue just added must exist before the listing links to it
        changed = ops.update_service(self.db, SYSTEM, organisation, service, given, item.attributes, self.now)
        return Outcome(item.record.row, "updated" if changed else "unchanged", item.name, service.id)

    def _add(self, item: Prepared) -> Outcome:
        row = item.record.row
        merge = self.view.merges.get(item.key)
        if merge is not None:
            decision = merge.proposed.get("decision")
            detail = (
                "discarded by a moderator"
                if decision == "discard"
                else "already waiting for a moderator as a possible duplicate"
            )
            return Outcome(row, "unchanged", item.name, merge.target_id, detail)
        duplicate = self.view.likely_duplicate(item, self._organisation_id(item))
        if duplicate is not None:
            return self._propose_merge(item, *duplicate)
        organisation = self._organisation(item)
        data = self._service_data(item, self._venues(item, organisation))
        terms = [self.terms[code] for code in dict.fromkeys(data.get("categories", []))]
        service = ops.add_service(
            self.db,
            SYSTEM,
            self.new,
            organisation,
            data,
            terms,
            self.source,
            item.record.source_id,
            self.now,
            item.attributes,
        )
        self.view.add(
            Listing(
                service.id,
                organisation.id,
                normalise_name(service.name),
                normalise_name(organisation.name),
                self.source,
                item.record.source_id,
                set(item.postcodes),
            )
        )
        return Outcome(row, "created", item.name, service.id)

    def _propose_merge(self, item: Prepared, listing: Listing, score: int) -> Outcome:
        proposal = {
            "source": self.source,
            "source_id": item.record.source_id,
            "key": item.key,
            "row": item.record.row,
            "run_id": str(self.report.run_id),
            "score": score,
            "organisation_source_id": item.record.organisation_source_id,
            "organisation": as_json(item.organisation),
            "locations": [as_json(location) for location in item.locations],
            "service": as_json({k: v for k, v in item.service.items() if k != "location_ids"}),
            "schedule_locations": item.schedule_locations,
            "given": sorted(item.given),
            "attributes": item.attributes,
        }
        existing = self.db.get(Service, listing.id)
        change = ops.propose_merge(self.db, self.submitter, existing, proposal, self.now)
        self.view.merges[item.key] = change
        return Outcome(
            item.record.row,
            "proposed_merge",
            item.name,
            listing.id,
            f"looks like “{existing.name}” (similarity {score}%)",
        )


class _Clock:
    """Adds the time since the last call to a phase's total."""

    def __init__(self, seconds: Counter):
        self.seconds, self.last = seconds, time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] += now - self.last
        self.last = now


def _venue_key(data: dict) -> tuple:
    return (
        data.get("postcode"),
        normalise_name(data.get("name") or data.get("address_1") or ""),
        data.get("location_type") or "physical",
        data.get("url"),
    )


def _field(exc: InputError) -> str:
    name = next(iter(exc.messages), "service")
    return name if "." in name else f"service.{name}"
