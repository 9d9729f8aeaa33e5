"""The matching engine on realistic goals near Stockport."""

from decimal import Decimal

import pytest

from directory import geo
from matching.engine import Budget, GoalSpec, infer, match_goal

pytestmark = pytest.mark.django_db

ORIGIN = geo.locate("SK1 3XE").point


def names(result):
    return [s.listing.name for s in result.suggestions]


def test_swimming_and_meeting_people_suggests_pools_and_social_swims_within_budget(
    stockport_listings,
):
    goal = GoalSpec(
        "I'd like to go swimming again and meet people", budget=Budget(Decimal("300"), "year")
    )
    result = match_goal(goal, ORIGIN)
    top = names(result)[:4]
    assert "Stockport Aquafit and Social Swim" in top
    assert "Grand Central Pools" in top
    aquafit = next(s for s in result.suggestions if s.listing.name.startswith("Stockport Aquafit"))
    assert any("within your budget of £300.00 a year" in r for r in aquafit.reasons)
    assert any(r.endswith("from you") for r in aquafit.reasons)
    assert any(r.startswith("Helps with") for r in aquafit.reasons)
    assert 0 < aquafit.score <= 1


def test_cleaning_twice_a_week_suggests_domestic_help_nearby(stockport_listings):
    result = match_goal(GoalSpec("help with cleaning twice a week"), ORIGIN)
    assert set(names(result)[:3]) >= {"Heatons Home Help", "Brinnington Cleaning Co-op"}
    assert result.outcomes == ["independent-living"]
    assert "domestic-help" in result.categories


def test_seaside_break_suggests_short_breaks_and_flags_cost_over_budget(stockport_listings):
    goal = GoalSpec(
        "a few days away at the seaside with my sister", budget=Budget(Decimal("500"), "one-off")
    )
    result = match_goal(goal, ORIGIN)
    top = names(result)[:2]
    assert "Seaside Breaks for Carers (Blackpool trips)" in top
    coast = next(s for s in result.suggestions if s.listing.name.startswith("Coast and Country"))
    assert any("may cost more than your budget" in r for r in coast.reasons)


def test_a_full_service_ranks_below_one_with_places(stockport_listings):
    result = match_goal(GoalSpec("swimming lessons"), ORIGIN)
    order = names(result)
    assert order.index("Grand Central Pools") < order.index("Hazel Grove Swimming Pool")
    hazel = next(s for s in result.suggestions if s.listing.name == "Hazel Grove Swimming Pool")
    assert "Full at the moment" in hazel.reasons


def test_options_already_used_rank_first(stockport_listings):
    hazel = stockport_listings["Hazel Grove Swimming Pool"]
    result = match_goal(GoalSpec("go swimming", keep_ids=[hazel.pk]), ORIGIN)
    assert result.suggestions[0].listing.id == hazel.pk
    assert result.suggestions[0].reasons[0] == "You already use this and want to keep it"


def test_not_too_close_prefers_options_further_from_home(stockport_listings):
    plain = names(match_goal(GoalSpec("help with cleaning"), ORIGIN))
    far = match_goal(GoalSpec("help with cleaning", not_too_close=True), ORIGIN)
    assert plain != names(far)
    assert any("not too close" in r.lower() for s in far.suggestions for r in s.reasons)


def test_language_and_backup_cover_preferences_are_reasons(stockport_listings):
    result = match_goal(GoalSpec("help with housework", needs_backup_cover=True), ORIGIN)
    heatons = next(s for s in result.suggestions if s.listing.name == "Heatons Home Help")
    assert "Offers back-up cover" in heatons.reasons
    assert result.suggestions[0].listing.name == "Heatons Home Help"


def test_variety_stops_one_category_filling_the_list(stockport_listings):
    result = match_goal(GoalSpec("get fitter and meet people"), ORIGIN)
    categories = [s.listing.categories[0] for s in result.suggestions[:4]]
    assert len(set(categories)) >= 2


def test_matching_is_deterministic(stockport_listings):
    goal = GoalSpec("I want to go swimming and meet new people")
    first = [(s.listing.id, s.score) for s in match_goal(goal, ORIGIN).suggestions]
    second = [(s.listing.id, s.score) for s in match_goal(goal, ORIGIN).suggestions]
    assert first == second


def test_at_most_ten_suggestions_and_scores_descend_before_variety(stockport_listings):
    result = match_goal(GoalSpec("meet people, get out of the house, swimming, gym"), ORIGIN)
    assert len(result.suggestions) <= 10
    assert all(0 <= s.score <= 1 for s in result.suggestions)


def test_goal_words_name_the_phrases_they_matched():
    inference = infer("A break from caring for my husband")
    assert inference.phrases == ["break from caring"]
    assert inference.categories[0] == "respite"
