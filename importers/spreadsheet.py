"""Spreadsheets of listings: recognise the columns, turn each row into an ImportRecord.

Columns are recognised from the names people give them ("Org name", "Post Code", "Tel", "Age
from", "Days", "Times", "Cost", "Referral", ...) or mapped explicitly by a JSON mapping file,
{"Their column": "field"} (a field from FIELDS, or "ignore"). A column that maps to nothing is
reported and kept on the service as an attribute, never dropped (map a column to "extra" to keep
it that way without reading it).

Cells are read as people write them (importers/values.py). A row is rejected only when it cannot
be a listing (no service or organisation name); a cell that cannot be read is kept with the
listing as a detail to check and reported as a warning, and the listing is flagged for review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import values as read
from .records import ImportRecord
from .tables import ERROR_COLUMN, Table, read_table

IGNORE = "ignore"
EXTRA = "extra"  # keep the column as an extra detail of each listing, without reading it
# field -> the column names it is recognised by (compared lowercased, punctuation as spaces)
FIELDS: dict[str, tuple[str, ...]] = {
    "source_id": ("id", "ref", "reference", "service id", "record id", "unique id", "uid", "listing id"),
    "organisation_source_id": ("organisation id", "organization id", "org id"),
    "organisation.name": (
        "org name",
        "org",
        "organisation",
        "organisation name",
        "organization",
        "organization name",
        "provider",
        "provider name",
        "charity",
        "charity name",
    ),
    "organisation.description": ("about the organisation", "organisation description", "org description"),
    "organisation.website": ("organisation website", "org website", "organization website"),
    "organisation.email": ("organisation email", "org email", "organization email"),
    "organisation.phone": ("organisation phone", "org phone", "organisation tel", "org tel"),
    "organisation.charity_number": ("charity number", "charity no", "registered charity number", "charity reg"),
    "service.name": (
        "service",
        "service name",
        "activity",
        "activity name",
        "group",
        "group name",
        "name",
        "project",
        "project name",
        "title",
    ),
    "service.summary": ("summary", "short description", "strapline"),
    "service.description": (
        "description",
        "details",
        "about",
        "what it is",
        "what is it",
        "service description",
        "what they do",
        "more information",
        "notes",
    ),
    "service.website": ("website", "web", "web address", "url", "link", "web site", "service website"),
    "service.email": ("email", "email address", "e mail", "e mail address", "contact email", "service email"),
    "service.phone": (
        "tel",
        "telephone",
        "phone",
        "phone number",
        "telephone number",
        "tel no",
        "contact number",
        "contact phone",
        "mobile",
        "service phone",
    ),
    "service.status": ("status",),
    "service.min_age": ("age from", "min age", "minimum age", "ages from", "age min", "lower age"),
    "service.max_age": ("age to", "max age", "maximum age", "ages to", "age max", "upper age"),
    "ages": ("ages", "age", "age range", "age group"),
    "service.eligibility_criteria": (
        "eligibility",
        "who it is for",
        "who is it for",
        "who for",
        "criteria",
        "eligibility criteria",
        "target group",
        "audience",
    ),
    "days": ("days", "day", "day s", "which days", "when", "session days"),
    "times": ("times", "time", "opening times", "opening hours", "hours", "session times"),
    "cost": ("cost", "costs", "price", "fee", "fees", "charge", "charges"),
    "referral": (
        "referral",
        "referrals",
        "referral route",
        "referral routes",
        "how to access",
        "access route",
        "how to refer",
        "how to join",
        "referral type",
    ),
    "languages": ("languages", "language", "languages spoken"),
    "groups": (
        "groups served",
        "group served",
        "who it serves",
        "who it is open to",
        "client group",
        "client groups",
        "open to",
        "for",
        "priority group",
        "priority groups",
        "user group",
        "user groups",
        "specific groups",
    ),
    "areas": (
        "area covered",
        "areas covered",
        "area",
        "areas",
        "coverage",
        "covers",
        "service area",
        "service areas",
        "catchment",
        "catchment area",
        "geographical area",
        "geographic area",
        "area served",
        "areas served",
        "council area",
        "local authority",
    ),
    "attendance": (
        "how to take part",
        "how people take part",
        "delivery",
        "delivery method",
        "delivery mode",
        "how delivered",
        "how it is delivered",
        "format",
        "attendance",
        "mode",
        "in person or online",
        "online or in person",
        "in person online",
    ),
    "seasons": (
        "season",
        "seasons",
        "months",
        "when it runs",
        "time of year",
        "seasonal",
        "active months",
        "months running",
        "runs",
    ),
    "categories": ("category", "categories", "type", "theme", "themes", "activity type", "service type"),
    "location.name": ("venue", "venue name", "location", "location name", "place", "building"),
    "location.address_1": ("address", "address 1", "address line 1", "street", "street address", "venue address"),
    "location.address_2": ("address 2", "address line 2"),
    "location.town": ("town", "city", "town city", "locality"),
    "location.postcode": ("postcode", "post code", "postal code", "zip", "venue postcode"),
    "location.wheelchair_accessible": ("wheelchair accessible", "wheelchair access", "wheelchair"),
    "location.accessibility": ("accessibility", "access notes", "access information"),
    "location.confidential": (
        "confidential",
        "confidential address",
        "address confidential",
        "confidential venue",
        "confidential location",
        "hidden address",
        "address withheld",
        "withhold address",
        "do not publish address",
        "private address",
    ),
    "contact.name": ("contact", "contact name", "contact person", "lead contact"),
    IGNORE: ("error", "errors", ERROR_COLUMN.lower()),
    EXTRA: (),
}
_ALIASES = {alias: name for name, aliases in FIELDS.items() for alias in aliases}
_INTEGERS = {"service.min_age", "service.max_age"}
_WEB_ADDRESSES = {"service.website", "organisation.website"}
# Columns that fill several fields: a problem with any of those fields names the column.
_GROUPS = {
    "cost": ("service.cost_description", "service.is_free", "service.cost_min", "service.cost_max"),
    "ages": ("service.ages", "service.min_age", "service.max_age"),
    "days": ("service.days",),
    "times": ("service.times",),
    "referral": ("service.referral_routes",),
    "languages": ("service.languages",),
    "categories": ("service.categories",),
    "groups": ("service.groups_served",),
    "areas": ("service.areas",),
    "attendance": ("service.attendance",),
    "seasons": ("service.seasons",),
}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the entry."""


def default_source(path: Path) -> str:
    """A source name from a file name: "Calderdale groups 2025.csv" -> "calderdale-groups-2025"."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:100] or "import"


def header_key(name: str) -> str:
    """A column name as compared with the aliases ("Post Code:" -> "post code")."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.casefold()).split())


def recognise(headers: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """{column: field} for every column recognised (explicit mapping first), "ignore" included."""
    mapping = mapping or {}
    result, taken = {}, set()
    for header in headers:
        field = mapping.get(header) or _ALIASES.get(header_key(header))
        if field and (field == IGNORE or field not in taken):
            result[header] = field
            taken.add(field)
    return result


def load_mapping(path: str | Path) -> dict[str, str]:
    """Read a JSON mapping file {"Their column": "field" or "ignore"}."""
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(f"The mapping file {path} could not be read: {exc}.") from None
    if not isinstance(mapping, dict):
        raise MappingError('The mapping file must hold one JSON object: {"Their column": "field", ...}.')
    for column, field in mapping.items():
        if field is None:
            mapping[column] = IGNORE
        elif field not in FIELDS:
            raise MappingError(
                f"The mapping for '{column}' names '{field}', which is not a field. "
                f"Fields: {', '.join(sorted(FIELDS))}."
            )
    return mapping


@dataclass
class Spreadsheet:
    """A file read and its columns recognised, ready to give its rows as records."""

    path: Path
    source: str
    table: Table
    mapping: dict[str, str]

    @property
    def headers(self) -> list[str]:
        return self.table.headers

    @property
    def unmapped(self) -> list[str]:
        """Columns that map to no field: kept as attributes of each service."""
        return [h for h in self.headers if h not in self.mapping]

    def __len__(self) -> int:
        return len(self.table.rows)

    def advice(self, report) -> list[str]:
        """For each column that could not be read on most rows: one line, with the mapping that would fix it."""
        lines = []
        for column, rows in report.column_warnings.items():
            if column not in self.headers or rows < 3 or rows * 2 <= len(self):
                continue
            position = self.headers.index(column)
            values = [cells[position] for _, cells in self.table.rows if cells[position].strip()][:50]
            field = suggest_field(values, exclude=self.mapping.get(column))
            why = f"it reads as {field}" if field != EXTRA else "to keep it as an extra detail without reading it"
            lines.append(
                f"Column “{column}” could not be read on {rows:,} of {len(self):,} rows (e.g. “{values[0]}”). "
                f"If {why}, import again with --mapping map.json, where map.json holds: "
                f"{json.dumps({column: field}, ensure_ascii=False)}"
            )
        return lines

    def records(self) -> Iterator[ImportRecord]:
        """One record per non-blank row."""
        for number, cells in self.table.rows:
            yield row_record(self.source, number, dict(zip(self.headers, cells, strict=False)), self.mapping)


# Readers that refuse what they cannot read (the cost reader keeps any wording as a description).
_READERS = {
    "days": read.read_days,
    "times": read.read_times,
    "ages": read.read_ages,
    "referral": read.read_referral,
    "languages": read.read_languages,
    "areas": read.read_areas,
    "attendance": read.read_attendance,
    "seasons": read.read_seasons,
}


def suggest_field(values: list[str], exclude: str | None = None) -> str:
    """The field whose reader reads most of these values, else "extra" (kept as a detail, unread)."""
    best, best_count = EXTRA, len(values) // 2
    for field, reader in _READERS.items():
        if field == exclude:
            continue
        count = 0
        for value in values:
            try:
                reader(value)
                count += 1
            except ValueError:
                pass
        if count > best_count:
            best, best_count = field, count
    return best


def open_spreadsheet(path: str | Path, source: str, mapping: dict[str, str] | None = None) -> Spreadsheet:
    """Read a .csv or .xlsx file and recognise its columns."""
    table = read_table(path)
    unknown = set(mapping or {}) - set(table.headers)
    if unknown:
        raise MappingError(
            f"The mapping names columns the file does not have: {', '.join(sorted(unknown))}. "
            f"The file's columns: {', '.join(table.headers)}."
        )
    return Spreadsheet(Path(path), source, table, recognise(table.headers, mapping))


def row_record(source: str, number: int, row: dict[str, str], mapping: dict[str, str]) -> ImportRecord:
    """Turn one row into an ImportRecord.

    Only a row with neither a service nor an organisation name is a problem (record.problems);
    a cell that cannot be read is a warning and is kept as a detail to check (record.details),
    and a dangerous one (a script address, control characters) is left out with a warning.
    """
    record = ImportRecord(source=source, row=f"row {number}", values=row, lenient=True)
    fields = {field: header for header, field in mapping.items() if field not in (IGNORE, EXTRA)}
    record.columns = {_path(field): header for field, header in fields.items()}
    if "days" in fields:
        record.columns["service.schedules"] = fields.get("times") or fields["days"]
    for field, paths in _GROUPS.items():
        if field in fields:
            record.columns.update(dict.fromkeys(paths, fields[field]))
    cells = {}
    for header, text in row.items():
        try:
            read.check_safe(text)
            cells[header] = text
        except read.Dangerous as exc:
            record.warn(header, str(exc))
            cells[header] = ""
    location = {}
    for field, header in fields.items():
        text = cells.get(header, "").strip()
        try:
            if field in _WEB_ADDRESSES and text:
                text = read.read_web_address(text)
            _apply(record, location, field, text)
        except read.Dangerous as exc:
            record.warn(header, str(exc))
        except ValueError as exc:
            record.warn(header, kept(str(exc), text), text)
    if any(value not in (None, "") for value in location.values()):
        record.locations.append(location)
    _schedules(record, fields, cells)
    _eligibility(record, fields, cells)
    _names(record, fields)
    record.attributes = {h: cells[h] for h in row if (h not in mapping or mapping[h] == EXTRA) and cells[h]}
    return record


def kept(problem: str, value: str) -> str:
    """A warning's words: what could not be read, and that the listing keeps it to be checked."""
    return f"{problem.rstrip('.')}. Imported with “{value}” kept as a detail to check."


def _path(field: str) -> str:
    return _GROUPS.get(field, (field,))[0]


def _apply(record: ImportRecord, location: dict, field: str, text: str) -> None:
    section, _, name = field.partition(".")
    if field == "source_id":
        record.source_id = text or None
    elif field == "organisation_source_id":
        record.organisation_source_id = text or None
    elif section == "organisation":
        record.organisation[name] = text
    elif field in _INTEGERS:
        record.eligibility[name] = text or None
    elif field == "service.eligibility_criteria":
        record.eligibility[name] = text
    elif field == "service.status":
        record.service[name] = "_".join(text.lower().split()) or "active"
    elif section == "service":
        record.service[name] = text
    elif field == "ages":
        record.eligibility.update({"min_age": None, "max_age": None} | (read.read_ages(text) if text else {}))
    elif field == "cost":
        record.costs.update(read.read_cost(text) if text else {})
    elif field == "referral":
        found = read.read_referral(text) if text else {"referral_routes": [], "seasons": []}
        record.service["referral_routes"] = found["referral_routes"]
        if found["seasons"]:  # "Drop in (April-September only)"; a seasons column says it better
            record.service.setdefault("seasons", found["seasons"])
    elif field == "seasons":
        record.service["seasons"] = read.read_seasons(text) if text else []
    elif field == "areas":
        record.service["areas"] = read.read_areas(text) if text else []
    elif field == "attendance":
        record.service["attendance"] = read.read_attendance(text) if text else []
    elif field == "groups":
        found = read.read_groups(text) if text else {}
        if text and not found.get("groups_served"):
            raise ValueError(
                f"Could not read the groups in '{text}': write them like women, carers, veterans or young people."
            )
        _add_groups(record, found)
    elif field == "languages":
        record.languages = read.read_languages(text) if text else []
    elif field == "categories":
        # Category names hold "and" and "&", and codes hold "/": only commas, semicolons and bars separate them.
        record.categories = [part.strip() for part in re.split(r"[,;|\n]", text) if part.strip()]
    elif section == "location":
        if name == "confidential":  # fails closed: anything but a blank or a plain no keeps the address hidden
            if text and text.strip().lower() not in read.NO:
                location[name] = True
                if text.strip().lower() not in read.YES and not text.strip().lower().startswith("yes"):
                    # "Refuge", "Not public", "Withheld"...
                    raise ValueError(
                        f"'{text}' is not yes or no: the address is kept confidential (only its postcode "
                        "district is shown) until an editor says otherwise."
                    )
        else:
            location[name] = read.read_yes_no(text) if name == "wheelchair_accessible" else text
    elif field == "contact.name" and text:
        record.contacts.append({"name": text})


def _schedules(record: ImportRecord, fields: dict[str, str], row: dict[str, str]) -> None:
    days_column, times_column = fields.get("days", ""), fields.get("times", "")
    days_text, times_text = row.get(days_column, "").strip(), row.get(times_column, "").strip()
    if not days_text and not times_text:
        return
    if not days_text:
        record.warn(
            times_column, kept("Times are given but no days: add the days in the days column", times_text), times_text
        )
        return
    try:
        sessions = read.read_days(days_text)
    except ValueError as exc:
        record.warn(days_column, kept(str(exc), days_text), days_text)
        if times_text:
            record.details[times_column] = times_text
        return
    if times_text:
        try:
            opens, closes = read.read_times(times_text)
            sessions = [dict(s, opens_at=opens, closes_at=closes) for s in sessions]
        except ValueError as exc:
            record.warn(times_column, kept(str(exc), times_text), times_text)
    place = 0 if record.locations else None
    record.schedules = [{"opens_at": None, "closes_at": None, **s, "location": place} for s in sessions]


def _eligibility(record: ImportRecord, fields: dict[str, str], row: dict[str, str]) -> None:
    """Groups (and ages, when no column gives them) read from the eligibility wording, which is kept too."""
    text = row.get(fields.get("service.eligibility_criteria", ""), "").strip()
    if not text:
        return
    found = read.read_groups(text)
    if any(field in fields for field in ("ages", "service.min_age", "service.max_age")):
        found.pop("min_age", None), found.pop("max_age", None)
    _add_groups(record, found)


def _add_groups(record: ImportRecord, found: dict) -> None:
    """Groups read from a groups column and from the eligibility wording: all of them."""
    groups = [*record.eligibility.get("groups_served", []), *found.pop("groups_served", [])]
    record.eligibility.update(found)
    if groups:
        record.eligibility["groups_served"] = list(dict.fromkeys(groups))


def _names(record: ImportRecord, fields: dict[str, str]) -> None:
    service, organisation = record.service.get("name"), record.organisation.get("name")
    if not service and not organisation:
        record.reject("service.name", "Give the service's or the organisation's name: the row has neither.")
    elif not service:
        record.service["name"] = organisation
    elif not organisation:
        record.organisation["name"] = service
