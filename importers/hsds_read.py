"""Read Open Referral data (HSDS 3.0 JSON, HSDS 3.0 and 1.1 CSV datapackages) into one graph.

Every format is read into the same shape, the HSDS 3.0 JSON one: organisations, locations and
services keyed by their HSDS id, each service carrying its nested phones, schedules, costs,
languages, contacts, areas, attributes and service_at_locations. Each record remembers where it
came from (file and row or record), so every problem can be reported precisely.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from directory.spreadsheet import read_cell

# HSDS 1.1 weekdays are numbered from Monday (1) to Sunday (7).
WEEKDAY_NAMES = {
    "1": "MO",
    "2": "TU",
    "3": "WE",
    "4": "TH",
    "5": "FR",
    "6": "SA",
    "7": "SU",
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}


@dataclass
class Problem:
    """Something wrong in the input: where (file, record), which field, and what."""

    file: str
    record: str
    field: str
    message: str
    rejected: bool = False  # True when the record was not imported at all

    def __str__(self) -> str:
        where = f"{self.file} {self.record}".strip()
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Graph:
    """HSDS records keyed by id, in HSDS 3.0 JSON shape; `origin` says where each came from, by
    (kind, id): exports reuse ids across tables, so a venue and a service may share one."""

    organisations: dict[str, dict] = field(default_factory=dict)
    locations: dict[str, dict] = field(default_factory=dict)
    services: dict[str, dict] = field(default_factory=dict)
    terms: dict[str, dict] = field(default_factory=dict)
    origin: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problem(
        self, hsds_id: str, field_name: str, message: str, rejected: bool = False, kind: str = "service"
    ) -> None:
        """Record a problem with the record of this kind (service, location, organization) and HSDS id."""
        file, record = self.where(kind, hsds_id)
        self.problems.append(Problem(file, record, field_name, message, rejected))

    def where(self, kind: str, hsds_id: str) -> tuple[str, str]:
        """The file and row or record a record came from."""
        return self.origin.get((kind, hsds_id), ("", hsds_id))


class ReadError(Exception):
    """The path cannot be read as Open Referral data at all (the message says what to do)."""


def read_hsds(path: Path) -> Graph:
    """Read a JSON file, a directory of JSON files, or a CSV datapackage (file or directory)."""
    path = Path(path)
    graph = Graph()
    if path.is_dir():
        packages = sorted({p.parent for p in path.rglob("*.csv") if p.name in ("services.csv", "organizations.csv")})
        files = sorted(
            p
            for p in path.rglob("*.json")
            if p.is_file() and p.name != "datapackage.json" and not any(p.is_relative_to(folder) for folder in packages)
        )
        if not files and not packages:
            raise ReadError(f"{path} holds no .json files and no datapackage: give HSDS JSON or a CSV datapackage.")
        for folder in packages:
            _read_datapackage(folder, graph)
        for file in files:
            _read_json_file(file, graph, path)
        return graph
    if not path.exists():
        raise ReadError(f"{path} does not exist.")
    if path.name == "datapackage.json" or path.suffix.lower() == ".csv":
        _read_datapackage(path.parent, graph)
    else:
        _read_json_file(path, graph, path.parent)
    return graph


# --- JSON ---------------------------------------------------------------------------------


def _read_json_file(file: Path, graph: Graph, base: Path) -> None:
    name = str(file.relative_to(base)) if file.is_relative_to(base) else file.name
    try:
        document = json.loads(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        graph.problems.append(Problem(name, "", "", "not UTF-8 text; save it as UTF-8 JSON", True))
        return
    except json.JSONDecodeError as exc:
        graph.problems.append(Problem(name, f"line {exc.lineno}", "", f"not valid JSON ({exc.msg})", True))
        return
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        items = document["contents"]  # a page saved from an ORUK API
        pointer = "contents/{}"
    elif isinstance(document, list):
        items, pointer = document, "[{}]"
    else:
        items, pointer = [document], "record"
    for number, item in enumerate(items):
        where = pointer.format(number) if "{}" in pointer else pointer
        if not isinstance(item, dict):
            graph.problems.append(Problem(name, where, "", "not a JSON object; skipped", True))
            continue
        kind = classify(item)
        if kind is None:
            if set(item) - {"version", "profile", "openapi_url", "total_items"}:
                graph.problems.append(
                    Problem(name, where, "", "not an organisation, service, location or taxonomy term; skipped")
                )
            continue
        label = f"{where} ({item.get('id') or 'no id'})"
        add_record(graph, kind, item, (name, label))


def classify(item: dict) -> str | None:
    """Which HSDS record an object is: service, organization, location, service_at_location or term."""
    if "location" in item and "service" in item:
        return "service_at_location"
    if "location_type" in item or "addresses" in item:
        return "location"
    if {"status", "service_at_locations", "organization"} & set(item) or (
        "organization_id" in item and "services" not in item
    ):
        return "service"
    if "term_uri" in item or "taxonomy_detail" in item or ("code" in item and "taxonomy" in item):
        return "term"
    if "name" in item and (
        {"services", "website", "organization_identifiers", "legal_status", "description"} & set(item)
    ):
        return "organization"
    return None


def add_record(graph: Graph, kind: str, item: dict, origin: tuple[str, str]) -> None:
    """Add a nested JSON record (and the records nested inside it) to the graph."""
    item = dict(item)
    hsds_id = str(item.get("id") or f"{origin[0]}:{origin[1]}")
    item["id"] = hsds_id
    graph.origin.setdefault((kind, hsds_id), origin)
    if kind == "service_at_location":
        service = dict(item.get("service") or {})
        sal = {k: v for k, v in item.items() if k != "service"}
        service.setdefault("service_at_locations", []).append(sal)
        add_record(graph, "service", service, origin)
    elif kind == "service":
        organisation = item.get("organization")
        if isinstance(organisation, dict):
            add_record(graph, "organization", organisation, origin)
            item["organization_id"] = str(organisation.get("id") or item.get("organization_id") or "")
        _merge(graph.services, hsds_id, item)
        for sal in item.get("service_at_locations") or []:
            if isinstance(sal, dict) and isinstance(sal.get("location"), dict):
                location = dict(sal["location"])
                location.setdefault("organization_id", item.get("organization_id"))
                add_record(graph, "location", location, origin)
    elif kind == "organization":
        for location in item.get("locations") or []:
            if isinstance(location, dict):
                add_record(graph, "location", {**location, "organization_id": hsds_id}, origin)
        for service in item.get("services") or []:
            if isinstance(service, dict):
                add_record(
                    graph,
                    "service",
                    {**service, "organization_id": hsds_id},
                    (origin[0], f"{origin[1]} services/{service.get('id')}"),
                )
        _merge(graph.organisations, hsds_id, {k: v for k, v in item.items() if k not in ("services", "locations")})
    elif kind == "location":
        _merge(graph.locations, hsds_id, item)
    elif kind == "term":
        _merge(graph.terms, hsds_id, item)


def _merge(records: dict, hsds_id: str, item: dict) -> None:
    """The same record seen twice (a list page and a full record) keeps every field given."""
    existing = records.get(hsds_id)
    if existing is None:
        records[hsds_id] = item
        return
    for key, value in item.items():
        if key == "service_at_locations" and existing.get(key):
            seen = {sal.get("id") for sal in existing[key]}
            existing[key] = existing[key] + [sal for sal in value or [] if sal.get("id") not in seen]
        elif value not in (None, "", []) and existing.get(key) in (None, "", []):
            existing[key] = value


# --- CSV datapackages -----------------------------------------------------------------------


def _read_datapackage(folder: Path, graph: Graph) -> None:
    tables = _load_tables(folder, graph)
    if not tables.get("services") and not tables.get("organizations"):
        raise ReadError(f"{folder} has no services.csv or organizations.csv: is it an HSDS datapackage?")
    legacy = any(
        name in tables
        for name in ("regular_schedules", "services_at_location", "physical_addresses", "postal_addresses")
    )
    if legacy:
        tables = _upgrade_1_1(tables, graph)
    _assemble(tables, graph)


def _load_tables(folder: Path, graph: Graph) -> dict[str, list[dict]]:
    """Every CSV of the package as a list of row dicts, blank rows dropped, with `_origin`."""
    paths = {}
    package = folder / "datapackage.json"
    if package.exists():
        try:
            for resource in json.loads(package.read_text(encoding="utf-8-sig")).get("resources", []):
                if isinstance(resource.get("path"), str) and (folder / resource["path"]).exists():
                    paths[Path(resource["path"]).stem] = folder / resource["path"]
        except (json.JSONDecodeError, AttributeError):
            graph.problems.append(
                Problem("datapackage.json", "", "", "not valid JSON; reading the CSV files by name instead")
            )
    for file in folder.glob("*.csv"):
        paths.setdefault(file.stem, file)
    tables = {}
    for name, file in paths.items():
        rows = []
        for number, row in enumerate(csv.DictReader(io.StringIO(_decode(file.read_bytes()))), start=2):
            clean = {
                read_cell((k or "").strip()).lower(): read_cell((v or "").strip())
                for k, v in row.items()
                if k is not None
            }
            if not any(clean.values()):
                continue  # blank rows are common in hand-edited exports
            clean["_origin"] = (file.name, f"row {number}")
            rows.append(clean)
        tables[name] = rows
    return tables


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _upgrade_1_1(tables: dict, graph: Graph) -> dict:
    """Rename HSDS 1.1 tables and fields to their 3.0 equivalents."""
    tables = dict(tables)
    tables["service_at_location"] = tables.pop("services_at_location", []) + tables.get("service_at_location", [])
    addresses = []
    for name, kind in (("physical_addresses", "physical"), ("postal_addresses", "postal")):
        for row in tables.pop(name, []):
            lines = [row.get(f"address_{n}", "") for n in (2, 3, 4)]
            addresses.append({**row, "address_2": ", ".join(x for x in lines if x), "address_type": kind})
    tables["addresses"] = addresses
    schedules = []
    for row in tables.pop("regular_schedules", []):
        weekday = WEEKDAY_NAMES.get(row.get("weekday", "").strip().lower(), row.get("weekday", ""))
        schedules.append({**row, "freq": "WEEKLY", "byday": weekday})
    tables["schedules"] = schedules
    for row in tables.get("organizations", []):
        row.setdefault("website", row.get("url", ""))
    for row in tables.get("services", []):
        row.setdefault("fees_description", row.pop("fees", ""))
    for row in tables.get("languages", []):
        row.setdefault("name", row.get("language", ""))
    tables["accessibility"] = [
        {**row, "description": row.get("accessibility", "").replace("_", " "), "details": row.get("details", "")}
        for row in tables.pop("accessibility_for_disabilities", [])
    ]
    eligibility: dict[str, list[str]] = {}
    services = {row["id"] for row in tables.get("services", []) if row.get("id")}
    for row in tables.pop("eligibility", []):
        if row.get("service_id") not in services:
            which = (
                f"service {row['service_id']}, which is not in services.csv" if row.get("service_id") else "no service"
            )
            graph.problems.append(
                Problem(*row["_origin"], "service_id", f"names {which}; “{row.get('eligibility', '')}” is left out")
            )
            continue
        eligibility.setdefault(row["service_id"], []).append(row.get("eligibility", ""))
    for row in tables.get("services", []):
        if eligibility.get(row["id"]) and not row.get("eligibility_description"):
            row["eligibility_description"] = "; ".join(e for e in eligibility[row["id"]] if e)
    tables["taxonomy_terms"] = [
        {**row, "code": row.get("id", ""), "taxonomy": row.get("vocabulary", "")} for row in tables.pop("taxonomy", [])
    ]
    attributes = [
        {
            "id": row.get("id", ""),
            "link_id": row.get("service_id", ""),
            "link_type": "service",
            "taxonomy_term_id": row.get("taxonomy_id", ""),
            "value": row.get("taxonomy_detail", ""),
            "_origin": row["_origin"],
        }
        for row in tables.pop("services_taxonomy", [])
    ]
    for row in tables.get("services", []):
        for term_id in filter(None, (t.strip() for t in row.get("taxonomy_ids", "").split(","))):
            attributes.append(
                {
                    "id": f"{row['id']}/{term_id}",
                    "link_id": row["id"],
                    "link_type": "service",
                    "taxonomy_term_id": term_id,
                    "_origin": row["_origin"],
                }
            )
    tables["attributes"] = attributes + tables.get("attributes", [])
    return tables


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        if row.get(key):
            grouped.setdefault(row[key], []).append(row)
    return grouped


# Tables whose rows belong to one service and are nested under it as they are.
SERVICE_TABLES = ("languages", "cost_options", "funding", "service_areas", "required_documents", "holiday_schedules")


def _assemble(tables: dict, graph: Graph) -> None:
    """Join the tables into nested HSDS 3.0 records (each table grouped once, by its foreign key)."""
    t = lambda name: tables.get(name, [])  # noqa: E731
    phones_by = {key: _by(t("phones"), key) for key in ("service_id", "organization_id", "location_id", "contact_id")}
    terms = {row["id"]: row for row in t("taxonomy_terms") if row.get("id")}
    taxonomies = {row["id"]: row for row in t("taxonomies") if row.get("id")}
    for term in terms.values():
        if term.get("taxonomy_id") in taxonomies:
            term["taxonomy_detail"] = taxonomies[term["taxonomy_id"]]
    attributes = _by(t("attributes"), "link_id")

    def attrs(record_id: str) -> list[dict]:
        return [
            {**row, "taxonomy_term": terms.get(row.get("taxonomy_term_id"))} for row in attributes.get(record_id, [])
        ]

    identifiers = _by(t("organization_identifiers"), "organization_id")
    for row in t("organizations"):
        _add_row(
            graph,
            "organization",
            graph.organisations,
            row,
            {
                "phones": phones_by["organization_id"].get(row.get("id"), []),
                "organization_identifiers": identifiers.get(row.get("id"), []),
                "attributes": attrs(row.get("id", "")),
            },
        )
    addresses, accessibility = _by(t("addresses"), "location_id"), _by(t("accessibility"), "location_id")
    for row in t("locations"):
        _add_row(
            graph,
            "location",
            graph.locations,
            row,
            {
                "addresses": addresses.get(row.get("id"), []),
                "accessibility": accessibility.get(row.get("id"), []),
                "phones": phones_by["location_id"].get(row.get("id"), []),
                "attributes": attrs(row.get("id", "")),
            },
        )
    schedules_by_sal, schedules_by_service = (
        _by(t("schedules"), "service_at_location_id"),
        _by(t("schedules"), "service_id"),
    )
    sal_by_service, contacts = _by(t("service_at_location"), "service_id"), _by(t("contacts"), "service_id")
    children = {name: _by(t(name), "service_id") for name in SERVICE_TABLES}
    payments = _by(t("payments_accepted"), "service_id")
    programs = {p["id"]: p for p in t("programs") if p.get("id")}
    for row in t("services"):
        sid = row.get("id", "")
        sals = [{**sal, "schedules": schedules_by_sal.get(sal.get("id"), [])} for sal in sal_by_service.get(sid, [])]
        sal_ids = {sal.get("id") for sal in sals}
        _add_row(
            graph,
            "service",
            graph.services,
            row,
            {
                "phones": phones_by["service_id"].get(sid, []),
                "schedules": [
                    s for s in schedules_by_service.get(sid, []) if s.get("service_at_location_id") not in sal_ids
                ],
                "service_at_locations": sals,
                **{name: grouped.get(sid, []) for name, grouped in children.items()},
                "contacts": [
                    {**c, "phones": phones_by["contact_id"].get(c.get("id"), [])} for c in contacts.get(sid, [])
                ],
                "attributes": attrs(sid),
                "program": programs.get(row.get("program_id")),
                "payments_accepted": [p.get("payment") for p in payments.get(sid, [])],
            },
        )


def _add_row(graph: Graph, kind: str, records: dict, row: dict, children: dict) -> None:
    file, where = row["_origin"]
    hsds_id = row.get("id") or f"{file}:{where}"
    graph.origin.setdefault((kind, hsds_id), (file, f"{where} ({row.get('id') or 'no id'})"))
    record = {k: v for k, v in row.items() if k != "_origin"}
    record.update({k: _strip_origin(v) for k, v in children.items()})
    record["id"] = hsds_id
    if not row.get("id"):
        graph.problem(hsds_id, "id", "missing; this record cannot be matched on a later import", kind=kind)
    if hsds_id in records:
        graph.problems.append(Problem(file, f"{where} ({hsds_id})", "id", "appears twice; the later row is ignored"))
        return
    records[hsds_id] = record


def _strip_origin(value):
    if isinstance(value, list):
        return [_strip_origin(item) for item in value]
    if isinstance(value, dict):
        return {k: _strip_origin(v) for k, v in value.items() if k != "_origin"}
    return value
