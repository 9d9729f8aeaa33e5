"""Template tags that let other apps' pages link into matching without importing it.

The directory's listing page asks whether a user-led organisation takes
referrals here rather than the directory importing ``matching`` (which
depends on the directory, not the other way round). The plan page asks for
the plan's shared shortlists and referrals here, so its view stays as it is.
Each tag only reads; none of them logs a practitioner's look at a plan.
"""

from __future__ import annotations

from django import template
from django.db.models import Q

from matching import referrals as referral_rules
from matching import shortlists as shortlist_rules
from matching.models import Referral

register = template.Library()


@register.filter
def takes_referrals(page) -> bool:
    """True when someone can be referred to this user-led organisation through Kith.

    Anything that is not a user-led organisation (or an unsaved preview) is not.
    """
    if page is None or getattr(page, "kind", "") != "ulo" or not page.pk:
        return False
    if not hasattr(page, "accepts_referrals"):
        page = page.specific
    return referral_rules.why_not_referrable(page) == ""


@register.simple_tag
def shared_shortlists_for(plan):
    """The shortlists the practitioner has shown the person, newest first."""
    return list(shortlist_rules.shared_shortlists(plan))


@register.simple_tag
def referrals_for(plan, user):
    """Referrals about this plan's person that ``user`` may open, newest first.

    A referral made before the person had a plan carries no plan, so it is
    included too. The named practitioner sees a referral only if they made it
    (the same rule as its status page), so no link here leads to a 404.
    """
    found = (
        Referral.objects.filter(Q(plan=plan) | Q(person_id=plan.person_id, plan__isnull=True))
        .select_related("person", "organisation", "referred_by")
        .order_by("-created_at", "-pk")
    )
    return [referral for referral in found if referral_rules.can_view_referral(user, referral)]
