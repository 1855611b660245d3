"""Postcode parsing, resolution, coordinate accuracy, distances, the Code-Point import and geocoding."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import logging
import math
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from geopy.distance import great_circle
from geopy.geocoders import Nominatim
from geopy.location import Location as GeopyLocation
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from directory import geography
from directory.geography import (
    CodePointError,
    Place,
    PostcodeError,
    PostcodeNotFound,
    area_codes,
    area_name,
    distance_km,
    geocode_address,
    grid_to_latlng,
    import_codepoint,
    normalise_postcode,
    parse_postcode,
    resolve_postcode,
)
from directory.models.geography import Postcode

from .conftest import CODEPOINT_ZIP

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent

# Real rows from OS Code-Point Open (May 2025). AB43 1AJ has positional quality 90: no coordinates.
CODEPOINT_M = '''"M32 0JG",10,379988,395476,"E92000001","E19000001","E18000002","","E08000009","E05015247"
"AB43 1AJ",90,0,0,"S92000003","","","","",""
'''
CODEPOINT_NE = '''"NE30 1DP",10,435958,568671,"E92000001","E19000001","E18000001","","E08000022","E05015876"
'''
# Published WGS84 positions of the same units (ONS Postcode Directory values as served by
# postcodes.io, quoted in public API test fixtures). ONSPD derives them with a Helmert fit,
# so they sit 1-2 m from the OSTN15 position: a fair check at the 5 m requirement.
PUBLISHED = {"M32 0JG": (53.455654, -2.302836), "NE30 1DP": (55.011303, -1.439269)}


def metres(lat1, lng1, lat2, lng2):
    return distance_km(lat1, lng1, lat2, lng2) * 1000


def reference_points():
    with (DATA / "osgb36_reference_points.csv").open(newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def codepoint_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Doc/licence.txt", "test")
        for name, text in files.items():
            archive.writestr(f"Data/CSV/{name}", text)
    return path


@pytest.fixture
def engine():
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    SQLModel.metadata.create_all(engine, tables=[Postcode.__table__])
    yield engine
    engine.dispose()


def count_rows(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Postcode.__table__)).scalar_one()


# Parsing


@pytest.mark.parametrize(
    ("text", "kind", "normalised"),
    [
        ("G31 2ER", "unit", "G31 2ER"),
        ("g312er", "unit", "G31 2ER"),
        (" G31  2ER ", "unit", "G31 2ER"),
        ("ec1a 1bb", "unit", "EC1A 1BB"),
        ("w1a 0ax", "unit", "W1A 0AX"),
        ("SW1A1AA", "unit", "SW1A 1AA"),
        ("G31 2", "sector", "G31 2"),
        ("g31\t2", "sector", "G31 2"),
        ("G312", "sector", "G31 2"),
        ("HX1 1", "sector", "HX1 1"),
        ("hx1", "district", "HX1"),
        ("HX11", "district", "HX11"),
        ("AB10", "district", "AB10"),
        ("EC1A", "district", "EC1A"),
        ("G", "area", "G"),
        (" hx ", "area", "HX"),
    ],
)
def test_parse_accepts_any_case_and_spacing(text, kind, normalised):
    parsed = parse_postcode(text)
    assert (parsed.kind, parsed.normalised) == (kind, normalised)


def test_parse_splits_a_unit_into_area_district_and_sector():
    parsed = parse_postcode("ec1a1bb")
    assert (parsed.area, parsed.district, parsed.sector) == ("EC", "EC1A", "EC1A 1")


def test_parse_leaves_finer_parts_empty_for_an_area():
    parsed = parse_postcode("G")
    assert (parsed.area, parsed.district, parsed.sector) == ("G", None, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("XYZ 123", "'XYZ 123' is not a UK postcode"),
        ("G31 2E", "'G31 2E' is not a UK postcode"),
        ("123", "'123' is not a UK postcode"),
        ("G31 2ER 5", "is not a UK postcode"),
        ("🙂", "is not a UK postcode"),
        ("ß1", "is not a UK postcode"),
        ("", "No postcode given"),
        ("   ", "No postcode given"),
        (None, "No postcode given"),
        ("G31 2ER" * 20, "is too long to be a UK postcode"),
    ],
)
def test_parse_rejects_what_is_not_a_postcode_and_says_what_one_looks_like(text, problem):
    with pytest.raises(PostcodeError) as raised:
        parse_postcode(text)
    assert problem in str(raised.value)
    assert "expected something like G31 2ER, G31 2 or G31" in str(raised.value)


def test_postcode_errors_are_value_errors():
    assert issubclass(PostcodeError, ValueError)
    assert issubclass(PostcodeNotFound, PostcodeError)


def test_normalise_postcode_gives_the_normalised_form():
    assert normalise_postcode("  w1a0ax") == "W1A 0AX"


# Resolving


def test_resolve_uses_the_unit_row_when_the_table_holds_it(engine):
    with Session(engine) as session:
        session.add(Postcode(postcode="G31 2ER", latitude=55.86524, longitude=-4.23223, quality=10,
                             country_code="S92000003", district_code="S12000049", health_code="S08000031"))
        session.add(Postcode(postcode="HX1 1AA", latitude=53.72404, longitude=-1.85783, quality=10))
        session.commit()
        place = resolve_postcode("g31 2er", session)
    assert place == Place("G31 2ER", "unit", 55.86524, -4.23223, "unit",
                          "S92000003", "S12000049", "S08000031", label="G31 2ER")


def test_resolve_falls_back_to_the_sector_centre_when_the_table_lacks_the_unit(engine):
    with Session(engine) as session:
        place = resolve_postcode("G31 2ER", session)
    assert (place.kind, place.precision, place.label) == ("unit", "sector", "G31 2 (sector centre)")


def test_resolve_without_a_session_uses_the_sector_centre():
    place = resolve_postcode("G31 2ER")
    sector = resolve_postcode("G31 2")
    assert (place.latitude, place.longitude) == (sector.latitude, sector.longitude)
    assert place.query == "G31 2ER"


# Approximate centres of the places each sector, district or area covers (OS maps).
@pytest.mark.parametrize(
    ("text", "kind", "near", "within_km"),
    [
        ("G31 2", "sector", (55.8617, -4.2175), 1.5),  # Dennistoun, Glasgow
        ("HX1 1", "sector", (53.7215, -1.8580), 1.0),  # Halifax town centre
        ("E1 6", "sector", (51.5197, -0.0750), 1.0),  # Spitalfields, London
        ("HX1", "district", (53.7215, -1.8580), 3.0),
        ("ZE1", "district", (60.1550, -1.1450), 5.0),  # Lerwick
        ("G", "area", (55.8600, -4.2500), 10.0),  # Glasgow
    ],
)
def test_shipped_centres_resolve_near_the_right_place(text, kind, near, within_km):
    place = resolve_postcode(text)
    assert (place.kind, place.precision) == (kind, kind)
    assert distance_km(place.latitude, place.longitude, *near) <= within_km


def test_a_sector_missing_from_the_data_falls_back_to_its_district():
    place = resolve_postcode("E1 9")
    assert (place.kind, place.precision, place.label) == ("sector", "district", "E1 (district centre)")


def test_shipped_centres_carry_their_commonest_area_codes():
    place = resolve_postcode("HX1 1")
    assert (place.country_code, place.district_code, place.health_code) == ("E92000001", "E08000033", "E18000003")


def test_an_unknown_postcode_says_so_and_suggests_the_first_part():
    with pytest.raises(PostcodeNotFound) as raised:
        resolve_postcode("g99 9zz")
    assert str(raised.value) == (
        "G99 9ZZ looks like a postcode but is not one we know; check it or try just the first part, e.g. G99"
    )


def test_an_unknown_district_suggests_its_area():
    with pytest.raises(PostcodeNotFound, match="try just the letters, e.g. G$"):
        resolve_postcode("G99")


def test_area_codes_are_the_areas_containing_the_place():
    place = resolve_postcode("HX1 1")
    assert area_codes(place) == {"E08000033", "E18000003", "E92000001", "GB"}


def test_area_codes_leave_out_unknown_codes():
    place = Place("G31 2ER", "unit", 55.9, -4.2, "unit", "S92000003", None, None, label="G31 2ER")
    assert area_codes(place) == {"S92000003", "GB"}


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("E08000033", "Calderdale"),
        ("E09000030", "Tower Hamlets"),
        ("W06000015", "Caerdydd - Cardiff"),
        ("S08000031", "Greater Glasgow and Clyde"),
        ("S92000003", "Scotland"),
        ("GB", "Great Britain"),
        ("E99999999", None),
    ],
)
def test_area_name_names_every_code_the_data_uses(code, name):
    assert area_name(code) == name


def test_area_names_cover_every_code_in_the_shipped_centres():
    codes = set()
    for name in ("sectors.csv.gz", "districts.csv.gz", "areas.csv"):
        path = geography.POSTCODE_DIR / name
        with (gzip.open(path, "rt", newline="") if name.endswith(".gz") else path.open(newline="")) as handle:
            codes.update(code for row in csv.DictReader(handle) for code in (
                row["country_code"], row["district_code"], row["health_code"]) if code)
    assert len(codes) > 380
    assert all(area_name(code) for code in codes)


# Coordinates


def test_grid_to_latlng_is_within_5_m_of_the_os_reference_points():
    points = reference_points()
    latitudes, longitudes = grid_to_latlng([float(p["easting"]) for p in points], [float(p["northing"]) for p in points])
    errors = [
        metres(lat, lng, float(p["latitude"]), float(p["longitude"]))
        for p, lat, lng in zip(points, latitudes, longitudes)
    ]
    assert len(errors) == 8
    assert max(errors) <= 5
    # OSTN15 reproduces these to the millimetre; PROJ's grid-less Helmert fallback is 1-4.9 m out
    # on the same points, so this catches a silent swap to the less accurate method.
    assert max(errors) <= 0.05


def test_grid_to_latlng_gives_nan_outside_great_britain():
    latitudes, longitudes = grid_to_latlng([0, 530624.974], [0, 178388.464])
    assert math.isnan(latitudes[0]) and math.isnan(longitudes[0])
    assert not math.isnan(latitudes[1])


# Distances


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((55.8652, -4.2322), (55.8653, -4.2321)),  # about 13 m
        ((53.7240, -1.8578), (53.7944, -1.7520)),  # Halifax - Bradford
        ((50.0657, -5.7132), (58.6373, -3.0689)),  # Land's End - John o' Groats
        ((51.5007, -0.1246), (-33.8568, 151.2153)),  # London - Sydney
        ((0.0, 0.0), (0.5, 179.7)),  # nearly antipodal
    ],
)
def test_distance_km_matches_geopy_great_circle(a, b):
    expected = great_circle(a, b).km
    assert distance_km(*a, *b) == pytest.approx(expected, rel=1e-9)


def test_distance_km_is_zero_between_a_point_and_itself():
    assert distance_km(55.8652, -4.2322, 55.8652, -4.2322) == 0


# Importing Code-Point Open


def test_import_codepoint_loads_positioned_units_and_skips_quality_90(engine, tmp_path, caplog):
    path = codepoint_zip(tmp_path / "codepo.zip", {"m.csv": CODEPOINT_M, "ne.csv": CODEPOINT_NE})
    with caplog.at_level(logging.INFO, logger="directory.geography"):
        loaded = import_codepoint(engine, path, progress=False)
    assert loaded == 2
    assert count_rows(engine) == 2
    assert "skipped 1 without a position" in caplog.text
    with Session(engine) as session:
        assert session.get(Postcode, "AB43 1AJ") is None
        row = session.get(Postcode, "M32 0JG")
        assert (row.quality, row.country_code, row.district_code, row.health_code) == (
            10, "E92000001", "E08000009", "E18000002")


def test_imported_points_are_within_5_m_of_their_published_positions(engine, tmp_path):
    path = codepoint_zip(tmp_path / "codepo.zip", {"m.csv": CODEPOINT_M, "ne.csv": CODEPOINT_NE})
    import_codepoint(engine, path, progress=False)
    with Session(engine) as session:
        for postcode, (lat, lng) in PUBLISHED.items():
            place = resolve_postcode(postcode, session)
            assert place.precision == "unit"
            assert metres(place.latitude, place.longitude, lat, lng) <= 5


def test_import_codepoint_replaces_what_was_there(engine, tmp_path):
    import_codepoint(engine, codepoint_zip(tmp_path / "one.zip", {"m.csv": CODEPOINT_M}), progress=False)
    import_codepoint(engine, codepoint_zip(tmp_path / "two.zip", {"ne.csv": CODEPOINT_NE}), progress=False)
    with Session(engine) as session:
        assert session.get(Postcode, "M32 0JG") is None
        assert session.get(Postcode, "NE30 1DP") is not None


def test_a_failed_import_leaves_the_previous_contents(engine, tmp_path):
    import_codepoint(engine, codepoint_zip(tmp_path / "good.zip", {"m.csv": CODEPOINT_M}), progress=False)
    broken = CODEPOINT_NE.replace("435958", "east")
    path = codepoint_zip(tmp_path / "bad.zip", {"m.csv": CODEPOINT_M, "ne.csv": broken})
    with pytest.raises(CodePointError, match="Data/CSV/ne.csv line 1: .*whole numbers"):
        import_codepoint(engine, path, progress=False)
    assert count_rows(engine) == 1


def test_import_refuses_a_zip_without_codepoint_files(engine, tmp_path):
    with pytest.raises(CodePointError, match="no Data/CSV"):
        import_codepoint(engine, codepoint_zip(tmp_path / "empty.zip", {}), progress=False)


def test_import_normalises_older_fixed_width_postcodes(engine, tmp_path):
    padded = CODEPOINT_NE.replace('"NE30 1DP"', '"NE301DP"')
    import_codepoint(engine, codepoint_zip(tmp_path / "old.zip", {"ne.csv": padded}), progress=False)
    with Session(engine) as session:
        assert session.get(Postcode, "NE30 1DP") is not None


def test_import_shows_a_progress_bar(engine, tmp_path, capsys):
    import_codepoint(engine, codepoint_zip(tmp_path / "codepo.zip", {"m.csv": CODEPOINT_M}), progress=True)
    assert "Importing postcodes" in capsys.readouterr().out


def test_the_import_command_loads_postcodes_and_says_how_many(app, runner, tmp_path):
    result = runner.invoke(args=["postcodes", "import", str(codepoint_zip(tmp_path / "codepo.zip", {"m.csv": CODEPOINT_M}))])
    assert result.exit_code == 0, result.output
    assert "1 unit postcodes loaded" in result.output


def test_the_import_command_explains_a_wrong_file(app, runner, tmp_path):
    wrong = tmp_path / "holiday.zip"
    codepoint_zip(wrong, {})
    result = runner.invoke(args=["postcodes", "import", str(wrong)])
    assert result.exit_code != 0
    assert "Code-Point Open zip" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_the_build_script_reproduces_the_shipped_files(tmp_path):
    pytest.importorskip("openpyxl", reason="the build script needs openpyxl and xlrd")
    pytest.importorskip("xlrd", reason="the build script needs openpyxl and xlrd")
    if not CODEPOINT_ZIP.exists():
        pytest.skip(f"{CODEPOINT_ZIP} is not here")
    spec = importlib.util.spec_from_file_location("build_postcode_data", ROOT / "scripts" / "build_postcode_data.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["build", str(CODEPOINT_ZIP), str(tmp_path)]) == 0
    for name in ("sectors.csv.gz", "districts.csv.gz", "areas.csv", "area_names.csv"):
        assert (tmp_path / name).read_bytes() == (geography.POSTCODE_DIR / name).read_bytes(), name


# Street-address geocoding


def geocoder_config(**settings):
    defaults = {"GEOCODER": "", "GEOCODER_USER_AGENT": "signpost-test", "GEOCODER_DOMAIN": "geo.example.org"}
    return SimpleNamespace(**{**defaults, **settings})


def test_geocoding_is_off_unless_configured_and_makes_no_request(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the geocoder was called")

    monkeypatch.setattr(Nominatim, "geocode", no_network)
    assert geocode_address("1 Duke Street, Glasgow", geocoder_config()) is None
    assert geocode_address("1 Duke Street, Glasgow", geocoder_config(GEOCODER="google")) is None


def test_the_geocoder_uses_the_configured_user_agent_and_domain():
    geocoder = geography.build_geocoder(geocoder_config(GEOCODER="nominatim"))
    assert geocoder.headers["User-Agent"] == "signpost-test"
    assert geocoder.domain == "geo.example.org"


def test_geocode_address_returns_the_point_nominatim_finds(monkeypatch):
    asked = {}

    def fake_geocode(self, query, **kwargs):
        asked.update(query=query, user_agent=self.headers["User-Agent"], **kwargs)
        return GeopyLocation("Duke Street", (55.8592, -4.2271), {})

    monkeypatch.setattr(Nominatim, "geocode", fake_geocode)
    point = geocode_address("1 Duke Street, Glasgow", geocoder_config(GEOCODER="nominatim"))
    assert point == (55.8592, -4.2271)
    assert asked["query"] == "1 Duke Street, Glasgow"
    assert asked["user_agent"] == "signpost-test"
    assert asked["country_codes"] == "gb"
