"""The map: Leaflet served by Signpost itself, the data block the map reads, and the CSP for tiles."""

from __future__ import annotations

import json
import re

import pytest

from directory.config import ConfigError
from directory.db import get_db
from directory.views import assets

from . import factories
from .conftest import make_app, migrated_app

HOSTILE = "</script><script>alert(1)</script>"


@pytest.fixture
def directory(app, session):
    """Two services with venues at known points near G31, one online-only service, and one with a hostile name."""
    org = factories.organisation(session, name="Parkhead Trust")
    near = factories.venue_at(session, org, 55.852, -4.205, name="Parkhead Hub")
    far = factories.venue_at(session, org, 55.866, -4.190, name="Far Hall")
    factories.service(session, org, locations=[far, near], name="Pantry at two halls", description="Food pantry.")
    factories.service(session, org, locations=[far], name=f"{HOSTILE} pantry", description="Food pantry.")
    factories.service(session, org, name="Online pantry advice", description="Food pantry help by phone.")
    session.commit()


def map_data(html: str, block_id: str = "results-map-data") -> dict:
    """The JSON in the page's map data block."""
    found = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert found, f"no {block_id} block"
    return json.loads(found.group(1))


def test_leaflet_script_style_and_images_are_served_with_their_types(client):
    for path, content_type in [
        ("leaflet.js", "text/javascript"),
        ("leaflet.css", "text/css"),
        ("images/marker-icon.png", "image/png"),
        ("images/layers.png", "image/png"),
    ]:
        response = client.get(f"/assets/leaflet/{path}")
        assert response.status_code == 200, path
        assert response.mimetype == content_type, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_versioned_leaflet_urls_are_cached_for_a_year(client):
    version = assets.leaflet_version()
    pinned = client.get(f"/assets/leaflet/leaflet.js?v={version}")
    assert pinned.cache_control.max_age == 365 * 24 * 3600 and pinned.cache_control.immutable
    unpinned = client.get("/assets/leaflet/leaflet.js?v=0.0.1")
    assert unpinned.cache_control.max_age == 3600 and not unpinned.cache_control.immutable


@pytest.mark.parametrize(
    "path",
    [
        "../../pyproject.toml",
        "..%2F..%2Fpyproject.toml",
        "../package.json",
        "../../../directory/static/map.js",
        "..%2F..%2F..%2Fdirectory%2Fconfig.py",
        "%2Fetc%2Fpasswd",
        "leaflet-missing.js",
    ],
)
def test_paths_outside_leaflet_dist_are_not_found(client, path):
    response = client.get(f"/assets/leaflet/{path}", follow_redirects=True)  # "//" is merged by a redirect first
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "[project]" not in body and "Signpost maps" not in body and "root:" not in body


def test_without_leaflet_installed_the_asset_404_says_how_to_install_it_and_pages_have_no_map(
    client, directory, monkeypatch, tmp_path
):
    monkeypatch.setattr(assets, "LEAFLET", tmp_path / "node_modules" / "leaflet")
    response = client.get("/assets/leaflet/leaflet.js")
    assert response.status_code == 404
    assert "Leaflet is not installed: run `npm ci`" in response.get_data(as_text=True)
    page = client.get("/search?q=pantry&postcode=G31+2ER").get_data(as_text=True)
    assert "Pantry at two halls" in page
    assert "data-map" not in page and "<script" not in page and "leaflet" not in page


def test_results_page_has_the_searched_place_and_each_result_with_a_point(client, directory):
    response = client.get("/search?q=pantry&postcode=G31+2ER")
    html = response.get_data(as_text=True)
    data = map_data(html)
    place = data["place"]
    assert place["label"] == "G31 2ER" and place["radius_km"] == 5
    assert 55.8 < place["lat"] < 55.9 and -4.3 < place["lng"] < -4.1
    markers = {m["name"]: m for m in data["markers"]}
    assert set(markers) == {"Pantry at two halls", f"{HOSTILE} pantry"}  # the online service has no point
    assert (markers["Pantry at two halls"]["lat"], markers["Pantry at two halls"]["lng"]) == (55.852, -4.205)
    assert markers["Pantry at two halls"]["venue"] == "Parkhead Hub"  # the nearer of its two venues
    assert (markers[f"{HOSTILE} pantry"]["lat"], markers[f"{HOSTILE} pantry"]["lng"]) == (55.866, -4.190)
    assert all(m["url"].startswith("/services/") and m["where"].endswith("km away") for m in markers.values())
    assert sorted(m["number"] for m in data["markers"]) == [1, 2]


def test_a_service_name_cannot_break_out_of_the_data_block(client, directory):
    html = client.get("/search?q=pantry&postcode=G31+2ER").get_data(as_text=True)
    assert HOSTILE not in html
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html
    assert html.count("</script>") == html.count("<script")  # every script element closes where it should


def test_the_map_region_is_named_and_hidden_until_javascript_draws_it(client, directory):
    html = client.get("/search?q=pantry&postcode=G31+2ER").get_data(as_text=True)
    region = re.search(r'<div class="map [^>]*>', html).group(0)
    assert 'role="region"' in region and 'aria-label="Map of results near G31 2ER"' in region
    assert region.endswith(" hidden>")
    assert html.index('<ol class="results"') < html.index(
        'id="results-map"'
    )  # the list is the answer; the map supplements it


def test_the_page_loads_leaflet_and_the_map_script_only_with_a_map(client, directory):
    html = client.get("/search?q=pantry&postcode=G31+2ER").get_data(as_text=True)
    version = assets.leaflet_version()
    assert f'<link rel="stylesheet" href="/assets/leaflet/leaflet.css?v={version}">' in html
    assert f'<script defer src="/assets/leaflet/leaflet.js?v={version}"></script>' in html
    assert '<script defer src="/static/map.js"></script>' in html
    online_only = client.get("/search?q=online+advice").get_data(as_text=True)
    assert "Online pantry advice" in online_only
    assert "data-map" not in online_only and "leaflet" not in online_only and "map.js" not in online_only


def test_a_keyword_search_has_no_searched_place(client, directory):
    data = map_data(client.get("/search?q=pantry").get_data(as_text=True))
    assert data["place"] is None and len(data["markers"]) == 2


def test_the_configured_tile_server_and_attribution_are_used(tmp_path):
    app = migrated_app(
        tmp_path,
        MAP_TILES_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        MAP_ATTRIBUTION="Tiles © Example & friends",
    )
    with app.app_context():
        session = get_db(app).sessionmaker()
        org = factories.organisation(session)
        factories.service(session, org, locations=[factories.venue_at(session, org, 55.85, -4.2)], name="Pantry")
        session.commit()
        session.close()
    response = app.test_client().get("/search?q=pantry&postcode=G31")
    html = response.get_data(as_text=True)
    assert 'data-tiles-url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="Tiles © Example &amp; friends"' in html
    assert "img-src 'self' data: https: https://*.tiles.example.org;" in response.headers["Content-Security-Policy"]
    get_db(app).engine.dispose()


def test_the_default_tiles_are_openstreetmap_with_its_attribution(client, directory):
    response = client.get("/search?q=pantry")
    html = response.get_data(as_text=True)
    assert 'data-tiles-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "https://www.openstreetmap.org/copyright" in html and "OpenStreetMap" in html
    assert "img-src 'self' data: https: https://tile.openstreetmap.org;" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url, source",
    [
        ("http://tiles.example.org:8080/{z}/{x}/{y}.png", "http://tiles.example.org:8080"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
    ],
)
def test_the_csp_allows_images_from_the_configured_tile_host_only(tmp_path, url, source):
    response = make_app(tmp_path, MAP_TILES_URL=url).test_client().get("/assets/leaflet/leaflet.css")
    policy = response.headers["Content-Security-Policy"]
    assert f"img-src 'self' data: https: {source};" in policy
    assert "script-src 'self';" in policy and "style-src 'self';" in policy


def test_tiles_served_by_signpost_itself_need_no_csp_change(tmp_path):
    response = (
        make_app(tmp_path, MAP_TILES_URL="/tiles/{z}/{x}/{y}.png").test_client().get("/assets/leaflet/leaflet.css")
    )
    assert "img-src 'self' data: https:;" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://tile.openstreetmap.org/tiles.png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://a.example; script-src *;/{z}/{x}/{y}",
    ],
)
def test_a_tile_url_that_is_not_one_refuses_to_start_naming_the_setting(tmp_path, url):
    with pytest.raises(ConfigError, match="SIGNPOST_MAP_TILES_URL"):
        make_app(tmp_path, MAP_TILES_URL=url)


def test_service_page_has_a_map_of_its_venues(client, app, session):
    org = factories.organisation(session)
    hall = factories.venue_at(
        session, org, 55.852, -4.205, name="Parkhead Hub", address_1="1 Westmuir St", town="Glasgow", postcode="G31 5EH"
    )
    online = factories.location(
        session,
        org,
        name="Online",
        location_type="virtual",
        postcode=None,
        address_1=None,
        town=None,
        url="https://example.org/join",
    )
    service = factories.service(session, org, locations=[hall, online], name=f"{HOSTILE} club")
    session.commit()
    html = client.get(f"/services/{service.id}").get_data(as_text=True)
    data = map_data(html, "venues-map-data")
    assert data["place"] is None
    assert data["markers"] == [
        {"name": "Parkhead Hub", "venue": "1 Westmuir St, Glasgow, G31 5EH", "lat": 55.852, "lng": -4.205}
    ]
    assert 'aria-label="Map of the venue"' in html and HOSTILE not in html
    assert html.index("Parkhead Hub</h3>") < html.index('id="venues-map"') < html.index('id="cost"')
    assert '<script defer src="/static/map.js"></script>' in html


def test_a_service_without_a_placed_venue_has_no_map(client, app, session):
    service = factories.service(session, name="Phone befriending")
    session.commit()
    html = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "data-map" not in html and "map.js" not in html and "leaflet" not in html
