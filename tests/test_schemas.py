"""Input validation names the field and the problem."""

import pytest

from directory.operations import InputError, validate
from directory.schemas.listing import LocationInput, ServiceInput


def _errors(schema, data) -> str:
    with pytest.raises(InputError) as caught:
        validate(schema, data)
    return str(caught.value)


@pytest.mark.parametrize(
    "data, expected",
    [
        ({}, "name"),
        ({"name": "X", "min_age": 150}, "min_age: Age must be between 0 and 120"),
        ({"name": "X", "min_age": 40, "max_age": 18}, "max_age: Minimum age must not be above"),
        ({"name": "X", "status": "gone"}, "status: 'gone' is not one of"),
        ({"name": "X", "email": "not-an-email"}, "email: 'not-an-email' is not an email"),
        ({"name": "X", "website": "javascript:alert(1)"}, "website"),
        ({"name": "X", "languages": ["English"]}, "not a language code"),
        ({"name": "X", "groups_served": ["aliens"]}, "groups_served"),
        ({"name": "X", "schedules": [{"weekday": "XX"}]}, "schedules.0.weekday"),
        (
            {"name": "X", "schedules": [{"weekday": "MO", "opens_at": "14:00", "closes_at": "13:00"}]},
            "open before it closes",
        ),
        ({"name": "X", "schedules": [{"weekday": "MO", "frequency": "monthly"}]}, "week of the month"),
        ({"name": "X", "seasons": [{"start_month": 2, "start_day": 30, "end_month": 3}]}, "Month 2 has no day 30"),
        ({"name": "X", "is_free": True, "cost_min": 3}, "free service cannot have a cost"),
        ({"name": "X", "expected_reopening": "2027-01-01"}, "Only a temporarily closed service"),
    ],
)
def test_bad_service_input_names_the_problem(data, expected):
    assert expected in _errors(ServiceInput(), data)


def test_control_characters_are_removed_and_whitespace_trimmed():
    data = validate(ServiceInput(), {"name": "  Tea\x00 and\x07 chat \n"})
    assert data["name"] == "Tea and chat"


def test_a_website_without_a_scheme_is_read_as_https():
    assert validate(ServiceInput(), {"name": "X", "website": "www.example.org"})["website"] == "https://www.example.org"


@pytest.mark.parametrize("postcode, expected", [("g31 5eh", "G31 5EH"), ("HX11LD", "HX1 1LD")])
def test_location_postcodes_are_normalised(postcode, expected):
    assert validate(LocationInput(), {"postcode": postcode})["postcode"] == expected


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"postcode": "G31"}, "full postcode"),
        ({"postcode": "not a postcode"}, "not a UK postcode"),
        ({"name": "Hall"}, "needs a postcode"),
        ({"postcode": "G31 5EH", "latitude": 55.8}, "both latitude and longitude"),
    ],
)
def test_bad_location_input_names_the_problem(data, expected):
    assert expected in _errors(LocationInput(), data)


def test_a_virtual_location_needs_no_postcode():
    assert validate(LocationInput(), {"location_type": "virtual", "url": "example.org/join"})["postcode"] is None
