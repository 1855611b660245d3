"""Postcode geography: parsing, postcode -> point, distances and reading Code-Point Open."""

from __future__ import annotations

import csv
import functools
import gzip
import io
import logging
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from geopy.distance import EARTH_RADIUS
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from directory.config import DATA_DIR
from directory.unit_postcodes import UnitFileError, UnitPostcodes, read_units

logger = logging.getLogger(__name__)

POSTCODE_DIR = DATA_DIR / "postcodes"
UNITS_FILE = "units.bin.xz"
EXAMPLES = "expected something like G31 2ER, G31 2 or G31"
NO_POSITION = 90  # Code-Point positional quality meaning "no coordinates"
_LONGEST_INPUT = 32  # generous for stray spaces; anything longer is not a postcode

_OUTWARD = r"(?P<area>[A-Z]{1,2})[0-9][A-Z0-9]?"
_PATTERNS = {
    "area": re.compile(r"(?P<area>[A-Z]{1,2})"),
    "district": re.compile(_OUTWARD),
    "unit": re.compile(rf"(?P<outward>{_OUTWARD}) ?(?P<inward>[0-9][A-Z]{{2}})"),
    "sector": re.compile(rf"(?P<outward>{_OUTWARD}) ?(?P<inward>[0-9])"),
}
_SPACED = ("unit", "sector")
_COMPACT = ("area", "district", "unit", "sector")  # "HX11" is district HX11; "HX1 1" is a sector
# UK postcode areas that Code-Point Open (Great Britain only) does not cover.
_NOT_COVERED = {"BT": "Northern Ireland", "GY": "Guernsey", "JE": "Jersey", "IM": "the Isle of Man"}


class PostcodeError(ValueError):
    """Text that is not a usable UK postcode; the message says what a valid one looks like."""


class PostcodeNotFound(PostcodeError):
    """A well-formed postcode that the shipped data and the postcode table do not know."""


@dataclass(frozen=True)
class ParsedPostcode:
    """A postcode or a part of one, normalised: "G31 2ER", "G31 2", "G31" or "G"."""

    kind: str
    normalised: str
    area: str
    district: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class Place:
    """Where a postcode is, and which level of the postcode the point really came from.

    note says, in words for the search page, why the point is a centre rather than the place
    asked for (None when it is the place asked for).
    """

    query: str
    kind: str
    latitude: float
    longitude: float
    precision: str
    country_code: str | None
    district_code: str | None
    health_code: str | None
    label: str
    note: str | None = None


@dataclass(frozen=True)
class _Centroid:
    latitude: float
    longitude: float
    postcodes: int
    country_code: str | None
    district_code: str | None
    health_code: str | None


def parse_postcode(text: str) -> ParsedPostcode:
    """Parse a unit postcode, sector, district or area in any case and spacing."""
    if not isinstance(text, str) or not text.strip():
        raise PostcodeError(f"No postcode given: {EXAMPLES}.")
    shown = text.strip()
    if len(shown) > _LONGEST_INPUT:
        raise PostcodeError(f"'{shown[:12]}…' is too long to be a UK postcode: {EXAMPLES}.")
    words = shown.upper().split() if shown.isascii() else []
    match = None
    if len(words) == 2:
        match = _match(" ".join(words), _SPACED)
    if match is None:
        match = _match("".join(words), _COMPACT)
    if match is None:
        raise PostcodeError(f"'{shown}' is not a UK postcode: {EXAMPLES}.")
    kind, found = match
    area = found["area"]
    if kind in ("area", "district"):
        return ParsedPostcode(kind, found[0], area, None if kind == "area" else found[0])
    outward, inward = found["outward"], found["inward"]
    sector = f"{outward} {inward[0]}"
    return ParsedPostcode(kind, f"{outward} {inward}", area, outward, sector)


def _match(text: str, kinds: Sequence[str]) -> tuple[str, re.Match] | None:
    for kind in kinds:
        found = _PATTERNS[kind].fullmatch(text)
        if found:
            return kind, found
    return None


def normalise_postcode(text: str) -> str:
    """The normalised form of a postcode or part of one ("g312er" -> "G31 2ER")."""
    return parse_postcode(text).normalised


def resolve_postcode(text: str) -> Place:
    """Find the point for a postcode: the exact unit when Code-Point has it, else the nearest centre."""
    parsed = parse_postcode(text)
    note = None
    if parsed.kind == "unit":
        unit = unit_postcodes().find(parsed.normalised)
        if unit is not None:
            return Place(
                parsed.normalised,
                "unit",
                unit.latitude,
                unit.longitude,
                "unit",
                unit.country_code,
                unit.district_code,
                unit.health_code,
                label=parsed.normalised,
            )
        if unit_postcodes().has_no_position(parsed.normalised):
            note = (
                "Code-Point Open gives no exact position for {query}, "
                "so distances are measured from the centre of {code}."
            )
    # A unit newer than the data still gets a point from its sector; an unknown district does not,
    # because the area centre can be tens of kilometres away.
    candidates = {
        "unit": (("sector", parsed.sector), ("district", parsed.district)),
        "sector": (("sector", parsed.sector), ("district", parsed.district)),
        "district": (("district", parsed.district),),
        "area": (("area", parsed.area),),
    }[parsed.kind]
    for level, code in candidates:
        centre = _centroids(level).get(code)
        if centre is not None:
            if level != parsed.kind:
                note = (
                    note
                    or "{query} is not in our list of postcodes (check it is right, or it may be "
                    "newer than the list), so distances are measured from the centre of {code}."
                )
                note = note.format(query=parsed.normalised, code=code)
            return Place(
                parsed.normalised,
                parsed.kind,
                centre.latitude,
                centre.longitude,
                level,
                centre.country_code,
                centre.district_code,
                centre.health_code,
                label=f"{code} ({level} centre)",
                note=note,
            )
    raise PostcodeNotFound(_not_found_message(parsed))


def _not_found_message(parsed: ParsedPostcode) -> str:
    if parsed.area in _NOT_COVERED:
        return (
            f"{parsed.normalised} is in {_NOT_COVERED[parsed.area]}, which our postcode data (OS Code-Point "
            "Open) does not cover: only postcodes in England, Scotland and Wales can be searched from"
        )
    known = f"{parsed.normalised} looks like a postcode but is not one we know"
    if parsed.kind in ("unit", "sector"):
        return f"{known}; check it or try just the first part, e.g. {parsed.district}"
    if parsed.kind == "district" and parsed.area in _centroids("area"):
        return f"{known}; check it or try just the letters, e.g. {parsed.area}"
    return f"{known}; check it"


def area_codes(place: Place) -> set[str]:
    """GSS codes of the areas that contain a place (local authority, health area, country, "GB")."""
    return {code for code in (place.district_code, place.health_code, place.country_code, "GB") if code}


def area_name(code: str) -> str | None:
    """The display name of an area code from data/postcodes/area_names.csv, if known."""
    return _area_names().get(code)


@functools.cache
def unit_postcodes() -> UnitPostcodes:
    """Every GB unit postcode's position, read from data/postcodes/ once per process (about 0.4 s)."""
    path = POSTCODE_DIR / UNITS_FILE
    if not path.exists():
        raise UnitFileError(
            f"{path} is missing: rebuild it with scripts/build_postcodes.py (see data/postcodes/README.md)"
        )
    return read_units(path)


@functools.cache
def _centroids(level: str) -> dict[str, _Centroid]:
    name = {"sector": "sectors.csv.gz", "district": "districts.csv.gz", "area": "areas.csv"}[level]
    path = POSTCODE_DIR / name
    with gzip.open(path, "rt", newline="") if name.endswith(".gz") else path.open(newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return {
            code: _Centroid(float(lat), float(lng), int(count), country or None, district or None, health or None)
            for code, lat, lng, count, country, district, health in rows
        }


@functools.cache
def _area_names() -> dict[str, str]:
    with (POSTCODE_DIR / "area_names.csv").open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in km: haversine on geopy's mean Earth radius (6371.009 km)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lng2 - lng1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(min(1.0, h)))


def grid_to_latlng(eastings: Sequence[float], northings: Sequence[float]) -> tuple[list[float], list[float]]:
    """Convert OSGB36 National Grid points to WGS84 (latitudes, longitudes), NaN outside GB.

    Uses the Ordnance Survey's OSTN15 transformation (convertbng), which matches the OS's own
    test points to the millimetre; PROJ without the OSTN15 grid is a Helmert fit up to ~5 m out.
    ETRS89 is taken as WGS84, as the OS and EPSG do at this accuracy.
    """
    # Imported here: only the build scripts convert, and it brings in numpy,
    # which web workers resolving postcodes from the shipped centres never need.
    from convertbng.cutil import convert_lonlat

    longitudes, latitudes = convert_lonlat(eastings, northings)
    return latitudes.tolist(), longitudes.tolist()


class CodePointError(ValueError):
    """A Code-Point Open zip that cannot be read; the message names the file and line."""


class CodePointRow(NamedTuple):
    """One unit postcode as Code-Point Open gives it (codes are None when blank)."""

    postcode: str
    quality: int
    easting: int
    northing: int
    country_code: str | None
    district_code: str | None
    health_code: str | None


def read_codepoint(zip_path: str | Path) -> Iterator[tuple[str, int, list[CodePointRow]]]:
    """Yield (file name, uncompressed size, rows) for each Data/CSV file of a Code-Point Open zip."""
    with zipfile.ZipFile(zip_path) as archive:
        members = sorted(
            (info for info in archive.infolist() if _is_codepoint_csv(info.filename)),
            key=lambda info: info.filename,
        )
        if not members:
            raise CodePointError(f"{zip_path} holds no Data/CSV/*.csv files")
        for info in members:
            with archive.open(info) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                yield (
                    info.filename,
                    info.file_size,
                    [_codepoint_row(info.filename, number, row) for number, row in enumerate(csv.reader(text), 1)],
                )


def _is_codepoint_csv(filename: str) -> bool:
    return filename.startswith("Data/CSV/") and filename.lower().endswith(".csv")


def _codepoint_row(filename: str, number: int, row: list[str]) -> CodePointRow:
    # Columns: postcode, quality, easting, northing, country, NHS region, NHS area, county, district, ward.
    if len(row) < 10:
        raise CodePointError(f"{filename} line {number}: expected 10 columns, found {len(row)}")
    compact = row[0].replace(" ", "")
    if not 5 <= len(compact) <= 7:
        raise CodePointError(f"{filename} line {number}: {row[0]!r} is not a unit postcode")
    try:
        quality, easting, northing = int(row[1]), int(row[2]), int(row[3])
    except ValueError:
        raise CodePointError(
            f"{filename} line {number}: quality, easting and northing must be whole numbers, "
            f"found {row[1]!r}, {row[2]!r}, {row[3]!r}"
        ) from None
    # Older releases pad to 7 characters ("AB101AA", "G1  1AB"); the inward part is always 3.
    postcode = f"{compact[:-3]} {compact[-3:]}"
    return CodePointRow(postcode, quality, easting, northing, row[4] or None, row[8] or None, row[6] or None)


def build_geocoder(config) -> Nominatim:
    """A Nominatim geocoder identified by the configured user agent and domain."""
    return Nominatim(user_agent=config.GEOCODER_USER_AGENT, domain=config.GEOCODER_DOMAIN)


def geocode_address(text: str, config) -> tuple[float, float] | None:
    """(latitude, longitude) of a street address via Nominatim when GEOCODER is "nominatim", else None."""
    if getattr(config, "GEOCODER", "") != "nominatim" or not (text or "").strip():
        return None
    try:
        location = build_geocoder(config).geocode(text, country_codes="gb", timeout=10)
    except GeopyError as exc:
        logger.warning("Address lookup failed for %r: %s", text, exc)
        return None
    return None if location is None else (location.latitude, location.longitude)
