"""`signpost import hsds`: Open Referral data into the directory through the import core.

Reading is liberal (hsds_read, hsds_values); each service becomes one ImportRecord keyed by its
HSDS id (and its organisation's), so re-importing the same data changes nothing and the core's
matching, batching, dry run and report apply as for spreadsheets. Problems that do not stop a
listing (a venue with no usable postcode, a time that cannot be read) are returned as notes,
each naming the file, the record and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError
from sqlmodel import select

from directory.models import TaxonomyTerm
from directory.permissions import SYSTEM, Actor
from directory.schemas.listing import LocationInput

from .core import ImportReport, run_import
from .hsds_map import Listing, map_graph
from .hsds_read import Graph, Problem, read_hsds
from .records import ImportRecord

ELIGIBILITY = ("min_age", "max_age", "groups_served", "circumstances", "eligibility_criteria", "open_to_all")
COSTS = ("is_free", "cost_description", "cost_min", "cost_max")
_LOCATION = LocationInput()
# Signpost's field -> the HSDS field a problem is reported under.
HSDS_FIELDS = {
    "organisation": "organization",
    "organisation.name": "organization.name",
    "organisation.website": "organization.website",
    "organisation.email": "organization.email",
    "organisation.logo_url": "organization.logo",
    "organisation.phone": "organization.phones",
    "service.website": "url",
    "service.min_age": "minimum_age",
    "service.max_age": "maximum_age",
    "service.eligibility_criteria": "eligibility_description",
    "service.cost_description": "fees_description",
    "service.cost_min": "cost_options",
    "service.cost_max": "cost_options",
    "service.is_free": "fees_description",
    "service.phone": "phones",
    "service.areas": "service_areas",
    "service.categories": "attributes",
    "service.last_verified_at": "assured_date",
    "service": "service",
    "location": "location",
    "location.postcode": "address.postal_code",
    "location.town": "address.city",
    "location.address_1": "address.address_1",
    "location.travel_notes": "location.transportation",
}


@dataclass
class HsdsResult:
    """The core's report, and the notes about what was read but could not be used as given."""

    report: ImportReport
    notes: list[Problem] = field(default_factory=list)


def read_records(database, path: Path, source: str) -> tuple[list[ImportRecord], list[Problem]]:
    """Read path (HSDS JSON or a CSV datapackage): one ImportRecord per service, and the notes."""
    graph = read_hsds(path)
    with database.sessionmaker() as session:
        terms = session.exec(select(TaxonomyTerm)).all()
    known = {t.code.casefold() for t in terms} | {t.name.casefold() for t in terms}
    records = list(to_records(graph, map_graph(graph, known), source))
    return records, [p for p in graph.problems if not p.rejected]


def import_hsds(
    database, path: Path, *, source: str, actor: Actor = SYSTEM, dry_run: bool = False, index=None, now=None
) -> HsdsResult:
    """Read path and import every service in it through the import core."""
    records, notes = read_records(database, path, source)
    report = run_import(
        database,
        records,
        source=source,
        actor=actor,
        file_name=Path(path).name,
        kind="hsds",
        dry_run=dry_run,
        now=now,
        index=index,
    )
    return HsdsResult(report, notes)


def to_records(graph: Graph, listings: list[Listing], source: str):
    """ImportRecords for the listings (and a rejected record for each record that could not be read)."""
    for problem in graph.problems:
        if problem.rejected:
            # Nothing usable was read: the placeholder names only stand in so that the core reports this
            # problem alone, not every field the unreadable record lacks.
            where = f"{problem.file} {problem.record}".strip()
            record = ImportRecord(
                source=source,
                row=where,
                organisation={"name": where[:200]},
                service={"name": where[:200]},
                values={"file": problem.file, "record": problem.record},
            )
            record.reject(problem.field or "record", problem.message)
            yield record
    for listing in listings:
        if listing.service is None:
            graph.problems.append(
                Problem(
                    *graph.where("organization", listing.organisation_key),
                    "services",
                    "an organisation with no services is not listed on its own",
                )
            )
            continue
        yield _record(graph, listing, source)


_CONCEALED = {"address_1", "address_2", "latitude", "longitude"}


def _record(graph: Graph, listing: Listing, source: str) -> ImportRecord:
    file, where = graph.where("service", listing.key)
    data = dict(listing.service)
    keys, locations, positions = data.pop("location_keys", []), [], {}
    for key in keys:
        location = listing.locations[key]
        problem = _location_problem(location)
        if problem:
            graph.problem(
                key,
                problem[0],
                f"{problem[1]} The venue is left out of “{data['name']}” and kept in its attributes.",
                kind="location",
            )
            if location.get("confidential"):  # kept without what a confidential venue never shows
                location = {k: v for k, v in location.items() if k not in _CONCEALED}
            data.setdefault("attributes", {}).setdefault("hsds", {}).setdefault("locations_not_imported", []).append(
                location
            )
            continue
        positions[key] = len(locations)
        locations.append(location)
    schedules = [
        {**{k: v for k, v in s.items() if k != "location_key"}, "location": positions.get(s["location_key"])}
        for s in data.pop("schedules", [])
    ]
    attributes = data.pop("attributes", {})
    record = ImportRecord(
        source=source,
        row=f"{file} {where}".strip(),
        source_id=listing.key,
        lenient=True,
        organisation_source_id=listing.organisation_key,
        organisation=listing.organisation or placeholder(source, listing.missing_organisation),
        service={k: v for k, v in data.items() if k not in ELIGIBILITY + COSTS + ("languages", "categories")},
        eligibility={k: data[k] for k in ELIGIBILITY if k in data},
        costs={k: data[k] for k in COSTS if k in data},
        locations=locations,
        schedules=schedules,
        languages=data.get("languages"),
        categories=data.get("categories"),
        attributes=attributes,
        columns={
            **HSDS_FIELDS,
            **{f"service.{name}": name for name in listing.service if f"service.{name}" not in HSDS_FIELDS},
        },
        values={"file": file, "record": where, "name": str(data.get("name") or "")},
    )
    missing = listing.missing_organisation
    if missing is not None:
        named = (
            f"“{missing}” names no organisation (with a name) in the data" if missing else "no organisation is given"
        )
        record.warn(
            "organization_id",
            f"{named}: imported under “{placeholder(source, missing)['name']}” to be checked.",
            missing or "(none)",
        )
    return record


def placeholder(source: str, missing: str) -> dict:
    """The stand-in organisation for a source's services that name organisation `missing` ("" for
    none), which its data does not hold: one per missing id, so naming it once fixes them all."""
    name = f"Organisation {missing} (not given in {source})" if missing else f"Organisation not given in {source}"
    return {
        "name": name[:200],
        "description": "The data these services came from did not include the organisation that runs them. "
        "A moderator should give this organisation its real name and details.",
    }


def _location_problem(location: dict) -> tuple[str, str] | None:
    try:
        _LOCATION.load(location)
    except ValidationError as exc:
        name, messages = next(iter(exc.messages.items()))
        text = " ".join(messages) if isinstance(messages, list) else str(messages)
        return ("address.postal_code" if name == "postcode" else name), text
    return None
