"""Relevance rules every backend must follow: what was typed ranks first, synonyms and related needs
below it, typos corrected, filler words not required, the most words that find something."""

from __future__ import annotations

from .helpers import ask, names, near, place_service


def test_a_service_about_the_topic_beats_one_that_mentions_it(db, org):
    place_service(
        db, org, "Community pantry", description="Groceries at low cost; we can also point you to debt advice."
    )
    place_service(db, org, "Money line", categories=["money/debt-advice"], description="Phone us.")
    place_service(db, org, "Debt clinic", description="Appointments.")
    db.commit()
    assert names(ask(db, keywords="debt")) == ["Debt clinic", "Money line", "Community pantry"]


def test_words_as_typed_rank_above_their_synonyms(db, org):
    place_service(db, org, "Stress group", description="A group.")
    place_service(db, org, "Anxiety group", description="A group.")
    db.commit()
    assert names(ask(db, keywords="anxiety")) == ["Anxiety group", "Stress group"]


def test_words_as_typed_rank_above_their_stems(db, org):
    place_service(db, org, "Walks", description="Out and about.")
    place_service(db, org, "Walking", description="Out and about.")
    db.commit()
    assert names(ask(db, keywords="walking")) == ["Walking", "Walks"]


def test_words_typed_together_rank_above_the_same_words_apart(db, org):
    place_service(db, org, "Apart", description="Tea on arrival. Later there is art.")
    place_service(db, org, "Together", description="Art tea every week.")
    db.commit()
    assert names(ask(db, keywords="art tea")) == ["Together", "Apart"]


def test_multi_word_synonyms_match_only_as_phrases(db, org):
    place_service(db, org, "Walking group", description="Drop in any time and walk with us.")
    place_service(db, org, "Coffee morning", description="Coffee and chat.")
    db.commit()
    assert names(ask(db, keywords="coffee morning")) == ["Coffee morning"]


def test_ambiguous_synonyms_no_longer_pull_in_wrong_listings(db, org):
    place_service(
        db,
        org,
        "Hearing loss group",
        categories=["health-conditions/sensory-loss"],
        description="For people with hearing loss.",
    )
    place_service(db, org, "Grief cafe", categories=["bereavement"], description="After a bereavement.")
    place_service(db, org, "Warm space", description="Hot drinks and a warm room.")
    place_service(
        db, org, "Recovery cafe", categories=["addiction/alcohol"], description="For people cutting down on alcohol."
    )
    db.commit()
    assert names(ask(db, keywords="bereavement")) == ["Grief cafe"]
    assert names(ask(db, keywords="hot drinks")) == ["Warm space"]


def test_related_needs_find_services_that_serve_them_below_the_words(db, org):
    place_service(
        db, org, "Befriending service", categories=["social-connection/befriending"], description="Weekly visits."
    )
    place_service(db, org, "Lunch club", categories=["food/lunch-clubs"], description="Two courses.")
    place_service(db, org, "Knitting", description="For anyone feeling lonely.")
    place_service(db, org, "Swimming", description="Lengths.")
    db.commit()
    found = names(ask(db, keywords="lonely"))
    assert found[0] == "Knitting" and set(found) == {"Knitting", "Befriending service", "Lunch club"}
    assert names(ask(db, keywords="widower")) == []  # nothing about bereavement here
    place_service(db, org, "Grief cafe", categories=["bereavement/bereavement-support"], description="Tea.")
    db.commit()
    assert names(ask(db, keywords="widower")) == ["Grief cafe"]


def test_filler_words_are_not_required(db, org):
    place_service(
        db, org, "Befriending service", categories=["social-connection/befriending"], description="Weekly visits."
    )
    db.commit()
    page = ask(db, keywords="my client is lonely and looking for support near Halifax")
    assert names(page) == ["Befriending service"]
    assert {"my", "client", "is", "looking", "for"} <= set(page.ignored)


def test_a_typo_is_corrected_only_when_one_correction_is_clearly_best(db, org):
    place_service(db, org, "Bereavement group", description="After a death.")
    place_service(db, org, "Counselling", description="Talking therapy.")
    db.commit()
    page = ask(db, keywords="bereavemnt")
    assert names(page) == ["Bereavement group"] and page.searched_for == "bereavement"
    assert ask(db, keywords="councelling").corrected == {"councelling": "counselling"}


def test_known_and_short_words_are_never_corrected(db, org):
    place_service(db, org, "Men's shed", description="Woodwork for men.")
    place_service(db, org, "Hub", description="A hub.")
    db.commit()
    page = ask(db, keywords="his")
    assert page.corrected == {} and page.suggestion is None
    assert ask(db, keywords="hub").corrected == {}


def test_a_correction_that_finds_nothing_is_neither_applied_nor_suggested(db, org):
    place_service(db, org, "Gardening", description="Allotments.", km_north=40)
    db.commit()
    page = ask(db, keywords="gardneing", near=near())
    assert page.total == 0 and page.suggestion is None


def test_a_synonym_term_corrects_a_word_beside_it(db, org):
    place_service(
        db, org, "Emergency food", categories=["food/food-bank"], description="Food parcels. Come back any time."
    )
    db.commit()
    page = ask(db, keywords="food bamk")
    assert page.corrected == {"bamk": "bank"} and names(page) == ["Emergency food"]


def test_when_all_the_words_find_nothing_the_most_of_them_are_searched(db, org):
    place_service(db, org, "Coffee morning", description="Coffee and chat.")
    place_service(db, org, "Singing group", description="Songs.")
    db.commit()
    page = ask(db, keywords="coffee morning zumba")
    assert names(page) == ["Coffee morning"] and page.not_found == ["zumba"]
