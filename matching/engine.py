"""The matching engine: a goal in a person's own words becomes ranked, explained suggestions.

1. ``infer``: the goal's words are looked up in the editable phrase vocabulary
   (``PhraseRule``) to find outcomes and categories; each match is a reason.
2. Candidates come from the directory search interface (either backend).
3. ``score`` combines named features (outcome fit, category fit, distance, price
   against budget, places, preferences met), each giving a plain-English reason;
   options the person already uses rank first (continuity), and a variety pass
   stops one kind of thing filling the list.

Everything is deterministic: ties break on distance, then listing id.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from directory import geo
from directory.search import ListingQuery, ListingSummary, search_many
from directory.search.query import DEFAULT_RADIUS_KM
from matching.models import PERIODS_PER_YEAR

MAX_SUGGESTIONS = 10
CANDIDATES_PER_QUERY = 40
NOT_TOO_CLOSE_KM = 3.0

WEIGHTS = {
    "outcome_fit": 0.25,
    "category_fit": 0.25,
    "distance": 0.15,
    "price": 0.15,
    "places": 0.10,
    "preferences": 0.10,
}
VARIETY_FACTOR = 0.85  # each earlier pick of the same category keeps 85% of the score

# How often a price is paid in a year when someone uses a service regularly:
# an hour or session a week, a day out a month, a week away once a year.
USES_PER_YEAR = {
    "hour": 52,
    "session": 52,
    "day": 12,
    "week": 1,
    "month": 12,
    "year": 1,
    "one-off": 1,
    "free": 0,
}
UNIT_WORDS = {
    "hour": "an hour",
    "session": "a session",
    "day": "a day",
    "week": "a week",
    "month": "a month",
    "year": "a year",
    "one-off": "one-off",
}
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


@dataclass
class Budget:
    amount: Decimal
    period: str = "year"

    @property
    def per_year(self) -> Decimal:
        return self.amount * PERIODS_PER_YEAR.get(self.period, 1)

    def __str__(self):
        return f"£{self.amount:,.2f} {UNIT_WORDS.get(self.period, self.period)}"


@dataclass
class GoalSpec:
    """What the engine needs to know about one goal."""

    text: str
    outcomes: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    budget: Budget | None = None
    languages: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    needs_backup_cover: bool = False
    not_too_close: bool = False
    keep_ids: list[int] = field(default_factory=list)


@dataclass
class Inference:
    outcomes: list[str]
    categories: list[str]
    phrases: list[str]
    # Each phrase's main category: "swimming" for "go swimming", "social
    # activities" for "meet people". A goal with two parts has two.
    main_categories: set[str] = field(default_factory=set)


@dataclass
class Suggestion:
    listing: ListingSummary
    score: float
    reasons: list[str]
    features: dict[str, float]


@dataclass
class GoalResult:
    text: str
    outcomes: list[str]
    categories: list[str]
    suggestions: list[Suggestion]
    inferred: bool


# --- 1. Goal words to outcomes and categories --------------------------------


@lru_cache(maxsize=1)
def _rules_cached(version: int) -> tuple[tuple[str, re.Pattern, tuple, tuple], ...]:
    from matching.models import PhraseRule

    rules = []
    for rule in PhraseRule.objects.prefetch_related("outcomes", "categories"):
        pattern = re.compile(r"(?<![\w'])" + re.escape(rule.phrase.lower()) + r"(?![\w'])")
        outcomes = tuple(o.slug for o in sorted(rule.outcomes.all(), key=lambda o: o.sort_order))
        categories = tuple(c.slug for c in rule.categories.all())
        # Keep the vocabulary's own order of categories (primary first).
        categories = tuple(sorted(categories, key=lambda slug: _category_rank(rule.phrase, slug)))
        rules.append((rule.phrase, pattern, outcomes, categories))
    return tuple(rules)


def _category_rank(phrase: str, slug: str) -> int:
    from matching.vocabulary import PHRASES

    for p, _outcomes, categories in PHRASES:
        if p == phrase and slug in categories:
            return categories.index(slug)
    return 99


_rules_version = 0


def vocabulary_changed() -> None:
    """Call after editing phrase rules so the next match reads them again."""
    global _rules_version
    _rules_version += 1


def _rules():
    return _rules_cached(_rules_version)


def infer(text: str) -> Inference:
    """Outcomes and categories a goal's words point to, strongest first.

    A phrase of more words is more specific and counts for more; a category
    listed first for a phrase is its main one.
    """
    lowered = " " + text.lower().replace("’", "'") + " "
    outcome_scores: dict[str, float] = {}
    category_scores: dict[str, float] = {}
    phrases: list[str] = []
    main_categories: set[str] = set()
    matched_spans: list[tuple[int, int]] = []
    # Longer phrases first; a shorter phrase overlapping one already matched is skipped,
    # so "break from caring" is not counted again as "a break".
    for phrase, pattern, outcomes, categories in sorted(_rules(), key=lambda rule: -len(rule[0])):
        match = pattern.search(lowered)
        if not match:
            continue
        span = match.span()
        if any(span[0] < end and start < span[1] for start, end in matched_spans):
            continue
        matched_spans.append(span)
        phrases.append(phrase)
        weight = 1.0 + 0.5 * (len(phrase.split()) - 1)
        for i, slug in enumerate(outcomes):
            outcome_scores[slug] = outcome_scores.get(slug, 0) + weight / (1 + 0.25 * i)
        for i, slug in enumerate(categories):
            category_scores[slug] = category_scores.get(slug, 0) + weight / (1 + 0.5 * i)
        if categories:
            main_categories.add(categories[0])

    def ranked(scores):
        return [slug for slug, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]

    return Inference(ranked(outcome_scores), ranked(category_scores), phrases, main_categories)


# --- 2 and 3. Candidates and scoring -----------------------------------------


def _price_feature(listing: ListingSummary, budget: Budget | None) -> tuple[float, str | None]:
    unit = listing.price_unit
    if unit == "free" or (listing.price_amount is not None and listing.price_amount == 0):
        return 1.0, "Free"
    if listing.price_amount is None or not unit:
        return 0.6, None
    price = f"£{listing.price_amount:,.2f} {UNIT_WORDS.get(unit, unit)}"
    if budget is None or budget.amount <= 0:
        return 0.7, price.capitalize()
    yearly_cost = Decimal(listing.price_amount) * USES_PER_YEAR.get(unit, 1)
    if budget.period == "one-off" or unit in ("one-off", "week", "year"):
        # A one-off purchase is compared with the budget as it stands.
        yearly_cost = Decimal(listing.price_amount)
    if yearly_cost <= budget.per_year:
        return 1.0, f"{price.capitalize()}: within your budget of {budget}"
    ratio = float(budget.per_year / yearly_cost) if yearly_cost else 1.0
    return max(0.0, ratio), f"{price.capitalize()}: may cost more than your budget of {budget}"


def _distance_feature(
    listing: ListingSummary, radius_km: float, not_too_close: bool
) -> tuple[float, str | None]:
    if listing.distance_km is None:
        return 0.5, None
    miles = geo.km_to_miles(listing.distance_km)
    scale = max(radius_km / 2, 1.0)
    value = math.exp(-((listing.distance_km / scale) ** 2) * math.log(2))
    where = "less than a mile from you" if miles < 1 else f"{miles:.1f} miles from you"
    if not_too_close:
        if listing.distance_km < NOT_TOO_CLOSE_KM:
            return value * 0.3, f"Close to home ({where}); you asked for options not too close"
        return value, f"Not too close to home, as you asked: {where}"
    return value, where.capitalize()


def _places_feature(listing: ListingSummary) -> tuple[float, str | None]:
    if listing.places_available is None:
        return 0.7, None
    if listing.places_available == 0:
        return 0.0, "Full at the moment"
    places = listing.places_available
    return 1.0, f"{places} place{'s' if places != 1 else ''} left"


def _preferences_feature(listing: ListingSummary, goal: GoalSpec) -> tuple[float, list[str]]:
    wanted = 0
    met = 0
    reasons = []
    if goal.languages:
        wanted += 1
        shared = [code for code in goal.languages if code in listing.languages]
        if shared:
            met += 1
            reasons.append("Offered in " + ", ".join(_language_names(shared)))
    if goal.needs_backup_cover:
        wanted += 1
        if listing.offers_backup_cover:
            met += 1
            reasons.append("Offers back-up cover")
    if not wanted:
        return 1.0, []
    return met / wanted, reasons


@lru_cache(maxsize=1)
def _language_table() -> dict[str, str]:
    from directory.models import Language

    return dict(Language.objects.values_list("slug", "name"))


def _language_names(codes):
    table = _language_table()
    return [table.get(code, code) for code in codes]


@lru_cache(maxsize=1)
def _term_names() -> dict[str, str]:
    from directory.models import Category, Outcome

    names = dict(Outcome.objects.values_list("slug", "name"))
    names.update(Category.objects.values_list("slug", "name"))
    return names


def score(
    listing: ListingSummary,
    goal: GoalSpec,
    outcomes,
    categories,
    radius_km,
    main_categories: set[str] | None = None,
) -> Suggestion:
    names = _term_names()
    features: dict[str, float] = {}
    reasons: list[str] = []

    shared_outcomes = [slug for slug in outcomes if slug in listing.outcomes]
    features["outcome_fit"] = len(shared_outcomes) / len(outcomes) if outcomes else 0.5
    if shared_outcomes:
        reasons.append(
            "Helps with " + ", ".join(names.get(s, s).lower() for s in shared_outcomes[:2])
        )

    # Any main category of the goal is a full fit; a related one a partial fit.
    main = main_categories if main_categories else set(categories[:1])
    category_value = 0.0
    for slug in categories:
        if slug in listing.categories:
            category_value = max(category_value, 1.0 if slug in main else 0.6)
    features["category_fit"] = category_value if categories else 0.5
    shared_categories = [slug for slug in categories if slug in listing.categories]
    if shared_categories:
        reasons.append(
            "Offers " + ", ".join(names.get(s, s).lower() for s in shared_categories[:2])
        )

    features["distance"], reason = _distance_feature(listing, radius_km, goal.not_too_close)
    if reason:
        reasons.append(reason)
    features["price"], reason = _price_feature(listing, goal.budget)
    if reason:
        reasons.append(reason)
    features["places"], reason = _places_feature(listing)
    if reason:
        reasons.append(reason)
    features["preferences"], pref_reasons = _preferences_feature(listing, goal)
    reasons.extend(pref_reasons)

    total = sum(WEIGHTS[name] * value for name, value in features.items())
    if listing.id in goal.keep_ids:
        features["continuity"] = 1.0
        reasons.insert(0, "You already use this and want to keep it")
        total = 1.0
    return Suggestion(
        listing=listing, score=round(min(total, 1.0), 3), reasons=reasons, features=features
    )


def _main_category(listing: ListingSummary, categories: list[str]) -> str:
    for slug in categories:
        if slug in listing.categories:
            return slug
    return listing.categories[0] if listing.categories else listing.kind


def _with_variety(suggestions: list[Suggestion], categories, limit) -> list[Suggestion]:
    """Greedy pick: each repeat of a category already chosen counts for a little less."""
    chosen: list[Suggestion] = []
    seen: dict[str, int] = {}
    pool = list(suggestions)
    while pool and len(chosen) < limit:

        def adjusted(s: Suggestion):
            if "continuity" in s.features:
                return (2.0, 0.0, 0)
            repeats = seen.get(_main_category(s.listing, categories), 0)
            return (s.score * VARIETY_FACTOR**repeats, -(s.listing.distance_km or 0), -s.listing.id)

        best = max(pool, key=adjusted)
        pool.remove(best)
        chosen.append(best)
        key = _main_category(best.listing, categories)
        seen[key] = seen.get(key, 0) + 1
    return chosen


def _candidate_queries(outcomes, categories, origin, radius_km) -> list[ListingQuery]:
    """Listings filed under the goal's outcomes, and those offering its categories."""
    queries = []
    if outcomes:
        queries.append(
            ListingQuery(outcomes=tuple(outcomes[:3]), origin=origin, radius_km=radius_km)
        )
    if categories:
        queries.append(
            ListingQuery(categories=tuple(categories[:4]), origin=origin, radius_km=radius_km)
        )
    return [replace(query, page_size=CANDIDATES_PER_QUERY) for query in queries]


def kept_listings(ids, origin) -> list[ListingSummary]:
    """Options the person already uses, wherever they are."""
    from directory.search.database import summary_from_record
    from directory.search.records import ListingRecord

    results = []
    for record in ListingRecord.objects.filter(listing_id__in=ids).prefetch_related("locations"):
        locations = list(record.locations.all())
        distance = None
        if origin is not None and locations:
            distance = min(geo.distance_km(origin, (loc.lat, loc.lng)) for loc in locations)
        results.append(summary_from_record(record, locations, origin, distance, 0.0))
    return results


@dataclass
class _Plan:
    goal: GoalSpec
    outcomes: list[str]
    categories: list[str]
    main_categories: set[str]
    queries: list[ListingQuery]


def match_goal(
    goal: GoalSpec,
    origin: tuple[float, float] | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    backend=None,
    limit: int = MAX_SUGGESTIONS,
) -> GoalResult:
    return match_plan([goal], origin, radius_km, backend, limit)[0]


def match_plan(
    goals: list[GoalSpec],
    origin=None,
    radius_km=DEFAULT_RADIUS_KM,
    backend=None,
    limit: int = MAX_SUGGESTIONS,
) -> list[GoalResult]:
    """Suggestions for every goal; all the goals' searches go to the backend at once."""
    plans = []
    for goal in goals:
        inference = infer(goal.text)
        outcomes = list(goal.outcomes) or inference.outcomes
        categories = list(goal.categories) or inference.categories
        main_categories = set(goal.categories) or inference.main_categories
        queries = _candidate_queries(outcomes, categories, origin, radius_km)
        plans.append(_Plan(goal, outcomes, categories, main_categories, queries))

    pages = iter(search_many([q for plan in plans for q in plan.queries], backend=backend))
    results = []
    for plan in plans:
        found: dict[int, ListingSummary] = {}
        for _query in plan.queries:
            for listing in next(pages).results:
                found.setdefault(listing.id, listing)
        if plan.goal.keep_ids:
            for listing in kept_listings(plan.goal.keep_ids, origin):
                found[listing.id] = listing
        scored = [
            score(
                listing, plan.goal, plan.outcomes, plan.categories, radius_km, plan.main_categories
            )
            for listing in found.values()
        ]
        scored.sort(key=lambda s: (-s.score, s.listing.distance_km or 0, s.listing.id))
        results.append(
            GoalResult(
                text=plan.goal.text,
                outcomes=plan.outcomes,
                categories=plan.categories,
                suggestions=_with_variety(scored, plan.categories, limit),
                inferred=not plan.goal.outcomes,
            )
        )
    return results
