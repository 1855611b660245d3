"""Check one ImportRecord with the same schemas every form and the API use, naming each problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from marshmallow import ValidationError

from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput

from .records import ImportRecord

_ORGANISATION, _LOCATION, _SERVICE = OrganisationInput(), LocationInput(), ServiceInput()
_LEGAL_WORDS = re.compile(r"\b(the|ltd|limited|cic|scio|cio|inc|plc)\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise_name(text: str) -> str:
    """A name as compared when matching: case, punctuation, "&"/"and" and legal suffixes ignored."""
    text = (text or "").casefold().replace("&", " and ").replace("'", "")
    return " ".join(_LEGAL_WORDS.sub(" ", _PUNCTUATION.sub(" ", text)).split())


@dataclass
class Prepared:
    """A record that passed validation: validated data ready for the operations layer."""

    record: ImportRecord
    organisation: dict
    locations: list[dict]
    service: dict  # validated ServiceInput data; schedules' "location" indexes are in schedule_locations
    schedule_locations: list[int | None]
    given: set[str]  # the service fields the file gives (only these replace a listing's values)
    attributes: dict
    key: str  # what identifies the listing within its source
    postcodes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.service["name"]


def prepare(record: ImportRecord, categories: dict[str, str]) -> Prepared | None:
    """Validate a record; on any problem add it to record.problems and return None.

    categories maps each category code and name, casefolded, to its code.
    """
    organisation = _load(record, _ORGANISATION, record.organisation, "organisation")
    locations = [_load(record, _LOCATION, raw, "location") for raw in record.locations]
    raw_service, given = _service_input(record, categories)
    service = _load(record, _SERVICE, raw_service, "service")
    if record.problems or organisation is None or service is None or None in locations:
        return None
    schedule_locations = [raw.get("location") for raw in record.schedules]
    for index in schedule_locations:
        if index is not None and not 0 <= index < len(locations):
            record.reject("service.schedules", "A session is at a venue the row does not give.")
            return None
    attributes = dict(record.attributes)
    if record.contacts:
        attributes["contacts"] = record.contacts
    key = record.source_id or f"{normalise_name(organisation['name'])}|{normalise_name(service['name'])}"
    postcodes = [loc["postcode"] for loc in locations if loc.get("postcode")]
    return Prepared(record, organisation, locations, service, schedule_locations, given, attributes, key, postcodes)


def _service_input(record: ImportRecord, categories: dict[str, str]) -> tuple[dict, set[str]]:
    raw = {**record.service, **record.eligibility, **record.costs}
    first = record.contacts[0] if record.contacts else {}
    for name in ("email", "phone"):
        if not raw.get(name) and first.get(name):
            raw[name] = first[name]
    raw["schedules"] = [{k: v for k, v in s.items() if k != "location"} for s in record.schedules]
    if record.languages is not None:
        raw["languages"] = record.languages
    if record.categories is not None:
        raw["categories"] = _category_codes(record, categories)
    given = set(raw) - {"schedules"}
    if record.schedules or "service.schedules" in record.columns:
        given.add("schedules")
    if record.locations or "location" in record.columns or any(c.startswith("location.") for c in record.columns):
        given.add("location_ids")
    return raw, given


def _category_codes(record: ImportRecord, categories: dict[str, str]) -> list[str]:
    codes = []
    for text in record.categories:
        code = categories.get(text.strip().casefold())
        if code is None:
            record.reject("service.categories", f"Unknown category '{text.strip()}': use a category name or code "
                                                "from Signpost's list (data/taxonomy.json).")
        else:
            codes.append(code)
    return codes


def _load(record: ImportRecord, schema, raw: dict, prefix: str) -> dict | None:
    # A blank cell means "none": the schemas' optional fields take None (and fail on "").
    raw = {k: None if v == "" and k in schema.fields and schema.fields[k].allow_none else v for k, v in raw.items()}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        for name, messages in exc.messages.items():
            path = f"{prefix}.{name}" if name != "_schema" else prefix
            if any(p.column == record.column(path) for p in record.problems):
                continue  # the reader already said what is wrong with that column
            record.reject(path, " ".join(dict.fromkeys(_words(messages))))
        return None


def _words(messages) -> list[str]:
    """Every message in a (possibly nested) marshmallow error, without the list positions."""
    if isinstance(messages, dict):
        return [word for value in messages.values() for word in _words(value)]
    if isinstance(messages, list):
        return [word for value in messages for word in _words(value)]
    return [str(messages)]
