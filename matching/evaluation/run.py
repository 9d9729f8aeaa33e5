"""Measure matching on the evaluation goals: top-3 category hit rate and empty share.

    python -m matching.evaluation                     # every part, in a throw-away database
    python -m matching.evaluation --parts dev,extra   # the development parts only
    python -m matching.evaluation --misses            # also list the development misses

Parts: "dev" (the development part of ``goals.py``), "extra" (the extra
development goals of ``goals_extra_dev.py``, always development) and "test"
(the frozen test part of ``goals.py``).

A goal is a hit when one of the first three categories the engine looks for
is one a practitioner would accept and none is one the person refused; it is
empty when it gets no suggestion at all from the evaluation directory
(``matching.evaluation.directory``), searched within 10 miles of SK1 3XE.
The test part's misses are never printed: it is measured, not tuned on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.evaluation.goals import EvalGoal
from matching.evaluation.goals import goals_in as _goals_py_in
from matching.evaluation.goals_extra_dev import EXTRA_DEV_GOALS, EXTRA_SPLIT

ORIGIN_POSTCODE = "SK1 3XE"
PARTS = ("dev", EXTRA_SPLIT, "test")
LABELS = {"dev": "development", EXTRA_SPLIT: "development, extra", "test": "test"}
DEVELOPMENT_PARTS = ("dev", EXTRA_SPLIT)


def goals_in(split: str) -> list[EvalGoal]:
    if split == EXTRA_SPLIT:
        return list(EXTRA_DEV_GOALS)
    return _goals_py_in(split)


@dataclass
class Report:
    split: str
    goals: int = 0
    hits: int = 0
    empty: int = 0
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.goals if self.goals else 0.0

    @property
    def empty_share(self) -> float:
        return self.empty / self.goals if self.goals else 0.0

    def line(self) -> str:
        return (
            f"{LABELS.get(self.split, self.split):>18}: {self.goals} goals, "
            f"top-3 category hit rate {self.hit_rate:.3f}, "
            f"empty {self.empty_share:.1%} ({self.empty})"
        )


def is_hit(goal: EvalGoal, categories: list[str]) -> bool:
    top3 = categories[:3]
    return bool(set(top3) & goal.accepted) and not set(top3) & goal.rejected


def evaluate(split: str, backend=None) -> Report:
    from directory import geo
    from matching.engine import GoalSpec, match_goal

    origin = geo.locate(ORIGIN_POSTCODE).point
    report = Report(split)
    for goal in goals_in(split):
        result = match_goal(GoalSpec(goal.text), origin, geo.miles_to_km(10), backend=backend)
        report.goals += 1
        if is_hit(goal, result.categories):
            report.hits += 1
        else:
            report.misses.append((goal.text, result.categories[:3], sorted(goal.accepted)))
        if not result.suggestions:
            report.empty += 1
    return report


def sync_phrases() -> None:
    """Bring a kept database's phrase rules up to matching/vocabulary.py (as migration 0004)."""
    from directory.models import Category, Outcome
    from matching.models import PhraseRule
    from matching.vocabulary import PHRASES, PROBLEM_PHRASES

    outcomes = {o.slug: o for o in Outcome.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    for phrase, outcome_slugs, category_slugs in PHRASES:
        rule, _ = PhraseRule.objects.get_or_create(phrase=phrase)
        rule.main_category = categories.get(category_slugs[0]) if category_slugs else None
        rule.names_a_problem = phrase in PROBLEM_PHRASES
        rule.outcomes.set([outcomes[s] for s in outcome_slugs])
        rule.categories.set([categories[s] for s in category_slugs])
        rule.save()


def main(argv=None) -> int:
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the development misses")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="comma-separated parts to measure: dev, extra, test (default: all)",
    )
    parser.add_argument("--keepdb", action="store_true", help="keep the test database")
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from matching.evaluation import directory

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        from directory.search.records import ListingRecord

        if not ListingRecord.objects.exists():
            directory.build()
        elif args.keepdb:
            sync_phrases()
        for split in parts:
            report = evaluate(split)
            print(report.line())
            if args.misses and split in DEVELOPMENT_PARTS:
                for text, got, accepted in report.misses:
                    print(f"   miss: {text!r} -> {got} (accepts {accepted})")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
    return 0
