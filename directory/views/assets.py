"""The map's parts: Leaflet served by Signpost itself (no CDN), and the points the map partials plot.

Leaflet comes from the npm registry, pinned by the root package-lock.json (`make run` and
`make test` run `npm ci`). Without it the pages have no map and lose nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory, url_for

from directory import geography
from directory.config import ROOT

bp = Blueprint("assets", __name__)
LEAFLET = ROOT / "node_modules" / "leaflet"
YEAR = 365 * 24 * 3600
# Only what a browser needs from leaflet/dist, with explicit types (nosniff refuses a script served as anything else).
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".map": "application/json"}


def leaflet_version() -> str | None:
    """The installed Leaflet's version, or None when node_modules has no Leaflet."""
    try:
        return json.loads((LEAFLET / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


@bp.get("/assets/leaflet/<path:filename>")
def leaflet(filename: str):
    """A file from leaflet/dist; cached for a year when the URL names the installed version."""
    version = leaflet_version()
    if version is None:
        return Response(
            "Leaflet is not installed: run `npm ci` in the Signpost folder (`make run` does it when npm is "
            "available). Pages work without it; they just have no map.\n",
            404,
            mimetype="text/plain",
        )
    content_type = CONTENT_TYPES.get(Path(filename).suffix)
    if content_type is None:
        return Response(
            f"Signpost serves only Leaflet's scripts, styles and images, not '{filename[:60]}'.\n",
            404,
            mimetype="text/plain",
        )
    # send_from_directory refuses anything outside dist (../, absolute paths) with a 404.
    pinned = request.args.get("v") == version
    response = send_from_directory(LEAFLET / "dist", filename, mimetype=content_type, max_age=YEAR if pinned else 3600)
    if pinned:
        response.cache_control.immutable = True
    return response


@bp.app_template_global()
def leaflet_asset(filename: str) -> str | None:
    """The versioned URL of a Leaflet file, or None when Leaflet is not installed (then no map)."""
    version = leaflet_version()
    return None if version is None else url_for("assets.leaflet", filename=filename, v=version)


def results_map_data(page, place, radius: float) -> dict | None:
    """The searched place and each result's venue nearest to it; None when no result has a point."""
    markers = []
    for number, result in enumerate(page.results, start=page.query.offset + 1):
        venue = _nearest_venue([link.location for link in result.service.location_links], place)
        if venue is not None:
            markers.append(
                {
                    "number": number,
                    "name": result.service.name,
                    "venue": venue.name,
                    "where": result.explanation.where,
                    "url": url_for("public.service", raw_id=result.service.id),
                    "lat": venue.latitude,
                    "lng": venue.longitude,
                }
            )
    if not markers:
        return None
    searched = None
    if place is not None:
        searched = {"label": place.query, "lat": place.latitude, "lng": place.longitude, "radius_km": radius}
    return {"place": searched, "markers": markers}


@bp.app_template_global()
def venues_map_data(locations) -> dict | None:
    """A service's venues that have a point; None when none has."""
    markers = [
        {
            "name": venue.name or "Venue",
            "venue": ", ".join(line for line in (venue.address_1, venue.address_2, venue.town, venue.postcode) if line),
            "lat": venue.latitude,
            "lng": venue.longitude,
        }
        for venue in _placed(locations)
    ]
    return {"place": None, "markers": markers} if markers else None


def _placed(locations) -> list:
    """Venues with a point to pin; a confidential venue's point is only its district's middle, so it has no pin."""
    return [
        v
        for v in locations
        if v.archived_at is None and v.latitude is not None and v.longitude is not None and not v.confidential
    ]


def _nearest_venue(locations, place):
    venues = sorted(_placed(locations), key=lambda v: v.name or "")
    if not venues or place is None:
        return venues[0] if venues else None
    return min(venues, key=lambda v: geography.distance_km(place.latitude, place.longitude, v.latitude, v.longitude))
