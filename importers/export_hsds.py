"""Write the directory as Open Referral (HSDS 3.0): a CSV datapackage and the same services as JSON.

The records are the Open Referral UK feed's own (directory/schemas/oruk.py builds both). Signpost knows things HSDS has no field for (referral routes, seasons, groups served, why a
service is closed...). They are written as HSDS attributes whose taxonomy term is
`signpost:<field>` with the exact value as JSON, so `signpost import hsds` reads an export back
into the same listings, and other tools can ignore them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from directory import spreadsheet
from directory.models import Organisation, Service
from directory.operations.oruk_queries import load_full_services, service_terms, taxonomies
from directory.operations.snapshots import as_json
from directory.schemas.oruk import FACTS_TAXONOMY, Shapes, web_link

from .hsds_map import (
    SIGNPOST_LOCATION_FIELDS,
    SIGNPOST_PREFIX,
    SIGNPOST_SERVICE_FIELDS,
    SIGNPOST_TAXONOMY,
)

NAMESPACE = uuid.UUID("6f1c1e64-33b5-4d1b-9a3e-3e5b0f6d2c11")  # ids for rows Signpost keeps no id for
HSDS_STATUS = {"temporarily_closed": "temporarily closed"}
TABLES = {
    "organizations": ["id", "name", "alternate_name", "description", "email", "website", "logo", "uri"],
    "organization_identifiers": ["id", "organization_id", "identifier_scheme", "identifier_type", "identifier"],
    "services": [
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "fees_description",
        "application_process",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "alert",
        "last_modified",
    ],
    "locations": [
        "id",
        "organization_id",
        "location_type",
        "url",
        "name",
        "description",
        "transportation",
        "latitude",
        "longitude",
    ],
    "addresses": [
        "id",
        "location_id",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    "accessibility": ["id", "location_id", "description", "details", "url"],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "phones": [
        "id",
        "location_id",
        "service_id",
        "organization_id",
        "contact_id",
        "service_at_location_id",
        "number",
        "extension",
        "type",
        "description",
    ],
    "schedules": [
        "id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "valid_from",
        "valid_to",
        "freq",
        "interval",
        "byday",
        "description",
        "opens_at",
        "closes_at",
        "attending_type",
        "notes",
    ],
    "languages": ["id", "service_id", "location_id", "phone_id", "name", "code", "note"],
    "cost_options": [
        "id",
        "service_id",
        "valid_from",
        "valid_to",
        "option",
        "currency",
        "amount",
        "amount_description",
    ],
    "funding": ["id", "organization_id", "service_id", "source"],
    "service_areas": ["id", "service_id", "name", "description", "extent", "extent_type", "uri"],
    "contacts": ["id", "service_id", "name", "title"],
    "taxonomies": ["id", "name", "description", "uri", "version"],
    "taxonomy_terms": [
        "id",
        "code",
        "name",
        "description",
        "parent_id",
        "taxonomy",
        "language",
        "taxonomy_id",
        "term_uri",
    ],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"],
}


def _id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


TAXONOMIES = {
    FACTS_TAXONOMY: {
        "id": _id("taxonomy", FACTS_TAXONOMY),
        "name": FACTS_TAXONOMY,
        "description": "Facts about a listing the Open Referral UK feed shows as attributes",
        "uri": "",
        "version": "1",
    },
    SIGNPOST_TAXONOMY: {
        "id": _id("taxonomy", SIGNPOST_TAXONOMY),
        "name": SIGNPOST_TAXONOMY,
        "description": "Facts Signpost keeps that HSDS has no field for; the value is JSON",
        "uri": "",
        "version": "1",
    },
}


def export_hsds(session: Session, out_dir: Path, link: Callable[[str, object], str] = web_link) -> dict:
    """Write datapackage.json, one CSV per HSDS table, and services.json; returns counts.

    link: makes the absolute addresses of pages (the default needs a request context, as the feed has).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shapes, services = hsds_services(session, link)
    organisations = session.exec(
        select(Organisation).where(Organisation.archived_at.is_(None)).order_by(Organisation.name, Organisation.id)
    ).all()
    tables = flatten(
        [shapes.organization(o) for o in organisations],
        services,
        [shapes.taxonomy(t) for t in shapes.taxonomies.values()],
    )
    for name, columns in TABLES.items():
        with (out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = spreadsheet.dict_writer(handle, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(tables[name])
    package = {
        "name": "signpost-export",
        "title": "Signpost directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": "3.0",
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "schema": {"fields": [{"name": c, "type": "string"} for c in columns]},
            }
            for name, columns in TABLES.items()
        ],
    }
    (out_dir / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    page = {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
    }
    (out_dir / "services.json").write_text(json.dumps(page, indent=1, ensure_ascii=False), encoding="utf-8")
    return {
        "organisations": len(tables["organizations"]),
        "services": len(services),
        "locations": len(tables["locations"]),
    }


def hsds_services(session: Session, link: Callable[[str, object], str]) -> tuple[Shapes, list[dict]]:
    """Every service that is not archived, as the feed's full record with Signpost's exact fields added."""
    services = list(
        session.exec(
            select(Service)
            .join(Organisation)
            .where(Service.archived_at.is_(None), Organisation.archived_at.is_(None))
            .order_by(Service.name, Service.id)
        )
    )
    load_full_services(session, services)
    shapes = Shapes(link, taxonomies(session), service_terms(session, [s.id for s in services]))
    return shapes, [_service(shapes, service) for service in services]


def _service(shapes: Shapes, service: Service) -> dict:
    record = shapes.service(service)
    sid = record["id"]
    exact = _signpost_attributes(sid, "service", service, SIGNPOST_SERVICE_FIELDS)
    # Fields the feed words for people ("Free: £2", "For: Carers."): their stored value as well.
    for field, hsds in (
        ("description", "description"),
        ("eligibility_criteria", "eligibility_description"),
        ("alert", "alert"),
    ):
        if (record.get(hsds) or None) != (getattr(service, field) or None):
            exact.append(_exact(sid, "service", field, getattr(service, field)))
    record["attributes"] = record.get("attributes", []) + exact
    for sal in record.get("service_at_locations", []):
        location = next(link.location for link in service.location_links if str(link.id) == sal["id"])
        sal["location"]["attributes"] = sal["location"].get("attributes", []) + _signpost_attributes(
            sal["location"]["id"], "location", location, SIGNPOST_LOCATION_FIELDS
        )
    return record


def _attribute(link_id: str, entity: str, taxonomy: str, code: str, name: str, value: str) -> dict:
    term = {
        "id": _id("term", taxonomy, code),
        "code": code,
        "name": name,
        "description": name,
        "taxonomy": taxonomy,
        "taxonomy_id": TAXONOMIES[taxonomy]["id"],
    }
    return {
        "id": _id(link_id, "attribute", code),
        "link_id": link_id,
        "link_type": "taxonomy_term",
        "link_entity": entity,
        "taxonomy_term_id": term["id"],
        "value": value,
        "taxonomy_term": term,
    }


def _exact(link_id: str, entity: str, name: str, value) -> dict:
    return _attribute(
        link_id, entity, SIGNPOST_TAXONOMY, f"{SIGNPOST_PREFIX}{name}", name, json.dumps(as_json(value), sort_keys=True)
    )


def _signpost_attributes(link_id: str, entity: str, record, defaults: dict) -> list[dict]:
    attributes = []
    for name, default in defaults.items():
        value = getattr(record, name)
        if value == default and name != "is_free":
            continue
        if isinstance(value, list) and value and hasattr(value[0], "service_id"):
            value = [
                {k: v for k, v in as_json(row.model_dump()).items() if k not in ("id", "service_id")} for row in value
            ]
        attributes.append(_exact(link_id, entity, name, value))
    return attributes


def flatten(organisations: list[dict], services: list[dict], taxonomies: list[dict]) -> dict[str, list[dict]]:
    """The HSDS tables (one list of rows per CSV) for these organisations and service records."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["taxonomies"] = [*taxonomies, *TAXONOMIES.values()]
    terms, locations = {}, {}

    def add_attributes(attributes: list[dict]) -> None:
        for attribute in attributes:
            term = attribute["taxonomy_term"]
            terms[term["id"]] = {**term, "taxonomy_id": term.get("taxonomy_id") or TAXONOMIES[term["taxonomy"]]["id"]}
            tables["attributes"].append(attribute)

    def add(table: str, rows: list[dict], **links) -> None:
        tables[table].extend({**row, **links} for row in rows)

    for organisation in organisations:
        tables["organizations"].append(organisation)
        add("phones", organisation.get("phones", []), organization_id=organisation["id"])
        add("organization_identifiers", organisation.get("organization_identifiers", []))
    for service in services:
        sid = service["id"]
        tables["services"].append(service)
        for key in ("phones", "schedules", "languages", "funding", "cost_options", "service_areas", "contacts"):
            add(key, service.get(key, []), service_id=sid)
        add_attributes(service.get("attributes", []))
        for sal in service.get("service_at_locations", []):
            add("service_at_location", [sal], service_id=sid)
            locations[sal["location"]["id"]] = sal["location"]
    for location in sorted(locations.values(), key=lambda loc: loc["id"]):
        tables["locations"].append(location)
        add("addresses", location.get("addresses", []), location_id=location["id"])
        add("accessibility", location.get("accessibility", []), location_id=location["id"])
        add_attributes(location.get("attributes", []))
    tables["taxonomy_terms"] = sorted(terms.values(), key=lambda t: t["id"])
    return tables
