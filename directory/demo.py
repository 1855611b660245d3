"""Load the shipped demo directory (data/demo/directory.json), with dates relative to today."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, select

from directory.config import DATA_DIR
from directory.models import Organisation
from directory.operations import validate
from directory.operations.listings import create_location, create_organisation, create_service
from directory.operations.publish import record_created
from directory.permissions import SYSTEM
from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput

DEMO_FILE = DATA_DIR / "demo" / "directory.json"
SOURCE = "demo"


def demo_loaded(session: Session) -> bool:
    """True when the demo directory is already in the database."""
    return session.exec(select(Organisation.id).where(Organisation.source == SOURCE).limit(1)).first() is not None


def load_demo(session: Session, today: date, path: Path = DEMO_FILE, progress=None) -> dict:
    """Add every demo organisation, location and service; returns counts. Caller commits."""
    document = json.loads(path.read_text(encoding="utf-8"))
    counts = {"organisations": 0, "locations": 0, "services": 0}
    for raw in document["organisations"]:
        organisation = create_organisation(session, SYSTEM, validate(OrganisationInput(), _verification(raw, today)))
        organisation.source, organisation.source_id = SOURCE, raw["key"]
        record_created(session, SYSTEM, organisation, SOURCE)
        keys = {}
        for raw_location in raw.get("locations", []):
            location = create_location(session, SYSTEM, organisation, validate(LocationInput(), raw_location))
            location.source, location.source_id = SOURCE, f"{raw['key']}/{raw_location['key']}"
            record_created(session, SYSTEM, location, SOURCE)
            keys[raw_location["key"]] = location.id
            counts["locations"] += 1
        for raw_service in raw.get("services", []):
            data = validate(ServiceInput(), _service(raw_service, keys, today))
            service = create_service(session, SYSTEM, organisation, data)
            service.source, service.source_id = SOURCE, f"{raw['key']}/{raw_service['name']}"
            record_created(session, SYSTEM, service, SOURCE)
            counts["services"] += 1
        counts["organisations"] += 1
        if progress:
            progress()
    session.flush()
    return counts


def _days(today: date, offset: int | None) -> str | None:
    return None if offset is None else (today + timedelta(days=offset)).isoformat()


def _verification(raw: dict, today: date) -> dict:
    data = {k: v for k, v in raw.items() if k not in ("locations", "services", "key")}
    ago = data.pop("verified_days_ago", None)
    if ago is not None:
        moment = datetime.combine(today - timedelta(days=ago), time(10, 0), tzinfo=UTC)
        data["last_verified_at"] = moment.isoformat()
    return data


def _service(raw: dict, location_keys: dict, today: date) -> dict:
    data = _verification(raw, today)
    data["location_ids"] = [str(location_keys[key]) for key in raw.get("locations", [])]
    data["expected_reopening"] = _days(today, data.pop("reopens_in_days", None))
    for route in data.get("referral_routes", []):
        ago = route.pop("confirmed_days_ago", None)
        route["status_confirmed_on"] = _days(today, -ago if ago is not None else None)
    for schedule in data.get("schedules", []):
        key = schedule.pop("location", None)
        schedule["location_id"] = str(location_keys[key]) if key else None
        schedule["valid_from"] = _days(today, schedule.pop("valid_from_days", None))
        schedule["valid_to"] = _days(today, schedule.pop("valid_to_days", None))
    for funding in data.get("funding", []):
        funding["funded_until"] = _days(today, funding.pop("funded_until_days", None))
    return data
