"""Recognising columns, explicit mappings, and reading days, times, ages, costs, routes and languages."""

from __future__ import annotations

import json

import pytest

from importers import values
from importers.spreadsheet import MappingError, load_mapping, open_spreadsheet, recognise

from .conftest import spreadsheet, write


@pytest.mark.parametrize(
    "header, field",
    [
        ("Org name", "organisation.name"),
        ("Organisation", "organisation.name"),
        ("ORGANIZATION NAME", "organisation.name"),
        ("Service", "service.name"),
        ("Postcode", "location.postcode"),
        ("Post Code", "location.postcode"),
        ("Tel", "service.phone"),
        ("Tel.", "service.phone"),
        ("Email address", "service.email"),
        ("E-mail", "service.email"),
        ("Age from", "service.min_age"),
        ("Age to", "service.max_age"),
        ("Days", "days"),
        ("Times", "times"),
        ("Cost", "cost"),
        ("Referral", "referral"),
        ("Category", "categories"),
        ("Languages", "languages"),
        ("Venue", "location.name"),
        ("Address", "location.address_1"),
        ("Town", "location.town"),
        ("ID", "source_id"),
    ],
)
def test_common_column_names_are_recognised(header, field):
    assert recognise([header]) == {header: field}


def test_an_explicit_mapping_wins_and_unmapped_columns_are_reported(tmp_path):
    path = spreadsheet(tmp_path, "Hub,Lunch,G31 5EH,blue", header="Provider,Activity title,Where,Colour")
    sheet = open_spreadsheet(path, "council", {"Activity title": "service.name", "Where": "location.postcode"})
    assert sheet.mapping == {
        "Provider": "organisation.name",
        "Activity title": "service.name",
        "Where": "location.postcode",
    }
    assert sheet.unmapped == ["Colour"]
    record = next(sheet.records())
    assert record.attributes == {"Colour": "blue"}
    assert record.locations == [{"postcode": "G31 5EH"}]


def test_a_mapping_file_is_checked(tmp_path):
    good = write(tmp_path, json.dumps({"Where": "location.postcode", "Notes 2": None}), "map.json")
    assert load_mapping(good) == {"Where": "location.postcode", "Notes 2": "ignore"}
    with pytest.raises(MappingError, match="'postcodes', which is not a field"):
        load_mapping(write(tmp_path, json.dumps({"Where": "postcodes"}), "bad.json"))
    with pytest.raises(MappingError, match="could not be read"):
        load_mapping(write(tmp_path, "{not json", "broken.json"))
    with pytest.raises(MappingError, match="columns the file does not have: Nowhere"):
        open_spreadsheet(
            spreadsheet(tmp_path, "Hub,Lunch", header="Organisation,Service"), "x", {"Nowhere": "service.name"}
        )


def test_a_row_becomes_a_record_with_sessions_at_its_venue(tmp_path, listings):
    record = next(open_spreadsheet(listings, "council").records())
    assert record.row == "row 2" and record.source == "council" and not record.problems
    assert record.organisation == {"name": "Parkhead Pantry"}
    assert record.service == {
        "name": "Community pantry",
        "phone": "0141 496 0000",
        "email": "pantry@example.org",
        "referral_routes": [{"route_type": "self_referral"}],
    }
    assert record.eligibility == {"min_age": "18"}
    assert record.costs == {"is_free": False, "cost_description": "£2", "cost_min": "2.00", "cost_max": None}
    assert record.schedules == [
        {"weekday": "MO", "opens_at": "10:00", "closes_at": "12:00", "location": 0},
        {"weekday": "WE", "opens_at": "10:00", "closes_at": "12:00", "location": 0},
    ]
    assert record.categories == ["Food pantry"]
    assert record.column("service.min_age") == "Age from" and record.column("service.schedules") == "Times"


def test_a_row_without_a_service_name_uses_the_organisations(tmp_path):
    path = spreadsheet(tmp_path, "Parkhead Men's Shed,G31 5EH", header="Organisation,Postcode")
    assert next(open_spreadsheet(path, "x").records()).service["name"] == "Parkhead Men's Shed"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mon, Wed & Fri", ["MO", "WE", "FR"]),
        ("Mondays and Thursdays", ["MO", "TH"]),
        ("Mon-Fri", ["MO", "TU", "WE", "TH", "FR"]),
        ("Saturday to Monday", ["SA", "SU", "MO"]),
        ("weekdays", ["MO", "TU", "WE", "TH", "FR"]),
        ("daily", list(values.ORDER)),
    ],
)
def test_days_are_read_as_people_write_them(text, expected):
    assert [s["weekday"] for s in values.read_days(text)] == expected


def test_monthly_sessions_are_read():
    assert values.read_days("1st Tuesday, last Friday of the month") == [
        {"frequency": "monthly", "week_of_month": 1, "weekday": "TU"},
        {"frequency": "monthly", "week_of_month": -1, "weekday": "FR"},
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10:00-12:00", ("10:00", "12:00")),
        ("10am - 12pm", ("10:00", "12:00")),
        ("9.30am to 11am", ("09:30", "11:00")),
        ("1-3pm", ("13:00", "15:00")),
        ("11-1pm", ("11:00", "13:00")),
        ("12-2pm", ("12:00", "14:00")),
        ("6pm", ("18:00", None)),
        ("10:00–12:00", ("10:00", "12:00")),
    ],
)
def test_times_are_read_as_people_write_them(text, expected):
    assert values.read_times(text) == expected


@pytest.mark.parametrize(
    "reader, text, words",
    [
        (values.read_days, "Funday", "Could not read the day"),
        (values.read_times, "morning", "Could not read the times"),
        (values.read_times, "25:00", "not a time of day"),
        (values.read_ages, "young", "Could not read the ages"),
        (values.read_routes, "carrier pigeon", "Could not read the referral route"),
        (values.read_languages, "Klingon", "Could not read the language"),
        (values.read_yes_no, "perhaps", "not yes or no"),
    ],
)
def test_what_cannot_be_read_is_said_in_words(reader, text, words):
    with pytest.raises(ValueError, match=words):
        reader(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Free", {"is_free": True, "cost_description": None}),
        ("Free, donations welcome", {"is_free": True, "cost_description": "Free, donations welcome"}),
        ("£2", {"is_free": False, "cost_description": "£2", "cost_min": "2.00", "cost_max": None}),
        ("£2.50 - £5", {"is_free": False, "cost_description": "£2.50 - £5", "cost_min": "2.50", "cost_max": "5.00"}),
        ("Varies", {"is_free": False, "cost_description": "Varies"}),
    ],
)
def test_costs_are_read(text, expected):
    assert values.read_cost(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("18+", {"min_age": 18}),
        ("16-25", {"min_age": 16, "max_age": 25}),
        ("Over 50s", {"min_age": 50}),
        ("Under 12", {"max_age": 11}),
        ("All ages", {}),
    ],
)
def test_age_ranges_are_read(text, expected):
    assert values.read_ages(text) == expected


def test_referral_routes_and_languages_are_read():
    assert values.read_routes("Self-referral or GP; professional") == [
        {"route_type": "self_referral"},
        {"route_type": "gp"},
        {"route_type": "professional"},
    ]
    assert values.read_languages("English, Urdu and BSL; pl") == ["en", "ur", "bfi", "pl"]
