"""Import benchmark: a realistic spreadsheet of N listings through `signpost import csv`'s path.

    PYTHONPATH=. .venv/bin/python bench/import_bench.py --rows 100000

Builds a fresh directory (categories and the demo directory, so there are listings to match
against), writes a CSV in the shape councils and networks keep (organisation, service,
description, venue, address, town, postcode, tel, email, website, ages, days, times, cost,
referral, category, languages, and a notes column Signpost has no field for), at real unit
postcodes (from the shipped data/postcodes/units.bin.xz). About 1% of rows are bad (unknown
postcode, age 150, malformed email, unknown category) and some repeat demo listings (possible
duplicates). Then it imports the file (read, validate, geocode, match, write, commit per batch)
and indexes what changed, and prints one Markdown table; with --again, imports it a second time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from bench.synthetic import NEIGHBOURHOODS, ORG_KINDS, TOWNS, VOCAB  # noqa: E402
from directory import create_app, migrate  # noqa: E402
from directory.config import DATA_DIR  # noqa: E402
from directory.db import get_db  # noqa: E402
from directory.demo import load_demo  # noqa: E402
from directory.geography import unit_postcodes as shipped_units  # noqa: E402
from directory.models import Location, Service, ServiceAtLocation, TaxonomyTerm  # noqa: E402
from directory.operations.taxonomy import seed_taxonomy  # noqa: E402
from directory.permissions import SYSTEM  # noqa: E402
from importers.core import reindex, run_import  # noqa: E402
from importers.spreadsheet import open_spreadsheet  # noqa: E402
from search import get_search  # noqa: E402

HEADER = [
    "Organisation",
    "Service",
    "Description",
    "Venue",
    "Address",
    "Town",
    "Postcode",
    "Tel",
    "Email address",
    "Website",
    "Age from",
    "Age to",
    "Days",
    "Times",
    "Cost",
    "Referral",
    "Category",
    "Languages",
    "Notes",
]
DAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Mon, Wed",
    "Tue & Thu",
    "Mon-Fri",
    "1st Tuesday",
    "last Friday",
    "Wednesdays",
    "",
]
TIMES = ["10am-12pm", "10:00-12:00", "1-3pm", "9.30am to 11.30am", "6pm-8pm", "14:00-16:00", ""]
COSTS = ["Free", "Free", "Free", "£2", "£3 per session", "£1-£5", "Free, donations welcome", ""]
ROUTES = ["Self-referral", "Drop in", "Self-referral or GP", "Professional referral", "GP", "Link worker", ""]
LANGUAGES = ["", "", "", "English", "English, Urdu", "Polish", "Arabic and English", "BSL"]
STREETS = ["High Street", "Church Road", "Station Road", "Victoria Street", "Park Lane", "Mill Road", "King Street"]


def unit_postcodes(rng: random.Random, per_town: int) -> dict[str, list[str]]:
    """Real unit postcodes for each town, from the shipped unit postcodes."""
    units = shipped_units()
    chosen = {}
    for name, district, _ in TOWNS:
        postcodes = [
            p for sector in units.sectors() if sector.startswith(district + " ") for p in units.postcodes_in(sector)
        ]
        chosen[name] = rng.sample(postcodes, min(per_town, len(postcodes)))
    return chosen


def write_rows(path: Path, rows: int, rng: random.Random, postcodes: dict, categories: dict, demo: list) -> int:
    """Write the spreadsheet; returns how many rows are deliberately bad."""
    combos = [(town, hood, kind) for town, _, _ in TOWNS for hood in NEIGHBOURHOODS for kind in ORG_KINDS]
    rng.shuffle(combos)
    stems = [(key, stem) for key, (names, _) in VOCAB.items() for stem in names]
    bad = written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for town, hood, kind in combos:
            if written >= rows:
                break
            org = f"{hood} {kind}, {town}"
            domain = "".join(c for c in org.lower() if c.isalnum())[:40] + ".example.org"
            venues = [
                (
                    f"{hood} {rng.choice(['Centre', 'Hall', 'Hub', 'Church Hall', 'Library'])}",
                    f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                    rng.choice(postcodes[town]),
                )
                for _ in range(rng.choice((1, 1, 2)))
            ]
            for key, stem in rng.sample(stems, min(rng.choice((2, 3, 4, 5, 6)), rows - written)):
                venue = rng.choice(venues)
                low = rng.choice((None, None, 16, 18, 50, 65))
                row = [
                    org,
                    stem,
                    " ".join(rng.sample(VOCAB[key][1], 2)),
                    venue[0],
                    venue[1],
                    town,
                    venue[2],
                    f"0{rng.randint(1000000000, 1999999999)}",
                    f"{stem.split()[0].lower()}@{domain}",
                    f"www.{domain}",
                    low or "",
                    "",
                    rng.choice(DAYS),
                    rng.choice(TIMES),
                    rng.choice(COSTS),
                    rng.choice(ROUTES),
                    categories[key],
                    rng.choice(LANGUAGES),
                    rng.choice(("", "", "Ring first", "Step-free access")),
                ]
                if not row[12]:
                    row[13] = ""
                if rng.random() < 0.01:
                    bad += 1
                    column, value = rng.choice(((6, "ZZ9 9ZZ"), (10, "150"), (8, "info@"), (16, "Knitting")))
                    row[column] = value
                out.writerow(row)
                written += 1
        for name, org_name, postcode in demo[: max(1, rows // 2000)]:  # listings Signpost already has
            out.writerow([org_name, name, "", "", "", "", postcode] + [""] * (len(HEADER) - 7))
    return bad


def prepare(folder: Path, rows: int, seed: int):
    """A migrated app with categories and the demo directory, and the CSV at real unit postcodes."""
    rng = random.Random(seed)
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(folder / "instance"), "SECRET_KEY": "bench"})
    database = get_db(app)
    migrate.upgrade(database.engine)
    with database.unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
        load_demo(session, date.today())
    with database.unit_of_work() as session:
        categories = {t.code: t.name for t in session.exec(select(TaxonomyTerm)) if "/" not in t.code}
        demo = [
            (s.name, s.organisation.name, link.location.postcode)
            for s in session.exec(select(Service))
            for link in s.location_links[:1]
            if link.location.postcode
        ]
    postcodes = unit_postcodes(rng, max(50, rows // 200))
    path = folder / "listings.csv"
    bad = write_rows(path, rows, rng, postcodes, {k: categories.get(k, k) for k in VOCAB}, demo)
    with app.app_context():
        get_search(app).backend.rebuild([])  # an empty index to start from; the demo is indexed with the import
    return app, path, bad, sum(len(codes) for codes in postcodes.values())


def cpu_seconds() -> float:
    """CPU time of this process and of the processes it has waited for (a rebuild's parts)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed_import(app, path: Path, batch_size: int):
    with app.app_context():
        started, cpu = time.perf_counter(), cpu_seconds()
        sheet = open_spreadsheet(path, "bench-council")
        opened = time.perf_counter() - started
        report = run_import(
            get_db(app),
            sheet.records(),
            source="bench-council",
            file_name=path.name,
            columns=sheet.headers,
            unmapped=sheet.unmapped,
            batch_size=batch_size,
        )
        imported = time.perf_counter() - started
        import_cpu = cpu_seconds() - cpu
        indexed = reindex(get_search(app))
        total = time.perf_counter() - started
    cpu = {"import cpu": import_cpu, "index cpu": cpu_seconds() - cpu - import_cpu}
    return report, {"open file": opened, **report.seconds, "index": total - imported, **cpu}, total, indexed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--again", action="store_true", help="import the same file a second time (idempotence)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        app, path, bad, units = prepare(folder, args.rows, args.seed)
        print(
            f"Set up in {time.perf_counter() - started:.0f} s: {path.stat().st_size / 1e6:.1f} MB CSV, "
            f"{units:,} unit postcodes used, {bad:,} deliberately bad rows.",
            file=sys.stderr,
        )
        runs = [("first import", *timed_import(app, path, args.batch_size))]
        if args.again:
            runs.append(("same file again", *timed_import(app, path, args.batch_size)))
        with get_db(app).unit_of_work() as session:
            venues = session.exec(
                select(func.count()).select_from(Location).where(Location.geocode_source == "unit")
            ).one()
            links = session.exec(select(func.count()).select_from(ServiceAtLocation)).one()
        phases = [
            "open file",
            "read",
            "validate",
            "geocode",
            "match and write",
            "flush",
            "commit",
            "index",
            "import cpu",
            "index cpu",
        ]
        print(
            f"\n| run | rows | rows/s | total s | {' | '.join(phases)} | created | updated | unchanged | possible duplicates | rejected | indexed |"
        )
        print("|---" * (len(phases) + 10) + "|")
        for name, report, seconds, total, indexed in runs:
            rows = sum(report.counts.values())
            c = report.counts
            print(
                f"| {name} | {rows:,} | {rows / total:,.0f} | {total:.1f} | "
                + " | ".join(f"{seconds.get(p, 0):.1f}" for p in phases)
                + f" | {c['created']:,} | {c['updated']:,} | {c['unchanged']:,} | {c['proposed_merge']:,} | {c['rejected']:,} | {indexed:,} |"
            )
        print(
            "\nSeconds of wall-clock time per phase; the last two columns are CPU seconds of this process and "
            "the index-building processes it started (on a shared machine, the steadier measure)."
        )
        print(f"Venues placed at their unit postcode: {venues:,}; service-venue links: {links:,}.")
        get_db(app).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
