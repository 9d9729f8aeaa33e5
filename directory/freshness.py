"""How fresh a listing's details are, and what search does about it.

The owner is reminded after 90 days (``directory.moderation``). If they still
have not confirmed the details by STALE_AFTER_DAYS, the listing says "may be
out of date" and ranks below fresher ones; by HIDDEN_AFTER_DAYS it leaves
search (the listing page stays up, saying so) until someone confirms it.
Only a listing whose owner was reminded (``ListingPage.reminded_at``) and
has not confirmed since can go stale; a listing never confirmed has no date
to judge and counts as fresh (every listing created on Kith or imported
gets a date when it is created).

Search snapshots (``ListingRecord`` and the Elasticsearch documents) carry
the ``stale`` flag as it was when they were written, so the scheduler runs
``refresh_search`` daily (from ``send_confirm_reminders``) to re-index the
listings that crossed a line since.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, Q
from django.utils import timezone

STALE_AFTER_DAYS = 120
HIDDEN_AFTER_DAYS = 180
# However old the details, the owner has this long after the (first) reminder
# before anything happens: 120 days less the 90 after which they are reminded.
REMINDER_GRACE_DAYS = 30

# A stale listing's text relevance is multiplied by this in both backends.
STALE_SCORE_FACTOR = 0.5

FRESH, STALE, HIDDEN = "fresh", "stale", "hidden"


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def state(last_confirmed, reminded_at=None, today: date | None = None) -> str:
    """FRESH, STALE ("may be out of date") or HIDDEN (left search).

    Only a listing whose owner was reminded, and has not confirmed since,
    can be STALE or HIDDEN: the reminder is the owner's warning. A listing
    with no owner to remind (e.g. imported and not yet claimed) stays FRESH.
    """
    day, reminded = _as_date(last_confirmed), _as_date(reminded_at)
    today = today or timezone.localdate()
    if day is None or reminded is None or reminded < day:
        return FRESH
    if (today - reminded).days < REMINDER_GRACE_DAYS:
        return FRESH
    age = (today - day).days
    if age > HIDDEN_AFTER_DAYS:
        return HIDDEN
    if age > STALE_AFTER_DAYS:
        return STALE
    return FRESH


def is_stale(last_confirmed, reminded_at=None, today: date | None = None) -> bool:
    """Stale or hidden: shown as "may be out of date" wherever it still appears."""
    return state(last_confirmed, reminded_at, today) != FRESH


def is_hidden(last_confirmed, reminded_at=None, today: date | None = None) -> bool:
    return state(last_confirmed, reminded_at, today) == HIDDEN


def stale_before(today: date | None = None) -> date:
    """Listings last confirmed before this date are stale (or hidden)."""
    return (today or timezone.localdate()) - timedelta(days=STALE_AFTER_DAYS)


def hidden_before(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=HIDDEN_AFTER_DAYS)


def _reminded_and_unconfirmed(today: date | None = None):
    from directory.models import ListingPage

    today = today or timezone.localdate()
    return ListingPage.objects.live().filter(
        reminded_at__isnull=False,
        reminded_at__gte=F("last_confirmed"),
        reminded_at__lte=today - timedelta(days=REMINDER_GRACE_DAYS),
        last_confirmed__lt=stale_before(today),
    )


def out_of_date_listings(today: date | None = None):
    """Live listings stale or hidden, oldest first: the moderators' queue."""
    return _reminded_and_unconfirmed(today).order_by("last_confirmed", "pk")


def refresh_search(today: date | None = None) -> int:
    """Re-index the listings whose snapshot no longer matches their freshness; return how many.

    Catches listings that turned stale (snapshot not yet marked) or passed
    HIDDEN_AFTER_DAYS (snapshot still there). A confirmation re-indexes the
    listing itself, so nothing has to come back here.
    """
    from directory.search.indexing import index_listings
    from directory.search.records import ListingRecord

    candidates = _reminded_and_unconfirmed(today).values("pk")
    ids = list(
        ListingRecord.objects.filter(listing_id__in=candidates)
        .filter(Q(stale=False) | Q(last_confirmed__lt=hidden_before(today)))
        .values_list("listing_id", flat=True)
    )
    for start in range(0, len(ids), 500):
        index_listings(ids[start : start + 500])
    return len(ids)
