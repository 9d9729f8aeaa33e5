"""Goal words to categories: precision of the top three against a practitioner's view."""

import pytest

from matching.engine import infer
from matching.golden import GOLDEN_GOALS

pytestmark = pytest.mark.django_db


def top3_precision() -> tuple[float, list[tuple[str, list[str], set[str]]]]:
    hits = total = 0
    misses = []
    for text, _outcomes, expected in GOLDEN_GOALS:
        top3 = infer(text).categories[:3]
        total += len(top3)
        good = [slug for slug in top3 if slug in expected]
        hits += len(good)
        if len(good) < len(top3) or not top3:
            misses.append((text, top3, expected))
        if not top3:
            total += 1  # an empty answer counts as a miss
    return hits / total, misses


def test_golden_set_is_large_enough():
    assert len(GOLDEN_GOALS) >= 40


def test_top3_category_precision_is_at_least_080():
    precision, misses = top3_precision()
    print(f"\nTop-3 category precision over {len(GOLDEN_GOALS)} goals: {precision:.3f}")
    for text, got, expected in misses:
        print(f"  {text!r}: got {got}, expected any of {sorted(expected)}")
    assert precision >= 0.8


def test_every_golden_goal_finds_at_least_one_expected_outcome():
    for text, outcomes, _categories in GOLDEN_GOALS:
        inferred = infer(text).outcomes
        assert set(inferred) & outcomes, f"{text!r} gave {inferred}"
