"""Telling pool members what happened: funded, failed, cancelled, or their payment failed."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string

from marketplace.models import Pledge, Pool

SUBJECTS = {
    "funded": "'{title}' is going ahead",
    "failed": "'{title}' did not get enough members",
    "cancelled": "'{title}' has been cancelled",
    "payment_failed": "We could not take your share for '{title}'",
}


def tell(member, pool: Pool, what: str, **context) -> None:
    if not member.email:
        return
    send_mail(
        subject=SUBJECTS[what].format(title=pool.title),
        message=render_to_string(
            f"marketplace/pools/email/{what}.txt", {"pool": pool, "member": member, **context}
        ),
        from_email=None,
        recipient_list=[member.email],
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
