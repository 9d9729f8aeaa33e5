"""Goals in people's own words: typos, word endings, "not", carers, and never nothing."""

import pytest

from directory import geo
from matching.engine import GoalSpec, infer, match_goal
from matching.models import PhraseRule

pytestmark = pytest.mark.django_db

ORIGIN = geo.locate("SK1 3XE").point


def test_typos_and_word_endings_are_understood():
    inference = infer("Id like to go swiming with my freind on a tuesday")
    assert inference.categories[0] == "swimming"
    assert ("swiming", "swimming") in inference.corrections
    assert infer("peer suport group").categories[0] == "peer-support"
    assert infer("go to the jym").categories[0] == "gym-membership"


def test_everyday_words_are_not_corrected_into_kiths_words():
    # "talk" is one letter from "walk", but it is a word: no walking group for it.
    assert "sports-activities" not in infer("talk to people who have been through it").categories


def test_not_a_club_never_looks_for_clubs():
    inference = infer("I do not want to go to a club")
    assert inference.negated_phrases == ["club"]
    assert "leisure-activities" not in inference.categories
    assert "leisure-activities" in inference.avoid_categories
    # The person still wants to be part of things.
    assert inference.outcomes == ["social-inclusion"]


def test_not_turns_round_only_its_own_clause():
    inference = infer("I don't want cleaning, I want help going out")
    assert "domestic-help" not in inference.categories
    assert "social-activities-support" in inference.categories


def test_a_problem_named_after_not_still_asks_for_help():
    inference = infer("Feeling very low and anxious, I dont want to end up back on the ward")
    assert inference.categories[:2] == ["peer-support", "support-worker"]
    assert inference.negated_phrases == []


def test_a_carers_break_is_respite_not_childcare():
    for text in (
        "a break for my daughter who looks after me",
        "My husband has dementia and I am exhausted, I need a rest",
        "I look after my son who has autism and I need a break",
    ):
        categories = infer(text).categories
        assert categories[0] == "respite", text
        assert "childcare" not in categories, text


def test_a_pa_who_drives_is_not_driving_lessons():
    categories = infer("a PA who can drive me to the shops").categories
    assert categories[:2] == ["personal-assistant", "transport"]
    assert "driving-lessons" not in categories


def test_words_no_phrase_knows_are_searched_for_in_listings(stockport_listings):
    result = match_goal(GoalSpec("I'd like to try angling"), ORIGIN)
    assert result.basis == "words"
    assert result.weak
    assert result.suggestions[0].listing.name == "Stockport Angling Society"
    assert result.categories[0] == "fishing"


def test_a_goal_never_gets_nothing_while_listings_are_near(stockport_listings):
    result = match_goal(GoalSpec("xyzzy plugh"), ORIGIN)
    assert result.suggestions
    assert result.basis == "nearby" and result.weak


def test_the_plans_other_outcomes_come_before_anything_nearby(stockport_listings):
    result = match_goal(GoalSpec("xyzzy plugh", plan_outcomes=["independent-living"]), ORIGIN)
    assert result.basis == "plan"
    assert {"Heatons Home Help", "Brinnington Cleaning Co-op"} <= {
        s.listing.name for s in result.suggestions[:3]
    }


def test_without_a_postcode_candidates_are_the_best_fit_not_the_first_by_name(
    stockport_listings,
):
    from dataclasses import replace

    from directory.search import database_backend, search
    from matching.engine import _candidate_queries

    queries = _candidate_queries(
        ["social-inclusion", "physical-health"],
        ["swimming", "social-activities-support"],
        None,
        16.0,
    )
    assert all(q.rank_by_fit for q in queries)
    by_outcome, by_category = (
        search(replace(q, page_size=1), backend=database_backend()).results for q in queries
    )
    # The social swim has both outcomes and both categories; alphabetically it would be last.
    assert by_category[0].name == "Stockport Aquafit and Social Swim"
    assert by_outcome[0].name in {"Stockport Aquafit and Social Swim", "Reddish Vale Walking Group"}


def test_an_edited_phrase_is_used_at_once():
    assert "fishing" not in infer("I want to go tickling trout").categories
    rule = PhraseRule.objects.create(phrase="tickling trout")
    from directory.models import Category

    # Only the categories change: the table's version changes all the same.
    rule.categories.set([Category.objects.get(slug="fishing")])
    rule.save()  # a ParentalManyToManyField writes its rows on save, as the admin does
    assert infer("I want to go tickling trout").categories == ["fishing"]
    rule.live = False
    rule.save()
    assert "fishing" not in infer("I want to go tickling trout").categories
