"""Helpers the search tests share: the day they run on, places near Halifax, asking and reading results."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from search import Near, SearchQuery, search_services

from .. import factories

TODAY = date(2026, 11, 24)  # a Tuesday
HALIFAX = (53.7248, -1.8625)
CALDERDALE, WEST_YORKSHIRE_HB, ENGLAND = "E08000033", "E18000003", "E92000001"


def ask(db, **kw):
    return search_services(db, SearchQuery(today=TODAY, **kw))


def names(page):
    return [r.service.name for r in page.results]


def near(lat=HALIFAX[0], lng=HALIFAX[1], radius=5.0, areas=()):
    return Near(lat, lng, radius, frozenset(areas))


def offset(km_north: float = 0.0, km_east: float = 0.0, origin=HALIFAX):
    lat = origin[0] + km_north / 111.32
    lng = origin[1] + km_east / (111.32 * math.cos(math.radians(origin[0])))
    return lat, lng


def recently(days: int = 10) -> str:
    return (datetime(2026, 11, 24, tzinfo=UTC) - timedelta(days=days)).isoformat()


def place_service(db, org, name, km_north=0.0, km_east=0.0, **fields):
    venue = factories.venue_at(db, org, *offset(km_north, km_east), name=f"{name} venue")
    fields.setdefault("last_verified_at", recently())
    return factories.service(db, org, locations=[venue], name=name, **fields)
