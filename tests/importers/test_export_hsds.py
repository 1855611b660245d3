"""`signpost export hsds`: an HSDS 3.0 datapackage and JSON that import back into the same listings."""

import csv
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlmodel import select

from directory.config import DATA_DIR
from directory.db import get_db
from directory.demo import load_demo
from directory.models import Service
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM
from importers.export_hsds import TABLES, export_hsds
from importers.hsds import import_hsds
from tests import factories
from tests.conftest import migrated_app

SHARED = Path(os.environ.get("SIGNPOST_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
ORUK = SHARED / "oruk" / "3.0" / "schema"


def rich_listing(session):
    """A service using every field Signpost has, at a venue, with categories."""
    org = factories.organisation(
        session,
        name="Calder Valley Carers",
        charity_number="1123456",
        company_number="07654321",
        website="https://carers.example.org",
        phone="01422 496 100",
    )
    venue = factories.location(
        session,
        org,
        name="Hebden Bridge Town Hall",
        address_1="St George's Street",
        town="Hebden Bridge",
        postcode="HX7 7BY",
        travel_notes="Five minutes from the station",
        accessibility="Lift to every floor",
        wheelchair_accessible=True,
    )
    online = factories.location(
        session, org, name="Online", location_type="virtual", postcode=None, url="https://meet.example.org/carers"
    )
    refuge = factories.location(
        session,
        org,
        name="Carers' safe house",
        postcode="HX7",
        confidential=True,
        latitude=53.74,
        longitude=-2.01,
        geocode_source="district",
    )
    abroad = factories.location(
        session,
        org,
        name="Partner centre in Dublin",
        address_1="5 Parnell Square",
        address_2="D01 XY00, IE",
        town="Dublin",
        postcode=None,
        not_on_map=True,
    )
    return factories.service(
        session,
        org,
        [venue, online, refuge, abroad],
        name="Carers' Café",
        summary="A break and a chat for unpaid carers.",
        description="Tea, cake and advice.",
        status="temporarily_closed",
        status_reason="Hall being repaired",
        expected_reopening="2027-02-01",
        website="https://carers.example.org/cafe",
        email="cafe@carers.example.org",
        phone="01422 496 101",
        alert="Back in February",
        is_free=False,
        cost_description="£2 suggested donation",
        cost_min="0.00",
        cost_max="2.00",
        languages=["en", "ur"],
        min_age=18,
        max_age=None,
        groups_served=["carers"],
        circumstances=["caring for someone"],
        eligibility_criteria="Unpaid carers",
        open_to_all=False,
        categories=["carers/carers-support", "food/community-meals"],
        areas=[{"area_type": "local_authority", "code": "E08000033", "name": "Calderdale"}],
        referral_routes=[
            {
                "route_type": "self_referral",
                "method": "phone",
                "contact": "01422 496 101",
                "instructions": "Ring and ask for Sam.",
                "status": "waiting_list",
                "typical_wait": "2 weeks",
                "status_confirmed_on": "2026-10-01",
            }
        ],
        schedules=[
            {
                "weekday": "WE",
                "opens_at": "10:00",
                "closes_at": "12:00",
                "location_id": str(venue.id),
                "description": "Upstairs room",
            },
            {
                "frequency": "monthly",
                "weekday": "SA",
                "week_of_month": -1,
                "opens_at": "14:00",
                "closes_at": "15:30",
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-31",
            },
        ],
        seasons=[{"start_month": 9, "start_day": 1, "end_month": 6, "end_day": 30, "description": "Term time"}],
        funding=[{"source": "Community fund", "status": "funding_ending", "funded_until": "2027-03-31"}],
        last_verified_at=datetime(2026, 9, 30, 14, 0, tzinfo=UTC).isoformat(),
        verified_by="Sam Jones",
        verification_method="owner",
    )


# Facts that differ by design in a copy: its pages' addresses (by id), and where it was imported from.
BY_COPY = {"signpost_page", "source_reference"}


def normalised(out_dir: Path) -> dict:
    """An export with every identifier, timestamp and fact that differs by copy removed, and every list sorted."""

    def clean(value):
        if isinstance(value, dict):
            return {
                k: clean(v)
                for k, v in value.items()
                if k != "id" and not k.endswith("_id") and k not in ("last_modified", "link_id", "uri")
            }
        if isinstance(value, list):
            kept = [v for v in value if not (isinstance(v, dict) and BY_COPY & {v.get("link_type"), v.get("code")})]
            return sorted((clean(v) for v in kept), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    tables = {}
    for name in TABLES:
        with (out_dir / f"{name}.csv").open(encoding="utf-8") as handle:
            tables[name] = clean(list(csv.DictReader(handle)))
    return {"json": clean(json.loads((out_dir / "services.json").read_text())["contents"]), "csv": tables}


def export(app, out_dir: Path) -> Path:
    with app.test_request_context(), get_db(app).sessionmaker() as session:
        export_hsds(session, out_dir)
    return out_dir


def test_export_writes_a_datapackage_every_table_and_json(app, session, tmp_path):
    rich_listing(session)
    session.commit()
    out = export(app, tmp_path / "out")
    package = json.loads((out / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {f"{name}.csv" for name in TABLES}
    with (out / "services.csv").open() as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["name"], row["status"], row["minimum_age"]) == ("Carers' Café", "temporarily closed", "18")
    with (out / "schedules.csv").open() as handle:
        assert sorted(r["byday"] for r in csv.DictReader(handle)) == ["-1SA", "WE"]
    [service] = json.loads((out / "services.json").read_text())["contents"]
    assert service["organization"]["organization_identifiers"][0]["identifier"] == "1123456"
    assert {a["taxonomy_term"]["code"] for a in service["attributes"]} >= {"carers/carers-support", "signpost:seasons"}
    [refuge] = [
        sal["location"] for sal in service["service_at_locations"] if sal["location"]["name"] == "Carers' safe house"
    ]
    assert "latitude" not in refuge and refuge["addresses"][0]["postal_code"] == "HX7"
    assert {a["taxonomy_term"]["code"]: a["value"] for a in refuge["attributes"]}["signpost:confidential"] == "true"


def test_what_a_source_gave_beyond_signposts_fields_is_not_exported(app, session, tmp_path):
    """A listing's attributes stay with its editors: a spreadsheet's second address column can hold the
    street of a venue that is confidential."""
    service = rich_listing(session)
    service.attributes = {"spreadsheet": {"Street": "1 Hidden Lane", "Latitude": "53.7421"}}
    session.commit()
    out = export(app, tmp_path / "out")
    for path in out.iterdir():
        text = path.read_text()
        assert "Hidden Lane" not in text and "53.7421" not in text, path.name


@pytest.mark.skipif(not ORUK.exists(), reason=f"the ORUK schemas are not at {ORUK} (set SIGNPOST_SHARED_DIR)")
def test_exported_json_is_a_valid_oruk_service_page(app, session, tmp_path):
    rich_listing(session)
    session.commit()
    out = export(app, tmp_path / "out")
    schemas = {
        f"https://openreferraluk.org/specifications/3.0/schema/{p.name}": DRAFT202012.create_resource(
            json.loads(p.read_text())
        )
        for p in ORUK.glob("*.json")
    }
    registry = Registry().with_resources(schemas.items())
    schema = json.loads((ORUK / "service_list.json").read_text())
    errors = list(
        Draft202012Validator(schema, registry=registry).iter_errors(json.loads((out / "services.json").read_text()))
    )
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.slow
def test_round_trip_export_import_export_gives_the_same_listings(app, session, tmp_path):
    rich_listing(session)
    load_demo(session, date(2026, 11, 24))
    session.commit()
    first = export(app, tmp_path / "first")
    # An empty directory of its own (on the PostgreSQL pass the suite's database already holds `app`'s).
    fresh = migrated_app(tmp_path / "fresh", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    for path in (first, first / "services.json"):  # the CSV datapackage, then the JSON of the same export
        with fresh.app_context():
            result = import_hsds(get_db(fresh), path, source="round-trip")
        assert result.report.counts["rejected"] == 0, result.report.rejects[:3]
        assert result.report.counts["proposed_merge"] == 0
    second = export(fresh, tmp_path / "second")
    assert normalised(second) == normalised(first)
    with get_db(fresh).sessionmaker() as check:
        assert len(check.exec(select(Service)).all()) == len(
            json.loads((first / "services.json").read_text())["contents"]
        )
    get_db(fresh).engine.dispose()


def test_cli_exports(app, runner, session, tmp_path):
    rich_listing(session)
    session.commit()
    result = runner.invoke(args=["export", "hsds", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 services from 1 organisations at 4 venues" in result.output
    assert (tmp_path / "out" / "services.csv").exists()


@pytest.mark.postgres
def test_round_trip_into_postgresql(app, session, tmp_path, postgres_url):
    from directory import migrate
    from tests.conftest import make_app

    rich_listing(session)
    session.commit()
    first = export(app, tmp_path / "first")
    target = make_app(tmp_path / "pg", DATABASE_URL=postgres_url)
    engine = get_db(target).engine
    migrate.upgrade(engine)
    try:
        with get_db(target).unit_of_work() as pg:
            seed_taxonomy(pg, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
        for _ in range(2):
            with target.app_context():
                result = import_hsds(get_db(target), first, source="round-trip")
        assert dict(result.report.counts) == {"unchanged": 1}
        assert normalised(export(target, tmp_path / "second")) == normalised(first)
    finally:
        migrate.downgrade(engine, "base")
        engine.dispose()
