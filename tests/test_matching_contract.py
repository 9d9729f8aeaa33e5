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
