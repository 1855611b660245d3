"""Write the directory as Open Referral (HSDS 3.0): a CSV datapackage and the same services as JSON.

Signpost knows things HSDS has no field for (referral routes, seasons, groups served, why a
service is closed...). They are written as HSDS attributes whose taxonomy term is
`signpost:<field>` with the exact value as JSON, so `signpost import hsds` reads an export back
into the same listings, and other tools can ignore them.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory import spreadsheet
from directory.models import Location, Organisation, Service, ServiceAtLocation
from directory.operations.moderation import as_json
from directory.presenters import LANGUAGE_NAMES

from .hsds_map import (
    CATEGORY_TAXONOMY,
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
    "services": ["id", "organization_id", "name", "description", "url", "email", "status", "fees_description",
                 "eligibility_description", "minimum_age", "maximum_age", "assured_date", "alert", "last_modified"],
    "locations": ["id", "organization_id", "location_type", "url", "name", "description", "transportation",
                  "latitude", "longitude"],
    "addresses": ["id", "location_id", "address_1", "address_2", "city", "region", "state_province", "postal_code",
                  "country", "address_type"],
    "accessibility": ["id", "location_id", "description", "details", "url"],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "phones": ["id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number",
               "extension", "type", "description"],
    "schedules": ["id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "freq",
                  "interval", "byday", "description", "opens_at", "closes_at"],
    "languages": ["id", "service_id", "location_id", "phone_id", "name", "code", "note"],
    "cost_options": ["id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description"],
    "funding": ["id", "organization_id", "service_id", "source"],
    "service_areas": ["id", "service_id", "name", "description", "extent", "extent_type", "uri"],
    "taxonomies": ["id", "name", "description", "uri", "version"],
    "taxonomy_terms": ["id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value", "label"],
}


def _id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


TAXONOMIES = {
    CATEGORY_TAXONOMY: {"id": _id("taxonomy", CATEGORY_TAXONOMY), "name": CATEGORY_TAXONOMY,
                        "description": "Signpost's categories for social prescribing", "uri": "", "version": "1"},
    SIGNPOST_TAXONOMY: {"id": _id("taxonomy", SIGNPOST_TAXONOMY), "name": SIGNPOST_TAXONOMY,
                        "description": "Facts Signpost keeps that HSDS has no field for; the value is JSON",
                        "uri": "", "version": "1"},
}


def export_hsds(session: Session, out_dir: Path) -> dict:
    """Write datapackage.json, one CSV per HSDS table, and services.json; returns counts."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    services = hsds_services(session)
    organisations = session.exec(select(Organisation).where(Organisation.archived_at.is_(None))
                                 .order_by(Organisation.name, Organisation.id)).all()
    tables = flatten([_without_none(_organisation(o)) for o in organisations], services)
    for name, columns in TABLES.items():
        with (out_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = spreadsheet.dict_writer(handle, columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(tables[name])
    package = {
        "name": "signpost-export", "title": "Signpost directory (Open Referral HSDS 3.0)", "profile": "tabular-data-package",
        "version": "3.0", "resources": [
            {"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
             "schema": {"fields": [{"name": c, "type": "string"} for c in columns]}}
            for name, columns in TABLES.items()
        ],
    }
    (out_dir / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    page = {"total_items": len(services), "total_pages": 1, "page_number": 1, "size": len(services),
            "first_page": True, "last_page": True, "empty": not services, "contents": services}
    (out_dir / "services.json").write_text(json.dumps(page, indent=1, ensure_ascii=False), encoding="utf-8")
    return {"organisations": len(tables["organizations"]), "services": len(services), "locations": len(tables["locations"])}


def hsds_services(session: Session) -> list[dict]:
    """Every service that is not archived, as a full HSDS 3.0 service record."""
    query = (
        select(Service).where(Service.archived_at.is_(None)).order_by(Service.name, Service.id)
        .options(selectinload(Service.organisation), selectinload(Service.schedules), selectinload(Service.terms),
                 selectinload(Service.funding), selectinload(Service.areas), selectinload(Service.referral_routes),
                 selectinload(Service.seasons),
                 selectinload(Service.location_links).selectinload(ServiceAtLocation.location))
    )
    return [_without_none(_service(service)) for service in session.exec(query)]


def _without_none(value):
    """HSDS JSON leaves a field out rather than giving null."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _service(service: Service) -> dict:
    sid = str(service.id)
    links = sorted((link for link in service.location_links if link.location.archived_at is None),
                   key=lambda link: str(link.location_id))
    sal_of = {link.location_id: str(link.id) for link in links}
    schedules = sorted(service.schedules, key=lambda s: (s.weekday, str(s.opens_at), str(s.id)))
    record = {
        "id": sid, "organization_id": str(service.organisation_id), "name": service.name,
        "description": service.description, "url": service.website, "email": service.email,
        "status": HSDS_STATUS.get(service.status, service.status),
        "fees_description": service.cost_description or ("Free" if service.is_free else None),
        "eligibility_description": service.eligibility_criteria or None,
        "minimum_age": service.min_age, "maximum_age": service.max_age,
        "assured_date": service.last_verified_at.date().isoformat() if service.last_verified_at else None,
        "alert": service.alert, "last_modified": as_json(service.updated_at),
        "phones": [{"id": _id(sid, "phone"), "number": service.phone}] if service.phone else [],
        "schedules": [_schedule(s) for s in schedules if s.location_id not in sal_of],
        "service_areas": [{"id": str(a.id), "name": a.name, "description": a.area_type.replace("_", " "),
                           "extent": a.code, "extent_type": "text"} for a in service.areas],
        "service_at_locations": [{
            "id": str(link.id), "location_id": str(link.location_id), "description": link.description or None,
            "schedules": [_schedule(s) for s in schedules if s.location_id == link.location_id],
            "location": _location(link.location),
        } for link in links],
        "languages": [{"id": _id(sid, "language", code), "name": LANGUAGE_NAMES.get(code, code), "code": code}
                      for code in service.languages],
        "organization": _organisation(service.organisation),
        "funding": [{"id": str(f.id), "source": f.source} for f in service.funding if f.source],
        "cost_options": [{"id": _id(sid, "cost", value), "currency": "GBP", "amount": float(value)}
                         for value in dict.fromkeys(v for v in (service.cost_min, service.cost_max) if v)],
        "attributes": [_attribute(sid, "service", CATEGORY_TAXONOMY, term.code, term.name, "")
                       for term in sorted(service.terms, key=lambda t: t.code)],
    }
    record["attributes"] += _signpost_attributes(sid, "service", service, SIGNPOST_SERVICE_FIELDS)
    return record


def _schedule(schedule) -> dict:
    nth = f"{schedule.week_of_month}" if schedule.frequency == "monthly" and schedule.week_of_month else ""
    return {
        "id": str(schedule.id), "freq": "MONTHLY" if schedule.frequency == "monthly" else "WEEKLY", "interval": 1,
        "byday": f"{nth}{schedule.weekday}", "opens_at": as_json(schedule.opens_at), "closes_at": as_json(schedule.closes_at),
        "valid_from": as_json(schedule.valid_from), "valid_to": as_json(schedule.valid_to),
        "description": schedule.description or None,
        "location_id": str(schedule.location_id) if schedule.location_id else None,
    }


def _location(location: Location) -> dict:
    lid = str(location.id)
    return {
        "id": lid, "organization_id": str(location.organisation_id) if location.organisation_id else None,
        "location_type": location.location_type, "url": location.url, "name": location.name,
        "description": location.description or None, "transportation": location.travel_notes or None,
        "latitude": location.latitude, "longitude": location.longitude,
        "addresses": [{
            "id": _id(lid, "address"), "address_1": location.address_1 or "", "address_2": location.address_2,
            "city": location.town or "", "region": None, "state_province": "", "postal_code": location.postcode or "",
            "country": "GB", "address_type": "physical",
        }] if location.location_type == "physical" else [],
        "accessibility": [{"id": _id(lid, "accessibility"), "description": location.accessibility}]
        if location.accessibility else [],
        "attributes": _signpost_attributes(lid, "location", location, SIGNPOST_LOCATION_FIELDS),
    }


def _organisation(organisation: Organisation) -> dict:
    oid = str(organisation.id)
    identifiers = []
    if organisation.charity_number:
        scheme = "GB-SC" if organisation.charity_number.upper().startswith("SC") else "GB-CHC"
        identifiers.append({"id": _id(oid, "charity"), "identifier_scheme": scheme,
                            "identifier_type": "Charity number", "identifier": organisation.charity_number})
    if organisation.company_number:
        identifiers.append({"id": _id(oid, "company"), "identifier_scheme": "GB-COH",
                            "identifier_type": "Company number", "identifier": organisation.company_number})
    return {
        "id": oid, "name": organisation.name, "description": organisation.description, "email": organisation.email,
        "website": organisation.website, "logo": organisation.logo_url,
        "phones": [{"id": _id(oid, "phone"), "number": organisation.phone}] if organisation.phone else [],
        "organization_identifiers": identifiers,
    }


def _attribute(link_id: str, entity: str, taxonomy: str, code: str, name: str, value: str) -> dict:
    term = {"id": _id("term", taxonomy, code), "code": code, "name": name, "description": "",
            "taxonomy": taxonomy, "taxonomy_id": TAXONOMIES[taxonomy]["id"]}
    return {"id": _id(link_id, "attribute", code), "link_id": link_id, "link_type": "taxonomy_term",
            "link_entity": entity, "taxonomy_term_id": term["id"], "value": value, "taxonomy_term": term}


def _signpost_attributes(link_id: str, entity: str, record, defaults: dict) -> list[dict]:
    attributes = []
    for name, default in defaults.items():
        value = getattr(record, name)
        if value == default and name != "is_free":
            continue
        if isinstance(value, list) and value and hasattr(value[0], "service_id"):
            value = [{k: v for k, v in as_json(row.model_dump()).items() if k not in ("id", "service_id")} for row in value]
        attributes.append(_attribute(link_id, entity, SIGNPOST_TAXONOMY, f"{SIGNPOST_PREFIX}{name}", name,
                                     json.dumps(as_json(value), sort_keys=True)))
    return attributes


def flatten(organisations: list[dict], services: list[dict]) -> dict[str, list[dict]]:
    """The HSDS tables (one list of rows per CSV) for these organisations and service records."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["taxonomies"] = list(TAXONOMIES.values())
    terms, locations = {}, {}

    def add_attributes(attributes: list[dict]) -> None:
        for attribute in attributes:
            terms[attribute["taxonomy_term"]["id"]] = attribute["taxonomy_term"]
            tables["attributes"].append(attribute)

    for organisation in organisations:
        tables["organizations"].append(organisation)
        for phone in organisation["phones"]:
            tables["phones"].append({**phone, "organization_id": organisation["id"]})
        for identifier in organisation["organization_identifiers"]:
            tables["organization_identifiers"].append({**identifier, "organization_id": organisation["id"]})
    for service in services:
        sid = service["id"]
        tables["services"].append(service)
        for phone in service["phones"]:
            tables["phones"].append({**phone, "service_id": sid})
        for schedule in service["schedules"]:
            tables["schedules"].append({**schedule, "service_id": sid})
        for key, table in (("languages", "languages"), ("funding", "funding"), ("cost_options", "cost_options"),
                           ("service_areas", "service_areas")):
            tables[table].extend({**row, "service_id": sid} for row in service[key])
        add_attributes(service["attributes"])
        for sal in service["service_at_locations"]:
            tables["service_at_location"].append({**sal, "service_id": sid})
            for schedule in sal["schedules"]:
                tables["schedules"].append({**schedule, "service_id": sid, "service_at_location_id": sal["id"]})
            locations[sal["location"]["id"]] = sal["location"]
    for location in sorted(locations.values(), key=lambda loc: loc["id"]):
        tables["locations"].append(location)
        tables["addresses"].extend({**a, "location_id": location["id"]} for a in location["addresses"])
        tables["accessibility"].extend({**a, "location_id": location["id"]} for a in location["accessibility"])
        add_attributes(location["attributes"])
    tables["taxonomy_terms"] = sorted(terms.values(), key=lambda t: t["id"])
    return tables
