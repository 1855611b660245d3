"""Rebuild data/postcodes/units.bin.xz (every GB unit postcode's position) from OS Code-Point Open.

Usage: .venv/bin/python scripts/build_postcodes.py PATH/TO/codepo_gb.zip [OUTPUT_DIR]

Run it with scripts/build_postcode_data.py (the sector, district and area centres) when the
Ordnance Survey publishes a new release, so that both come from the same one. It takes about
half a minute, shows its progress, and gives byte-identical output from the same zip.
"""

from __future__ import annotations

import math
import re
import sys
import time
import zipfile
from pathlib import Path

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from directory.geography import NO_POSITION, POSTCODE_DIR, grid_to_latlng, read_codepoint
from directory.unit_postcodes import UnitRow, read_units, write_units

UNITS_FILE = "units.bin.xz"


def release_of(zip_path: Path) -> str:
    """'OS Code-Point Open 2025.2.0' from the zip's Doc/metadata.txt."""
    with zipfile.ZipFile(zip_path) as archive:
        try:
            text = archive.read("Doc/metadata.txt").decode("utf-8", "replace")
        except KeyError:
            raise SystemExit(f"{zip_path} has no Doc/metadata.txt, so its release is unknown") from None
    found = re.search(r"DATASET VERSION NUMBER:\s*(\S+)", text)
    if not found:
        raise SystemExit(f"{zip_path}: Doc/metadata.txt names no DATASET VERSION NUMBER")
    return f"OS Code-Point Open {found[1]}"


def collect(zip_path: Path) -> tuple[list[UnitRow], list[str]]:
    """Every unit with a position, converted to WGS84, and the units without one."""
    with zipfile.ZipFile(zip_path) as archive:
        total = sum(i.file_size for i in archive.infolist() if i.filename.startswith("Data/CSV/"))
    units: list[UnitRow] = []
    no_position: list[str] = []
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("Reading and converting", total=total)
        for filename, size, rows in read_codepoint(zip_path):
            bar.update(task, description=f"Reading {filename.rsplit('/', 1)[-1]:>7}")
            placed = [row for row in rows if row.quality < NO_POSITION]
            no_position.extend(row.postcode for row in rows if row.quality >= NO_POSITION)
            latitudes, longitudes = grid_to_latlng([r.easting for r in placed], [r.northing for r in placed])
            for row, lat, lng in zip(placed, latitudes, longitudes, strict=True):
                if math.isnan(lat):  # outside the OSTN15 area: a bad grid reference
                    no_position.append(row.postcode)
                    continue
                units.append(UnitRow(row.postcode, lat, lng, row.country_code, row.district_code, row.health_code))
            bar.advance(task, size)
    return units, no_position


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    zip_path = Path(argv[1])
    out = Path(argv[2]) if len(argv) == 3 else POSTCODE_DIR
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    release = release_of(zip_path)
    print(f"{zip_path}: {release}", flush=True)
    units, no_position = collect(zip_path)
    print(f"{len(units):,} unit postcodes with a position; {len(no_position):,} without.", flush=True)
    print("Compressing (about 10 s) ...", flush=True)
    path = out / UNITS_FILE
    size = write_units(path, units, no_position, release)
    check = read_units(path)  # what Signpost will read, read back
    if len(check) != len(units):
        raise SystemExit(f"{path} holds {len(check):,} units, not {len(units):,}")
    print(f"Wrote {path}: {size / 1e6:.1f} MB. Done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
