"""Words that name a filter become that filter, on every backend (data/query_filters.txt)."""

from __future__ import annotations

import pytest

from search import SearchQuery, search_services
from search.understanding import NOTHING_FOUND, find_filters

from .. import factories
from .helpers import TODAY, names, place_service


def ask(db, **kw):
    return search_services(db, SearchQuery(today=TODAY, **kw))


@pytest.fixture
def org(db):
    return factories.organisation(db, name="Calder Valley Community Trust")


@pytest.fixture
def listings(db, org):
    place_service(db, org, "Community food bank", description="Food parcels for anyone.", is_free=True)
    place_service(
        db,
        org,
        "Food hygiene course",
        description="Free food hygiene training.",
        is_free=False,
        cost_description="£20",
        cost_min=20,
    )
    place_service(db, org, "Debt advice", description="Money and debt help.", is_free=True)
    place_service(
        db,
        org,
        "Women's walk",
        description="A gentle walk.",
        groups_served=["women"],
        open_to_all=False,
        schedules=[{"weekday": "TU", "opens_at": "10:00", "closes_at": "11:30"}],
    )
    place_service(
        db,
        org,
        "Men's walk",
        description="A gentle walk.",
        groups_served=["men"],
        open_to_all=False,
        schedules=[{"weekday": "TH", "opens_at": "18:00", "closes_at": "19:00"}],
    )
    place_service(db, org, "Youth walk", description="A gentle walk.", min_age=11, max_age=18)
    place_service(db, org, "Polish advice", description="Advice on anything.", languages=["pl"])
    factories.service(db, org, name="Advice line", description="Advice on anything.", attendance=["phone"])
    db.commit()


def test_free_becomes_the_filter_and_leaves_the_words(db, listings):
    page = ask(db, keywords="free food")
    assert names(page)[0] == "Community food bank" and "Food hygiene course" not in names(page)
    assert [(f.words, f.filters) for f in page.from_words] == [("free", (("free", "1"),))]


def test_a_word_kept_plain_is_searched_for_as_typed(db, listings):
    page = ask(db, keywords="free food", plain_words=("free",))
    assert names(page)[0] == "Food hygiene course" and page.from_words == []


def test_only_filter_words_is_a_filter_only_search(db, listings):
    assert set(names(ask(db, keywords="for women"))) == {"Women's walk"}


def test_days_and_parts_of_day_become_timetable_filters(db, listings):
    assert names(ask(db, keywords="walk on Tuesdays")) == ["Women's walk"]
    assert names(ask(db, keywords="walk in the evening")) == ["Men's walk"]
    assert ask(db, keywords="coffee morning walk").query.parts_of_day == ()  # a synonym stays words


def test_ages_become_the_age_filter(db, listings):
    page = ask(db, keywords="walk for a 16 year old")
    assert "Youth walk" in names(page) and page.query.age == 16
    assert "Youth walk" not in names(ask(db, keywords="walk over 60s"))
    assert ask(db, keywords="walk under 25").query.age == 24


def test_languages_and_ways_of_taking_part(db, listings):
    assert names(ask(db, keywords="advice in Polish")) == ["Polish advice"]
    assert names(ask(db, keywords="advice by phone")) == ["Advice line"]


def test_words_describing_the_person_leave_out_services_for_other_groups(db, listings):
    page = ask(db, keywords="a woman who wants a walk")
    assert set(names(page)) == {"Women's walk", "Youth walk"}  # not the men's walk; services open to all stay
    assert page.query.for_person == ("women",) and page.query.groups == ()


def test_the_form_wins_over_words(db, listings):
    page = ask(db, keywords="walk on Thursdays", weekdays=("TU",))
    assert names(page) == ["Women's walk"] and not page.from_words[0].applied


def test_filters_that_find_nothing_give_way_to_the_words(db, listings):
    page = ask(db, keywords="debt advice on Sundays")  # no session on Sundays
    assert names(page) == ["Debt advice"]
    assert page.from_words[0].why_not == NOTHING_FOUND and page.query.weekdays == ()


def test_or_finds_either(db, listings):
    assert set(names(ask(db, keywords="parcels OR debt"))) == {"Community food bank", "Debt advice"}


def test_a_longer_synonym_wins_over_a_filter_word():
    rest, found = find_filters("coffee morning")
    assert rest == "coffee morning" and found == []
    rest, found = find_filters('"free" food OR drop-in')
    assert rest == '"free" food OR drop-in' and found == []


# -- sentences: when all the words together find nothing -----------------------------------------


def test_a_word_naming_a_need_is_kept_before_an_ordinary_word(db):
    org = factories.organisation(db, name="Parkhead Community Trust")
    place_service(db, org, "Tea and chat", description="Tea and a chat in the church hall.")
    place_service(db, org, "Grief cafe", description="Support after a death.", categories=["bereavement"])
    db.commit()
    page = search_services(db, SearchQuery(today=TODAY, keywords="hall widower"))
    assert names(page) == ["Grief cafe"] and page.not_found == ["hall"]


def test_a_long_sentence_always_gets_the_most_telling_words_that_find_something(db):
    org = factories.organisation(db, name="Parkhead Community Trust")
    words = ["allotment", "bingo", "choir", "darts", "embroidery", "football", "gardening", "heritage", "ironing"]
    for word in words:  # each word in one listing, no two together; "darts" in one more
        place_service(db, org, f"{word.title()} group", description=f"Come for the {word}.")
    place_service(db, org, "Pub games", description="Darts and dominoes.")
    db.commit()
    page = search_services(db, SearchQuery(today=TODAY, keywords=" ".join(words)))
    assert page.total == 1 and len(page.not_found) == len(words) - 1 and "darts" in page.not_found
