"""Geohash cells: how the Whoosh index finds points near a place without numeric ranges."""

from __future__ import annotations

import math

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
INDEXED_PRECISIONS = (3, 4, 5, 6)
MAX_CELLS = 32
KM_PER_DEGREE_LAT = 111.32


def encode(latitude: float, longitude: float, precision: int) -> str:
    """The geohash of a point at the given precision (number of characters)."""
    lat_range, lng_range = [-90.0, 90.0], [-180.0, 180.0]
    chars, bits, value, even = [], 0, 0, True
    while len(chars) < precision:
        rng, coord = (lng_range, longitude) if even else (lat_range, latitude)
        mid = (rng[0] + rng[1]) / 2
        value <<= 1
        if coord >= mid:
            value |= 1
            rng[0] = mid
        else:
            rng[1] = mid
        even = not even
        bits += 1
        if bits == 5:
            chars.append(BASE32[value])
            bits, value = 0, 0
    return "".join(chars)


def cell_size(precision: int) -> tuple[float, float]:
    """(height, width) of a cell in degrees of latitude and longitude."""
    lng_bits = math.ceil(precision * 5 / 2)
    lat_bits = math.floor(precision * 5 / 2)
    return 180.0 / 2**lat_bits, 360.0 / 2**lng_bits


def point_cells(latitude: float, longitude: float) -> list[str]:
    """The cells at every indexed precision that contain a point."""
    full = encode(latitude, longitude, max(INDEXED_PRECISIONS))
    return [full[:p] for p in INDEXED_PRECISIONS]


def covering_cells(latitude: float, longitude: float, radius_km: float) -> list[str]:
    """Cells that together cover the circle: the finest precision needing at most MAX_CELLS."""
    radius_km *= 1.01  # KM_PER_DEGREE_LAT is a little more than a degree of the distance's sphere
    dlat = radius_km / KM_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    dlng = radius_km / (KM_PER_DEGREE_LAT * cos_lat)
    south, north = max(latitude - dlat, -90.0), min(latitude + dlat, 90.0)
    west, east = longitude - dlng, longitude + dlng
    for precision in sorted(INDEXED_PRECISIONS, reverse=True):
        height, width = cell_size(precision)
        rows = math.floor(north / height) - math.floor(south / height) + 1
        cols = math.floor(east / width) - math.floor(west / width) + 1
        if rows * cols <= MAX_CELLS or precision == min(INDEXED_PRECISIONS):
            break
    cells = set()
    first_row, first_col = math.floor(south / height), math.floor(west / width)
    for r in range(rows):
        lat = min((first_row + r + 0.5) * height, 90.0 - 1e-9)
        for c in range(cols):
            lng = (first_col + c + 0.5) * width
            lng = (lng + 180.0) % 360.0 - 180.0
            cells.add(encode(lat, lng, precision))
    return sorted(cells)
