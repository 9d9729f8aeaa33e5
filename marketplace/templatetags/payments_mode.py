"""The "Test mode: no real money" banner, shown on every page while card payments are pretend."""

from django import template
from django.conf import settings

from kith.config import stripe_test_mode

register = template.Library()


def card_test_mode() -> bool:
    """Whether card payments are pretend (a Stripe test key or a fake Stripe); never live keys."""
    return stripe_test_mode(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


@register.inclusion_tag("marketplace/includes/test_mode_banner.html")
def test_mode_banner():
    return {"test_mode": card_test_mode(), "fake": bool(settings.STRIPE_API_BASE)}
