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
from matching import choices, understanding
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
    # What people with a similar goal chose (matching.choices): a nudge, not a rule.
    "chosen": 0.05,
}
# "Chosen" reaches its full value when this many people chose the listing.
CHOSEN_FULL_AT = 10
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
    # The outcomes of the person's other goals: the last thing to go on when
    # neither the words nor the directory's text say what this goal is about.
    plan_outcomes: list[str] = field(default_factory=list)


@dataclass
class Inference:
    outcomes: list[str]
    categories: list[str]
    phrases: list[str]
    # Each phrase's main category: "swimming" for "go swimming", "social
    # activities" for "meet people". A goal with two parts has two.
    main_categories: set[str] = field(default_factory=set)
    # What the person said they do not want ("not a club").
    avoid_categories: list[str] = field(default_factory=list)
    negated_phrases: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    content_words: list[str] = field(default_factory=list)


@dataclass
class Suggestion:
    listing: ListingSummary
    score: float
    reasons: list[str]
    features: dict[str, float]
    # The reasons that are facts about the listing (distance, price, places),
    # which the suggestions page shows once, beside the listing, not again as reasons.
    fact_reasons: dict[str, str] = field(default_factory=dict)
    over_budget: bool = False

    @property
    def fit_reasons(self) -> list[str]:
        facts = set(self.fact_reasons.values())
        return [reason for reason in self.reasons if reason not in facts]


@dataclass
class GoalResult:
    text: str
    outcomes: list[str]
    categories: list[str]
    suggestions: list[Suggestion]
    inferred: bool
    # How the engine understood the goal, strongest first:
    # "given" (outcomes or categories chosen by the person), "phrases" (the
    # vocabulary), "words" (listings whose text has the goal's words), "plan"
    # (the plan's other outcomes), "nearby" (anything within the radius).
    basis: str = "phrases"
    phrases: list[str] = field(default_factory=list)
    avoided: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    search_words: list[str] = field(default_factory=list)

    @property
    def weak(self) -> bool:
        """The page says so: these are the nearest things, not a good fit."""
        return self.basis in ("words", "plan", "nearby")


# --- 1. Goal words to outcomes and categories --------------------------------


@dataclass(frozen=True)
class Rule:
    phrase: str
    stems: tuple[str, ...]
    outcomes: tuple[str, ...]
    categories: tuple[str, ...]  # the main category first
    names_a_problem: bool = False


@dataclass(frozen=True)
class Vocabulary:
    rules: tuple[Rule, ...]  # longest first
    known_words: frozenset[str]  # what a typo may be corrected to
    # Each rule's place in ``rules``, by its first word's stem: a goal only
    # tests the rules that start with one of its words (built once per load).
    by_first_stem: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)

    def candidates(self, present: set[str]) -> list[Rule]:
        """The rules whose every word is in the goal, longest first."""
        places = sorted(i for s in present for i in self.by_first_stem.get(s, ()))
        return [r for r in (self.rules[i] for i in places) if present.issuperset(r.stems)]


_vocabulary_cache: dict[str, tuple[tuple, Vocabulary]] = {}


def vocabulary_version() -> tuple:
    """What the phrase table looks like now: one small query, run for every match.

    Editing a rule (in the Wagtail admin, in any web process) changes its
    ``updated_at``; adding or deleting one changes the count or the largest id.
    Every process compares this with the version it read the rules at, so an
    edit is used by the next match everywhere, with no per-process memo to go stale.
    """
    from django.db.models import Count, Max

    from matching.models import PhraseRule

    row = PhraseRule.objects.filter(live=True).aggregate(
        n=Count("id"), latest=Max("updated_at"), top=Max("id")
    )
    return (row["n"], row["latest"], row["top"])


def vocabulary() -> Vocabulary:
    version = vocabulary_version()
    cached = _vocabulary_cache.get("rules")
    if cached is not None and cached[0] == version:
        return cached[1]
    loaded = _load_vocabulary()
    _vocabulary_cache["rules"] = (version, loaded)
    return loaded


def vocabulary_changed() -> None:
    """Forget the rules read by this process (the version check does this by itself)."""
    _vocabulary_cache.clear()


def _load_vocabulary() -> Vocabulary:
    from directory.models import Category, Outcome
    from matching.models import PhraseRule

    category_order = dict(Category.objects.values_list("slug", "sort_order"))
    rules = []
    known: set[str] = set()
    for rule in (
        PhraseRule.objects.filter(live=True)
        .prefetch_related("outcomes", "categories")
        .select_related("main_category")
    ):
        outcomes = tuple(o.slug for o in sorted(rule.outcomes.all(), key=lambda o: o.sort_order))
        main = rule.main_category.slug if rule.main_category_id else None
        categories = tuple(
            sorted(
                (c.slug for c in rule.categories.all()),
                key=lambda slug: (slug != main, category_order.get(slug, 99), slug),
            )
        )
        phrase_stems = understanding.stems(rule.phrase)
        if not phrase_stems:
            continue
        rules.append(Rule(rule.phrase, phrase_stems, outcomes, categories, rule.names_a_problem))
        known.update(re.findall(r"[a-z]+", understanding.normalise(rule.phrase)))
    for name in list(Category.objects.values_list("name", flat=True)) + list(
        Outcome.objects.values_list("name", flat=True)
    ):
        known.update(re.findall(r"[a-z]+", understanding.normalise(name)))
    rules.sort(key=lambda r: (-len(r.stems), -len(r.phrase), r.phrase))
    by_first_stem: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        by_first_stem.setdefault(rule.stems[0], []).append(i)
    return Vocabulary(
        tuple(rules),
        frozenset(known),
        {stem: tuple(places) for stem, places in by_first_stem.items()},
    )


def _category_rank(phrase: str, slug: str) -> int:
    """Where ``slug`` comes among a phrase's categories in the database (0 is its main one)."""
    for rule in vocabulary().rules:
        if rule.phrase == phrase and slug in rule.categories:
            return rule.categories.index(slug)
    return 99


def _find(words: list[understanding.Word], rule: Rule, taken: list[bool]) -> int | None:
    """Where the rule's stems occur, in words not already matched by a longer phrase."""
    n = len(rule.stems)
    for i in range(len(words) - n + 1):
        if any(taken[i : i + n]):
            continue
        if all(words[i + k].stem == rule.stems[k] for k in range(n)):
            return i
    return None


# What an outcome named only inside "not ..." counts for, against 1 for a phrase.
NEGATED_OUTCOME_WEIGHT = 0.5

# Categories a goal about a carer's rest never means, unless the words name them.
NOT_FOR_A_CARERS_BREAK = {"childcare"}


def infer(text: str, vocab: Vocabulary | None = None) -> Inference:
    """Outcomes and categories a goal's words point to, strongest first.

    A phrase of more words is more specific and counts for more; a category
    listed first for a phrase is its main one. A phrase inside "not ..." or
    "don't want ..." gives categories to avoid instead, unless it names a
    problem ("I don't want to end up back on the ward" still asks to stay well).
    """
    vocab = vocab or vocabulary()
    words = understanding.read(text, vocab.known_words)
    taken = [False] * len(words)
    outcome_scores: dict[str, float] = {}
    category_scores: dict[str, float] = {}
    phrases: list[str] = []
    negated_phrases: list[str] = []
    avoid: set[str] = set()
    main_categories: set[str] = set()
    present = {w.stem for w in words}
    # Only rules whose every word is in the goal can match: an index finds them.
    for rule in vocab.candidates(present):
        at = _find(words, rule, taken)
        if at is None:
            continue
        span = words[at : at + len(rule.stems)]
        for k in range(at, at + len(rule.stems)):
            taken[k] = True
        if any(w.negated for w in span) and not rule.names_a_problem:
            # "Not a club": the person still wants to be part of things (the
            # outcome), just not that kind of service (its main category).
            negated_phrases.append(rule.phrase)
            avoid.update(rule.categories[:1])
            for slug in rule.outcomes[:1]:
                outcome_scores[slug] = outcome_scores.get(slug, 0) + NEGATED_OUTCOME_WEIGHT
            continue
        phrases.append(rule.phrase)
        weight = 1.0 + 0.5 * (len(rule.stems) - 1)
        for i, slug in enumerate(rule.outcomes):
            outcome_scores[slug] = outcome_scores.get(slug, 0) + weight / (1 + 0.25 * i)
        for i, slug in enumerate(rule.categories):
            category_scores[slug] = category_scores.get(slug, 0) + weight / (1 + 0.5 * i)
        if rule.categories:
            main_categories.add(rule.categories[0])

    if "carer-break" in outcome_scores:
        # "A break for my daughter who looks after me" is respite, not a childminder.
        named = {
            slug for rule in vocab.rules if rule.phrase in phrases for slug in rule.categories[:1]
        }
        for slug in NOT_FOR_A_CARERS_BREAK - named:
            category_scores.pop(slug, None)
            main_categories.discard(slug)
    for slug in avoid:
        category_scores.pop(slug, None)
        main_categories.discard(slug)

    def ranked(scores):
        return [slug for slug, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]

    return Inference(
        ranked(outcome_scores),
        ranked(category_scores),
        phrases,
        main_categories,
        avoid_categories=sorted(avoid),
        negated_phrases=negated_phrases,
        corrections=[(w.written, w.text) for w in words if w.corrected],
        content_words=[
            w.text
            for w in words
            if not w.negated and w.text not in understanding.STOPWORDS and len(w.text) > 2
        ],
    )


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
    chosen_by: int = 0,
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

    facts: dict[str, str] = {}
    features["distance"], facts["distance"] = _distance_feature(
        listing, radius_km, goal.not_too_close
    )
    features["price"], facts["price"] = _price_feature(listing, goal.budget)
    features["places"], facts["places"] = _places_feature(listing)
    facts = {kind: text for kind, text in facts.items() if text}
    reasons.extend(facts.values())
    features["preferences"], pref_reasons = _preferences_feature(listing, goal)
    reasons.extend(pref_reasons)
    features["chosen"] = min(chosen_by, CHOSEN_FULL_AT) / CHOSEN_FULL_AT
    if chosen_by:
        reasons.append(f"People with a similar goal chose this ({chosen_by} people)")

    total = sum(WEIGHTS[name] * value for name, value in features.items())
    if listing.id in goal.keep_ids:
        features["continuity"] = 1.0
        reasons.insert(0, "You already use this and want to keep it")
        total = 1.0
    return Suggestion(
        listing=listing,
        score=round(min(total, 1.0), 3),
        reasons=reasons,
        features=features,
        fact_reasons=facts,
        # With a budget and a known price, the price feature is below 1 only when over it.
        over_budget=goal.budget is not None
        and goal.budget.amount > 0
        and listing.price_amount is not None
        and features["price"] < 1.0,
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
    """Listings filed under the goal's outcomes, and those offering its categories.

    Without a postcode there is no "nearest first": the listings that have
    most of the goal's outcomes (or categories) come first (``rank_by_fit``),
    never the first ones in the alphabet.
    """
    queries = []
    if outcomes:
        queries.append(ListingQuery(outcomes=tuple(outcomes[:3])))
    if categories:
        queries.append(ListingQuery(categories=tuple(categories[:4])))
    return [
        replace(
            query,
            origin=origin,
            radius_km=radius_km,
            page_size=CANDIDATES_PER_QUERY,
            rank_by_fit=origin is None,
        )
        for query in queries
    ]


# The words most worth searching the directory's text for, when no phrase matched.
SEARCH_WORDS = 3


def search_words(inference: Inference) -> list[str]:
    """The goal's unusual words, longest first: "bowls" from "I would like to play bowls again".

    A word is searched as its stem when the stem starts it ("bowl" finds
    "bowls" and "bowling" on both backends).
    """
    words = [
        w
        for w in dict.fromkeys(inference.content_words)
        if w not in understanding.COMMON_WORDS and w.isalpha() and len(w) >= 4
    ]
    words.sort(key=lambda w: (-len(w), w))
    chosen = []
    for word in words[:SEARCH_WORDS]:
        root = understanding.stem(word)
        chosen.append(root if word.startswith(root) and len(root) >= 4 else word)
    return chosen


def _categories_of(listings: list[ListingSummary]) -> tuple[list[str], list[str]]:
    """The outcomes and categories most of the found listings share, best found first."""
    outcome_votes: dict[str, float] = {}
    category_votes: dict[str, float] = {}
    for rank, listing in enumerate(listings):
        weight = 1.0 / (1 + rank)
        for i, slug in enumerate(listing.categories):
            category_votes[slug] = category_votes.get(slug, 0) + weight / (1 + i)
        for i, slug in enumerate(listing.outcomes):
            outcome_votes[slug] = outcome_votes.get(slug, 0) + weight / (1 + i)

    def ranked(votes):
        return [slug for slug, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))]

    return ranked(outcome_votes), ranked(category_votes)


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
    inference: Inference
    outcomes: list[str]
    categories: list[str]
    main_categories: set[str]
    queries: list[ListingQuery]
    basis: str
    words: list[str] = field(default_factory=list)
    found: dict[int, ListingSummary] = field(default_factory=dict)


def match_goal(
    goal: GoalSpec,
    origin: tuple[float, float] | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    backend=None,
    limit: int = MAX_SUGGESTIONS,
) -> GoalResult:
    return match_plan([goal], origin, radius_km, backend, limit)[0]


def _plan_for(goal: GoalSpec, origin, radius_km, vocab: Vocabulary) -> _Plan:
    inference = infer(goal.text, vocab)
    if goal.outcomes or goal.categories:
        basis = "given"
        outcomes = list(goal.outcomes) or inference.outcomes
        categories = list(goal.categories) or inference.categories
        main = set(goal.categories) or inference.main_categories
    else:
        outcomes, categories, main = (
            inference.outcomes,
            inference.categories,
            inference.main_categories,
        )
        basis = "phrases" if (outcomes or categories) else "words"
    plan = _Plan(goal, inference, outcomes, categories, main, [], basis)
    if basis == "words":
        plan.words = search_words(inference)
        plan.queries = [
            ListingQuery(text=word, origin=origin, radius_km=radius_km, page_size=20)
            for word in plan.words
        ]
    else:
        plan.queries = _candidate_queries(outcomes, categories, origin, radius_km)
    return plan


def _fall_back(plan: _Plan, origin, radius_km) -> list[ListingQuery]:
    """The next search for a goal that found nothing: the plan's outcomes, then anything near."""
    if plan.basis == "words" and plan.goal.plan_outcomes:
        plan.basis = "plan"
        plan.outcomes = list(plan.goal.plan_outcomes)
        return _candidate_queries(plan.outcomes, [], origin, radius_km)
    if plan.basis != "nearby":
        plan.basis = "nearby"
        return [ListingQuery(origin=origin, radius_km=radius_km, page_size=CANDIDATES_PER_QUERY)]
    return []


def match_plan(
    goals: list[GoalSpec],
    origin=None,
    radius_km=DEFAULT_RADIUS_KM,
    backend=None,
    limit: int = MAX_SUGGESTIONS,
) -> list[GoalResult]:
    """Suggestions for every goal; all the goals' searches go to the backend at once.

    A goal never ends with nothing while any listing is within the radius:
    when its phrases (or, with no phrase, its words) find nothing, the plan's
    other outcomes are searched, then anything nearby, and the result says
    that the match is weak (``GoalResult.weak``).
    """
    vocab = vocabulary()  # one look at the phrase table for the whole plan
    plans = [_plan_for(goal, origin, radius_km, vocab) for goal in goals]
    pending = plans
    while pending:
        queries = [q for p in pending for q in p.queries]
        pages = iter(search_many(queries, backend=backend) if queries else [])
        for plan in pending:
            for _query in plan.queries:
                for listing in next(pages).results:
                    plan.found.setdefault(listing.id, listing)
        pending = []
        for plan in plans:
            if plan.found or plan.basis == "nearby":
                continue
            plan.queries = _fall_back(plan, origin, radius_km)
            if plan.queries:
                pending.append(plan)
    return [_result(plan, origin, radius_km, limit) for plan in plans]


def _result(plan: _Plan, origin, radius_km, limit) -> GoalResult:
    avoid = set(plan.inference.avoid_categories) - set(plan.goal.categories)
    if (plan.basis in ("words", "plan", "nearby") or not plan.categories) and plan.found:
        # What the found listings are filed under stands in for what the words did not say.
        outcomes, categories = _categories_of(list(plan.found.values()))
        categories = [slug for slug in categories if slug not in avoid]
        plan.outcomes = plan.outcomes or outcomes[:3]
        plan.categories = categories[:4]
        plan.main_categories = set(categories[:1])
    found = dict(plan.found)
    if plan.goal.keep_ids:
        for listing in kept_listings(plan.goal.keep_ids, origin):
            found[listing.id] = listing
    candidates = [
        listing
        for listing in found.values()
        if listing.id in plan.goal.keep_ids or not (set(listing.categories[:1]) & avoid)
    ] or list(found.values())
    main = plan.main_categories or set(plan.categories[:1])
    scored = [
        score(
            listing,
            plan.goal,
            plan.outcomes,
            plan.categories,
            radius_km,
            plan.main_categories,
            chosen_by=choices.chosen_by(listing.id, main),
        )
        for listing in candidates
    ]
    scored.sort(key=lambda s: (-s.score, s.listing.distance_km or 0, s.listing.id))
    within = [s for s in scored if not s.over_budget or "continuity" in s.features]
    over = [s for s in scored if s.over_budget and "continuity" not in s.features]
    # Options that may cost more than the budget come after every one within it.
    chosen = _with_variety(within, plan.categories, limit)
    chosen += _with_variety(over, plan.categories, limit - len(chosen))
    return GoalResult(
        text=plan.goal.text,
        outcomes=plan.outcomes,
        categories=plan.categories,
        suggestions=chosen,
        inferred=not plan.goal.outcomes,
        basis=plan.basis,
        phrases=plan.inference.phrases,
        avoided=plan.inference.negated_phrases,
        corrections=plan.inference.corrections,
        search_words=plan.words,
    )
