"""Run the date-sensitive tests as if today were each awkward date, two at a time.

Each run starts the clock at one of DATES (SIGNPOST_TEST_NOW, see tests/conftest.py) and lets it
tick, so month and year ends, a leap day and both clock changes pass while the tests run. A test
that reads the real date, rather than the clock its app is given, fails on one of them.

    python scripts/test_at_dates.py [extra pytest arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each in UTC, a little before the edge: the run crosses it.
DATES = {
    "the end of a year": "2027-12-31T23:59:30+00:00",
    "a leap day": "2028-02-29T23:59:30+00:00",
    "clocks going forward (and a month end)": "2027-03-28T00:59:30+00:00",
    "clocks going back (and a month end)": "2027-10-31T00:59:30+00:00",
}

# The tests whose answers depend on the date and time: freshness, timetables, search by when,
# shortlists (which say the next session), tokens and links that expire, and the demo's dates.
TESTS = [
    "tests/freshness",
    "tests/test_freshness.py",
    "tests/test_timetable.py",
    "tests/search/test_explain.py",
    "tests/test_views_search.py",
    "tests/test_shortlist.py",
    "tests/api/test_tokens.py",
    "tests/test_demo.py",
]


def run(label: str, start: str, extra: list[str]) -> tuple[str, int, str]:
    began = time.monotonic()
    print(f"  started: {label} ({start})", flush=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not browser and not postgres",
            *TESTS,
            *extra,
        ],
        cwd=ROOT,
        env=os.environ | {"SIGNPOST_TEST_NOW": start},
        capture_output=True,
        text=True,
    )
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"  finished: {label} in {time.monotonic() - began:.0f} s: {summary}", flush=True)
    return label, result.returncode, result.stdout + result.stderr


def main() -> int:
    print(f"== The date-sensitive tests at {len(DATES)} awkward dates ==", flush=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda item: run(*item, sys.argv[1:]), DATES.items()))
    failed = [(label, output) for label, code, output in outcomes if code != 0]
    for label, output in failed:
        print(f"\n== Failed at {label} ({DATES[label]}) ==\n{output}")
    if failed:
        print("Some tests depend on today's date: give the app a clock (tests/conftest.py stop_clock) instead.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
