"""Listings as snapshots: JSON-friendly dicts of their editable fields, and field-by-field diffs.

A live listing, a queued change and every revision are stored and compared in this shape (a
service's is ServiceInput's), so a change can be diffed against the version it started from.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time
from decimal import Decimal

from directory.models import Location, Organisation, Service
from directory.schemas.listing import LocationInput, ServiceInput

from .listings import SERVICE_CHILDREN

# Fields a form may change. Verification and importers' extra attributes are kept as they are.
NOT_EDITABLE = {"last_verified_at", "verified_by", "verification_method", "attributes"}
EDITABLE = [name for name in ServiceInput().fields if name not in NOT_EDITABLE]
CHILD_FIELDS = {key: list(ServiceInput().fields[key].inner.schema.fields) for key in SERVICE_CHILDREN}
ORGANISATION_FIELDS = [
    "name",
    "description",
    "website",
    "email",
    "phone",
    "charity_number",
    "company_number",
    "logo_url",
]
# A venue's point is derived from its postcode, so it is not part of what an editor changes.
LOCATION_FIELDS = [name for name in LocationInput().fields if name not in ("latitude", "longitude")]
FIELDS = {"organisation": ORGANISATION_FIELDS, "location": LOCATION_FIELDS}
MODELS = {"organisation": Organisation, "location": Location, "service": Service}


def as_json(value):
    """Dates, times, amounts and ids as the strings a form would send; lists and dicts recursively."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    if isinstance(value, time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def target_type_of(record) -> str:
    """'service', 'organisation' or 'location' for a listing record."""
    for name, model in MODELS.items():
        if isinstance(record, model):
            return name
    raise TypeError(f"Not a listing: {record!r}")


def service_snapshot(service: Service) -> dict:
    """Every editable field of a service, its children, categories and venues, as JSON."""
    snapshot = {
        name: as_json(getattr(service, name))
        for name in EDITABLE
        if name not in CHILD_FIELDS and name not in ("categories", "location_ids")
    }
    snapshot["organisation_id"] = str(service.organisation_id)
    snapshot["categories"] = sorted(term.code for term in service.terms)
    snapshot["location_ids"] = sorted(str(link.location_id) for link in service.location_links)
    for key, names in CHILD_FIELDS.items():
        snapshot[key] = [{name: as_json(getattr(row, name)) for name in names} for row in getattr(service, key)]
    return snapshot


def listing_snapshot(record) -> dict:
    """A listing's editable fields as JSON, the shape a change proposes and a revision stores."""
    target_type = target_type_of(record)
    if target_type == "service":
        return service_snapshot(record)
    return {name: as_json(getattr(record, name)) for name in FIELDS[target_type]}


def proposed_snapshot(data: dict, organisation: Organisation) -> dict:
    """Validated ServiceInput data as a snapshot (what a change would make the listing)."""
    snapshot = {name: as_json(data[name]) for name in EDITABLE if name in data}
    snapshot["organisation_id"] = str(organisation.id)
    snapshot["categories"] = sorted(dict.fromkeys(snapshot.get("categories", [])))
    snapshot["location_ids"] = sorted(dict.fromkeys(snapshot.get("location_ids", [])))
    return snapshot


def fields_snapshot(target_type: str, data: dict) -> dict:
    """An organisation's or venue's validated input as a snapshot."""
    return {name: as_json(data.get(name)) for name in FIELDS[target_type]}


def _canonical(value):
    # Rows and lists compare as sets: reordering schedules or languages is not a change.
    if isinstance(value, list):
        return sorted(json.dumps(item, sort_keys=True) for item in value)
    return value


def same(old, new) -> bool:
    """True when two snapshot values mean the same (row order and kinds of empty do not count)."""
    return _canonical(old) == _canonical(new) or (old in (None, "", []) and new in (None, "", []))


def diff(before: dict, after: dict) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field whose value differs, in the form's order."""
    order = ["organisation_id", *EDITABLE]
    names = order + sorted((set(before) | set(after)) - set(order))
    return [
        (name, before.get(name), after.get(name))
        for name in names
        if (name in before or name in after) and not same(before.get(name), after.get(name))
    ]
