"""Server time for the JSON API beside the search page, at the demo directory's size.

Builds a fresh app with the demo directory, then times whole requests through the WSGI app for
the same searches as the search page bench, asked of /search and /api/search in turn, plus a
service through both doors, and the API with a personal token (its lookup and last-use record).
Prints a Markdown table of medians and p95s in milliseconds.

    python bench/api_bench.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_bench import SEARCHES, demo_app, percentile  # noqa: E402
from directory.db import get_db  # noqa: E402
from directory.models import User, utcnow  # noqa: E402
from directory.operations.api_tokens import create_api_token  # noqa: E402


def timed(client, paths: list[tuple[str, dict]], repeat: int) -> list[list[float]]:
    """Milliseconds per request for each (path, headers), the paths interleaved so both see the same machine."""
    for path, headers in paths:
        for _ in range(20):
            assert client.get(path, headers=headers).status_code == 200, path
    timings: list[list[float]] = [[] for _ in paths]
    for _ in range(repeat):
        for number, (path, headers) in enumerate(paths):
            start = time.perf_counter()
            response = client.get(path, headers=headers)
            timings[number].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="requests per row and door (after 20 warm-up)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, counts = demo_app(folder, API_RATE_LIMIT="1000000 per minute", API_TOKEN_RATE_LIMIT="1000000 per minute")
        with get_db(app).unit_of_work() as session:
            user = User(
                email="bench@example.org",
                password_hash="-",
                name="Bench",
                roles=["link_worker"],
                email_verified_at=utcnow(),
            )
            session.add(user)
            session.flush()
            _, secret = create_api_token(session, user, {"name": "Bench"})
        client = app.test_client()
        service_id = client.get("/api/search?q=food").get_json()["results"][0]["service"]["id"]
        token = {"Authorization": f"Bearer {secret}"}
        rows = []
        for label, query in SEARCHES.items():
            page, api = timed(client, [(f"/search?{query}", {}), (f"/api/search?{query}", {})], args.repeat)
            rows.append((f"search: {label}", page, api))
            print(f"  {label}: done", file=sys.stderr)
        page, api, with_token = timed(
            client,
            [
                (f"/services/{service_id}", {}),
                (f"/api/services/{service_id}", {}),
                (f"/api/services/{service_id}", token),
            ],
            args.repeat,
        )
        rows.append(("a service", page, api))
        rows.append(("a service, API with a token (vs without)", api, with_token))
        print(
            f"\nDemo directory: {counts['services']} services; {args.repeat} requests per row and door, "
            "interleaved, in-process WSGI (no network).\n"
        )
        print("| request | page median / p95 ms | API median / p95 ms | API ÷ page (medians) |")
        print("|---|---|---|---|")
        for label, first, second in rows:
            ratio = statistics.median(second) / statistics.median(first)
            print(
                f"| {label} | {statistics.median(first):.1f} / {percentile(first, 0.95):.1f} | "
                f"{statistics.median(second):.1f} / {percentile(second, 0.95):.1f} | {ratio:.2f} |"
            )


if __name__ == "__main__":
    main()
