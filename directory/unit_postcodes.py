"""Every GB unit postcode's position, shipped compressed in data/postcodes/units.bin.xz.

The file is one xz stream holding, in order:

- the line ``SIGNPOST UNIT POSTCODES 1``;
- one line of JSON: ``release`` (the Code-Point Open release), ``scale`` (coordinates are whole
  multiples of 1/scale degree), ``units`` (N), ``sectors`` and ``counts`` (every sector, sorted,
  and how many units it has; units are stored sector by sector in that order), ``areas`` (each
  distinct [country, local authority, health area] code triple) and ``no_position`` (units that
  Code-Point lists without coordinates, positional quality 90);
- N two-letter unit endings (``"ER"`` of G31 2ER), ASCII, sorted within each sector;
- N latitudes, then N longitudes, as little-endian signed 32-bit integers;
- N indexes into ``areas``, little-endian unsigned 16-bit integers.

Loading it takes under a second and about 23 MB per process; a lookup is a dictionary
access for the sector and a binary search over at most a few hundred two-byte endings.
"""

from __future__ import annotations

import json
import lzma
import sys
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

MAGIC = b"SIGNPOST UNIT POSTCODES 1\n"
SCALE = 100_000  # 1e-5 degree: 1.1 m north-south, 0.6 m east-west; Code-Point itself is to 1 m
_LITTLE = sys.byteorder == "little"
# A 4 MiB window compresses as well as xz -9's 64 MiB here (the columns repeat locally) and
# keeps what each process allocates to decompress small.
_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 1 << 22}]


class UnitFileError(ValueError):
    """A units file that is not one this version of Signpost can read."""


class UnitPosition(NamedTuple):
    """A unit postcode's WGS84 point and the areas Code-Point puts it in (codes None when blank)."""

    latitude: float
    longitude: float
    country_code: str | None
    district_code: str | None
    health_code: str | None


class UnitRow(NamedTuple):
    """One unit to write: normalised postcode ("G31 2ER"), its point, and its area codes."""

    postcode: str
    latitude: float
    longitude: float
    country_code: str | None
    district_code: str | None
    health_code: str | None


class UnitPostcodes:
    """The unit postcodes of one units file, held compactly in memory."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(MAGIC):
            raise UnitFileError("not a Signpost units file (the first line is wrong)")
        end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC) : end])
        n, self.release, scale = header["units"], header["release"], header["scale"]
        self._scale = float(scale)
        self._sectors: dict[str, tuple[int, int]] = {}
        start = 0
        for sector, count in zip(header["sectors"], header["counts"], strict=False):
            self._sectors[sector] = (start, start + count)
            start += count
        if start != n:
            raise UnitFileError(f"the sector counts add up to {start}, not {n} units")
        self._areas = [tuple(code or None for code in triple) for triple in header["areas"]]
        self._no_position = frozenset(header["no_position"])
        body = memoryview(data)[end + 1 :]
        if len(body) != n * 12:
            raise UnitFileError(f"expected {n * 12} bytes of units, found {len(body)}")
        self._endings = bytes(body[: 2 * n])
        self._latitudes = _numbers("i", body[2 * n : 6 * n])
        self._longitudes = _numbers("i", body[6 * n : 10 * n])
        self._area_index = _numbers("H", body[10 * n :])

    def __len__(self) -> int:
        return len(self._latitudes)

    def has_sector(self, sector: str) -> bool:
        """True when the file holds units in this sector ("G31 2")."""
        return sector in self._sectors

    def sectors(self) -> list[str]:
        """Every sector that holds units, sorted."""
        return list(self._sectors)

    def postcodes_in(self, sector: str) -> list[str]:
        """The unit postcodes with a position in a sector ("G31 2" -> ["G31 2AA", ...]), sorted."""
        start, end = self._sectors.get(sector, (0, 0))
        return [f"{sector}{self._endings[2 * i : 2 * i + 2].decode('ascii')}" for i in range(start, end)]

    def has_no_position(self, postcode: str) -> bool:
        """True for a unit Code-Point lists without coordinates (positional quality 90)."""
        return postcode in self._no_position

    def find(self, postcode: str) -> UnitPosition | None:
        """The position of a normalised unit postcode ("G31 2ER"), or None if it has none here."""
        bounds = self._sectors.get(postcode[:-2])
        if bounds is None:
            return None
        wanted = postcode[-2:].encode("ascii", "replace")
        endings = self._endings
        low, high = bounds
        while low < high:
            middle = (low + high) // 2
            ending = endings[2 * middle : 2 * middle + 2]
            if ending < wanted:
                low = middle + 1
            elif ending > wanted:
                high = middle
            else:
                country, district, health = self._areas[self._area_index[middle]]
                return UnitPosition(
                    self._latitudes[middle] / self._scale,
                    self._longitudes[middle] / self._scale,
                    country,
                    district,
                    health,
                )
        return None


def _numbers(typecode: str, raw: memoryview) -> array:
    numbers = array(typecode)
    numbers.frombytes(raw)
    if not _LITTLE:
        numbers.byteswap()
    return numbers


def read_units(path: Path) -> UnitPostcodes:
    """Read a units file; UnitFileError names the file if it is not one."""
    try:
        return UnitPostcodes(lzma.decompress(path.read_bytes()))
    except (lzma.LZMAError, ValueError, KeyError, TypeError) as exc:
        raise UnitFileError(f"{path} cannot be read as a units file: {exc}") from None


def encode_units(rows: Iterable[UnitRow], no_position: Iterable[str], release: str) -> bytes:
    """The uncompressed units file for these rows (any order; a postcode may appear once)."""
    units = sorted(rows, key=lambda row: (row.postcode[:-2], row.postcode[-2:]))
    sectors: list[str] = []
    counts: list[int] = []
    areas: dict[tuple[str, str, str], int] = {}
    endings = bytearray()
    latitudes, longitudes, area_index = array("i"), array("i"), array("H")
    previous = None
    for row in units:
        if row.postcode == previous:
            raise ValueError(f"{row.postcode} appears twice")
        previous = row.postcode
        sector = row.postcode[:-2]
        if not sectors or sectors[-1] != sector:
            sectors.append(sector)
            counts.append(0)
        counts[-1] += 1
        endings += row.postcode[-2:].encode("ascii")
        latitudes.append(round(row.latitude * SCALE))
        longitudes.append(round(row.longitude * SCALE))
        triple = (row.country_code or "", row.district_code or "", row.health_code or "")
        area_index.append(areas.setdefault(triple, len(areas)))
    if len(areas) > 65535:
        raise ValueError(f"{len(areas)} distinct area code triples do not fit the file's 16-bit index")
    header = {
        "release": release,
        "scale": SCALE,
        "units": len(units),
        "sectors": sectors,
        "counts": counts,
        "areas": [list(triple) for triple in areas],
        "no_position": sorted(set(no_position)),
    }
    if not _LITTLE:
        for numbers in (latitudes, longitudes, area_index):
            numbers.byteswap()
    return b"".join(
        (
            MAGIC,
            json.dumps(header, separators=(",", ":")).encode("utf-8"),
            b"\n",
            bytes(endings),
            latitudes.tobytes(),
            longitudes.tobytes(),
            area_index.tobytes(),
        )
    )


def write_units(path: Path, rows: Iterable[UnitRow], no_position: Iterable[str], release: str) -> int:
    """Write a units file (xz; the same rows always give the same bytes); returns its size in bytes."""
    data = lzma.compress(encode_units(rows, no_position, release), filters=_FILTERS)
    path.write_bytes(data)
    return len(data)
