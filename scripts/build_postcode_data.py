"""Rebuild data/postcodes/ (sector, district and area centres, area names) from OS Code-Point Open.

Usage: .venv/bin/python scripts/build_postcode_data.py PATH/TO/codepo_gb.zip [OUTPUT_DIR]

Needs openpyxl and xlrd (for the code lists in the zip's Doc/ folder); Signpost itself does not.
The output is byte-for-byte reproducible from the same zip.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import xlrd

from directory.geography import NO_POSITION, POSTCODE_DIR, grid_to_latlng, parse_postcode, read_codepoint

LEVELS = (("sector", "sectors.csv.gz"), ("district", "districts.csv.gz"), ("area", "areas.csv"))
HEADER = ("latitude", "longitude", "postcodes", "country_code", "district_code", "health_code")
# The code lists in the zip name local authorities and health areas but not countries.
COUNTRY_NAMES = {"E92000001": "England", "S92000003": "Scotland", "W92000004": "Wales", "GB": "Great Britain"}
# Boundary-Line names carry a status suffix that means nothing to a link worker.
_NAME_SUFFIXES = re.compile(r"( District)?( \(B\))?$| London Boro$")


class Group:
    """Running sums for one sector, district or area."""

    def __init__(self) -> None:
        self.easting = self.northing = self.count = 0
        self.codes: tuple[Counter, Counter, Counter] = (Counter(), Counter(), Counter())

    def add(self, row) -> None:
        self.easting += row.easting
        self.northing += row.northing
        self.count += 1
        for counter, code in zip(self.codes, (row.country_code, row.district_code, row.health_code), strict=True):
            if code:
                counter[code] += 1


def most_common(counter: Counter) -> str:
    """The commonest code; ties go to the smallest code so the output never depends on row order."""
    if not counter:
        return ""
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


def collect(zip_path: Path) -> tuple[dict[str, dict[str, Group]], int, int]:
    """Group every positioned unit postcode by sector, district and area."""
    groups: dict[str, dict[str, Group]] = {level: defaultdict(Group) for level, _ in LEVELS}
    placed = skipped = 0
    for filename, _size, rows in read_codepoint(zip_path):
        for row in rows:
            if row.quality >= NO_POSITION:
                skipped += 1
                continue
            parsed = parse_postcode(row.postcode)
            for level, code in (("sector", parsed.sector), ("district", parsed.district), ("area", parsed.area)):
                groups[level][code].add(row)
            placed += 1
        print(f"  {filename}: {len(rows):,} postcodes", flush=True)
    return groups, placed, skipped


def centre_rows(groups: dict[str, Group]) -> list[tuple]:
    """One row per group: the mean grid position converted to WGS84, the count and commonest codes."""
    codes = sorted(groups)
    eastings = [groups[code].easting / groups[code].count for code in codes]
    northings = [groups[code].northing / groups[code].count for code in codes]
    latitudes, longitudes = grid_to_latlng(eastings, northings)
    return [
        (code, f"{lat:.5f}", f"{lng:.5f}", groups[code].count, *(most_common(c) for c in groups[code].codes))
        for code, lat, lng in zip(codes, latitudes, longitudes, strict=True)
    ]


def write_centres(path: Path, level: str, rows: list[tuple]) -> None:
    """Write a centres CSV; gzip without a timestamp so rebuilding gives identical bytes."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow((level, *HEADER))
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)


def tidy(name: str) -> str:
    """'Cambridge District (B)' -> 'Cambridge'; 'Gwynedd - Gwynedd' -> 'Gwynedd'."""
    name = _NAME_SUFFIXES.sub("", str(name).strip())
    welsh, _, english = name.partition(" - ")
    return welsh if welsh == english else name


def code_names(zip_path: Path) -> dict[str, tuple[str, str]]:
    """code -> (name, kind) from Doc/Codelist.xlsx (local authorities) and Doc/NHS_Codelist.xls."""
    names: dict[str, tuple[str, str]] = {}
    with zipfile.ZipFile(zip_path) as archive:
        book = openpyxl.load_workbook(io.BytesIO(archive.read("Doc/Codelist.xlsx")), read_only=True)
        for sheet in ("DIS", "LBO", "MTD", "UTA"):  # the district-level authorities
            for name, code, *_ in book[sheet].iter_rows(values_only=True):
                if code:
                    names[str(code).strip()] = (tidy(name), "local_authority")
        nhs = xlrd.open_workbook(file_contents=archive.read("Doc/NHS_Codelist.xls"))
        for sheet in nhs.sheets():
            for index in range(sheet.nrows):
                code, name = sheet.row_values(index)[:2]
                if str(code).strip():
                    names[str(code).strip()] = (str(name).strip(), "health_board")
    for code, name in COUNTRY_NAMES.items():
        names[code] = (name, "country")
    return names


def write_area_names(path: Path, names: dict[str, tuple[str, str]], used: set[str]) -> list[str]:
    """Write code,name,kind for every code the data uses; returns the codes without a name."""
    missing = sorted(code for code in used if code not in names)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("code", "name", "kind"))
        for code in sorted(used - set(missing)):
            writer.writerow((code, *names[code]))
    return missing


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    zip_path = Path(argv[1])
    out = Path(argv[2]) if len(argv) == 3 else POSTCODE_DIR
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"Reading {zip_path} ...", flush=True)
    groups, placed, skipped = collect(zip_path)
    print(f"{placed:,} postcodes with a position; {skipped:,} without (quality {NO_POSITION}) left out.")
    used = {"GB"}
    for level, filename in LEVELS:
        rows = centre_rows(groups[level])
        write_centres(out / filename, level, rows)
        used.update(code for row in rows for code in row[4:] if code)
        print(f"Wrote {out / filename}: {len(rows):,} {level}s")
    missing = write_area_names(out / "area_names.csv", code_names(zip_path), used)
    print(f"Wrote {out / 'area_names.csv'}: {len(used) - len(missing):,} names")
    if missing:
        print(f"No name in the code lists for: {', '.join(missing)}")
    print(f"Done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
