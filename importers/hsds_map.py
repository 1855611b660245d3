"""Map HSDS 3.0 records (as read by hsds_read) onto Signpost's organisations, venues and services.

The result is raw input for Signpost's schemas (OrganisationInput, LocationInput, ServiceInput),
with HSDS ids as keys; whatever has no column is kept in the service's `attributes["hsds"]`.
Facts Signpost keeps that HSDS has no field for travel as HSDS attributes whose taxonomy term
is `signpost:<field>` (see export_hsds), so an export imports back unchanged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from directory import geography
from directory.models.common import AREA_TYPES
from directory.schemas.oruk import FACTS_TAXONOMY

from .hsds_read import Graph
from .hsds_values import amount, amounts_in, language_code, parse_byday, parse_phone, parse_time, readable, truncate

SIGNPOST_TAXONOMY = "Signpost fields"
SIGNPOST_PREFIX = "signpost:"
# Service fields HSDS cannot hold exactly, with their defaults: a Signpost export writes each one that
# differs (and always is_free), and reading such an export restores every one of them.
SIGNPOST_SERVICE_FIELDS = {
    "summary": "",
    "status_reason": None,
    "expected_reopening": None,
    "groups_served": [],
    "circumstances": [],
    "open_to_all": True,
    "referral_routes": [],
    "seasons": [],
    "funding": [],
    "areas": [],
    "is_free": True,
    "cost_description": None,
    "cost_min": None,
    "cost_max": None,
    "last_verified_at": None,
    "verified_by": None,
    "verification_method": None,
}
# Not exported: a listing's `attributes` (what a source gave that Signpost has no column for) stay with
# the listing for its editors, unpublished; they may hold what a confidential venue must not show.
SIGNPOST_LOCATION_FIELDS = {"wheelchair_accessible": None, "confidential": False, "not_on_map": False}
# The service's own HSDS fields that have a Signpost column (everything else is kept in attributes).
_MAPPED_SERVICE = {
    "id",
    "organization_id",
    "organization",
    "name",
    "description",
    "url",
    "email",
    "status",
    "alert",
    "minimum_age",
    "maximum_age",
    "eligibility_description",
    "fees_description",
    "assured_date",
    "assurer_email",
    "phones",
    "schedules",
    "service_at_locations",
    "languages",
    "funding",
    "cost_options",
    "attributes",
    "service_areas",
    "program_id",
    "metadata",
    "taxonomy_terms",
    "last_modified",
}
_STATUSES = {
    "active": "active",
    "inactive": "inactive",
    "defunct": "defunct",
    "temporarily closed": "temporarily_closed",
    "temporarily_closed": "temporarily_closed",
    "closed": "inactive",
}
_GSS = re.compile(r"\b([ENSWK]\d{8})\b")
_IDENTIFIER_FIELDS = {
    "GB-CHC": "charity_number",
    "GB-SC": "charity_number",
    "GB-NIC": "charity_number",
    "GB-COH": "company_number",
}
_FREE = re.compile(
    r"\b(free of charge|free|no charge|no cost)\b(?! (parking|wifi|wi-fi|tea|refreshments))", re.IGNORECASE
)
_NOT_FREE = re.compile(r"\b(not|isn't|isn’t) free\b", re.IGNORECASE)
# Fields a Signpost export words for people from other fields (its attributes carry those exactly).
_WORDED = {"application_process", "contacts"}
_ATTENDING = {
    "in_person": re.compile(r"\bin[ -]person\b|\bface[ -]to[ -]face\b"),
    "phone": re.compile(r"\b(tele)?phone\b"),
    "online": re.compile(r"\bonline\b|\bvideo\b|\bzoom\b|\bteams\b"),
    "home_visit": re.compile(r"\bhome visits?\b"),
}
# Services whose organisation is not in the data are listed under a stand-in organisation, one per
# missing id (so a moderator who names it once fixes all its services), keyed by this and the id.
PLACEHOLDER_KEY = "signpost:organisation-not-given"


@dataclass
class Listing:
    """One service with its organisation and venues, as raw Signpost input keyed by HSDS ids."""

    key: str  # the service's HSDS id ("" for an organisation imported without services)
    organisation_key: str
    organisation: dict
    locations: dict[str, dict] = field(default_factory=dict)
    service: dict | None = None
    missing_organisation: str | None = None  # the organization_id that names nothing (placeholder used)


def map_graph(graph: Graph, known_categories: set[str]) -> list[Listing]:
    """Every service in the graph as a Listing (and every organisation that has no service).

    known_categories: Signpost's category codes and names, casefolded.
    """
    listings, used = [], set()
    for key, service in graph.services.items():
        if not str(service.get("name") or "").strip():
            graph.problem(key, "name", "missing; a service needs a name", True)
            continue
        org_key = str(service.get("organization_id") or "")
        organisation = graph.organisations.get(org_key)
        if organisation is not None and not str(organisation.get("name") or "").strip():
            graph.problem(
                org_key, "name", "missing; its services are listed under a stand-in organisation", kind="organization"
            )
            organisation = None
        if organisation is None:  # listed under the stand-in, flagged for review, never dropped
            listing = Listing(key, f"{PLACEHOLDER_KEY}:{org_key}", {}, missing_organisation=org_key)
        else:
            used.add(org_key)
            listing = Listing(key, org_key, map_organisation(organisation))
        listing.service = _map_service(graph, service, listing, known_categories)
        listings.append(listing)
    for org_key, organisation in graph.organisations.items():
        if org_key not in used:
            listings.append(Listing("", org_key, map_organisation(organisation)))
    return listings


def map_organisation(org: dict) -> dict:
    """OrganisationInput data for an HSDS organization."""
    description = readable(org.get("description"))
    data = {
        "name": org.get("name") or "",
        "description": "" if description == str(org.get("name") or "").strip() else description,  # ORUK asks for one
        "website": org.get("website") or org.get("url") or None,
        "email": org.get("email") or None,
        "phone": _first_phone(org.get("phones")),
        "logo_url": org.get("logo") or None,
    }
    for identifier in org.get("organization_identifiers") or []:
        column = _IDENTIFIER_FIELDS.get(str(identifier.get("identifier_scheme", "")).upper())
        if column and identifier.get("identifier"):
            data[column] = str(identifier["identifier"]).strip()
    return data


def map_location(graph: Graph, location: dict) -> dict:
    """LocationInput data for an HSDS location (its physical address preferred)."""
    key = location["id"]
    addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
    address = next((a for a in addresses if a.get("address_type") == "physical"), addresses[0] if addresses else {})
    accessibility = [a for a in location.get("accessibility") or [] if isinstance(a, dict)]
    data = {
        "name": location.get("name") or "",
        "location_type": "virtual" if str(location.get("location_type", "")).lower() == "virtual" else "physical",
        "description": readable(location.get("description")),
        "address_1": address.get("address_1") or None,
        "address_2": address.get("address_2") or None,
        "town": address.get("city") or None,
        "postcode": address.get("postal_code") or None,
        "url": location.get("url") or None,
        "travel_notes": readable(location.get("transportation")),
        "accessibility": "\n".join(
            " ".join(filter(None, (a.get("description"), a.get("details")))) for a in accessibility
        ),
    }
    try:
        lat, lon = float(location.get("latitude")), float(location.get("longitude"))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            data["latitude"], data["longitude"] = lat, lon
        else:
            graph.problem(
                key, "latitude", f"{lat}, {lon} is not a place on Earth; placed by postcode instead", kind="location"
            )
    except (TypeError, ValueError):
        if location.get("latitude") not in (None, ""):
            graph.problem(
                key,
                "latitude",
                f"'{location.get('latitude')}' is not a number; placed by postcode instead",
                kind="location",
            )
    data.update(_signpost_fields(location.get("attributes")))
    if data["location_type"] == "virtual" or data.get("confidential") or data.get("not_on_map"):
        return data
    postcode, placed = data["postcode"], "latitude" in data
    kind = _postcode_kind(postcode)
    if kind == "unit" or (kind and not placed) or not (placed or data["address_1"] or data["town"]):
        return data  # on the map by its postcode, or LocationInput says what is missing
    if postcode:  # kept in the address, with the region and country the source gives
        region = " ".join(filter(None, (address.get("state_province"), postcode)))
        data["address_2"] = ", ".join(filter(None, (data["address_2"], region, address.get("country"))))
        data["postcode"] = None
    said = (
        f"'{postcode}' is only part of a postcode"
        if kind
        else f"'{postcode}' is not a UK postcode"
        if postcode
        else "no postcode given"
    )
    if placed:
        if postcode:
            graph.problem(
                key,
                "address.postal_code",
                f"{said}: kept in the address, and the venue placed by its latitude and longitude",
                kind="location",
            )
        return data
    data["not_on_map"] = True
    graph.problem(
        key,
        "address.postal_code",
        f"{said}: the venue is kept with its address but is not on the map (found by keyword and area, not by distance)",
        kind="location",
    )
    return data


def _postcode_kind(text: str | None) -> str | None:
    """unit, sector, district or area for a UK postcode or part of one; None for anything else."""
    try:
        return geography.parse_postcode(text).kind if text else None
    except geography.PostcodeError:
        return None


def _map_service(graph: Graph, svc: dict, listing: Listing, known_categories: set[str]) -> dict:
    key = svc["id"]
    exact = _signpost_fields(svc.get("attributes"))  # a Signpost export
    # What a Signpost export words for people from fields it also gives exactly is not kept twice.
    kept = {
        k: v
        for k, v in svc.items()
        if k not in _MAPPED_SERVICE and v not in (None, "", [], {}) and not (exact and k in _WORDED)
    }
    status = _STATUSES.get(str(svc.get("status") or "active").strip().lower().replace("-", " "))
    if status is None:
        graph.problem(
            key,
            "status",
            f"'{svc.get('status')}' is not active, inactive, defunct or temporarily closed; read as active",
        )
        status = "active"
    data = {
        "name": svc.get("name"),
        "description": readable(svc.get("description")),
        "status": status,
        "website": svc.get("url") or None,
        "email": svc.get("email") or None,
        "phone": _first_phone(svc.get("phones"))
        or _first_phone([p for c in svc.get("contacts") or [] for p in c.get("phones") or []]),
        "min_age": _age(graph, key, "minimum_age", svc.get("minimum_age")),
        "max_age": _age(graph, key, "maximum_age", svc.get("maximum_age")),
        "eligibility_criteria": readable(svc.get("eligibility_description")),
        "languages": _languages(graph, key, svc.get("languages"), kept),
        "funding": [{"source": truncate(f.get("source"), 200)[0]} for f in svc.get("funding") or [] if f.get("source")],
    }
    if not data["email"]:
        data["email"] = next((c["email"] for c in svc.get("contacts") or [] if c.get("email")), None)
    if svc.get("alert"):
        data["alert"], cut = truncate(readable(svc["alert"]), 500)
        if cut:
            kept["alert"] = svc["alert"]
    data["open_to_all"] = not (
        data["eligibility_criteria"] or data["min_age"] is not None or data["max_age"] is not None
    )
    if svc.get("assured_date"):
        data["last_verified_at"] = f"{str(svc['assured_date'])[:10]}T00:00:00+00:00"
        data["verification_method"] = "import"
        data["verified_by"] = svc.get("assurer_email") or None
    data.update(_cost(graph, key, svc, kept))
    data["areas"] = _areas(svc.get("service_areas"), kept)
    # Venues: every service_at_location's location, and the schedules held there.
    schedules, location_keys = [], []
    for schedule in svc.get("schedules") or []:
        schedules.append((schedule, schedule.get("location_id") or None))
    for sal in svc.get("service_at_locations") or []:
        location = sal.get("location") if isinstance(sal.get("location"), dict) else {}
        loc_key = str(sal.get("location_id") or location.get("id") or "")
        if loc_key and loc_key in graph.locations:
            location_keys.append(loc_key)
        elif loc_key:
            graph.problem(key, "service_at_locations", f"location {loc_key} is not in the data; the venue is left out")
        for schedule in sal.get("schedules") or []:
            schedules.append((schedule, loc_key or None))
    for loc_key in dict.fromkeys(location_keys):
        listing.locations[loc_key] = map_location(graph, graph.locations[loc_key])
    data["location_keys"] = list(dict.fromkeys(location_keys))
    data["schedules"] = _schedules(graph, key, schedules, set(listing.locations), kept, notes=not exact)
    categories, unknown = [], []
    # HSDS 3.0 files categories as attributes; some exports list the terms on the service itself.
    listed = [{"taxonomy_term": term} for term in svc.get("taxonomy_terms") or [] if isinstance(term, dict)]
    for attribute in [*(svc.get("attributes") or []), *listed]:
        term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else None
        term = term or graph.terms.get(str(attribute.get("taxonomy_term_id")))  # a term read from its own file
        code = str((term or {}).get("code") or (term or {}).get("name") or attribute.get("taxonomy_term_id") or "")
        if code.startswith(SIGNPOST_PREFIX) or (term or {}).get("taxonomy") == FACTS_TAXONOMY:
            continue  # Signpost's exact fields, or the facts its feed words from them
        known = [text for text in (code, (term or {}).get("name")) if text and str(text).casefold() in known_categories]
        if known:
            categories.append(known[0])
        elif term or code:
            unknown.append(
                {
                    "code": code,
                    "name": (term or {}).get("name"),
                    "taxonomy": (term or {}).get("taxonomy"),
                    "value": attribute.get("value"),
                }
            )
    if unknown:
        names = ", ".join(str(u["name"] or u["code"]) for u in unknown)
        graph.problem(key, "attributes", f"{names}: not one of Signpost's categories; kept as an attribute")
        kept["taxonomy_terms"] = unknown
    data["categories"] = list(dict.fromkeys(categories))
    if kept:
        data["attributes"] = {"hsds": _plain(kept)}
    if exact:  # a Signpost export: its own fields as they were, and anything read here that had no home
        data.update({**SIGNPOST_SERVICE_FIELDS, **exact})
        if kept:
            data["attributes"] = {**data["attributes"], "hsds": _plain(kept)}
    return data


def _first_phone(phones) -> str | None:
    for phone in phones or []:
        number = parse_phone(phone.get("number") if isinstance(phone, dict) else phone)
        if number:
            extension = phone.get("extension") if isinstance(phone, dict) else None
            return f"{number} ext {extension}"[:50] if extension not in (None, "") else number[:50]
    return None


def _age(graph: Graph, key: str, name: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        age = int(float(str(value).strip()))
    except ValueError:
        graph.problem(key, name, f"'{value}' is not an age; left out")
        return None
    if not 0 <= age <= 120:
        graph.problem(key, name, f"{age} is not an age between 0 and 120; left out")
        return None
    return age


def _languages(graph: Graph, key: str, languages, kept: dict) -> list[str]:
    codes, unknown = [], []
    for language in languages or []:
        code = language_code(language)
        if code:
            codes.append(code)
        else:
            unknown.append(language)
    if unknown:
        names = [u.get("name") or u.get("code") if isinstance(u, dict) else u for u in unknown]
        graph.problem(
            key, "languages", f"{', '.join(map(str, names))}: not a language Signpost knows; kept as an attribute"
        )
        kept["languages"] = unknown
    return list(dict.fromkeys(codes))


def _cost(graph: Graph, key: str, svc: dict, kept: dict) -> dict:
    description = readable(svc.get("fees_description"))
    amounts = []
    for option in svc.get("cost_options") or []:
        try:
            value = amount(option.get("amount"))
        except ValueError as exc:
            graph.problem(key, "cost_options.amount", f"{exc}; left out")
            continue
        if value is not None:
            amounts.append(value)
    if not amounts:
        amounts = amounts_in(description)
    paid = [a for a in amounts if a > 0]
    if not description and not amounts:
        return {"is_free": False}  # the data says nothing about cost: "ask about cost", never "free"
    said_free = bool(_FREE.search(description)) and not _NOT_FREE.search(description)
    cost = {"is_free": not paid and (said_free or 0 in amounts)}
    if paid:
        cost["cost_min"], cost["cost_max"] = str(min(paid)), str(max(paid))
    if description and description.lower() != "free":
        cost["cost_description"], cut = truncate(description, 300)
        if cut:
            kept["fees_description"] = description
    return cost


def _areas(service_areas, kept: dict) -> list[dict]:
    """Areas named by an ONS/GSS code (in the uri, extent or name), or the whole of Great Britain."""
    areas, other = [], []
    for area in service_areas or []:
        text = " ".join(str(area.get(k) or "") for k in ("uri", "extent", "name", "service_area"))
        match = _GSS.search(text)
        # Great Britain: an extent of "GB" (Signpost's older exports), or a description ending "GB" (its feed).
        whole = {
            str(area.get("extent") or "").strip().upper(),
            str(area.get("description") or "").split(" ")[-1].upper(),
        }
        code = match[1] if match else "GB" if whole & {"GB", "UK"} else None
        if code is None:
            other.append(area)
            continue
        named = str(area.get("description") or "").strip().lower().replace(" ", "_")
        guessed = (
            "health_board"
            if code[:3] in ("S08", "E38", "W11")
            else "national"
            if code == "GB" or code[1:3] == "92"
            else "local_authority"
        )
        areas.append(
            {
                "area_type": named if named in AREA_TYPES else guessed,
                "code": code,
                "name": truncate(area.get("name") or area.get("service_area") or code, 200)[0],
            }
        )
    if other:
        kept["service_areas"] = other
    return areas


def _schedules(graph: Graph, key: str, found: list, location_keys: set, kept: dict, notes: bool = True) -> list[dict]:
    chosen: dict[str, tuple[dict, str | None]] = {}
    for number, (schedule, loc_key) in enumerate(found):
        schedule_id = str(schedule.get("id") or f"#{number}")
        # The same schedule nested at service and at venue level: keep the one with a venue.
        if schedule_id not in chosen or (loc_key and not chosen[schedule_id][1]):
            chosen[schedule_id] = (schedule, loc_key)
    rows, skipped = [], []
    for schedule_id, (schedule, loc_key) in chosen.items():
        try:
            made = _schedule_rows(schedule, loc_key if loc_key in location_keys else None, notes)
            if not made:
                graph.problem(key, f"schedules ({schedule_id})", "no day given (byday); kept as an attribute")
        except ValueError as exc:
            graph.problem(key, f"schedules ({schedule_id})", f"{exc}; kept as an attribute")
            made = []
        if not made:
            skipped.append(schedule)
        rows.extend(made)
    if skipped:
        kept["schedules"] = skipped
    return rows


def _schedule_rows(schedule: dict, loc_key: str | None, notes: bool = True) -> list[dict]:
    """One row per day; notes: whether the schedule's notes are the source's own words (a Signpost
    export writes them from the other fields)."""
    freq = str(schedule.get("freq") or "WEEKLY").strip().upper()
    byday = parse_byday(schedule.get("byday"))
    if not byday and freq == "DAILY":
        byday = [(day, None) for day in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")]
    if not byday:
        return []
    opens, closes = parse_time(schedule.get("opens_at")), parse_time(schedule.get("closes_at"))
    if opens and closes and opens >= closes:
        raise ValueError(f"opens at {opens:%H:%M} but closes at {closes:%H:%M}")
    description = truncate(" ".join(filter(None, (schedule.get("description"), notes and schedule.get("notes")))), 300)[
        0
    ]
    attendance = _attending(schedule.get("attending_type"))
    rows = []
    for day, nth in byday:
        monthly = freq == "MONTHLY" or nth is not None
        if monthly and nth not in (-1, 1, 2, 3, 4):
            raise ValueError(
                f"a monthly session needs its week of the month, like 1MO or -1FR (got '{schedule.get('byday')}')"
            )
        rows.append(
            {
                "frequency": "monthly" if monthly else "weekly",
                "weekday": day,
                "week_of_month": nth if monthly else None,
                "opens_at": opens.strftime("%H:%M") if opens else None,
                "closes_at": closes.strftime("%H:%M") if closes else None,
                "valid_from": str(schedule.get("valid_from") or "")[:10] or None,
                "valid_to": str(schedule.get("valid_to") or "")[:10] or None,
                "description": description,
                "location_key": loc_key,
                "attendance": attendance,
            }
        )
    return rows


def _attending(words) -> str | None:
    """A schedule's attending_type as how people take part, when it says one way other than in person
    ("online", "by phone"); in person is what a session at a venue means already."""
    text = str(words or "").casefold()
    modes = [mode for mode, pattern in _ATTENDING.items() if pattern.search(text)]
    return modes[0] if len(modes) == 1 and modes[0] != "in_person" else None


def _signpost_fields(attributes) -> dict:
    """Signpost's own fields carried as `signpost:<field>` attributes by a Signpost export."""
    values = {}
    for attribute in attributes or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
        code = str(term.get("code") or attribute.get("taxonomy_term_id") or "")
        if code.startswith(SIGNPOST_PREFIX):
            try:
                values[code[len(SIGNPOST_PREFIX) :]] = json.loads(attribute.get("value") or "null")
            except json.JSONDecodeError:
                continue
    return values


def _plain(value):
    """Attributes as JSON-friendly values (CSV rows may hold anything)."""
    return json.loads(json.dumps(value, default=str))
