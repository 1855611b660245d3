"""The data files that ship in data/ are consistent with each other and with the models."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from directory.models.common import (
    AREA_TYPES,
    FREQUENCIES,
    FUNDING_STATUSES,
    GROUPS_SERVED,
    LOCATION_TYPES,
    REFERRAL_STATUSES,
    ROUTE_METHODS,
    ROUTE_TYPES,
    SERVICE_STATUSES,
    VERIFICATION_METHODS,
    WEEKDAYS,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CODEPO_CANDIDATES = [Path("/work/shared/data/codepo_gb.zip"), ROOT.parent / "shared" / "data" / "codepo_gb.zip"]

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$")
SLUG_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
# Ofcom's ranges reserved for drama (and the freephone/mobile equivalents): never a real line.
DRAMA_PHONE = re.compile(
    r"^(0113 496 0|0114 496 0|0115 496 0|0116 496 0|0117 496 0|0118 496 0|0121 496 0|0131 496 0|"
    r"0141 496 0|0151 496 0|0161 496 0|020 7946 0|01632 960|07700 900|0808 157 0|0909 879 0)\d{3}$"
)
EXAMPLE_EMAIL = re.compile(r"^[a-z0-9._-]+@([a-z0-9-]+\.)*example\.(org|com|net)$")
EXAMPLE_URL = re.compile(r"^https://([a-z0-9-]+\.)*example\.(org|com|net)(/[a-z0-9/_-]*)?$")
REAL_CHARITIES = re.compile(
    r"\b(trussell|citizens advice|age uk|age scotland|mind|samaritans|shelter|barnardo)\b", re.I
)

AREAS = {
    "glasgow": ("S12000049", {"G31", "G32", "G33", "G34", "G40"}),
    "calderdale": ("E08000033", {"HX1", "HX2", "HX3", "HX4", "HX5", "HX6", "HX7", "OL14", "HD6"}),
    "tower_hamlets": ("E09000030", {"E1", "E2", "E3", "E14"}),
}
AREA_CODES = {
    "S12000049": "local_authority",
    "E08000033": "local_authority",
    "E09000030": "local_authority",
    "S08000031": "health_board",
    "E92000001": "national",
    "S92000003": "national",
    "GB": "national",
}


def load_json(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def taxonomy() -> dict:
    return load_json("taxonomy.json")


@pytest.fixture(scope="module")
def demo() -> dict:
    return load_json("demo/directory.json")


@pytest.fixture(scope="module")
def services(demo) -> list[dict]:
    return [s for org in demo["organisations"] for s in org["services"]]


@pytest.fixture(scope="module")
def codepo() -> Path:
    for path in CODEPO_CANDIDATES:
        if path.exists():
            return path
    pytest.skip("OS Code-Point Open not found at /work/shared/data or ../shared/data; postcode lookup not checked")


def parse_synonyms(text: str) -> list[list[str]]:
    """Groups of terms: one group a line, commas between terms, # starts a comment."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([term.strip() for term in line.split(",")])
    return groups


def all_codes(taxonomy: dict) -> set[str]:
    return {t["code"] for t in taxonomy["terms"]} | {c["code"] for t in taxonomy["terms"] for c in t["children"]}


def org_area(org: dict) -> str | None:
    """Which of the three demo areas an organisation belongs to, from its postcodes or areas."""
    for location in org["locations"]:
        outward = location["postcode"].split()[0]
        for area, (_, districts) in AREAS.items():
            if outward in districts:
                return area
    codes = {a["code"] for s in org["services"] for a in s["areas"]}
    for area, (code, _) in AREAS.items():
        if code in codes:
            return area
    return None


def share(services: list[dict], test) -> float:
    return sum(1 for s in services if test(s)) / len(services)


# --- taxonomy.json ---


def test_taxonomy_has_name_version_and_about_fifteen_themes(taxonomy):
    assert taxonomy["name"] == "Signpost social prescribing themes"
    assert taxonomy["version"] and taxonomy["description"]
    assert 15 <= len(taxonomy["terms"]) <= 20


def test_taxonomy_codes_are_unique_slugs(taxonomy):
    codes = [t["code"] for t in taxonomy["terms"]] + [c["code"] for t in taxonomy["terms"] for c in t["children"]]
    assert len(codes) == len(set(codes))
    assert all(SLUG_CODE.match(code) for code in codes), [c for c in codes if not SLUG_CODE.match(c)]


def test_taxonomy_children_are_prefixed_by_their_parent(taxonomy):
    for theme in taxonomy["terms"]:
        assert "/" not in theme["code"]
        assert 3 <= len(theme["children"]) <= 8, theme["code"]
        for child in theme["children"]:
            assert child["code"].startswith(theme["code"] + "/"), child["code"]
            assert "children" not in child or not child["children"]


def test_taxonomy_terms_have_names_and_one_sentence_descriptions(taxonomy):
    for term in taxonomy["terms"] + [c for t in taxonomy["terms"] for c in t["children"]]:
        assert term["name"].strip(), term["code"]
        assert term["description"].endswith("."), term["code"]
        assert term["description"].count(". ") == 0, term["code"]


# --- synonyms.txt ---


def test_synonyms_file_documents_its_format():
    lines = (DATA / "synonyms.txt").read_text(encoding="utf-8").splitlines()
    header = lines[: next(i for i, line in enumerate(lines) if line and not line.startswith("#"))]
    assert any("comma" in line for line in header) and any("# " in line for line in header)


def test_synonyms_parse_into_thirty_to_a_hundred_groups():
    groups = parse_synonyms((DATA / "synonyms.txt").read_text(encoding="utf-8"))
    assert 30 <= len(groups) <= 100  # ambiguous groups were split (loss, helpline...), not merged
    assert all(len(group) >= 2 for group in groups)


def test_synonym_terms_are_lowercase_and_not_empty():
    for group in parse_synonyms((DATA / "synonyms.txt").read_text(encoding="utf-8")):
        for term in group:
            assert term, group
            assert term == term.lower(), term
            assert "  " not in term, term


def test_no_synonym_term_is_in_two_groups():
    counts = Counter(t for g in parse_synonyms((DATA / "synonyms.txt").read_text(encoding="utf-8")) for t in g)
    assert [t for t, n in counts.items() if n > 1] == []


def test_synonyms_cover_what_link_workers_search_for():
    terms = {t for g in parse_synonyms((DATA / "synonyms.txt").read_text(encoding="utf-8")) for t in g}
    for term in [
        "food bank",
        "debt",
        "esol",
        "bereavement",
        "counselling",
        "loneliness",
        "men's shed",
        "carer",
        "addiction",
        "domestic abuse",
        "universal credit",
        "dementia",
        "exercise",
        "allotment",
        "citizens advice",
    ]:
        assert term in terms, term


# --- demo/directory.json: size and shape ---


def test_demo_has_attribution_for_code_point_open(demo):
    assert "Contains OS data" in demo["attribution"] and "Royal Mail" in demo["attribution"]


def test_demo_has_enough_organisations_and_services(demo, services):
    assert len(demo["organisations"]) >= 120
    assert len(services) >= 300


def test_demo_covers_all_three_areas(demo):
    counts = Counter(org_area(org) for org in demo["organisations"])
    for area in AREAS:
        assert counts[area] >= 30, (area, counts)


def test_organisation_and_location_keys_are_unique(demo):
    keys = [org["key"] for org in demo["organisations"]]
    assert len(keys) == len(set(keys))
    for org in demo["organisations"]:
        location_keys = [loc["key"] for loc in org["locations"]]
        assert len(location_keys) == len(set(location_keys)), org["key"]


def test_every_category_exists_in_the_taxonomy(taxonomy, services):
    codes = all_codes(taxonomy)
    for service in services:
        assert service["categories"], service["name"]
        assert set(service["categories"]) <= codes, service["categories"]


def test_every_location_key_resolves_within_its_organisation(demo):
    for org in demo["organisations"]:
        keys = {loc["key"] for loc in org["locations"]}
        for service in org["services"]:
            assert set(service["locations"]) <= keys, (org["key"], service["name"])
            for schedule in service["schedules"]:
                assert schedule["location"] is None or schedule["location"] in service["locations"]


def test_services_without_a_venue_cover_an_area(services):
    for service in services:
        assert service["locations"] or service["areas"], service["name"]
        for area in service["areas"]:
            assert area["area_type"] in AREA_TYPES
            assert AREA_CODES.get(area["code"]) == area["area_type"], area


def test_postcodes_are_well_formed_and_in_the_right_districts(demo):
    for org in (o for o in demo["organisations"] if o["locations"]):
        area = org_area(org)
        for location in org["locations"]:
            assert POSTCODE.match(location["postcode"]), location["postcode"]
            assert location["postcode"].split()[0] in AREAS[area][1], location["postcode"]
            assert location["location_type"] in LOCATION_TYPES
            assert location["wheelchair_accessible"] in (True, False, None)


def test_postcodes_are_real_and_in_the_right_council(demo, codepo):
    districts = {}
    with zipfile.ZipFile(codepo) as archive:
        for name in ("g", "hx", "ol", "hd", "e"):
            with archive.open(f"Data/CSV/{name}.csv") as handle:
                for row in csv.reader(io.TextIOWrapper(handle, encoding="utf-8")):
                    compact = row[0].replace(" ", "")
                    districts[f"{compact[:-3]} {compact[-3:]}"] = row[8]
    for org in (o for o in demo["organisations"] if o["locations"]):
        council = AREAS[org_area(org)][0]
        for location in org["locations"]:
            assert districts.get(location["postcode"]) == council, location["postcode"]


def test_demo_file_is_what_the_script_generates(codepo, tmp_path):
    spec = importlib.util.spec_from_file_location("make_demo", ROOT / "scripts" / "make_demo_directory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "directory.json"
    assert module.main(["--codepo", str(codepo), "--out", str(out)]) == 0
    assert out.read_bytes() == (DATA / "demo" / "directory.json").read_bytes()


# --- demo: values and ordering ---


def test_contact_details_point_at_no_real_person(demo):
    for org in demo["organisations"]:
        assert not REAL_CHARITIES.search(org["name"]), org["name"]
        assert org["phone"] is None or DRAMA_PHONE.match(org["phone"]), org["phone"]
        assert org["email"] is None or EXAMPLE_EMAIL.match(org["email"]), org["email"]
        assert org["website"] is None or EXAMPLE_URL.match(org["website"]), org["website"]
        for service in org["services"]:
            assert service["phone"] is None or DRAMA_PHONE.match(service["phone"])
            assert service["email"] is None or EXAMPLE_EMAIL.match(service["email"])
            assert service["website"] is None or EXAMPLE_URL.match(service["website"])
            for route in service["referral_routes"]:
                if route["method"] == "phone":
                    assert DRAMA_PHONE.match(route["contact"]), route["contact"]
                if route["method"] == "email":
                    assert EXAMPLE_EMAIL.match(route["contact"]), route["contact"]
                assert route["url"] is None or EXAMPLE_URL.match(route["url"]), route["url"]


def test_service_values_are_in_the_allowed_lists(demo, services):
    assert all(org["verification_method"] in VERIFICATION_METHODS for org in demo["organisations"])
    for service in services:
        assert service["status"] in SERVICE_STATUSES
        assert service["verification_method"] in VERIFICATION_METHODS
        assert set(service["groups_served"]) <= set(GROUPS_SERVED), service["groups_served"]
        assert all(re.fullmatch(r"[a-z]{2,3}", lang) for lang in service["languages"]), service["languages"]
        for route in service["referral_routes"]:
            assert route["route_type"] in ROUTE_TYPES
            assert route["method"] in ROUTE_METHODS
            assert route["status"] in REFERRAL_STATUSES
        for funding in service["funding"]:
            assert funding["status"] in FUNDING_STATUSES


def test_ages_are_ordered_and_in_range(services):
    for service in services:
        low, high = service["min_age"], service["max_age"]
        assert low is None or 0 <= low <= 120
        assert high is None or 0 <= high <= 120
        assert low is None or high is None or low <= high, service["name"]


def test_schedules_are_well_formed(services):
    for service in services:
        for schedule in service["schedules"]:
            assert schedule["frequency"] in FREQUENCIES and schedule["weekday"] in WEEKDAYS
            assert TIME.match(schedule["opens_at"]) and TIME.match(schedule["closes_at"])
            assert schedule["opens_at"] < schedule["closes_at"], service["name"]
            if schedule["frequency"] == "monthly":
                assert schedule["week_of_month"] in (1, 2, 3, 4, -1)
            else:
                assert schedule["week_of_month"] is None
            start, end = schedule.get("valid_from_days"), schedule.get("valid_to_days")
            assert start is None or end is None or start <= end


def test_seasons_are_real_dates(services):
    for service in services:
        for season in service["seasons"]:
            assert 1 <= season["start_month"] <= 12 and 1 <= season["end_month"] <= 12
            assert 1 <= season["start_day"] <= 31 and 1 <= season["end_day"] <= 31


def test_costs_are_consistent(services):
    for service in services:
        low, high = service["cost_min"], service["cost_max"]
        assert low is None or low >= 0
        assert low is None or high is None or low <= high
        if not service["is_free"]:
            assert service["cost_description"], service["name"]


def test_summaries_are_one_short_line_and_descriptions_are_filled(services):
    for service in services:
        assert 0 < len(service["summary"]) < 200 and "\n" not in service["summary"], service["name"]
        assert service["description"].count(".") >= 2, service["name"]


def test_status_details_match_the_status(services):
    for service in services:
        if service["status"] != "active":
            assert service["status_reason"], service["name"]
        if service["status"] == "temporarily_closed":
            assert service["reopens_in_days"] and service["reopens_in_days"] > 0
        for route in service["referral_routes"]:
            if route["status"] == "waiting_list":
                assert route["typical_wait"]


def test_search_words_appear_in_service_text(services):
    text = [f"{s['name']} {s['summary']} {s['description']}".lower() for s in services]
    for word in [
        "food bank",
        "pantry",
        "debt",
        "esol",
        "bereavement",
        "men's shed",
        "walking",
        "carers",
        "recovery",
        "dementia",
        "domestic abuse",
        "counselling",
        "gardening",
        "befriending",
        "lgbtq+",
    ]:
        assert sum(word in t for t in text) >= 3, word


def test_some_descriptions_need_escaping(services):
    assert sum(1 for s in services if re.search(r"<[a-z]+>|<3|&", s["description"])) >= 2


# --- demo: the freshness mix the app must show ---


def test_most_services_were_verified_recently(services):
    assert share(services, lambda s: s["verified_days_ago"] <= 180) >= 0.7


def test_some_services_are_stale(services):
    assert 0.05 <= share(services, lambda s: 210 <= s["verified_days_ago"] <= 335) <= 0.2
    assert 0.04 <= share(services, lambda s: s["verified_days_ago"] > 365) <= 0.15


def test_some_services_are_closed_defunct_or_inactive(services):
    statuses = Counter(s["status"] for s in services)
    assert 0.02 <= statuses["temporarily_closed"] / len(services) <= 0.08
    assert 0.01 <= statuses["defunct"] / len(services) <= 0.06
    assert statuses["inactive"] >= 1


def test_funding_mix_includes_ending_ended_and_unfunded(services):
    statuses = Counter(f["status"] for s in services for f in s["funding"])
    assert statuses["funded"] > statuses["funding_ending"] >= 0.03 * len(services)
    assert statuses["ended"] >= 3 and statuses["unfunded"] >= 10
    for service in services:
        for funding in service["funding"]:
            if funding["status"] == "funding_ending":
                assert 0 < funding["funded_until_days"] <= 90
            if funding["status"] == "ended":
                assert funding["funded_until_days"] < 0


def test_variety_the_app_must_show_is_present(services):
    assert sum(1 for s in services if s["seasons"]) >= 5
    assert sum(1 for s in services if any(c["start_month"] > c["end_month"] for c in s["seasons"])) >= 1
    assert sum(1 for s in services if s["alert"]) >= 3
    assert sum(1 for s in services if any(x["frequency"] == "monthly" for x in s["schedules"])) >= 10
    assert sum(1 for s in services if not s["open_to_all"]) >= 20
    assert sum(1 for s in services if not s["is_free"] and s["cost_max"] is not None) >= 10
    assert sum(1 for s in services if "bn" in s["languages"]) >= 10
    routes = Counter((r["route_type"], r["status"]) for s in services for r in s["referral_routes"])
    assert {t for t, _ in routes} == set(ROUTE_TYPES)
    assert sum(n for (_, status), n in routes.items() if status == "waiting_list") >= 5
    assert sum(n for (_, status), n in routes.items() if status == "closed") >= 1
    assert {a["area_type"] for s in services for a in s["areas"]} == set(AREA_TYPES)
