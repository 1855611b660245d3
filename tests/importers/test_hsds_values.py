"""Reading the values real Open Referral exports hold."""

from datetime import time
from decimal import Decimal

import pytest

from importers.hsds_values import amount, amounts_in, language_code, parse_byday, parse_phone, parse_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("9:00am", time(9, 0)),
        ("09:00", time(9, 0)),
        ("9am", time(9, 0)),
        ("9.30 pm", time(21, 30)),
        ("17:30:00", time(17, 30)),
        ("10:00:00Z", time(10, 0)),
        ("12 noon", time(12, 0)),
        ("12:00pm", time(12, 0)),
        ("12am", time(0, 0)),
        ("0930", time(9, 30)),
        ("7 p.m.", time(19, 0)),
        ("", None),
        (None, None),
    ],
)
def test_times_are_read_in_the_forms_exports_use(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9:75", "13pm", "teatime"])
def test_impossible_times_are_refused_naming_the_text(text):
    with pytest.raises(ValueError, match=text):
        parse_time(text)


def test_days_are_read_from_rrule_codes_names_and_numbered_weeks():
    assert parse_byday("MO,TH") == [("MO", None), ("TH", None)]
    assert parse_byday("Monday, wednesday") == [("MO", None), ("WE", None)]
    assert parse_byday("1SA") == [("SA", 1)]
    assert parse_byday("-1FR") == [("FR", -1)]
    assert parse_byday("") == []


def test_an_unknown_day_is_refused():
    with pytest.raises(ValueError, match="Funday"):
        parse_byday("Funday")


def test_phone_numbers_lose_the_quotes_some_exports_add():
    assert parse_phone('"+44 1234 234567"') == "+44 1234 234567"
    assert parse_phone("  ") is None


def test_languages_are_read_from_codes_and_names():
    assert language_code({"code": "ur"}) == "ur"
    assert language_code({"name": "Polish"}) == "pl"
    assert language_code({"code": "eng"}) == "en"
    assert language_code("en-GB") == "en"
    assert language_code({"name": "Klingon"}) is None


def test_amounts_are_read_from_numbers_and_free_text():
    assert amount("£3.50") == Decimal("3.50")
    assert amount(35) == Decimal("35.00")
    assert amounts_in("£2 a session, or 50p for tea") == [Decimal("2"), Decimal("0.5")]
    with pytest.raises(ValueError):
        amount("a fiver")
