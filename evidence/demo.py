"""A year of evidence across Greater Manchester: searches, plans, stage changes,
spend, outcome reviews and pools (run by ``manage.py load_demo_evidence``).

Generated from a fixed seed. The same generator fills the benchmark database
(``benchmarks/reports.py``) at 100,000 people. People are invented demo
accounts (``evidence-person-N@example.org``) that cannot sign in. Some needs
are deliberately hard to meet in some districts (carer breaks around Oldham,
peer support in Bolton, swimming in Wigan, PAs in north Manchester), so the gap
map has something to show.
"""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import RoleGrant
from accounts.roles import Role
from directory import geo
from directory.models import Category, Outcome, SearchLog
from evidence.areas import GREATER_MANCHESTER, LOCAL_AUTHORITIES
from evidence.models import CommissionerArea, OutcomeReview
from matching.models import Goal, StageEntry, SupportPlan
from matching.stays import record_stays

EMAIL_PATTERN = "evidence-person-{}@example.org"
DEMO_COMMISSIONER = "commissioner@example.org"

# Typical waits (median days, spread) at each stage before the next.
STAGE_WAITS = [
    ("assessment", 28, 0.6),
    ("indicative_budget", 14, 0.5),
    ("planning", 30, 0.6),
    ("sign_off", 21, 0.7),
    ("approved", 10, 0.5),
    ("first_payment", 7, 0.4),
    ("active", 150, 0.3),
    ("review", None, None),
]

# (outcome slug, category slug, weight)
NEEDS = [
    ("physical-health", "swimming", 8),
    ("physical-health", "gym-membership", 7),
    ("physical-health", "sports-activities", 5),
    ("social-inclusion", "social-activities-support", 8),
    ("social-inclusion", "arts", 4),
    ("independent-living", "personal-assistant", 12),
    ("independent-living", "domestic-help", 5),
    ("carer-break", "respite", 10),
    ("carer-break", "holiday-short-break", 4),
    ("mental-wellbeing", "peer-support", 6),
    ("employment", "education-courses", 3),
    ("getting-around", "transport", 3),
]

# Where a need is hard to meet: (need category, district prefix or district) -> results scale.
GAPS = {
    ("respite", "OL"): 0.0,
    ("holiday-short-break", "OL"): 0.1,
    ("peer-support", "BL"): 0.0,
    ("swimming", "WN"): 0.15,
    ("personal-assistant", "M40"): 0.1,
    ("personal-assistant", "M9"): 0.1,
    ("transport", "SK6"): 0.0,
}

# Spend per person a year: lognormal with the pilot's median £3,394 and mean £5,813.
SPEND_MEDIAN = 3394
SPEND_SIGMA = math.sqrt(2 * math.log(5813 / 3394))

REVIEW_RESULTS = [("achieved", 55), ("partly", 30), ("not_achieved", 15)]
GROUPS = [("", 45), ("budget_holder", 25), ("representative", 12), ("practitioner", 18)]


@dataclass
class Result:
    people: int = 0
    plans: int = 0
    stage_entries: int = 0
    ledger_entries: int = 0
    searches: int = 0
    reviews: int = 0
    pools: int = 0
    extra: dict = field(default_factory=dict)


@contextlib.contextmanager
def dates_as_given(*models):
    """Let bulk_create keep the dates we give instead of 'now' (auto_now/auto_now_add)."""
    changed = []
    for model in models:
        for f in model._meta.concrete_fields:
            for attr in ("auto_now", "auto_now_add"):
                if getattr(f, attr, False):
                    setattr(f, attr, False)
                    changed.append((f, attr))
    try:
        yield
    finally:
        for f, attr in changed:
            setattr(f, attr, True)


def _weighted(rng: random.Random, pairs):
    """The first item of one of ``pairs``, chosen by the weight in its last item."""
    return _pick(rng, pairs)[0]


def _pick(rng: random.Random, items):
    return rng.choices(items, weights=[item[-1] for item in items])[0]


def _district_sectors() -> dict[str, list[str]]:
    sectors: dict[str, list[str]] = {d: [] for d in GREATER_MANCHESTER}
    for sector in geo.sectors():
        outward = sector.split(" ")[0]
        if outward in sectors:
            sectors[outward].append(sector)
    return {d: s for d, s in sectors.items() if s}


def _moment(rng: random.Random, day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, time(hour=rng.randint(8, 18), minute=rng.randint(0, 59)))
    )


def _supply(rng: random.Random, district: str, category: str) -> int:
    """How many results a search for ``category`` from ``district`` finds (within 10 miles)."""
    scale = 1.0
    for (need, where), factor in GAPS.items():
        if need == category and (
            district == where
            or (where.isalpha() and district.startswith(where) and district[len(where)].isdigit())
        ):
            scale = factor
    base = {"M": 14, "SK": 12, "OL": 8, "BL": 7, "WN": 6, "WA": 7}.get(
        "".join(ch for ch in district if ch.isalpha()), 8
    )
    return max(0, round(rng.gauss(base * scale, 2.5 * max(scale, 0.2))))


@dataclass
class _World:
    rng: random.Random
    today: date
    year_ago: date
    sectors: dict
    districts: list
    weights: list
    outcomes: dict
    categories: dict
    needs: list
    batch_size: int


def load(
    people: int = 400,
    *,
    seed: int = 2026,
    today: date | None = None,
    anonymous_searches: int = 12000,
    searches_per_person: int = 10,
    batch_size: int = 5000,
    chunk: int = 5000,
    with_pools: bool = True,
    progress=None,
) -> Result:
    """Generate the evidence demo; does nothing if its people are already there.

    People are made ``chunk`` at a time, so 100,000 of them fit in memory.
    """
    User = get_user_model()
    if User.objects.filter(email=EMAIL_PATTERN.format(0)).exists():
        return Result()
    today = today or timezone.localdate()
    sectors = _district_sectors()
    districts = sorted(sectors)
    outcomes = dict(Outcome.objects.values_list("slug", "pk"))
    categories = dict(Category.objects.values_list("slug", "pk"))
    world = _World(
        rng=random.Random(seed),
        today=today,
        year_ago=today - timedelta(days=365),
        sectors=sectors,
        districts=districts,
        weights=[3 if d.startswith(("SK", "M")) else 2 for d in districts],
        outcomes=outcomes,
        categories=categories,
        needs=[n for n in NEEDS if n[0] in outcomes and n[1] in categories],
        batch_size=batch_size,
    )
    result = Result()
    say = progress or (lambda message: None)
    with transaction.atomic(), dates_as_given(SupportPlan, Goal, SearchLog):
        last = None
        for first in range(0, people, chunk):
            last = _load_people(
                world, first, min(chunk, people - first), searches_per_person, result
            )
            say(
                f"{result.people} people, {result.stage_entries} stage changes, "
                f"{result.ledger_entries} lines of spend, {result.searches} searches"
            )
        result.searches += _searches(world, anonymous_searches, homes=None, group_known=False)
        if with_pools and last is not None:
            result.pools = _pools(world.rng, *last, today)
        _commissioner()
    return result


def _load_people(world: _World, first: int, count: int, searches_per_person: int, result):
    rng, batch_size = world.rng, world.batch_size
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(email=EMAIL_PATTERN.format(i), display_name=f"Person {i}", password="!")
            for i in range(first, first + count)
        ],
        batch_size=batch_size,
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.BUDGET_HOLDER) for u in users], batch_size=batch_size
    )
    result.people += len(users)

    # Plans and their stage history.
    plans, homes = [], []
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for user in users:
        district = rng.choices(world.districts, weights=world.weights)[0]
        sector = rng.choice(world.sectors[district])
        created = world.year_ago + timedelta(days=rng.randint(-300, 330))
        moment = _moment(rng, created)
        plans.append(
            SupportPlan(
                person=user,
                postcode=f"{sector}{rng.choice(letters)}{rng.choice(letters)}",
                title="My support plan",
                created_at=moment,
                updated_at=moment,
            )
        )
        homes.append(district)
    plans = SupportPlan.objects.bulk_create(plans, batch_size=batch_size)
    result.plans += len(plans)

    entries, reached = [], {}
    for plan in plans:
        when = plan.created_at
        stall = rng.random() < 0.1
        for i, (stage, median, spread) in enumerate(STAGE_WAITS):
            entries.append(StageEntry(plan=plan, stage=stage, entered_at=when))
            plan.stage = stage
            reached.setdefault(plan.pk, {})[stage] = when
            if median is None or (stall and i >= 2 and rng.random() < 0.3):
                break
            following = when + timedelta(days=rng.lognormvariate(math.log(median), spread))
            if following.date() > world.today:
                break
            when = following
    StageEntry.objects.bulk_create(entries, batch_size=batch_size)
    record_stays([plan.pk for plan in plans])  # bulk_create sends no signals
    SupportPlan.objects.bulk_update(plans, ["stage"], batch_size=batch_size)
    result.stage_entries += len(entries)

    # Goals, one outcome and one category each.
    goals, goal_needs = [], []
    for plan in plans:
        for priority in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
            goals.append(
                Goal(plan=plan, text="A demo goal", priority=priority, created_at=plan.created_at)
            )
            goal_needs.append(_pick(rng, world.needs))
    goals = Goal.objects.bulk_create(goals, batch_size=batch_size)
    pairs = list(zip(goals, goal_needs, strict=True))
    Goal.outcomes.through.objects.bulk_create(
        [Goal.outcomes.through(goal_id=g.pk, outcome_id=world.outcomes[n[0]]) for g, n in pairs],
        batch_size=batch_size,
    )
    Goal.categories.through.objects.bulk_create(
        [
            Goal.categories.through(goal_id=g.pk, category_id=world.categories[n[1]])
            for g, n in pairs
        ],
        batch_size=batch_size,
    )
    goals_by_plan: dict[int, list] = {}
    for goal in goals:
        goals_by_plan.setdefault(goal.plan_id, []).append(goal)

    result.ledger_entries += _spend(rng, plans, reached, goals_by_plan, world.today, batch_size)

    # Outcome reviews for plans at review.
    reviews = [
        OutcomeReview(
            goal=goal,
            plan=plan,
            result=_weighted(rng, REVIEW_RESULTS),
            reviewed_at=reached[plan.pk]["review"] + timedelta(days=rng.randint(0, 20)),
        )
        for plan in plans
        if plan.stage == "review"
        for goal in goals_by_plan.get(plan.pk, [])
    ]
    OutcomeReview.objects.bulk_create(reviews, batch_size=batch_size)
    result.reviews += len(reviews)

    # Searches by these people, from home.
    result.searches += _searches(
        world, len(users) * searches_per_person, homes=homes, group_known=True
    )
    return plans, goals_by_plan, reached


def _searches(world: _World, count: int, *, homes, group_known: bool) -> int:
    """``count`` searches over the year, from the people's homes or anywhere."""
    rng = world.rng
    logs, made = [], 0
    for i in range(count):
        if homes:
            district = homes[i % len(homes)]
        else:
            district = rng.choices(world.districts, weights=world.weights)[0]
        outcome, category, _ = _pick(rng, world.needs)
        by_category = rng.random() < 0.6
        group = _weighted(rng, GROUPS) if group_known else ""
        miles = rng.choice([5, 10, 10, 10, 15])
        day = world.year_ago + timedelta(days=rng.randint(1, 365))
        logs.append(
            SearchLog(
                created_at=_moment(rng, min(day, world.today)),
                source="practitioner"
                if group == "practitioner"
                else rng.choice(["web", "web", "api"]),
                outcomes="" if by_category else outcome,
                categories=category if by_category else "",
                origin_outward=district,
                radius_km=geo.miles_to_km(miles),
                result_count=round(_supply(rng, district, category) * miles / 10),
                backend="database",
                searcher_role=group,
            )
        )
        if len(logs) >= world.batch_size:
            SearchLog.objects.bulk_create(logs, batch_size=world.batch_size)
            made += len(logs)
            logs = []
    SearchLog.objects.bulk_create(logs, batch_size=world.batch_size)
    return made + len(logs)


def _spend(rng, plans, reached, goals_by_plan, today, batch_size) -> int:
    from marketplace.models import LedgerEntry

    lines, count = [], 0
    for plan in plans:
        start = reached[plan.pk].get("first_payment")
        plan_goals = goals_by_plan.get(plan.pk, [])
        if start is None or not plan_goals:
            continue
        yearly = rng.lognormvariate(math.log(SPEND_MEDIAN), SPEND_SIGMA)
        kind = rng.choices(["card_payment", "invoice"], weights=[65, 35])[0]
        month = 0
        while True:
            when = start + timedelta(days=30 * month)
            if when.date() > today:
                break
            goal = plan_goals[month % len(plan_goals)]
            amount = Decimal(str(round(yearly / 12, 2)))
            lines.append(
                LedgerEntry(
                    person_id=plan.person_id,
                    plan=plan,
                    goal=goal,
                    kind=kind,
                    amount=amount,
                    description="Demo support",
                    supplier="Demo provider",
                    reference=f"demo-{plan.pk}-{month}",
                    occurred_at=when,
                )
            )
            month += 1
        if len(lines) >= batch_size:
            LedgerEntry.objects.bulk_create(lines, batch_size=batch_size)
            count += len(lines)
            lines = []
    LedgerEntry.objects.bulk_create(lines, batch_size=batch_size)
    return count + len(lines)


def _pools(rng, plans, goals_by_plan, reached, today) -> int:
    """A few group purchases of priced demo listings, with members who paid their share."""
    from directory.models import ListingPage
    from marketplace.models import LedgerEntry, Pledge, Pool

    listings = list(
        ListingPage.objects.live()
        .filter(price_amount__gt=5, price_unit__in=["session", "week", "hour"])
        .order_by("pk")[:12]
    )
    members = [p for p in plans if "first_payment" in reached[p.pk] and goals_by_plan.get(p.pk)]
    if not listings or len(members) < 10:
        return 0
    made = 0
    for i, listing in enumerate(listings):
        size = rng.randint(5, 9) if i % 4 else rng.randint(2, 3)  # every fourth falls short
        chosen = rng.sample(members, size)
        share = (listing.price_amount * Decimal("0.7")).quantize(Decimal("0.01"))
        deadline = timezone.make_aware(
            datetime.combine(today - timedelta(days=rng.randint(10, 300)), time(17))
        )
        funded = size >= 4
        pool = Pool.objects.create(
            listing=listing,
            organiser=chosen[0].person,
            title=f"Group sessions at {listing.title}"[:150],
            description="Buying together to bring the price down.",
            price_per_place=share,
            places=max(size, 4) + 2,
            minimum_members=4,
            deadline=deadline,
            status=Pool.Status.DELIVERED if funded else Pool.Status.FAILED,
        )
        Pool.objects.filter(pk=pool.pk).update(created_at=deadline - timedelta(days=21))
        for plan in chosen:
            goal = goals_by_plan[plan.pk][0]
            pledge = Pledge.objects.create(
                pool=pool,
                member_id=plan.person_id,
                goal=goal,
                amount=share,
                method=Pledge.Method.INVOICE,
                status=Pledge.Status.CAPTURED if funded else Pledge.Status.RELEASED,
            )
            if funded:
                LedgerEntry.objects.create(
                    person_id=plan.person_id,
                    plan=plan,
                    goal=goal,
                    kind="pool_share",
                    amount=share,
                    description=pool.title,
                    reference=f"demo-pool-{pledge.pk}",
                    occurred_at=deadline,
                )
        made += 1
    return made


def _commissioner():
    """A demo commissioner for Oldham (password as the other demo accounts)."""
    from django.contrib.auth.hashers import make_password

    from directory.demo.accounts import DEMO_PASSWORD

    User = get_user_model()
    if User.objects.filter(email=DEMO_COMMISSIONER).exists():
        return
    user = User.objects.create(
        email=DEMO_COMMISSIONER,
        display_name="Chris (Oldham Council)",
        password=make_password(DEMO_PASSWORD),
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.add_role(Role.COMMISSIONER)
    CommissionerArea.objects.create(
        user=user,
        name="Oldham",
        districts=",".join(LOCAL_AUTHORITIES["Oldham"]),
        organisation="Oldham Council (demo)",
    )
