"""Learning from what people chose, in counts only and only from three people up."""

import pytest

from accounts.factories import UserFactory
from accounts.roles import Role
from directory import geo
from matching import choices
from matching.engine import GoalSpec, match_goal
from matching.models import Goal
from matching.plans import create_plan, save_suggestion

pytestmark = pytest.mark.django_db

ORIGIN = geo.locate("SK1 3XE").point


def _people_choose(listing, how_many, text="I want to go swimming"):
    for i in range(how_many):
        person = UserFactory(
            email=f"chooser{i}@example.org", display_name=f"Chooser {i}", roles=[Role.BUDGET_HOLDER]
        )
        goal = Goal.objects.create(plan=create_plan(person, postcode="SK2 6PL"), text=text)
        save_suggestion(goal, listing, person)
    choices.forget()


def _reasons(result, name):
    return next(s for s in result.suggestions if s.listing.name == name).reasons


def test_three_people_choosing_a_listing_for_similar_goals_is_a_reason(stockport_listings):
    hazel = stockport_listings["Hazel Grove Swimming Pool"]
    _people_choose(hazel, 3, "swimming lessons please")
    result = match_goal(GoalSpec("Id like to go swiming"), ORIGIN)
    reasons = _reasons(result, "Hazel Grove Swimming Pool")
    assert "People with a similar goal chose this (3 people)" in reasons
    # Never who: no chooser's name in any reason.
    assert not any("Chooser" in r for s in result.suggestions for r in s.reasons)


def test_two_people_are_not_enough_to_show(stockport_listings):
    _people_choose(stockport_listings["Hazel Grove Swimming Pool"], 2)
    result = match_goal(GoalSpec("go swimming"), ORIGIN)
    assert not any("similar goal" in r for s in result.suggestions for r in s.reasons)


def test_choices_for_other_kinds_of_goal_do_not_count(stockport_listings):
    _people_choose(stockport_listings["Hazel Grove Swimming Pool"], 3, "help with cleaning")
    result = match_goal(GoalSpec("go swimming"), ORIGIN)
    assert not any("similar goal" in r for s in result.suggestions for r in s.reasons)
