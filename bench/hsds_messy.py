"""A messy Open Referral export of our own making, through `signpost import hsds`: what survives.

    PYTHONPATH=. .venv/bin/python bench/hsds_messy.py [--services 3000] [--seed 11] [--keep DIR] [--export-only]

Writes an HSDS 1.1-style CSV datapackage (datapackage.json, organizations.csv, services.csv,
locations.csv, physical_addresses.csv, services_at_location.csv, regular_schedules.csv,
eligibility.csv, phones.csv) of N services across about N/4 organisations, in real UK towns at
real GB unit postcodes (the shipped data/postcodes/units.bin.xz), with the faults real exports have, each at a fixed rate and counted:

- 11% of services name an organization_id that is not in organizations.csv;
- 1% of services have a malformed url ("htp//broken", "www .example.org", "javascript:alert(1)");
- 90% of services give no fees at all (HSDS 1.1's `fees` column, read as fees_description),
  5% say "Free" and 5% "£2 a session";
- 3% of venues are abroad (Paris, Dublin, Berlin), with an address line and a city;
- 2% of eligibility rows have a blank service_id;
- 10% of descriptions hold literal backslash-n sequences, 5% day markers ("###MON### 9am-5pm");
- location ids and service ids are both numbered from 1001, so many ids name one of each.

Then it imports the folder into a fresh SQLite directory (categories only) with import_hsds
(source "messy-hsds") and prints a plain-text table: for each fault, how many the file holds, what
a careful importer would do with them ("expected": every service listed, none made free without
saying so, foreign venues kept with their address but not on the map, with a note, escapes and day markers read), and what the importer
did; then the ten commonest problems it reported. Figures are recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from bench.synthetic import NEIGHBOURHOODS, ORG_KINDS, TOWNS, VOCAB  # noqa: E402
from directory import create_app, migrate  # noqa: E402
from directory.config import DATA_DIR  # noqa: E402
from directory.db import get_db  # noqa: E402
from directory.geography import unit_postcodes  # noqa: E402
from directory.models import Location, Organisation, Service  # noqa: E402
from directory.operations.taxonomy import seed_taxonomy  # noqa: E402
from directory.permissions import SYSTEM  # noqa: E402
from importers.hsds import import_hsds  # noqa: E402
from importers.hsds_map import PLACEHOLDER_KEY  # noqa: E402

SOURCE = "messy-hsds"
TOWN_COUNT, POSTCODES_PER_TOWN = 16, 25  # 400 real postcodes

RATES = {
    "orphan": 0.11,
    "bad_url": 0.01,
    "free": 0.05,
    "paid": 0.05,
    "foreign": 0.03,
    "blank_eligibility": 0.02,
    "backslash_n": 0.10,
    "day_markers": 0.05,
}
BAD_URLS = ["htp//broken", "www .example.org", "javascript:alert(1)", "http://www.example.org/open days"]
FOREIGN = [  # address_1, city, postal_code, country
    ("12 Rue de la Roquette", "Paris", "75011 Paris", "FR"),
    ("12 Rue de la Roquette", "Paris", "75011", "FR"),
    ("1 Grand Canal Square", "Dublin", "D02 X285", "IE"),
    ("Invalidenstraße 117", "Berlin", "10115 Berlin", "DE"),
    ("Invalidenstraße 117", "Berlin", "10115", "DE"),
]
DAY_MARKERS = ["###MON### 9am-5pm ###TUE### 10am-2pm", "###WED### 10am-12pm", "###MON### 9am-5pm ###FRI### 9am-1pm"]
ELIGIBILITY = [
    "adults",
    "carers",
    "over 50s",
    "families with children under 5",
    "young people 16-25",
    "people living in the borough",
    "veterans",
    "refugees and asylum seekers",
]
VENUE_KINDS = ["Community Centre", "Church Hall", "Library", "Hub", "Family Centre", "Sports Centre", "Health Centre"]
STREETS = ["High Street", "Church Road", "Station Road", "Victoria Street", "Park Lane", "Mill Road", "King Street"]
WEEKDAYS = ["1", "2", "3", "4", "5", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
HOURS = [("09:00", "12:00"), ("09:30:00", "16:30:00"), ("10:00", "14:00"), ("13:00", "15:00"), ("18:00", "20:00")]

COLUMNS = {
    "organizations": ["id", "name", "alternate_name", "description", "email", "url", "tax_status", "legal_status"],
    "services": [
        "id",
        "organization_id",
        "program_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "application_process",
        "fees",
        "taxonomy_ids",
    ],
    "locations": [
        "id",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "transportation",
        "latitude",
        "longitude",
    ],
    "physical_addresses": [
        "id",
        "location_id",
        "attention",
        "address_1",
        "address_2",
        "address_3",
        "address_4",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
    ],
    "services_at_location": ["id", "service_id", "location_id", "description"],
    "regular_schedules": [
        "id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "weekday",
        "opens_at",
        "closes_at",
    ],
    "eligibility": ["id", "service_id", "eligibility"],
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
        "language",
        "description",
        "department",
    ],
}

RESOURCE_NAMES = {
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "physical_addresses": "physical_address",
    "services_at_location": "service_at_location",
    "regular_schedules": "regular_schedule",
    "eligibility": "eligibility",
    "phones": "phone",
}


# --- real postcodes -------------------------------------------------------------------------


def real_postcodes() -> dict[str, list[str]]:
    """Town -> real unit postcodes: the first few of each town's district, from the shipped units file."""
    units = unit_postcodes()
    sectors = units.sectors()
    chosen = {}
    for town, district, _ in TOWNS[:TOWN_COUNT]:
        found = []
        for sector in (s for s in sectors if s.startswith(district + " ")):
            found += units.postcodes_in(sector)
            if len(found) >= POSTCODES_PER_TOWN:
                break
        chosen[town] = found[:POSTCODES_PER_TOWN]
    return chosen


# --- the export -------------------------------------------------------------------------------


def pick(rng: random.Random, population: list, rate: float) -> set:
    """Exactly round(rate * len(population)) members, chosen at random."""
    return set(rng.sample(population, round(rate * len(population))))


def slug(text: str, limit: int = 40) -> str:
    """Lower-case words joined by hyphens, at most limit characters (a valid domain label)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:limit].strip("-")


def build_export(folder: Path, services: int, seed: int) -> dict:
    """Write the datapackage to folder; returns what it holds and what a careful importer would do."""
    rng = random.Random(seed)
    postcodes = real_postcodes()
    towns = sorted(postcodes)
    tables: dict[str, list[dict]] = {name: [] for name in COLUMNS}

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    # Organisations: ~N/4 in the file, and "ghost" ones that services name but the file leaves out.
    service_ids = [str(1001 + i) for i in range(services)]
    orphans = pick(rng, service_ids, RATES["orphan"])
    combos = rng.sample(
        [(h, k, t) for h in NEIGHBOURHOODS for k in ORG_KINDS for t in towns],
        max(1, services // 4) + max(1, len(orphans) // 3),
    )
    organisations = []  # (id, name, town, in the file, neighbourhood)
    for number, (hood, kind, town) in enumerate(combos):
        organisations.append((new_id(), f"{hood} {kind}, {town}", town, number < max(1, services // 4), hood))
    real = [o for o in organisations if o[3]]
    ghosts = [o for o in organisations if not o[3]]
    for org_id, name, town, *_ in real:
        domain = slug(name) + ".example.org"
        tables["organizations"].append(
            {
                "id": org_id,
                "name": name,
                "description": f"{name} runs services for people in and around {town}.",
                "email": f"info@{domain}",
                "url": f"https://www.{domain}",
                "tax_status": "charity",
                "legal_status": rng.choice(["charity", "CIO", "CIC", "unincorporated association"]),
            }
        )

    # Venues: one or two per organisation (ghosts too), numbered from 1001 like the services.
    venues: dict[str, list[str]] = {}
    location_town: dict[str, str] = {}
    next_location = 1001
    for org_id, _, town, _, hood in organisations:
        for kind in rng.sample(VENUE_KINDS, rng.choice((1, 1, 2))):
            location_id = str(next_location)
            next_location += 1
            venues.setdefault(org_id, []).append(location_id)
            location_town[location_id] = town
            tables["locations"].append(
                {
                    "id": location_id,
                    "organization_id": org_id,
                    "name": f"{hood} {kind}",
                    "description": "",
                    "transportation": rng.choice(["", "", "Buses stop outside"]),
                }
            )
    foreign = pick(rng, sorted(location_town), RATES["foreign"])
    for location_id, town in location_town.items():
        if location_id in foreign:
            address_1, city, postcode, country = rng.choice(FOREIGN)
        else:
            address_1, city = f"{rng.randint(1, 200)} {rng.choice(STREETS)}", town
            postcode, country = rng.choice(postcodes[town]), "GB"
        tables["physical_addresses"].append(
            {
                "id": new_id(),
                "location_id": location_id,
                "address_1": address_1,
                "city": city,
                "postal_code": postcode,
                "country": country,
            }
        )

    # Services: every organisation in the file runs at least one; orphans belong to ghosts.
    owners = [real[i % len(real)][0] for i in range(services - len(orphans))]
    rng.shuffle(owners)
    owners = iter(owners)
    owner = {sid: rng.choice(ghosts)[0] if sid in orphans else next(owners) for sid in service_ids}
    importable = [sid for sid in service_ids if sid not in orphans]
    bad_url = pick(rng, importable, RATES["bad_url"])
    fees = {sid: "Free" for sid in pick(rng, service_ids, RATES["free"])}
    fees.update({sid: "£2 a session" for sid in pick(rng, sorted(set(service_ids) - set(fees)), RATES["paid"])})
    backslash_n = pick(rng, service_ids, RATES["backslash_n"])
    day_markers = pick(rng, service_ids, RATES["day_markers"])
    stems = [(key, stem) for key, (names, _) in VOCAB.items() for stem in names]
    used_names: dict[str, set] = {}
    org_names = {o[0]: o[1] for o in organisations}
    links: dict[str, list[str]] = {}
    for sid in service_ids:
        org_id = owner[sid]
        key, stem = rng.choice(stems)
        name = stem if stem not in used_names.setdefault(org_id, set()) else f"{stem} ({sid})"
        used_names[org_id].add(name)
        sentences = rng.sample(VOCAB[key][1], 2)
        description = "\\n".join(sentences) if sid in backslash_n else " ".join(sentences)
        if sid in day_markers:
            description += " Opening times: " + rng.choice(DAY_MARKERS)
        domain = slug(org_names[org_id]) + ".example.org"
        url = rng.choice([f"https://www.{domain}/{slug(name)}", f"www.{domain}", ""])
        tables["services"].append(
            {
                "id": sid,
                "organization_id": org_id,
                "name": name,
                "description": description,
                "url": rng.choice(BAD_URLS) if sid in bad_url else url,
                "email": f"{slug(stem, 20)}@{domain}",
                "status": "active",
                "application_process": rng.choice(["Drop in", "Self-referral", "Ring first", ""]),
                "fees": fees.get(sid, ""),
            }
        )
        if rng.random() < 0.9:
            tables["phones"].append(
                {
                    "id": new_id(),
                    "service_id": sid,
                    "number": f"01632 960{rng.randint(0, 999):03d}",
                    "type": "voice",
                    "language": "en",
                }
            )
        links[sid] = rng.sample(venues[org_id], rng.choice((1, 1, 1, 2)) if len(venues[org_id]) > 1 else 1)
        for location_id in links[sid]:
            sal_id = new_id()
            tables["services_at_location"].append({"id": sal_id, "service_id": sid, "location_id": location_id})
            for weekday in rng.sample(WEEKDAYS, rng.choice((1, 2))):
                opens, closes = rng.choice(HOURS)
                tables["regular_schedules"].append(
                    {
                        "id": new_id(),
                        "service_id": sid,
                        "location_id": location_id,
                        "service_at_location_id": sal_id,
                        "weekday": weekday,
                        "opens_at": opens,
                        "closes_at": closes,
                    }
                )
        if rng.random() < 0.3:
            for text in rng.sample(ELIGIBILITY, rng.choice((1, 2))):
                tables["eligibility"].append({"id": new_id(), "service_id": sid, "eligibility": text})
    blank_eligibility = pick(rng, list(range(len(tables["eligibility"]))), RATES["blank_eligibility"])
    for index in blank_eligibility:
        tables["eligibility"][index]["service_id"] = ""

    write_package(folder, tables)

    # What the file holds. A careful importer lists every service (each has an id and a name).
    with_eligibility = {row["service_id"] for row in tables["eligibility"] if row["service_id"]}
    return {
        "services": services,
        "organisations": len(real),
        "absent organisations": len({owner[sid] for sid in orphans}),
        "orphans": len(orphans),
        "bad urls": len(bad_url),
        "fees": {
            said: {sid for sid in service_ids if fees.get(sid, "") == said} for said in ("Free", "£2 a session", "")
        },
        "venues": len(location_town),
        "foreign venues": len(foreign),
        "venues used": len({loc for sid in service_ids for loc in links[sid]}),
        "foreign links": sum(loc in foreign for sid in service_ids for loc in links[sid]),
        "eligibility rows": len(tables["eligibility"]),
        "blank eligibility": len(blank_eligibility),
        "with eligibility": len(with_eligibility),
        "backslash n": len(backslash_n),
        "day markers": len(day_markers),
        "shared ids": len(set(service_ids) & set(location_town)),
        "postcodes": sum(map(len, postcodes.values())),
        "towns": len(postcodes),
    }


def write_package(folder: Path, tables: dict[str, list[dict]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, columns in COLUMNS.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, columns, restval="")
            writer.writeheader()
            writer.writerows(tables[name])
        resources.append(
            {
                "name": RESOURCE_NAMES[name],
                "path": f"{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "schema": {"fields": [{"name": c, "type": "string"} for c in columns]},
            }
        )
    package = {
        "name": "messy-hsds",
        "title": "A messy HSDS 1.1 export (bench/hsds_messy.py)",
        "profile": "tabular-data-package",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")


# --- the import -------------------------------------------------------------------------------


def run_import(folder: Path, instance: Path):
    """A fresh directory (categories only) on SQLite; import the folder; returns (app, result, seconds)."""
    app = create_app(
        {
            "ENV": "testing",
            "INSTANCE_DIR": str(instance),
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{instance / 'signpost.db'}",
        }
    )
    database = get_db(app)
    migrate.upgrade(database.engine)
    with database.unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
    print(f"Importing {folder} …", file=sys.stderr)
    with app.app_context():
        started = time.perf_counter()
        result = import_hsds(database, folder, source=SOURCE)
        seconds = time.perf_counter() - started
    print(f"Imported in {seconds:.1f} s.", file=sys.stderr)
    return app, result, seconds


def reason(text: str) -> str:
    """A problem's words with the record-specific values taken out, so like problems group together."""
    return re.sub(r"\b\d{3,}\b", "N", re.sub(r"'[^']*'|“[^”]*”", "‘…’", text))


def figures(app, result, seconds: float, e: dict) -> list[tuple]:
    """(figure, in the file, what a careful importer would do, what the importer did) rows."""
    report, notes = result.report, result.notes
    problems = {level: Counter() for level in ("rejected", "warning")}
    for r in report.rejects:
        problems["warning" if r.get("level") == "warning" else "rejected"][r["column"]] += 1
    misfiled = sum(
        r["row"].startswith("locations.csv") and r["column"] in ("organization_id", "url", "name")
        for r in report.rejects
    )
    misfiled += sum(n.file == "locations.csv" and n.field in ("organization_id", "url", "name") for n in notes)
    with get_db(app).unit_of_work() as session:
        services = {s.source_id: s for s in session.exec(select(Service).where(Service.source == SOURCE))}
        organisations = session.exec(select(func.count()).select_from(Organisation)).one()
        venues = session.exec(select(func.count()).select_from(Location)).one()
        off_map = session.exec(select(func.count()).select_from(Location).where(Location.not_on_map)).one()
        placeholders = session.exec(
            select(func.count()).select_from(Organisation).where(Organisation.source_id.startswith(PLACEHOLDER_KEY))
        ).one()
        cost = {
            said: Counter(services[sid].is_free for sid in ids if sid in services) for said, ids in e["fees"].items()
        }
        paid_min = sum(services[sid].cost_min == 2 for sid in e["fees"]["£2 a session"] if sid in services)
        with_eligibility = sum(bool(s.eligibility_criteria) for s in services.values())
        backslash_n = sum("\\n" in s.description for s in services.values())
        markers = sum("###" in s.description for s in services.values())
    free, paid, none = (len(e["fees"][k]) for k in ("Free", "£2 a session", ""))

    def split(counter: Counter) -> str:
        return f"{counter[True]} free, {counter[False]} not"

    def by_level(column: str) -> str:
        return f"{problems['warning'][column]} warned, {problems['rejected'][column]} rejected"

    return [
        ("services", e["services"], f"{e['services']} listed", f"{report.counts['created']} created"),
        (
            "organisations",
            e["organisations"],
            f"{e['organisations']} + {e['absent organisations']} stand-ins",
            organisations,
        ),
        (
            "services naming an absent organisation",
            f"{e['orphans']} ({e['absent organisations']} ids)",
            "listed, flagged",
            by_level("organization_id"),
        ),
        ("stand-in organisations (one per absent id)", "", e["absent organisations"], placeholders),
        ("services with a malformed url", e["bad urls"], "listed without it, flagged", by_level("url")),
        ("rows rejected", "", 0, report.counts["rejected"]),
        ("rows with warnings", "", e["orphans"] + e["bad urls"], report.counts["warned"]),
        ("notes", "", e["foreign links"] + e["blank eligibility"], len(notes)),
        ("fees 'Free'", free, f"{free} free", split(cost["Free"])),
        (
            "fees '£2 a session'",
            paid,
            f"{paid} not, cost_min 2",
            f"{split(cost['£2 a session'])}, {paid_min} cost_min 2",
        ),
        ("no fees given", none, "0 free (unknown)", split(cost[""])),
        ("venues", e["venues"], f"{e['venues used']} kept", venues),
        (
            "foreign venues (service links to them)",
            f"{e['foreign venues']} ({e['foreign links']})",
            f"{e['foreign venues']} not on the map, {e['foreign links']} noted",
            f"{off_map} not on the map, {sum(n.field == 'address.postal_code' for n in notes)} noted",
        ),
        (
            "eligibility rows (blank service_id)",
            f"{e['eligibility rows']} ({e['blank eligibility']})",
            f"{e['blank eligibility']} noted",
            sum(n.field == "service_id" for n in notes),
        ),
        ("services with eligibility criteria", e["with eligibility"], e["with eligibility"], with_eligibility),
        ("descriptions with a literal \\n", e["backslash n"], "0 left", backslash_n),
        ("descriptions with ###DAY### markers", e["day markers"], "0 left", markers),
        ("ids used by a service and a location", e["shared ids"], "0 misfiled", f"{misfiled} misfiled"),
        ("seconds (import_hsds)", "", "", f"{seconds:.1f}"),
    ]


def table(rows: list[tuple], header: tuple) -> str:
    cells = [tuple(str(c) for c in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: tuple) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def top_reasons(result, limit: int = 10) -> list[tuple]:
    counted = Counter((r.get("level", "rejected"), r["column"], reason(r["problem"])) for r in result.report.rejects)
    counted.update(("note", n.field, reason(n.message)) for n in result.notes)
    return [(f"{kind}: {column}: {text}"[:160], count) for (kind, column, text), count in counted.most_common(limit)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=3000, help="services in the export (default 3000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the export to DIR and keep it")
    parser.add_argument("--export-only", action="store_true", help="write the export and stop (with --keep)")
    args = parser.parse_args(argv)
    if args.services < 4:
        parser.error("--services must be at least 4")
    if args.export_only and not args.keep:
        parser.error("--export-only needs --keep DIR (where to write the export)")
    with tempfile.TemporaryDirectory(prefix="hsds-messy-") as tmp:
        folder = args.keep or Path(tmp) / "export"
        ours = {f"{name}.csv" for name in COLUMNS} | {"datapackage.json"}
        if folder.exists() and {p.name for p in folder.iterdir()} - ours:
            parser.error(f"{folder} holds other files: give an empty or new folder (earlier exports are overwritten)")
        expected = build_export(folder, args.services, args.seed)
        print(
            f"Wrote {folder}: {expected['services']:,} services, {expected['organisations']:,} organisations, "
            f"{expected['venues']:,} venues at {expected['postcodes']} real postcodes in {expected['towns']} towns.",
            file=sys.stderr,
        )
        if args.export_only:
            return 0
        app, result, seconds = run_import(folder, Path(tmp) / "instance")
        print(f"Messy HSDS 1.1 export, {args.services:,} services, seed {args.seed}\n")
        print(
            table(
                figures(app, result, seconds, expected),
                ("figure", "in the file", "expected (careful importer)", "importer"),
            )
        )
        print("\nCommonest problems reported (rejected / warning / note), values replaced by '…' and N:\n")
        print(table(top_reasons(result), ("problem", "rows")))
        get_db(app).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
