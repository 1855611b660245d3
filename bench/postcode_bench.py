"""Postcode lookups against the shipped unit postcodes, and what reading them costs a process.

Reads data/postcodes/units.bin.xz in fresh processes (time and memory), then times
resolve_postcode for a deterministic sample of real unit postcodes and for the fallbacks.
With --setup it also times `signpost setup` (migrate, categories, unit postcodes, demo, index)
in a fresh instance folder. Prints Markdown tables of medians and p95s.

    python bench/postcode_bench.py [--sample 20000] [--loads 5] [--setup 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory import geography  # noqa: E402

# Run in a fresh interpreter: the seconds to read the file and the resident memory it adds.
_LOAD = """
import json, time
from directory import geography
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
before = rss()
started = time.perf_counter()
units = geography.unit_postcodes()
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "added_mb": rss() - before, "units": len(units)}))
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def sample_units(count: int) -> list[str]:
    """count real unit postcodes, the same ones on every run."""
    units = geography.unit_postcodes()
    sectors = units.sectors()
    chooser = random.Random(14)
    return [chooser.choice(units.postcodes_in(chooser.choice(sectors))) for _ in range(count)]


def time_calls(texts: list[str], call) -> list[float]:
    """Microseconds for each call."""
    timings = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        timings.append((time.perf_counter() - started) * 1e6)
    return timings


def resolve_or_error(text: str) -> None:
    try:
        geography.resolve_postcode(text)
    except geography.PostcodeError:
        pass


def time_setup(runs: int) -> list[float]:
    """Seconds for `signpost setup` in a fresh instance folder, each run in a new folder."""
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            env = os.environ | {
                "SIGNPOST_INSTANCE_DIR": folder,
                "SIGNPOST_DATABASE_URL": f"sqlite:///{folder}/signpost.db",
                "SIGNPOST_INDEX_DIR": f"{folder}/index",
            }
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", "from directory.cli import main; main()", "setup"],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=20_000, help="unit postcodes to look up")
    parser.add_argument("--loads", type=int, default=5, help="fresh processes reading the file")
    parser.add_argument("--setup", type=int, default=0, help="fresh `signpost setup` runs to time")
    args = parser.parse_args()

    loads = [
        json.loads(
            subprocess.run([sys.executable, "-c", _LOAD], cwd=ROOT, check=True, capture_output=True, text=True).stdout
        )
        for _ in range(args.loads)
    ]
    path = geography.POSTCODE_DIR / geography.UNITS_FILE
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB, {loads[0]['units']:,} units\n")
    print("| reading the file once per process | median | max |")
    print("|---|---|---|")
    seconds = [load["seconds"] for load in loads]
    added = [load["added_mb"] for load in loads]
    print(f"| seconds ({len(loads)} processes) | {statistics.median(seconds):.2f} | {max(seconds):.2f} |")
    print(f"| resident memory added, MB | {statistics.median(added):.0f} | {max(added):.0f} |\n")

    geography.resolve_postcode("G31 2ER")  # read the file before timing lookups
    units = sample_units(args.sample)
    cases = {
        f"unit postcodes, file lookup only ({args.sample:,})": (units, geography.unit_postcodes().find),
        f"unit postcodes, resolve_postcode ({args.sample:,})": (units, geography.resolve_postcode),
        "unit without a position -> sector centre": (["SK2 9DA", "AB43 1AJ"] * 500, geography.resolve_postcode),
        "unit not in the list -> sector centre": (["G31 2ZZ", "HX1 1ZZ"] * 500, geography.resolve_postcode),
        "sector or district": (["G31 2", "HX1", "E1 6", "CF10"] * 250, geography.resolve_postcode),
        "unknown or Northern Ireland -> error": (["G99 9ZZ", "BT1 1AA"] * 500, resolve_or_error),
    }
    print("| lookup | median µs | p95 µs | p99 µs | max µs |")
    print("|---|---|---|---|---|")
    for label, (texts, call) in cases.items():
        time_calls(texts[:10], call)  # the first call of a kind reads the centres it falls back to
        timings = time_calls(texts, call)
        print(
            f"| {label} | {statistics.median(timings):.1f} | {percentile(timings, 0.95):.1f} | "
            f"{percentile(timings, 0.99):.1f} | {max(timings):.1f} |"
        )
    if args.setup:
        timings = time_setup(args.setup)
        print(f"\n| `signpost setup`, fresh instance ({args.setup} runs) | median s | max s |")
        print("|---|---|---|")
        print(f"| with the demo directory | {statistics.median(timings):.1f} | {max(timings):.1f} |")


if __name__ == "__main__":
    main()
