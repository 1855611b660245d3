"""Server time and SQL statements for the Open Referral UK feed at the demo directory's size.

Builds a fresh app with the demo directory, then times whole requests through the WSGI app for
typical ORUK consumers (a sync, a full page, a search, a postcode). Prints a Markdown table of
medians, p95s and SQL statements per request.

    python bench/oruk_bench.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: E402
from sqlalchemy import event  # noqa: E402

from directory import create_app, migrate  # noqa: E402
from directory.config import DATA_DIR  # noqa: E402
from directory.db import get_db  # noqa: E402
from directory.demo import load_demo  # noqa: E402
from directory.operations.taxonomy import seed_taxonomy  # noqa: E402
from directory.permissions import SYSTEM  # noqa: E402

console = Console(stderr=True)
REQUESTS = {
    "services, 50 a page": "/oruk/services?per_page=50",
    "services, 50 a page, full": "/oruk/services?per_page=50&full=true",
    "every service, minimal (one page)": "/oruk/services?minimal=true&per_page=1000",
    "changed since yesterday": "/oruk/services?modified_after={yesterday}",
    "search 'food bank', full": "/oruk/services?search=food%20bank&full=true",
    "venues within 2 km of G31 2ER, full": "/oruk/service_at_locations?postcode=G31%202ER&proximity=2000&full=true",
    "one service": "/oruk/services/{service}",
    "one organisation, services in full": "/oruk/organizations/{organisation}?full_service=true",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="requests per row (after 5 warm-up)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"ENV": "testing", "INSTANCE_DIR": folder, "SECRET_KEY": "bench"})
        database = get_db(app)
        migrate.upgrade(database.engine)
        console.print("Loading the demo directory…")
        with database.unit_of_work() as session:
            seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
        with database.unit_of_work() as session:
            counts = load_demo(session, date.today())
        client = app.test_client()
        first = client.get("/oruk/services?per_page=1").get_json()["contents"][0]
        values = {
            "service": first["id"],
            "organisation": first["organization_id"],
            "yesterday": (date.today() - timedelta(days=1)).isoformat(),
        }
        statements: list[str] = []
        event.listen(database.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        rows = []
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as progress:
            task = progress.add_task("ORUK requests", total=len(REQUESTS) * args.repeat)
            for label, template in REQUESTS.items():
                path = template.format(**values)
                for _ in range(5):
                    assert client.get(path).status_code == 200, path
                statements.clear()
                client.get(path)
                queries = len(statements)
                timings = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
                    progress.advance(task)
                rows.append(
                    (
                        label,
                        statistics.median(timings),
                        percentile(timings, 0.95),
                        queries,
                        len(response.get_json().get("contents", [None])),
                    )
                )
        print(
            f"\nDemo directory: {counts['services']} services, {counts['organisations']} organisations; "
            f"{args.repeat} requests per row, in-process WSGI (no network).\n"
        )
        print("| request | records | median ms | p95 ms | SQL statements |")
        print("|---|---|---|---|---|")
        for label, median, p95, queries, size in rows:
            print(f"| {label} | {size} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
