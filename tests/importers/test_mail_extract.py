"""Finding listings and change notices in newsletter text."""

from datetime import date
from pathlib import Path

import pytest

from importers.mail_extract import candidates, split_items
from importers.mail_read import read_mail, strip_forwarding

CORPUS = Path(__file__).parent / "mail_corpus"


def found(file: str) -> dict:
    [mail] = read_mail(str(CORPUS / file))
    return {c.name: c for c in candidates(strip_forwarding(mail.text), mail.date.date())}


def test_a_bulletin_is_split_into_its_items_and_the_sign_off_ignored():
    assert list(found("01_plain_bulletin.eml")) == ["Knit and Natter", "Dads and Bumps", "Community pantry: new times"]


def test_day_time_venue_postcode_contact_and_cost_are_found():
    knit = found("01_plain_bulletin.eml")["Knit and Natter"].fields
    assert knit["schedules"] == [{"frequency": "weekly", "weekday": "WE", "opens_at": "13:30", "closes_at": "15:30"}]
    assert knit["venue"] == {
        "name": "Tollcross Park Leisure Centre",
        "address_1": "561 Tollcross Road",
        "town": "Glasgow",
        "postcode": "G32 8AW",
    }
    assert (knit["phone"], knit["email"]) == ("0141 496 0312", "knitnatter@eastendbulletin.example.org")
    assert (knit["is_free"], knit["cost_min"], knit["cost_description"]) == (False, "2.00", "£2 including tea and cake")
    assert knit["summary"] == "A friendly knitting and crochet group."
    assert knit["who_for"] == "Open to all, beginners very welcome"


def test_monthly_sessions_free_and_a_start_date_in_the_new_year():
    dads = found("01_plain_bulletin.eml")["Dads and Bumps"].fields
    assert [(s["frequency"], s["weekday"], s.get("week_of_month")) for s in dads["schedules"]] == [
        ("monthly", "SA", 1),
        ("monthly", "SA", 3),
    ]
    assert dads["is_free"] is True
    assert dads["start_date"] == "2027-01-09"  # sent in November: January is next year


def test_new_times_signal_keeps_only_the_new_day():
    pantry = found("01_plain_bulletin.eml")["Community pantry: new times"]
    assert pantry.signals == ["new_times"]
    assert [s["weekday"] for s in pantry.fields["schedules"]] == ["TH"]
    assert pantry.postcode == "G31 5EH" and pantry.fields["start_date"] == "2026-12-01"


def test_start_and_end_dates_and_ages():
    yoga = found("03_quoted_printable.eml")["Chair Yoga"].fields
    assert (yoga["start_date"], yoga["end_date"]) == ("2027-01-04", "2027-03-29")
    assert yoga["min_age"] == 50
    assert yoga["schedules"][0]["opens_at"] == "11:00" and yoga["schedules"][0]["closes_at"] == "12:00"


def test_who_it_is_for_and_languages():
    group = found("05_forwarded.eml")["Bengali Carers' Group"].fields
    assert group["groups_served"] == ["carers"] and group["languages"] == ["bn", "syl"]
    assert group["schedules"] == [
        {"frequency": "monthly", "weekday": "TU", "opens_at": "10:30", "closes_at": "12:30", "week_of_month": 2}
    ]
    shed = found("04_multipart_alternative.eml")["Eastbank Men's Shed"].fields
    assert shed["groups_served"] == ["men"] and shed["is_free"] is True


@pytest.mark.parametrize(
    "file, name, signal",
    [
        ("05_forwarded.eml", "Carers' Coffee Morning", "moved"),
        ("06_cancelled.eml", "Friday Lunch Club", "cancelled"),
        ("07_closing.eml", "Shettleston Baby Bank", "closed"),
        ("07_closing.eml", "Toddler Sing and Sign", "closed"),
    ],
)
def test_change_signals_are_found(file, name, signal):
    assert found(file)[name].signals == [signal]


def test_a_moved_group_gives_its_new_venue():
    coffee = found("05_forwarded.eml")["Carers' Coffee Morning"].fields
    assert coffee["venue"]["name"] == "Burdett Community Centre" and coffee["venue"]["postcode"] == "E3 4TU"


def test_html_newsletter_items_are_found():
    items = found("02_html_only.eml")
    assert list(items) == ["Walk and Talk", "Sing for Better Breathing"]
    assert items["Walk and Talk"].fields["is_free"] is True
    assert items["Sing for Better Breathing"].fields["cost_min"] == "3.00"


def test_a_message_with_no_listing_gives_no_candidates():
    assert found("10_no_listing.eml") == {}


def test_a_rule_separates_items_and_an_untitled_item_is_named_by_its_first_sentence():
    text = "Intro words here.\n\n---\n\nCoffee with neighbours every Monday 10am-11am at the library, G31 5EH."
    [(heading, body)] = [item for item in split_items(text) if "Coffee" in item[1]]
    assert heading == ""
    [candidate] = candidates(text, date(2026, 11, 1))
    assert candidate.name.startswith("Coffee with neighbours every Monday")
