"""Mutation-resistant tests of the engine's ranking.

Each test pins one part of the ranking exactly, so that changing or zeroing
a feature's weight, reversing the order, or switching the variety pass off
makes a test fail. Listings come from a stand-in search backend, so the
numbers are the engine's alone.
"""

from decimal import Decimal

import pytest

from directory.search import SearchPage
from directory.search.query import ListingSummary
from matching import engine
from matching.engine import WEIGHTS, Budget, GoalSpec, match_goal, score

pytestmark = pytest.mark.django_db

RADIUS = 16.0


def listing(pk, categories=("swimming",), outcomes=("physical-health",), **extra):
    fields = {
        "id": pk,
        "name": f"Listing {pk}",
        "kind": "provider",
        "summary": "",
        "url_path": f"/directory/{pk}/",
        "outcomes": list(outcomes),
        "categories": list(categories),
        "price_amount": Decimal("4.00"),
        "price_unit": "session",
        "places_available": 5,
        "distance_km": 1.0,
    }
    fields.update(extra)
    return ListingSummary(**fields)


class FixedBackend:
    """Answers every search with the same listings (in the order given)."""

    name = "fixed"

    def __init__(self, listings):
        self.listings = listings

    def search(self, query):
        return SearchPage(len(self.listings), list(self.listings), 1, 40, self.name)


GOAL = GoalSpec("go swimming", budget=Budget(Decimal("300"), "year"), languages=["ur"])
OUTCOMES = ["physical-health"]
CATEGORIES = ["swimming"]


def feature_gap(better, worse, feature):
    a = score(better, GOAL, OUTCOMES, CATEGORIES, RADIUS)
    b = score(worse, GOAL, OUTCOMES, CATEGORIES, RADIUS)
    assert a.features[feature] > b.features[feature]
    for other in WEIGHTS:
        if other != feature:
            assert a.features[other] == b.features[other], other
    return a.score - b.score, a.features[feature] - b.features[feature]


@pytest.mark.parametrize(
    "feature,better,worse",
    [
        ("outcome_fit", {}, {"outcomes": ["social-inclusion"]}),
        ("category_fit", {}, {"categories": ["gym-membership"]}),
        ("distance", {"distance_km": 1.0}, {"distance_km": 12.0}),
        ("price", {"price_amount": Decimal("4.00")}, {"price_amount": Decimal("40.00")}),
        ("places", {"places_available": 5}, {"places_available": 0}),
        ("preferences", {"languages": ["ur"]}, {"languages": []}),
    ],
)
def test_each_feature_counts_exactly_its_weight(feature, better, worse):
    gap, feature_difference = feature_gap(listing(1, **better), listing(2, **worse), feature)
    assert gap == pytest.approx(WEIGHTS[feature] * feature_difference, abs=0.0011)
    assert gap > 0


def test_weights_are_the_documented_ones():
    # Changing a weight must be a decision, with the README and this line changed together.
    assert WEIGHTS == {
        "outcome_fit": 0.25,
        "category_fit": 0.25,
        "distance": 0.15,
        "price": 0.15,
        "places": 0.10,
        "preferences": 0.10,
        "chosen": 0.05,
    }
    assert engine.VARIETY_FACTOR == 0.85


def test_what_similar_people_chose_counts_exactly_its_weight():
    base = score(listing(1), GOAL, OUTCOMES, CATEGORIES, RADIUS)
    chosen = score(listing(1), GOAL, OUTCOMES, CATEGORIES, RADIUS, chosen_by=4)
    assert chosen.features["chosen"] == 0.4
    assert chosen.score - base.score == pytest.approx(WEIGHTS["chosen"] * 0.4, abs=0.0011)
    assert "People with a similar goal chose this (4 people)" in chosen.reasons


def test_best_fit_first_whatever_order_search_returns():
    near = listing(1, distance_km=0.5)
    middling = listing(2, distance_km=6.0)
    far = listing(3, distance_km=14.0)
    for given in ([far, middling, near], [near, middling, far], [middling, far, near]):
        result = match_goal(GOAL, (53.4, -2.15), RADIUS, backend=FixedBackend(given))
        assert [s.listing.id for s in result.suggestions] == [1, 2, 3]
        scores = [s.score for s in result.suggestions]
        assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3


def test_equal_scores_break_on_distance_then_id():
    a = listing(7, distance_km=2.0)
    b = listing(4, distance_km=2.0)
    c = listing(9, distance_km=1.999)
    result = match_goal(GOAL, (53.4, -2.15), RADIUS, backend=FixedBackend([a, b, c]))
    # c is nearer (and scores a hair higher); a and b tie and go by id.
    assert [s.listing.id for s in result.suggestions] == [9, 4, 7]


def test_variety_pass_lets_another_kind_of_thing_in_second():
    pools = [listing(i, distance_km=0.5 + i / 100) for i in range(1, 4)]
    # A gym offers swimming too, but its main category is the gym: a little worse fit.
    gym = listing(10, categories=["gym-membership", "swimming"], distance_km=3.0)
    goal = GoalSpec("go swimming or to the gym")
    result = match_goal(goal, (53.4, -2.15), RADIUS, backend=FixedBackend(pools + [gym]))
    ids = [s.listing.id for s in result.suggestions]
    gym_score = next(s.score for s in result.suggestions if s.listing.id == 10)
    assert all(s.score > gym_score for s in result.suggestions if s.listing.id != 10)
    # Without the variety pass the gym would come after every pool.
    assert ids.index(10) == 1, ids


def test_options_already_used_come_first_even_when_they_score_lower():
    kept = listing(5, distance_km=15.0, places_available=0)
    goal = GoalSpec("go swimming", keep_ids=[5])
    result = engine._with_variety(
        [
            score(listing(1), goal, OUTCOMES, CATEGORIES, RADIUS),
            score(kept, goal, OUTCOMES, CATEGORIES, RADIUS),
        ],
        CATEGORIES,
        10,
    )
    assert [s.listing.id for s in result] == [5, 1]
