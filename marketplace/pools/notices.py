"""Telling pool members what happened: funded, failed, cancelled, or their payment failed.

As notifications (on "My notifications", and by email unless they turned that off),
to the member and to anyone who acts for them.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from accounts.notifications import Event, notify_person
from marketplace.models import Pledge, Pool

SUBJECTS = {
    "funded": "'{title}' is going ahead",
    "failed": "'{title}' did not get enough members",
    "cancelled": "'{title}' has been cancelled",
    "payment_failed": "We could not take your share for '{title}'",
}


EVENTS = {
    "funded": Event.POOL_FUNDED,
    "payment_failed": Event.POOL_FUNDED,
    "failed": Event.POOL_FAILED,
    "cancelled": Event.POOL_FAILED,
}


def tell(member, pool: Pool, what: str, **context) -> None:
    """Notify the member (and whoever acts for them), by email too if they want it."""
    body = render_to_string(
        f"marketplace/pools/email/{what}.txt", {"pool": pool, "member": member, **context}
    )
    # The notification's own email says hello and signs off.
    lines = [line for line in body.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Hello ") and line != "The Kith team"]
    notify_person(
        member,
        EVENTS[what],
        subject=SUBJECTS[what].format(title=pool.title),
        body="\n\n".join(lines),
        url=reverse("marketplace:pool_detail", args=[pool.pk]),
        context={"pool": pool.pk},
    )


def tell_members(pool: Pool, what: str) -> None:
    """Each member once: not those who left, nor those whose card failed when pledging
    (they never had a place)."""
    seen = set()
    pledges = pool.pledges.select_related("member").exclude(status=Pledge.Status.LEFT)
    for each in pledges.exclude(status=Pledge.Status.FAILED, capture_attempts=0):
        if each.member_id not in seen:
            seen.add(each.member_id)
            tell(each.member, pool, what, pledge=each)
