"""Server time for the search page at the demo directory's size.

Builds a fresh app with the demo directory, then times whole requests through the WSGI app
(routing, validation, search, row loading, explanations, template) for typical link-worker
searches. Prints a Markdown table of medians and p95s in milliseconds.

    python bench/page_bench.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory import create_app, migrate  # noqa: E402
from directory.config import DATA_DIR  # noqa: E402
from directory.db import get_db  # noqa: E402
from directory.demo import load_demo  # noqa: E402
from directory.operations.taxonomy import seed_taxonomy  # noqa: E402
from directory.permissions import SYSTEM  # noqa: E402

SEARCHES = {  # typical link-worker searches, as query strings (bench/api_bench.py asks both doors)
    "keywords only": "q=food+bank",
    "keywords near a unit postcode": "q=walking+group&postcode=G31+2ER",
    "category near a district": "category=money&postcode=HX1",
    "70-year-old carer, self-referral, this week": "postcode=E1+6AN&radius=5&age=70&group=carers&self_referral=1&when=week",
    "everything near, sorted A to Z, page 2": "postcode=E3&radius=10&order=name&page=2",
}
PAGES = {label: f"/search?{query}" for label, query in SEARCHES.items()} | {"service page": None}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def demo_app(folder: str, **settings):
    """A fresh app in folder with the categories and the demo directory; (app, the demo's counts)."""
    app = create_app({"ENV": "testing", "INSTANCE_DIR": folder, "SECRET_KEY": "bench"} | settings)
    database = get_db(app)
    migrate.upgrade(database.engine)
    print("Loading the demo directory…", file=sys.stderr)
    with database.unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
    with database.unit_of_work() as session:
        counts = load_demo(session, date.today())
    return app, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="requests per page (after 20 warm-up)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, counts = demo_app(folder)
        client = app.test_client()
        first = client.get("/search?q=food").get_data(as_text=True)
        service_path = first.split('href="/services/', 1)[1].split('"', 1)[0]
        rows = []
        for label, path in PAGES.items():
            path = path or f"/services/{service_path}"
            for _ in range(20):
                assert client.get(path).status_code == 200, path
            timings = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            rows.append((label, statistics.median(timings), percentile(timings, 0.95)))
            print(f"  {label}: done", file=sys.stderr)
        print(
            f"\nDemo directory: {counts['services']} services, {counts['organisations']} organisations; "
            f"{args.repeat} requests per page, in-process WSGI (no network).\n"
        )
        print("| page | median ms | p95 ms |")
        print("|---|---|---|")
        for label, median, p95 in rows:
            print(f"| {label} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
