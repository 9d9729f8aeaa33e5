"""The golden goals give the same top suggestions on both search backends.

Uses the directory published by the search contract suite (25 listings around
Stockport and Manchester, in an index of its own).
"""

import pytest

from conftest import require_service
from directory import geo
from directory.search import database_backend
from matching.engine import GoalSpec, match_goal
from matching.golden import GOLDEN_GOALS
from tests.test_search_contract import _module_index, directory  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.services]

ORIGIN = geo.locate("SK1 3XE").point


def top(result, n=3):
    return [(s.listing.id, s.score) for s in result.suggestions[:n]]


def test_golden_goals_find_local_options_on_the_database_backend(directory):  # noqa: F811
    backend = database_backend()
    with_suggestions = sum(
        1
        for text, _, _ in GOLDEN_GOALS
        if match_goal(GoalSpec(text), ORIGIN, backend=backend).suggestions
    )
    # The small contract directory does not cover every goal (no cinemas, no childcare).
    assert with_suggestions >= len(GOLDEN_GOALS) * 0.7


def test_golden_goals_give_the_same_top_suggestions_on_both_backends(directory):  # noqa: F811
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    if directory.es_problem:
        pytest.fail(directory.es_problem)
    from directory.search.elastic import ElasticsearchBackend

    database, elastic = database_backend(), ElasticsearchBackend()
    compared = 0
    for text, _, _ in GOLDEN_GOALS:
        on_database = match_goal(GoalSpec(text), ORIGIN, backend=database)
        on_elastic = match_goal(GoalSpec(text), ORIGIN, backend=elastic)
        assert top(on_database) == top(on_elastic), text
        assert [s.reasons for s in on_database.suggestions[:3]] == [
            s.reasons for s in on_elastic.suggestions[:3]
        ], text
        compared += bool(on_database.suggestions)
    assert compared >= len(GOLDEN_GOALS) * 0.7


def test_goals_in_peoples_own_words_never_come_back_empty_and_agree_on_both_backends(
    directory,  # noqa: F811
):
    """Typos, negation, carers and unknown words: the fall-backs work on both backends."""
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    if directory.es_problem:
        pytest.fail(directory.es_problem)
    from directory.search.elastic import ElasticsearchBackend
    from matching.evaluation.goals import goals_in

    database, elastic = database_backend(), ElasticsearchBackend()
    for goal in goals_in("dev")[:40]:
        on_database = match_goal(GoalSpec(goal.text), ORIGIN, backend=database)
        on_elastic = match_goal(GoalSpec(goal.text), ORIGIN, backend=elastic)
        assert on_database.suggestions, goal.text
        assert on_database.basis == on_elastic.basis, goal.text
        assert top(on_database) == top(on_elastic), goal.text


def test_without_a_postcode_both_backends_rank_candidates_by_fit(directory):  # noqa: F811
    require_service("ELASTICSEARCH_URL", "Elasticsearch")
    if directory.es_problem:
        pytest.fail(directory.es_problem)
    from directory.search import ListingQuery, search
    from directory.search.elastic import ElasticsearchBackend

    query = ListingQuery(
        outcomes=("physical-health", "social-inclusion", "mental-wellbeing"),
        rank_by_fit=True,
        page_size=50,
    )
    on_database = search(query, backend=database_backend()).results
    on_elastic = search(query, backend=ElasticsearchBackend()).results
    assert [r.id for r in on_database] == [r.id for r in on_elastic]
    fits = [len(set(r.outcomes) & set(query.outcomes)) for r in on_database]
    assert fits == sorted(fits, reverse=True) and fits[0] > fits[-1]
