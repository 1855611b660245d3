"""Check one ImportRecord with the same schemas every form and the API use, naming each problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from marshmallow import ValidationError

from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput

from .records import ImportRecord, Problem
from .values import CategoryReader

_ORGANISATION, _LOCATION, _SERVICE = OrganisationInput(), LocationInput(), ServiceInput()
_IDENTITY = {"name"}  # without its name a row cannot be a listing
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


def prepare(record: ImportRecord, categories: CategoryReader) -> Prepared | None:
    """Validate a record; on any problem add it to record.problems and return None.

    A lenient record (a spreadsheet row) is refused only for its names: any other value that
    fails is left out, noted in record.warnings and kept in record.details to be checked.
    """
    organisation = _load(record, _ORGANISATION, record.organisation, "organisation")
    locations = [_load(record, _LOCATION, raw, "location") for raw in record.locations]
    if record.lenient and None in locations:
        record.schedules = [dict(s, location=None) for s in record.schedules]
        locations = [location for location in locations if location is not None]
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


def _category_codes(record: ImportRecord, categories: CategoryReader) -> list[str]:
    codes, unread = [], []
    column = record.column("service.categories")
    for text in record.categories:
        try:
            code, exact = categories.read(text)
        except ValueError as exc:
            if not record.lenient:
                record.reject("service.categories", str(exc))
            else:
                record.warnings.append(
                    Problem(
                        record.row,
                        column,
                        f"{str(exc).rstrip('.')}. Imported with “{text.strip()}” kept as a detail to check.",
                    )
                )
                unread.append(text.strip())
            continue
        if not exact and not record.lenient:
            record.reject(
                "service.categories",
                f"Unknown category '{text.strip()}': use a category name or code "
                "from Signpost's list (data/taxonomy.json).",
            )
            continue
        if not exact:
            record.readings.append((column, text.strip(), categories.labels[code]))
        codes.append(code)
    if unread:
        record.details[column] = ", ".join(unread)
    return codes


def _load(record: ImportRecord, schema, raw: dict, prefix: str) -> dict | None:
    # A blank cell means "none": the schemas' optional fields take None (and fail on "").
    raw = {k: None if v == "" and k in schema.fields and schema.fields[k].allow_none else v for k, v in raw.items()}
    for _ in range(len(raw) + 1):
        try:
            return schema.load(raw)
        except ValidationError as exc:
            if not record.lenient or "_schema" in exc.messages or set(exc.messages) & _IDENTITY:
                return _refuse(record, exc, prefix)
            if prefix == "location":  # a venue that cannot be placed is left out whole; the listing stays
                name = next(iter(exc.messages))
                column = record.column(f"location.{name}")
                written = record.values.get(column) or str(raw.get(name) or "")
                problem = " ".join(dict.fromkeys(_words(exc.messages))).rstrip(".")
                record.warn(
                    column,
                    f"The venue was left out: {problem}."
                    + (f" Imported with “{written}” kept as a detail to check." if written else ""),
                    written,
                )
                return None
            for name, messages in exc.messages.items():
                _leave_out(record, f"{prefix}.{name}", " ".join(dict.fromkeys(_words(messages))), raw.pop(name, None))
    return None


def _leave_out(record: ImportRecord, path: str, problem: str, value) -> None:
    column = record.column(path)
    if any(w.column == column for w in record.warnings):
        return  # the reader already said what is wrong with that column
    written = record.values.get(column) or ("" if value is None or isinstance(value, (list, dict)) else str(value))
    record.warn(
        column,
        f"{problem.rstrip('.')}. Imported with “{written}” kept as a detail to check."
        if written
        else f"{problem.rstrip('.')}. Imported without it.",
        written,
    )


def _refuse(record: ImportRecord, exc: ValidationError, prefix: str) -> None:
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
