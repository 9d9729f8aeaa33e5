"""Learning from what people chose: "People with a similar goal chose this".

When a practitioner shortlists a listing for a goal, the person saves it to
their plan, or books it against the goal, that is a choice. Goals are
similar when their main category is the same (what the goal is mostly
about: "swimming", "respite"): a goal's chosen categories, or else the first
category its words point to.

Only counts leave this module, never who chose: a listing is credited for a
kind of goal once at least ``MIN_PEOPLE`` different people chose it for such
a goal, so that no one's choice can be picked out. The counts are worked out
again every ``TTL_SECONDS`` in each process: a soft signal, a few minutes
late at worst.
"""

from __future__ import annotations

import threading
import time

from django.apps import apps

MIN_PEOPLE = 3
TTL_SECONDS = 300.0

# Bookings that went ahead (or are going ahead) count; requests and refusals do not.
BOOKED_STATUSES = ("accepted", "delivered", "paid")

_lock = threading.Lock()
_cache: dict[str, tuple[float, dict[str, dict[int, int]]]] = {}


def chosen_counts() -> dict[str, dict[int, int]]:
    """{main category: {listing id: distinct people}}, only where at least MIN_PEOPLE chose."""
    now = time.monotonic()
    cached = _cache.get("counts")
    if cached is not None and cached[0] > now:
        return cached[1]
    counts = _count()
    with _lock:
        _cache["counts"] = (now + TTL_SECONDS, counts)
    return counts


def forget() -> None:
    """Work the counts out again at the next match (tests; after a bulk import)."""
    with _lock:
        _cache.clear()


def _choices() -> list[tuple[int, int, int]]:
    """(goal id, listing id, person id) for every choice made for a goal."""
    from matching.models import SavedSuggestion, ShortlistItem

    rows = list(
        ShortlistItem.objects.filter(goal__isnull=False).values_list(
            "goal_id", "listing_id", "shortlist__plan__person_id"
        )
    )
    rows += list(
        SavedSuggestion.objects.values_list("goal_id", "listing_id", "goal__plan__person_id")
    )
    if apps.is_installed("marketplace"):
        # Read only, through the ORM: the marketplace owns bookings.
        Booking = apps.get_model("marketplace", "Booking")
        rows += list(
            Booking.objects.filter(goal__isnull=False, status__in=BOOKED_STATUSES).values_list(
                "goal_id", "offer__listing_id", "person_id"
            )
        )
    return rows


def _main_categories(goal_ids) -> dict[int, str]:
    from matching.engine import infer
    from matching.models import Goal

    main: dict[int, str] = {}
    for goal in Goal.objects.filter(pk__in=goal_ids).prefetch_related("categories"):
        chosen = sorted(c.slug for c in goal.categories.all())
        categories = chosen or infer(goal.text).categories
        if categories:
            main[goal.pk] = categories[0]
    return main


def _count() -> dict[str, dict[int, int]]:
    rows = _choices()
    main = _main_categories({goal_id for goal_id, _, _ in rows})
    people: dict[tuple[str, int], set[int]] = {}
    for goal_id, listing_id, person_id in rows:
        category = main.get(goal_id)
        if category is None or person_id is None:
            continue
        people.setdefault((category, listing_id), set()).add(person_id)
    counts: dict[str, dict[int, int]] = {}
    for (category, listing_id), who in people.items():
        if len(who) >= MIN_PEOPLE:
            counts.setdefault(category, {})[listing_id] = len(who)
    return counts


def chosen_by(listing_id: int, main_categories) -> int:
    """How many people chose this listing for a goal like this one (0 below MIN_PEOPLE)."""
    counts = chosen_counts()
    return max((counts.get(slug, {}).get(listing_id, 0) for slug in main_categories), default=0)
