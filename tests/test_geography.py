"""Postcode parsing, resolution, coordinate accuracy, distances, the shipped unit postcodes and geocoding."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import math
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from geopy.distance import great_circle
from geopy.geocoders import Nominatim
from geopy.location import Location as GeopyLocation

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
    normalise_postcode,
    parse_postcode,
    read_codepoint,
    resolve_postcode,
)
from directory.unit_postcodes import UnitFileError, UnitRow, read_units, write_units

from .conftest import CODEPOINT_ZIP

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent

# Real rows from OS Code-Point Open (May 2025). AB43 1AJ has positional quality 90: no coordinates.
CODEPOINT_M = """"M32 0JG",10,379988,395476,"E92000001","E19000001","E18000002","","E08000009","E05015247"
"AB43 1AJ",90,0,0,"S92000003","","","","",""
"""
CODEPOINT_NE = """"NE30 1DP",10,435958,568671,"E92000001","E19000001","E18000001","","E08000022","E05015876"
"""
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
        archive.writestr("Doc/metadata.txt", "PRODUCT: OS CODE-POINT_03.02\nDATASET VERSION NUMBER: 2099.1.0\n")
        for name, text in files.items():
            archive.writestr(f"Data/CSV/{name}", text)
    return path


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def needs_codepoint():
    if not CODEPOINT_ZIP.exists():
        pytest.skip(f"OS Code-Point Open is not at {CODEPOINT_ZIP}: shipped positions not compared with it")


def codepoint_rows(wanted: set[str]) -> dict:
    """The rows of these postcodes in the real Code-Point Open zip."""
    found = {}
    with zipfile.ZipFile(CODEPOINT_ZIP) as archive:
        for name in sorted({f"Data/CSV/{parse_postcode(p).area.lower()}.csv" for p in wanted}):
            for row in csv.reader(archive.read(name).decode("utf-8").splitlines()):
                if row[0] in wanted:
                    found[row[0]] = row
    return found


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


def test_a_unit_postcode_resolves_to_its_own_position_and_areas():
    place = resolve_postcode("g31 2er")
    assert place == Place(
        "G31 2ER", "unit", 55.86524, -4.23223, "unit", "S92000003", "S12000049", "S08000031", label="G31 2ER"
    )
    assert place.note is None


@pytest.mark.parametrize("postcode", ["G31 2ER", "G31 2ET", "HX1 1UJ", "E1 6AN", "CF10 1EP", "ZE1 0AA", "TR19 7AA"])
def test_unit_positions_are_code_points_own(postcode):
    needs_codepoint()
    row = codepoint_rows({postcode})[postcode]
    (lat,), (lng,) = grid_to_latlng([int(row[2])], [int(row[3])])
    place = resolve_postcode(postcode)
    assert place.precision == "unit"
    assert metres(place.latitude, place.longitude, lat, lng) < 1  # stored to 1e-5 degree
    assert (place.country_code, place.district_code, place.health_code) == (row[4], row[8], row[6])


def test_units_in_one_sector_have_their_own_positions():
    one, other, sector = resolve_postcode("G31 2ER"), resolve_postcode("G31 2ET"), resolve_postcode("G31 2")
    assert (one.latitude, one.longitude) != (other.latitude, other.longitude)
    assert 100 < metres(one.latitude, one.longitude, other.latitude, other.longitude) < 1000
    assert (one.latitude, one.longitude) != (sector.latitude, sector.longitude)


@pytest.mark.parametrize(
    ("postcode", "centre", "level"), [("SK2 9DA", "SK2 9", "sector"), ("AB43 1AJ", "AB43", "district")]
)
def test_a_unit_without_a_position_falls_back_to_a_centre_and_says_so(postcode, centre, level):
    place = resolve_postcode(postcode)  # positional quality 90 in Code-Point Open
    assert (place.kind, place.precision, place.label) == ("unit", level, f"{centre} ({level} centre)")
    assert (place.latitude, place.longitude) == (resolve_postcode(centre).latitude, resolve_postcode(centre).longitude)
    assert place.note == (
        f"Code-Point Open gives no exact position for {postcode}, so distances are measured from the centre of {centre}."
    )


def test_a_unit_missing_from_the_list_falls_back_to_its_sector_and_says_so():
    place = resolve_postcode("G31 2ZZ")
    assert (place.kind, place.precision, place.label) == ("unit", "sector", "G31 2 (sector centre)")
    assert place.note.startswith("G31 2ZZ is not in our list of postcodes (check it is right")
    assert place.note.endswith("so distances are measured from the centre of G31 2.")


def test_a_unit_lookup_takes_well_under_a_millisecond():
    resolve_postcode("G31 2ER")  # the file is read once per process
    started = time.perf_counter()
    for postcode in ("G31 2ER", "HX1 1UJ", "E1 6AN", "CF10 1EP") * 250:
        resolve_postcode(postcode)
    assert (time.perf_counter() - started) / 1000 < 0.0005


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
    assert place.note.startswith("E1 9 is not in our list of postcodes")


def test_sector_district_and_area_centres_carry_no_note():
    assert [resolve_postcode(text).note for text in ("G31 2", "G31", "G")] == [None, None, None]


def test_shipped_centres_carry_their_commonest_area_codes():
    place = resolve_postcode("HX1 1")
    assert (place.country_code, place.district_code, place.health_code) == ("E92000001", "E08000033", "E18000003")


def test_an_unknown_postcode_says_so_and_suggests_the_first_part():
    with pytest.raises(PostcodeNotFound) as raised:
        resolve_postcode("g99 9zz")
    assert str(raised.value) == (
        "G99 9ZZ looks like a postcode but is not one we know; check it or try just the first part, e.g. G99"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("BT1 1AA", "Northern Ireland"),
        ("bt48", "Northern Ireland"),
        ("JE2 3AB", "Jersey"),
        ("IM1 1AA", "the Isle of Man"),
    ],
)
def test_postcodes_outside_great_britain_are_said_not_to_be_covered(text, where):
    with pytest.raises(PostcodeNotFound) as raised:
        resolve_postcode(text)
    assert f"is in {where}, which our postcode data (OS Code-Point Open) does not cover" in str(raised.value)
    assert "England, Scotland and Wales" in str(raised.value)


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
        with gzip.open(path, "rt", newline="") if name.endswith(".gz") else path.open(newline="") as handle:
            codes.update(
                code
                for row in csv.DictReader(handle)
                for code in (row["country_code"], row["district_code"], row["health_code"])
                if code
            )
    assert len(codes) > 380
    assert all(area_name(code) for code in codes)


# Coordinates


def test_grid_to_latlng_is_within_5_m_of_the_os_reference_points():
    points = reference_points()
    latitudes, longitudes = grid_to_latlng(
        [float(p["easting"]) for p in points], [float(p["northing"]) for p in points]
    )
    errors = [
        metres(lat, lng, float(p["latitude"]), float(p["longitude"]))
        for p, lat, lng in zip(points, latitudes, longitudes, strict=True)
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


# Reading Code-Point Open and the shipped unit postcodes


def test_read_codepoint_gives_every_row_with_its_codes(tmp_path):
    path = codepoint_zip(tmp_path / "codepo.zip", {"m.csv": CODEPOINT_M, "ne.csv": CODEPOINT_NE})
    rows = [row for _name, _size, part in read_codepoint(path) for row in part]
    assert [(r.postcode, r.quality) for r in rows] == [("M32 0JG", 10), ("AB43 1AJ", 90), ("NE30 1DP", 10)]
    assert rows[0][4:] == ("E92000001", "E08000009", "E18000002")


def test_read_codepoint_names_the_file_and_line_of_a_bad_row(tmp_path):
    broken = CODEPOINT_NE.replace("435958", "east")
    path = codepoint_zip(tmp_path / "bad.zip", {"m.csv": CODEPOINT_M, "ne.csv": broken})
    with pytest.raises(CodePointError, match="Data/CSV/ne.csv line 1: .*whole numbers"):
        list(read_codepoint(path))


def test_read_codepoint_refuses_a_zip_without_codepoint_files(tmp_path):
    with pytest.raises(CodePointError, match="no Data/CSV"):
        list(read_codepoint(codepoint_zip(tmp_path / "empty.zip", {})))


def test_read_codepoint_normalises_older_fixed_width_postcodes(tmp_path):
    padded = CODEPOINT_NE.replace('"NE30 1DP"', '"NE301DP"')
    rows = next(read_codepoint(codepoint_zip(tmp_path / "old.zip", {"ne.csv": padded})))[2]
    assert rows[0].postcode == "NE30 1DP"


def test_the_build_script_writes_positions_within_5_m_of_their_published_ones(tmp_path, capsys):
    path = codepoint_zip(tmp_path / "codepo.zip", {"m.csv": CODEPOINT_M, "ne.csv": CODEPOINT_NE})
    assert load_script("build_postcodes").main(["build", str(path), str(tmp_path)]) == 0
    assert "2 unit postcodes with a position; 1 without" in capsys.readouterr().out
    units = read_units(tmp_path / "units.bin.xz")
    assert (len(units), units.release) == (2, "OS Code-Point Open 2099.1.0")
    for postcode, (lat, lng) in PUBLISHED.items():
        found = units.find(postcode)
        assert metres(found.latitude, found.longitude, lat, lng) <= 5
    assert units.find("M32 0JG")[2:] == ("E92000001", "E08000009", "E18000002")
    assert units.find("AB43 1AJ") is None and units.has_no_position("AB43 1AJ")


def test_the_build_script_says_when_the_zip_names_no_release(tmp_path):
    path = tmp_path / "codepo.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Data/CSV/m.csv", CODEPOINT_M)
    with pytest.raises(SystemExit, match="no Doc/metadata.txt"):
        load_script("build_postcodes").main(["build", str(path), str(tmp_path)])


def test_a_units_file_finds_each_unit_and_nothing_else(tmp_path):
    rows = [
        UnitRow(p, 55 + i / 100, -4 - i / 100, "S92000003", f"S1200004{i % 3}", None)
        for i, p in enumerate(["G31 2EZ", "G31 2AA", "G31 2ER", "G3 1AA", "G31 3AA", "G312 1AA"])
    ]
    write_units(tmp_path / "u.xz", reversed(rows), ["G31 2NP"], "test")
    units = read_units(tmp_path / "u.xz")
    for row in rows:
        assert units.find(row.postcode) == (row.latitude, row.longitude, "S92000003", row.district_code, None)
    assert [units.find(p) for p in ("G31 2AB", "G31 2EA", "G31 2ZZ", "G31 4AA", "G3 1AB", "G31 2NP")] == [None] * 6
    assert units.has_sector("G31 2") and not units.has_sector("G31 4")
    assert units.sectors() == ["G3 1", "G31 2", "G31 3", "G312 1"]
    assert units.postcodes_in("G31 2") == ["G31 2AA", "G31 2ER", "G31 2EZ"] and units.postcodes_in("G31 4") == []


def test_a_units_file_is_the_same_bytes_for_the_same_rows(tmp_path):
    rows = [UnitRow("G31 2ER", 55.86524, -4.23223, "S92000003", "S12000049", "S08000031")]
    write_units(tmp_path / "a.xz", rows, [], "test")
    write_units(tmp_path / "b.xz", rows, [], "test")
    assert (tmp_path / "a.xz").read_bytes() == (tmp_path / "b.xz").read_bytes()


def test_a_damaged_units_file_is_refused_with_its_name(tmp_path):
    (tmp_path / "bad.xz").write_bytes(b"not xz at all")
    with pytest.raises(UnitFileError, match="bad.xz cannot be read as a units file"):
        read_units(tmp_path / "bad.xz")


def test_a_missing_units_file_says_how_to_rebuild_it(tmp_path, monkeypatch):
    monkeypatch.setattr(geography, "POSTCODE_DIR", tmp_path)
    geography.unit_postcodes.cache_clear()
    try:
        with pytest.raises(UnitFileError, match="units.bin.xz is missing: rebuild it with scripts/build_postcodes.py"):
            resolve_postcode("G31 2ER")
    finally:
        monkeypatch.undo()
        geography.unit_postcodes.cache_clear()


def test_setup_reads_the_unit_postcodes_and_says_how_many(app, runner):
    result = runner.invoke(args=["setup", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert "Unit postcodes: 1,742,638 from OS Code-Point Open 2025.2.0." in result.output


@pytest.mark.slow
def test_the_build_script_reproduces_the_shipped_units_file(tmp_path):
    needs_codepoint()
    assert load_script("build_postcodes").main(["build", str(CODEPOINT_ZIP), str(tmp_path)]) == 0
    assert (tmp_path / "units.bin.xz").read_bytes() == (geography.POSTCODE_DIR / "units.bin.xz").read_bytes()


@pytest.mark.slow
def test_the_build_script_reproduces_the_shipped_files(tmp_path):
    pytest.importorskip("openpyxl", reason="the build script needs openpyxl and xlrd")
    pytest.importorskip("xlrd", reason="the build script needs openpyxl and xlrd")
    needs_codepoint()
    assert load_script("build_postcode_data").main(["build", str(CODEPOINT_ZIP), str(tmp_path)]) == 0
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
